//! The connection pool: one enum over sqlx's three pools, chosen by URL.

use std::time::Duration;

use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
#[cfg(feature = "mysql")]
use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::pool::PoolOptions;
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgPool};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::db::backend::{driver::each_backend, Backend};
use crate::db::error::Error;

/// A pool of connections to SQLite, PostgreSQL or MySQL/MariaDB.
///
/// Implements [`rocket_db_pools::Pool`], reading rocket_db_pools' keys (`url`,
/// `min_connections`, `max_connections`, `connect_timeout`, `idle_timeout`).
/// SQLite gets `create_if_missing`, WAL, a busy timeout of `connect_timeout`,
/// foreign keys and case-sensitive `LIKE`.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{Backend, Pool};
/// use rocket_db_pools::Pool as _;
/// let figment = rocket::figment::Figment::from(("url", "sqlite::memory:"));
/// let pool = Pool::init(&figment).await.unwrap();
/// assert_eq!(pool.backend(), Backend::Sqlite);
/// # });
/// ```
#[derive(Clone, Debug)]
pub enum Pool {
    /// SQLite (feature `sqlite`).
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
    /// PostgreSQL (feature `postgres`).
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
    /// MySQL / MariaDB (feature `mysql`).
    #[cfg(feature = "mysql")]
    MySql(MySqlPool),
}

/// A connection checked out of a [`Pool`].
#[derive(Debug)]
pub enum PoolConnection {
    /// SQLite (feature `sqlite`).
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    /// PostgreSQL (feature `postgres`).
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    /// MySQL / MariaDB (feature `mysql`).
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl PoolConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            PoolConnection::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            PoolConnection::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            PoolConnection::MySql(_) => Backend::MySql,
        }
    }
}

