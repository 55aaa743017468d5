//! Sessions revoked on every instance at once.
//!
//! Each instance caches user rows for `session_cache_ms` and verified
//! credentials for `credentials_cache_ms`. A write that ends a user's
//! sessions (password change, deactivation, logout everywhere, an admin or
//! API edit of the user row) drops them on the instance that made it; on
//! PostgreSQL it is also announced (`db::notify`), and every instance drops
//! its copies the moment the announcement arrives — in practice a few
//! milliseconds. On MySQL and SQLite other instances see the change once
//! their cached copy expires (`session_cache_ms`). A listener that may have
//! missed announcements (a lost connection) drops everything it cached.

use crate::db::notify::{self, Heard};
use crate::db::Db;

/// The PostgreSQL channel revocations travel on (payload: the user's id).
pub const CHANNEL: &str = "hangar_session_revoked";

/// Tells every instance, this one included, that user `id`'s cached row and
/// remembered credentials are stale.
pub(crate) async fn announce(db: &Db, id: i64) {
    let what = format!("the end of user {id}'s sessions");
    notify::notify(db, CHANNEL, &id.to_string(), &what).await;
}

/// Calls `forget` with each user id announced, and with `None` (forget
/// everyone) after a gap in which announcements may have been missed,
/// until `db` closes.
pub(crate) fn listen(db: &Db, forget: impl Fn(Option<i64>) + Send + 'static) {
    notify::listen(db, CHANNEL, move |heard| match heard {
        Heard::Message(payload) => {
            if let Ok(id) = payload.parse::<i64>() {
                forget(Some(id));
            }
        }
        Heard::Gap => forget(None),
    });
}
