//! The per-driver dispatch under every executor: one borrowed sqlx
//! connection ([`Target`]) or transaction ([`TxInner`]) of a known backend,
//! and running a statement on it with that driver's binding and decoding.
//! The only place outside `backend/` whose arms name the drivers.

#[cfg(feature = "mysql")]
use crate::db::backend::driver::mysql;
#[cfg(feature = "postgres")]
use crate::db::backend::driver::postgres;
#[cfg(feature = "sqlite")]
use crate::db::backend::driver::sqlite;
#[cfg(feature = "sqlite")]
use crate::db::backend::driver::sqlite::BEGIN as SQLITE_BEGIN;
use crate::db::backend::{driver::each_backend, Backend};
use crate::db::pool::{Pool, PoolConnection};
use crate::db::schema::SqlType;
use crate::db::sql::{Returns, Statement};
use crate::db::value::Value;

/// What a write did.
///
/// ```
/// let r = hangar::db::ExecResult::default();
/// assert_eq!(r.rows_affected, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The auto-increment key of an insert (MySQL, SQLite).
    pub last_insert_id: Option<i64>,
}

/// One borrowed sqlx connection of a known backend: what every executor
/// runs statements on.
pub(crate) enum Target<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'c mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'c mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'c mut sqlx::MySqlConnection),
}

fn sql_text(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

macro_rules! fetch_with {
    ($conn:expr, $stmt:expr, $types:expr, $args:path, $decode:path) => {{
        let query = sqlx::query_with(sql_text($stmt.sql), $args($stmt.args)?);
        let rows = if $stmt.returns == Returns::OneRow {
            query.fetch_optional($conn).await?.into_iter().collect()
        } else {
            query.fetch_all($conn).await?
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Vec::with_capacity($types.len());
            for (i, ty) in $types.iter().enumerate() {
                values.push($decode(row, i, *ty)?);
            }
            out.push(values);
        }
        out
    }};
}

impl Target<'_> {
    pub(crate) async fn fetch(
        self,
        stmt: Statement,
        types: &[SqlType],
    ) -> std::result::Result<Vec<Vec<Value>>, sqlx::Error> {
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Target::Sqlite(c) => fetch_with!(c, stmt, types, sqlite::arguments, sqlite::decode),
            #[cfg(feature = "postgres")]
            Target::Postgres(c) => {
                fetch_with!(c, stmt, types, postgres::arguments, postgres::decode)
            }
            #[cfg(feature = "mysql")]
            Target::MySql(c) => fetch_with!(c, stmt, types, mysql::arguments, mysql::decode),
        })
    }

    pub(crate) async fn execute(
        self,
        stmt: Statement,
    ) -> std::result::Result<ExecResult, sqlx::Error> {
        let sql = sql_text(stmt.sql);
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Target::Sqlite(c) => {
                let args = sqlite::arguments(stmt.args)?;
                let r = sqlx::query_with(sql, args).execute(c).await?;
                ExecResult {
                    rows_affected: r.rows_affected(),
                    last_insert_id: Some(r.last_insert_rowid()),
                }
            }
            #[cfg(feature = "postgres")]
            Target::Postgres(c) => {
                let args = postgres::arguments(stmt.args)?;
                let r = sqlx::query_with(sql, args).execute(c).await?;
                ExecResult {
                    rows_affected: r.rows_affected(),
                    last_insert_id: None,
                }
            }
            #[cfg(feature = "mysql")]
            Target::MySql(c) => {
                let args = mysql::arguments(stmt.args)?;
                let r = sqlx::query_with(sql, args).execute(c).await?;
                ExecResult {
                    rows_affected: r.rows_affected(),
                    last_insert_id: i64::try_from(r.last_insert_id()).ok(),
                }
            }
        })
    }

    pub(crate) async fn run_script(self, sql: &str) -> std::result::Result<(), sqlx::Error> {
        let raw = sqlx::raw_sql(sql_text(sql.to_owned()));
        each_backend!(self, Target(c) => raw.execute(c).await.map(|_| ()))
    }

    pub(crate) async fn begin<'t>(self) -> std::result::Result<TxInner<'t>, sqlx::Error>
    where
        Self: 't,
    {
        use sqlx::Connection as _;
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Target::Sqlite(c) if c.is_in_transaction() => TxInner::Sqlite(c.begin().await?),
            #[cfg(feature = "sqlite")]
            Target::Sqlite(c) => TxInner::Sqlite(c.begin_with(SQLITE_BEGIN).await?),
            #[cfg(feature = "postgres")]
            Target::Postgres(c) => TxInner::Postgres(c.begin().await?),
            #[cfg(feature = "mysql")]
            Target::MySql(c) => TxInner::MySql(c.begin().await?),
        })
    }
}

pub(crate) fn target(conn: &mut PoolConnection) -> Target<'_> {
    match conn {
        #[cfg(feature = "sqlite")]
        PoolConnection::Sqlite(c) => Target::Sqlite(c),
        #[cfg(feature = "postgres")]
        PoolConnection::Postgres(c) => Target::Postgres(c),
        #[cfg(feature = "mysql")]
        PoolConnection::MySql(c) => Target::MySql(c),
    }
}

/// A driver transaction of a known backend.
pub(crate) enum TxInner<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'c, sqlx::MySql>),
}

impl<'c> TxInner<'c> {
    /// Begins a transaction on a pooled connection (`BEGIN IMMEDIATE` on SQLite).
    pub(crate) async fn begin_on(pool: &Pool) -> Result<TxInner<'static>, sqlx::Error> {
        match pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.begin_with(SQLITE_BEGIN).await.map(TxInner::Sqlite),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.begin().await.map(TxInner::Postgres),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.begin().await.map(TxInner::MySql),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            TxInner::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            TxInner::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            TxInner::MySql(_) => Backend::MySql,
        }
    }

    pub(crate) fn target(&mut self) -> Target<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            TxInner::Sqlite(t) => Target::Sqlite(t),
            #[cfg(feature = "postgres")]
            TxInner::Postgres(t) => Target::Postgres(t),
            #[cfg(feature = "mysql")]
            TxInner::MySql(t) => Target::MySql(t),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        each_backend!(self, TxInner(t) => t.commit().await)
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        each_backend!(self, TxInner(t) => t.rollback().await)
    }
}