impl Pool {
    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Backend::MySql,
        }
    }

    /// The SQLite pool, if this is one.
    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Pool::Sqlite(p) => Some(p),
            #[allow(
                unreachable_patterns,
                reason = "only when other drivers are compiled in"
            )]
            _ => None,
        }
    }

    /// The PostgreSQL pool, if this is one.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(&self) -> Option<&PgPool> {
        match self {
            Pool::Postgres(p) => Some(p),
            #[allow(
                unreachable_patterns,
                reason = "only when other drivers are compiled in"
            )]
            _ => None,
        }
    }

    /// Connects a pool from a URL with the default settings (tests, CLI tools).
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown scheme or bad URL, [`Error::Unavailable`]
    /// when the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Pool, Error> {
        <Pool as rocket_db_pools::Pool>::init(&Figment::from(("url", url))).await
    }

    /// Closes every connection.
    pub async fn close(&self) {
        each_backend!(self, Pool(p) => p.close().await)
    }

    /// Whether [`Pool::close`] has run.
    pub fn is_closed(&self) -> bool {
        each_backend!(self, Pool(p) => p.is_closed())
    }

    /// Connects a pool with rocket_db_pools' settings (`url`, `min_connections`,
    /// `max_connections`, `connect_timeout`, `idle_timeout`).
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown scheme or bad URL, [`Error::Unavailable`]
    /// when the server cannot be reached.
    pub async fn from_config(s: &rocket_db_pools::Config) -> Result<Pool, Error> {
        let backend = Backend::from_url(&s.url).ok_or_else(|| {
            Error::Config(format!(
                "`url` = {:?} has an unknown scheme; use sqlite:, postgres:, postgresql:, mysql: or mariadb:",
                redact(&s.url)
            ))
        })?;
        match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                let opts: SqliteConnectOptions =
                    s.url.parse().map_err(|e| unavailable(&s.url, e))?;
                let opts = opts
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(s.connect_timeout.max(1)))
                    .foreign_keys(true)
                    // WAL's own recommendation: a commit is not fsynced
                    // (a power cut may lose the last commits, never corrupt
                    // the file); FULL would cost one fsync per write
                    .synchronous(SqliteSynchronous::Normal)
                    // 8 MiB of page cache per connection (SQLite's default is
                    // 2 MiB): a COUNT(*) over an index of a few MiB thrashes
                    // a smaller cache and reads every page from the file
                    .pragma("cache_size", "-8000")
                    .pragma("case_sensitive_like", "ON")
                    .with_regexp();
                // instances opening a new file together race to switch it to
                // WAL, which SQLite answers with SQLITE_BUSY at once, not after
                // the busy timeout: try again until `connect_timeout`
                let deadline =
                    std::time::Instant::now() + Duration::from_secs(s.connect_timeout.max(1));
                loop {
                    // an in-process connection cannot be found dead on
                    // acquire: no ping (a worker-thread round trip) per statement
                    match options(s)
                        .test_before_acquire(false)
                        .connect_with(opts.clone())
                        .await
                    {
                        Ok(pool) => return Ok(Pool::Sqlite(pool)),
                        Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(e) => return Err(unavailable(&s.url, e)),
                    }
                }
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                let opts: PgConnectOptions = s.url.parse().map_err(|e| unavailable(&s.url, e))?;
                let pool = options(s)
                    .connect_with(opts)
                    .await
                    .map_err(|e| unavailable(&s.url, e))?;
                Ok(Pool::Postgres(pool))
            }
            #[cfg(feature = "mysql")]
            Backend::MySql => {
                let url = s.url.replacen("mariadb:", "mysql:", 1);
                let opts: MySqlConnectOptions = url.parse().map_err(|e| unavailable(&s.url, e))?;
                let pool = options(s)
                    .connect_with(opts)
                    .await
                    .map_err(|e| unavailable(&s.url, e))?;
                Ok(Pool::MySql(pool))
            }
            #[allow(
                unreachable_patterns,
                reason = "reached only by a backend whose Cargo feature is off"
            )]
            other => Err(other.missing_driver()),
        }
    }

    /// A pool of a PostgreSQL or MySQL server that connects on first use
    /// (a read replica: one that is down at launch must not stop it).
    ///
    /// # Errors
    /// [`Error::Config`] for a bad URL or an SQLite one (SQLite has no
    /// replicas: one process owns the file).
    pub fn connect_lazy(s: &rocket_db_pools::Config) -> Result<Pool, Error> {
        match Backend::from_url(&s.url) {
            Some(backend) if !backend.has_driver() => Err(backend.missing_driver()),
            #[cfg(feature = "postgres")]
            Some(Backend::Postgres) => {
                let opts: PgConnectOptions = s.url.parse().map_err(|e| unavailable(&s.url, e))?;
                Ok(Pool::Postgres(options(s).connect_lazy_with(opts)))
            }
            #[cfg(feature = "mysql")]
            Some(Backend::MySql) => {
                let url = s.url.replacen("mariadb:", "mysql:", 1);
                let opts: MySqlConnectOptions = url.parse().map_err(|e| unavailable(&s.url, e))?;
                Ok(Pool::MySql(options(s).connect_lazy_with(opts)))
            }
            _ => Err(Error::Config(format!(
                "{:?} cannot be a replica: replicas are PostgreSQL or MySQL servers",
                redact(&s.url)
            ))),
        }
    }

    /// Resolves once the pool is closed.
    pub(crate) async fn closed(&self) {
        each_backend!(self, Pool(p) => p.close_event().await)
    }

    /// Checks out one connection (waits at most `connect_timeout`).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the database is down or the pool exhausted.
    pub async fn acquire(&self) -> Result<PoolConnection, Error> {
        let res = match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.acquire().await.map(PoolConnection::Sqlite),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.acquire().await.map(PoolConnection::Postgres),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.acquire().await.map(PoolConnection::MySql),
        };
        res.map_err(|e| Error::Unavailable(e.to_string()))
    }
}

fn options<DB: sqlx::Database>(c: &rocket_db_pools::Config) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(c.max_connections.max(1) as u32)
        .min_connections(c.min_connections.unwrap_or(0))
        .acquire_timeout(Duration::from_secs(c.connect_timeout.max(1)))
        .idle_timeout(c.idle_timeout.map(Duration::from_secs))
}

/// SQLITE_BUSY (5) or one of its extended codes.
#[cfg(feature = "sqlite")]
fn is_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d)
        if d.code().is_some_and(|c| c == "5" || c.parse::<i32>().is_ok_and(|n| n & 0xff == 5)))
}

fn unavailable(url: &str, e: sqlx::Error) -> Error {
    let shown = redact(url);
    match e {
        sqlx::Error::Configuration(c) => Error::Config(format!("`url` = {shown:?}: {c}")),
        e => Error::Unavailable(format!("cannot connect to `url` = {shown:?}: {e}")),
    }
}

/// Hides the password of a URL for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[rocket::async_trait]
impl rocket_db_pools::Pool for Pool {
    type Connection = PoolConnection;
    type Error = Error;

    async fn init(figment: &Figment) -> Result<Self, Self::Error> {
        // what rocket_db_pools' Initializer would default (16 for want of a
        // worker count)
        let config: rocket_db_pools::Config = figment
            .clone()
            .join(Serialized::default("max_connections", 16))
            .join(Serialized::default("connect_timeout", 5))
            .extract()
            .map_err(|e| Error::Config(e.to_string()))?;
        Pool::from_config(&config).await
    }

    async fn get(&self) -> Result<Self::Connection, Self::Error> {
        self.acquire().await
    }

    async fn close(&self) {
        Pool::close(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
