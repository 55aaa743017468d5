//! Read replicas: reads outside a transaction go to a healthy replica,
//! everything else to the primary.
//!
//! `databases.<name>.replicas = ["postgres://…", …]` adds replicas of the
//! primary (PostgreSQL streaming replicas, MySQL/MariaDB replicas). Each gets
//! a pool of its own, connected on first use, and a watcher that asks it
//! every `replica_check_ms` how far behind it is: a replica that does not
//! answer, or lags more than `replica_max_lag_ms`, is skipped until it has
//! caught up. A read that fails on a replica because the connection is gone
//! marks it down and is run again on the primary, so a replica stopping
//! under load costs latency, never an error.
//!
//! What always goes to the primary: writes, transactions (and every read in
//! them), statements not known to be reads, and — read-your-writes — every
//! request of a client that wrote within `read_your_writes_ms` (the
//! `Database` fairing marks such clients with a cookie; see
//! [`Db::for_request`](crate::db::Db::for_request)) or that is itself a write.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::db::connection::target;
use crate::db::error::{connection_lost, Result};
use crate::db::pool::{redact, Pool};
use crate::db::schema::SqlType;
use crate::db::sql::Statement;
use crate::db::value::Value;

/// How a primary's replicas are used.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReplicaPolicy {
    /// Replicas further behind than this are skipped.
    pub max_lag: Duration,
    /// How often each replica is asked for its lag.
    pub check_every: Duration,
    /// How long a client's reads stay on the primary after its write.
    pub read_your_writes: Duration,
}

/// One replica.
#[derive(Debug)]
pub(crate) struct Replica {
    /// The URL with any password hidden (for logs).
    pub shown: String,
    pub pool: Pool,
    healthy: AtomicBool,
    /// The lag last measured, in milliseconds (-1: not answering).
    lag_ms: AtomicI64,
}

/// The replicas of a primary.
#[derive(Debug)]
pub(crate) struct Replicas {
    members: Vec<Replica>,
    next: AtomicUsize,
    policy: ReplicaPolicy,
}

/// Where a replica stands (for monitoring and tests).
///
/// ```
/// let s = hangar::db::ReplicaState { url: "postgres://db2/app".into(), healthy: true, lag_ms: Some(3) };
/// assert!(s.healthy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaState {
    /// The replica's URL (password hidden).
    pub url: String,
    /// Whether reads go to it.
    pub healthy: bool,
    /// Its lag at the last check; `None` when it did not answer.
    pub lag_ms: Option<i64>,
}

impl Replicas {
    /// Pools for `urls` (connected on first use), all considered down until
    /// a first check.
    pub(crate) fn new(
        urls: &[String],
        primary: &rocket_db_pools::Config,
        policy: ReplicaPolicy,
    ) -> Result<Replicas> {
        let members = urls
            .iter()
            .map(|url| {
                let config = rocket_db_pools::Config {
                    url: url.clone(),
                    ..primary.clone()
                };
                Ok(Replica {
                    shown: redact(url),
                    pool: Pool::connect_lazy(&config)?,
                    healthy: AtomicBool::new(false),
                    lag_ms: AtomicI64::new(-1),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Replicas {
            members,
            next: AtomicUsize::new(0),
            policy,
        })
    }

    /// The next healthy replica, round robin.
    pub(crate) fn pick(&self) -> Option<&Replica> {
        let n = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.members[(start + i) % n])
            .find(|r| r.healthy.load(Ordering::Acquire))
    }

    /// Takes a replica out of rotation until its next good check.
    pub(crate) fn mark_down(&self, replica: &Replica, why: &dyn std::fmt::Display) {
        if replica.healthy.swap(false, Ordering::AcqRel) {
            rocket::warn!(
                "hangar database: replica {} skipped: {why}; reads go to the primary",
                replica.shown
            );
        }
    }

    /// Where each replica stands.
    pub(crate) fn states(&self) -> Vec<ReplicaState> {
        self.members
            .iter()
            .map(|r| {
                let lag = r.lag_ms.load(Ordering::Acquire);
                ReplicaState {
                    url: r.shown.clone(),
                    healthy: r.healthy.load(Ordering::Acquire),
                    lag_ms: (lag >= 0).then_some(lag),
                }
            })
            .collect()
    }

    /// Checks every replica once.
    pub(crate) async fn check_all(&self) {
        for r in &self.members {
            let timeout = self.policy.check_every.max(Duration::from_secs(1));
            let lag = match tokio::time::timeout(timeout, lag_of(&r.pool)).await {
                Ok(Ok(lag)) => Ok(lag),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {timeout:?}")),
            };
            match lag {
                Ok(lag) if lag <= self.policy.max_lag.as_millis() as i64 => {
                    r.lag_ms.store(lag, Ordering::Release);
                    if !r.healthy.swap(true, Ordering::AcqRel) {
                        rocket::info!(
                            "hangar database: replica {} in use ({lag} ms behind)",
                            r.shown
                        );
                    }
                }
                Ok(lag) => {
                    r.lag_ms.store(lag, Ordering::Release);
                    let limit = self.policy.max_lag.as_millis();
                    self.mark_down(r, &format!("{lag} ms behind (limit {limit} ms)"));
                }
                Err(e) => {
                    r.lag_ms.store(-1, Ordering::Release);
                    self.mark_down(r, &format!("not answering ({e})"));
                }
            }
        }
    }

    /// Checks the replicas every `check_every` until `primary` closes, then
    /// closes their pools.
    pub(crate) fn watch(self: &Arc<Self>, primary: &Pool) {
        let replicas = self.clone();
        let primary = primary.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = primary.closed() => break,
                    _ = tokio::time::sleep(replicas.policy.check_every) => replicas.check_all().await,
                }
            }
            for r in &replicas.members {
                r.pool.close().await;
            }
        });
    }
}

/// How far behind its primary a replica is, in milliseconds: zero when it
/// has replayed everything it received (an idle primary is not lag).
async fn lag_of(pool: &Pool) -> Result<i64> {
    match pool {
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => Ok(crate::db::backend::driver::postgres::replica_lag_ms(p).await?),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => crate::db::backend::driver::mysql::replica_lag_ms(p)
            .await?
            .ok_or_else(|| {
                crate::db::error::Error::Unavailable(
                    "not replicating, or replication stopped".into(),
                )
            }),
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => Err(crate::db::error::Error::Config(
            "SQLite has no replicas".into(),
        )),
    }
}

impl Replicas {
    /// Runs a read on a healthy replica: `None` sends it to the primary (no
    /// healthy replica, or the replica failed — marked down when its
    /// connection is gone).
    pub(crate) async fn read(
        &self,
        stmt: &Statement,
        types: &[SqlType],
    ) -> Option<Vec<Vec<Value>>> {
        let replica = self.pick()?;
        let mut conn = match replica.pool.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                self.mark_down(replica, &e);
                return None;
            }
        };
        match target(&mut conn).fetch(stmt.clone(), types).await {
            Ok(rows) => Some(rows),
            Err(e) => {
                if connection_lost(&e) {
                    self.mark_down(replica, &e);
                }
                // a conflict with recovery, or anything else: the primary answers
                None
            }
        }
    }

    /// How long a client's reads stay on the primary after its write.
    pub(crate) fn read_your_writes(&self) -> Duration {
        self.policy.read_your_writes
    }
}
