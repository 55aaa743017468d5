//! PostgreSQL notifications (`NOTIFY` / `LISTEN`) between the instances of
//! an app sharing one database. Elsewhere there is nothing to send or hear:
//! callers fall back to their own expiry.

#[cfg(feature = "postgres")]
use sqlx::postgres::{PgListener, PgPoolOptions};
#[cfg(feature = "postgres")]
use std::time::Duration;

use crate::db::executor::Db;

/// What a listener hears.
#[cfg_attr(
    not(feature = "postgres"),
    allow(dead_code, reason = "only PostgreSQL delivers notifications")
)]
pub(crate) enum Heard<'a> {
    /// A notification's payload.
    Message(&'a str),
    /// Notifications may have been missed (not yet listening, or the
    /// connection was lost and made again).
    Gap,
}

/// Sends `payload` on `channel` to every listening instance (PostgreSQL;
/// elsewhere nothing). A failure is logged, naming what it was for.
pub(crate) async fn notify(db: &Db, channel: &str, payload: &str, what: &str) {
    #[cfg(not(feature = "postgres"))]
    let _ = (db, channel, payload, what);
    #[cfg(feature = "postgres")]
    if let Some(p) = db.pool().postgres() {
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(p)
            .await;
        if let Err(e) = sent {
            rocket::warn!("hangar: {what} was not announced to other instances ({e})");
        }
    }
}

/// On PostgreSQL, calls `heard` for everything arriving on `channel` until
/// `db`'s pool closes; on a connection of its own (`LISTEN` holds it for
/// the instance's life), reconnecting after a loss.
pub(crate) fn listen(db: &Db, channel: &'static str, heard: impl Fn(Heard<'_>) + Send + 'static) {
    #[cfg(not(feature = "postgres"))]
    let _ = (db, channel, heard);
    #[cfg(feature = "postgres")]
    listen_postgres(db, channel, heard);
}

#[cfg(feature = "postgres")]
fn listen_postgres(db: &Db, channel: &'static str, heard: impl Fn(Heard<'_>) + Send + 'static) {
    let Some(main) = db.pool().postgres() else {
        return;
    };
    let main = main.clone();
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*main.connect_options()).clone());
    tokio::spawn(async move {
        let mut listener: Option<PgListener> = None;
        let mut failing = false;
        loop {
            let l = match &mut listener {
                Some(l) => l,
                None => match subscribe(&own, channel).await {
                    Ok(l) => {
                        heard(Heard::Gap);
                        failing = false;
                        listener.insert(l)
                    }
                    Err(e) => {
                        if !failing {
                            rocket::warn!("hangar: cannot LISTEN on {channel} ({e}); retrying");
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
                    Ok(Some(n)) => heard(Heard::Message(n.payload())),
                    // the connection was lost; the next call reconnects
                    Ok(None) => heard(Heard::Gap),
                    Err(_) => listener = None,
                },
            }
        }
        own.close().await;
    });
}

#[cfg(feature = "postgres")]
async fn subscribe(pool: &sqlx::PgPool, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect_with(pool).await?;
    l.listen(channel).await?;
    Ok(l)
}
