//! SQLite's writers, queued in the process.
//!
//! SQLite lets one connection write at a time. Left to the database, every
//! other writer sleeps in its busy handler, waking on a back-off schedule
//! (up to 100 ms between tries): under concurrent writes most of a writer's
//! latency is that sleep, and a writer that out-waits `busy_timeout` fails
//! with `database is locked`. Queuing the pool's writers on a semaphore
//! instead hands the write lock over the moment it is free, in arrival order.
//!
//! The queue covers what goes through [`Db`](crate::db::Db): its
//! transactions (held from `BEGIN IMMEDIATE` to commit or rollback) and
//! statements that may write outside one. A turn not had within the pool's
//! timeout is given up and the write goes to the database unqueued, so a
//! transaction that writes through the pool beside itself is no worse off
//! than without the queue (SQLite's busy handler decides, as before).
//! Other processes writing to the same file still meet SQLite's own lock.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::pool::Pool;

/// One writer at a time on a SQLite pool; nothing on the servers.
#[derive(Clone, Debug)]
pub(crate) struct WriteQueue {
    turns: Option<Arc<Semaphore>>,
    patience: Duration,
}

/// A writer's turn; the next writer goes when it is dropped.
pub(crate) type WriteTurn = Option<OwnedSemaphorePermit>;

impl WriteQueue {
    /// The queue for `pool`'s writers.
    pub(crate) fn for_pool(pool: &Pool) -> WriteQueue {
        #[cfg(feature = "sqlite")]
        if let Some(p) = pool.sqlite() {
            return WriteQueue {
                turns: Some(Arc::new(Semaphore::new(1))),
                patience: p.options().get_acquire_timeout(),
            };
        }
        #[cfg(not(feature = "sqlite"))]
        let _ = pool;
        WriteQueue {
            turns: None,
            patience: Duration::ZERO,
        }
    }

    /// Waits for this writer's turn (none to wait for on the servers; none
    /// had within the pool's timeout: the database's own lock decides).
    pub(crate) async fn turn(&self) -> WriteTurn {
        let turns = self.turns.clone()?;
        tokio::time::timeout(self.patience, turns.acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_writers_take_turns_and_servers_do_not_queue() {
        let db = crate::db::Db::connect("sqlite::memory:").await.unwrap();
        let queue = WriteQueue::for_pool(db.pool());
        let first = queue.turn().await;
        assert!(first.is_some());
        let second = tokio::time::timeout(Duration::from_millis(50), queue.turn()).await;
        assert!(second.is_err(), "the second writer waits for the first");
        drop(first);
        assert!(queue.turn().await.is_some());
    }

    #[tokio::test]
    async fn a_turn_not_had_in_time_is_given_up() {
        let queue = WriteQueue {
            turns: Some(Arc::new(Semaphore::new(1))),
            patience: Duration::from_millis(20),
        };
        let _held = queue.turn().await;
        assert!(queue.turn().await.is_none(), "goes on unqueued");
    }
}
