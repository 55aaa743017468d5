//! The lock instances take while they migrate.

#[cfg(any(feature = "postgres", feature = "mysql"))]
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
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use sqlx::Connection as _;
    #[cfg(not(any(feature = "postgres", feature = "mysql")))]
    let _ = table;
    Ok(match db.pool() {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => RunLock::None,
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => {
            let mut c = sqlx::PgConnection::connect_with(&p.connect_options())
                .await
                .map_err(Error::from)?;
            sqlx::query(
                "SELECT pg_advisory_lock(hashtextextended(current_database() || ':' || $1, 0))",
            )
            .bind(table)
            .execute(&mut c)
            .await
            .map_err(Error::from)?;
            RunLock::Postgres(c)
        }
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => {
            let mut c = sqlx::MySqlConnection::connect_with(&p.connect_options())
                .await
                .map_err(Error::from)?;
            // MariaDB reads a negative timeout as none: wait up to a day
            let got: Option<i64> =
                sqlx::query_scalar("SELECT GET_LOCK(SHA1(CONCAT(DATABASE(), ':', ?)), 86400)")
                    .bind(table)
                    .fetch_one(&mut c)
                    .await
                    .map_err(Error::from)?;
            if got != Some(1) {
                return Err(Error::Migration(
                    "another instance holds the migration lock".into(),
                ));
            }
            RunLock::MySql(c)
        }
    })
}
