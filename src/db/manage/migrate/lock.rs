//! The lock instances take while they migrate.

#[cfg(any(feature = "postgres", feature = "mysql"))]
#[cfg(any(feature = "postgres", feature = "mysql"))]
use crate::db::backend::driver;
#[cfg(feature = "mysql")]
use crate::db::error::Error;
use crate::db::error::Result;
use crate::db::executor::Db;
use crate::db::pool::Pool;

/// Held while migrations run, so instances launching together apply each
/// migration once: a PostgreSQL advisory lock or a MySQL `GET_LOCK`, named
/// after the database and the bookkeeping table, on a connection opened
/// beside the pool (a pool of one connection still has it for the work) and
/// dropped with this — which ends the session and so the lock, whatever
/// happened. On SQLite the runner's `BEGIN IMMEDIATE` serialises instances,
/// and each migration is checked again once the write lock is held.
pub(super) enum RunLock {
    #[cfg(feature = "sqlite")]
    None,
    #[cfg(feature = "postgres")]
    Postgres(
        #[allow(dead_code, reason = "held, not read: dropping it ends the lock")]
        sqlx::PgConnection,
    ),
    #[cfg(feature = "mysql")]
    MySql(
        #[allow(dead_code, reason = "held, not read: dropping it ends the lock")]
        sqlx::MySqlConnection,
    ),
}

pub(super) async fn run_lock(db: &Db, table: &str) -> Result<RunLock> {
    #[cfg(not(any(feature = "postgres", feature = "mysql")))]
    let _ = table;
    Ok(match db.pool() {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => RunLock::None,
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => RunLock::Postgres(driver::postgres::session_lock(p, table).await?),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => match driver::mysql::session_lock(p, table).await? {
            Some(c) => RunLock::MySql(c),
            None => {
                return Err(Error::Migration(
                    "another instance holds the migration lock".into(),
                ))
            }
        },
    })
}
