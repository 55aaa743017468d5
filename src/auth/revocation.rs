//! Sessions revoked on every instance at once.
//!
//! Each instance caches user rows for `session_cache_ms` and verified
//! credentials for `credentials_cache_ms`. A write that ends a user's
//! sessions (password change, deactivation, logout everywhere, an admin or
//! API edit of the user row) drops them on the instance that made it; on
//! PostgreSQL it is also announced with `NOTIFY`, and every instance
//! listening (`LISTEN` on a connection of its own) drops its copies the
//! moment the notification arrives — in practice a few milliseconds. On
//! MySQL and SQLite other instances see the change once their cached copy
//! expires (`session_cache_ms`).
//!
//! A listener that loses its connection reconnects; notifications sent
//! meanwhile are lost, so on reconnecting it drops everything it cached.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::auth::store::UserStore;
use crate::db::{Db, Pool};

/// The PostgreSQL channel revocations travel on (payload: the user's id).
pub const CHANNEL: &str = "hangar_session_revoked";

/// Tells every instance, this one included, that user `id`'s cached row and
/// remembered credentials are stale (PostgreSQL; elsewhere nothing to do).
pub(crate) async fn announce(db: &Db, id: i64) {
    if let Pool::Postgres(p) = db.pool() {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(id.to_string())
            .execute(p)
            .await;
        if let Err(e) = sent {
            rocket::warn!(
                "hangar auth: other instances were not told that user {id}'s sessions ended \
                 ({e}); they see it within session_cache_ms"
            );
        }
    }
}

/// On PostgreSQL, listens for revocations until `db`'s pool is closed,
/// dropping what `store` cached for each user named.
pub(crate) fn listen(db: &Db, store: Arc<dyn UserStore>) {
    let Pool::Postgres(main) = db.pool() else {
        return;
    };
    let main = main.clone();
    // a connection of its own: LISTEN holds it for the instance's life
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*main.connect_options()).clone());
    tokio::spawn(async move {
        let mut listener: Option<PgListener> = None;
        let mut failing = false;
        loop {
            let l = match &mut listener {
                Some(l) => l,
                None => match subscribe(&own).await {
                    Ok(l) => {
                        // what was announced while not listening is lost
                        store.forget_all();
                        failing = false;
                        listener.insert(l)
                    }
                    Err(e) => {
                        if !failing {
                            rocket::warn!(
                                "hangar auth: cannot LISTEN for revocations ({e}); retrying"
                            );
                            failing = true;
                        }
                        tokio::select! {
                            _ = main.close_event() => break,
                            _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        }
                    }
                },
            };
            tokio::select! {
                _ = main.close_event() => break,
                next = l.try_recv() => match next {
                    Ok(Some(n)) => {
                        if let Ok(id) = n.payload().parse::<i64>() {
                            store.forget(id);
                        }
                    }
                    // the connection was lost; the next call reconnects
                    Ok(None) => store.forget_all(),
                    Err(_) => listener = None,
                },
            }
        }
        own.close().await;
    });
}

async fn subscribe(pool: &sqlx::PgPool) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect_with(pool).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}
