//! Running statements: binding [`Value`]s, decoding rows, and the
//! [`Executor`] trait over the pool, one connection and a transaction.

use std::sync::{Arc, RwLock};

use sqlx::{Arguments, Row};

use crate::db::dialect::Backend;
use crate::db::error::{Error, Result};
use crate::db::pool::{Pool, PoolConnection};
use crate::db::schema::{Schema, SqlType};
use crate::db::value::{format_datetime, parse_stored_datetime, Value};

/// SQL text with its bound values (each with the column type it binds as).
///
/// Built by the query layer; an app rarely makes one, but may for raw SQL.
///
/// # Example
/// ```
/// use hangar::db::{SqlType, Statement, Value};
/// let s = Statement::new("SELECT 1").bind(Value::Int(1), SqlType::BigInt);
/// assert_eq!(s.args.len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Statement {
    /// The SQL text, with backend placeholders.
    pub sql: String,
    /// Bound values in placeholder order.
    pub args: Vec<(Value, SqlType)>,
}

impl Statement {
    /// A statement with no arguments.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    /// Adds a bound value.
    pub fn bind(mut self, v: Value, ty: SqlType) -> Statement {
        self.args.push((v, ty));
        self
    }
}

/// What a write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The auto-increment key of an insert (MySQL, SQLite).
    pub last_insert_id: Option<i64>,
}

/// The models registered with the `Database` fairing: used to find the rows
/// that depend on a deleted row.
///
/// Other batteries (auth) add their models at ignite with [`Registry::register`].
#[derive(Clone, Debug, Default)]
pub struct Registry {
    models: Arc<RwLock<Vec<&'static Schema>>>,
}

impl Registry {
    /// A registry of these schemas.
    pub fn new(models: Vec<&'static Schema>) -> Registry {
        Registry {
            models: Arc::new(RwLock::new(models)),
        }
    }

    /// Adds a schema (once).
    pub fn register(&self, schema: &'static Schema) {
        let mut models = self.models.write().unwrap_or_else(|e| e.into_inner());
        if !models.iter().any(|m| std::ptr::eq(*m, schema)) {
            models.push(schema);
        }
    }

    /// The registered schemas, in registration order.
    pub fn models(&self) -> Vec<&'static Schema> {
        self.models
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A schema by model name (`message`) or table name.
    pub fn get(&self, name: &str) -> Option<&'static Schema> {
        self.models()
            .into_iter()
            .find(|s| s.name == name || s.table == name)
    }

    /// `(dependent schema, its FK column)` for every registered FK pointing at `target`.
    pub fn dependents(
        &self,
        target: &'static Schema,
    ) -> Vec<(&'static Schema, &'static crate::db::Column)> {
        let mut out = Vec::new();
        for s in self.models() {
            for (col, t) in s.references() {
                if std::ptr::eq(t, target) {
                    out.push((s, col));
                }
            }
        }
        out
    }
}

/// Something statements run on: [`Db`] (the pool), [`Conn`] (one connection)
/// or [`Transaction`]. Query methods take any `E: Executor`.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{Db, Executor, SqlType, Statement, Value};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// let rows = (&db).fetch(Statement::new("SELECT 40 + 2"), &[SqlType::BigInt]).await.unwrap();
/// assert_eq!(rows[0][0], Value::Int(42));
/// # });
/// ```
#[rocket::async_trait]
pub trait Executor: Send {
    /// The backend SQL is written for.
    fn backend(&self) -> Backend;

    /// The registered models.
    fn registry(&self) -> &Registry;

    /// Runs a query and decodes each row's columns with the given types.
    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>>;

    /// Runs a statement that returns no rows.
    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult>;

    /// Opens an atomic scope for a multi-statement write: the pool hands back
    /// a new [`Transaction`] to run it in; a connection runs `BEGIN`; a
    /// transaction sets a savepoint. Close it with [`Executor::scope_end`].
    async fn scope_begin(&mut self) -> Result<Option<Transaction>>;

    /// Closes the scope opened by [`Executor::scope_begin`] (when it returned `None`).
    async fn scope_end(&mut self, commit: bool) -> Result<()>;
}

/// Runs `$body(&mut ex, args...)` atomically on any executor.
macro_rules! atomically {
    ($ex:expr, $body:ident($($arg:expr),*)) => {{
        let ex = $ex;
        match ex.scope_begin().await? {
            Some(mut tx) => {
                let mut txe = &mut tx;
                match $body(&mut txe, $($arg),*).await {
                    Ok(v) => {
                        tx.commit().await?;
                        Ok(v)
                    }
                    Err(e) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
            None => match $body(&mut *ex, $($arg),*).await {
                Ok(v) => {
                    ex.scope_end(true).await?;
                    Ok(v)
                }
                Err(e) => {
                    let _ = ex.scope_end(false).await;
                    Err(e)
                }
            },
        }
    }};
}
pub(crate) use atomically;

/// Handle on the database pool, cheap to clone; also a request guard.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// assert_eq!(db.backend(), hangar::db::Backend::Sqlite);
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    registry: Registry,
}

impl Db {
    /// Wraps a pool and the registered models.
    pub fn new(pool: Pool, registry: Registry) -> Db {
        Db { pool, registry }
    }

    /// Connects to `url` with default pool settings and no registered models.
    ///
    /// # Errors
    /// As [`Pool::connect`].
    pub async fn connect(url: &str) -> Result<Db> {
        Ok(Db::new(Pool::connect(url).await?, Registry::default()))
    }

    /// The same handle with these models registered (for recursive deletes).
    pub fn with_models(mut self, models: Vec<&'static Schema>) -> Db {
        self.registry = Registry::new(models);
        self
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Checks out one connection.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the database is down or the pool exhausted.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(Conn {
            conn: self.pool.acquire().await?,
            registry: self.registry.clone(),
            depth: 0,
        })
    }

    /// Starts a transaction (`BEGIN IMMEDIATE` on SQLite, so concurrent
    /// writers queue instead of failing). Commit it with
    /// [`Transaction::commit`]; dropping it rolls back.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when no connection can be had.
    ///
    /// # Example
    /// ```
    /// # rocket::async_test(async {
    /// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let mut tx = db.begin().await.unwrap();
    /// // ... writes through `&mut tx` ...
    /// tx.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn begin(&self) -> Result<Transaction> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => p.begin_with("BEGIN IMMEDIATE").await.map(TxInner::Sqlite),
            Pool::Postgres(p) => p.begin().await.map(TxInner::Postgres),
            Pool::MySql(p) => p.begin().await.map(TxInner::MySql),
        }
        .map_err(|e| match e {
            sqlx::Error::Database(_) => Error::from(e),
            e => Error::Unavailable(e.to_string()),
        })?;
        Ok(Transaction {
            inner,
            registry: self.registry.clone(),
            savepoints: 0,
        })
    }

    /// The registered models.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
}

/// One pooled connection; also a request guard (503 when none can be had).
#[derive(Debug)]
pub struct Conn {
    conn: PoolConnection,
    registry: Registry,
    depth: usize,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// A database transaction. Statements run through `&mut tx`; nothing is
/// visible to others until [`Transaction::commit`]; drop rolls back.
pub struct Transaction {
    inner: TxInner,
    registry: Registry,
    savepoints: usize,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transaction")
    }
}

impl Transaction {
    /// Makes the transaction's writes permanent.
    ///
    /// # Errors
    /// The database's error if the commit fails.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t) => t.commit().await,
            TxInner::MySql(t) => t.commit().await,
        }
        .map_err(Error::from)
    }

    /// Discards the transaction's writes.
    ///
    /// # Errors
    /// The database's error if the rollback fails.
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await,
            TxInner::Postgres(t) => t.rollback().await,
            TxInner::MySql(t) => t.rollback().await,
        }
        .map_err(Error::from)
    }
}

// ---- binding --------------------------------------------------------------

fn sqlite_args(args: Vec<(Value, SqlType)>) -> Result<sqlx::sqlite::SqliteArguments> {
    let mut a = sqlx::sqlite::SqliteArguments::default();
    for (v, ty) in args {
        let r = match v {
            Value::Null => bind_null_sqlite(&mut a, ty),
            Value::Bool(b) => a.add(b),
            Value::Int(i) => a.add(i),
            Value::Float(f) => a.add(f),
            Value::Text(s) => a.add(s),
            Value::Bytes(b) => a.add(b),
            Value::DateTime(d) => a.add(format_datetime(d)),
            Value::Date(d) => a.add(d.to_string()),
            Value::Uuid(u) => a.add(u),
            Value::Json(j) => a.add(j.to_string()),
        };
        r.map_err(|e| Error::Database(sqlx::Error::Encode(e)))?;
    }
    Ok(a)
}

fn bind_null_sqlite(
    a: &mut sqlx::sqlite::SqliteArguments,
    _ty: SqlType,
) -> std::result::Result<(), sqlx::error::BoxDynError> {
    a.add(Option::<i64>::None)
}

macro_rules! server_args {
    ($name:ident, $db:ty, $args:ty, json = |$j:ident| $json:expr) => {
        fn $name(args: Vec<(Value, SqlType)>) -> Result<$args> {
            let mut a = <$args>::default();
            for (v, ty) in args {
                let r = match v {
                    Value::Null => match ty {
                        SqlType::Bool => a.add(Option::<bool>::None),
                        SqlType::Int => a.add(Option::<i32>::None),
                        SqlType::BigInt => a.add(Option::<i64>::None),
                        SqlType::Float => a.add(Option::<f64>::None),
                        SqlType::Text { .. } => a.add(Option::<String>::None),
                        SqlType::Bytes => a.add(Option::<Vec<u8>>::None),
                        SqlType::DateTime => a.add(Option::<time::OffsetDateTime>::None),
                        SqlType::Date => a.add(Option::<time::Date>::None),
                        SqlType::Uuid => a.add(Option::<uuid::Uuid>::None),
                        SqlType::Json => {
                            let $j: Option<serde_json::Value> = None;
                            a.add($j.map(|$j| $json))
                        }
                    },
                    Value::Bool(b) => a.add(b),
                    Value::Int(i) if ty == SqlType::Int => match i32::try_from(i) {
                        Ok(i) => a.add(i),
                        Err(e) => Err(e.into()),
                    },
                    Value::Int(i) if ty == SqlType::Float => a.add(i as f64),
                    Value::Int(i) => a.add(i),
                    Value::Float(f) => a.add(f),
                    Value::Text(s) => a.add(s),
                    Value::Bytes(b) => a.add(b),
                    Value::DateTime(d) => a.add(d),
                    Value::Date(d) => a.add(d),
                    Value::Uuid(u) => a.add(u),
                    Value::Json($j) => a.add($json),
                };
                r.map_err(|e| Error::Database(sqlx::Error::Encode(e)))?;
            }
            Ok(a)
        }
    };
}

server_args!(
    pg_args,
    sqlx::Postgres,
    sqlx::postgres::PgArguments,
    json = |j| sqlx::types::Json(j)
);
server_args!(
    mysql_args,
    sqlx::MySql,
    sqlx::mysql::MySqlArguments,
    json = |j| j.to_string()
);

// ---- decoding -------------------------------------------------------------

type DecodeResult = std::result::Result<Value, sqlx::Error>;

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Null, f)
}

fn decode_err(i: usize, msg: impl Into<String>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: msg.into().into(),
    }
}

fn uuid_from_bytes(i: usize, b: Vec<u8>) -> DecodeResult {
    uuid::Uuid::from_slice(&b)
        .or_else(|_| uuid::Uuid::try_parse_ascii(&b))
        .map(Value::Uuid)
        .map_err(|e| decode_err(i, e.to_string()))
}

fn json_from_text(i: usize, s: &str) -> DecodeResult {
    serde_json::from_str(s)
        .map(Value::Json)
        .map_err(|e| decode_err(i, e.to_string()))
}

fn decode_sqlite(row: &sqlx::sqlite::SqliteRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int | SqlType::BigInt => opt(row.try_get::<Option<i64>, _>(i)?, Value::Int),
        SqlType::Float => opt(row.try_get::<Option<f64>, _>(i)?, Value::Float),
        SqlType::Text { .. } => opt(row.try_get::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(row.try_get::<Option<Vec<u8>>, _>(i)?, Value::Bytes),
        SqlType::DateTime => match row.try_get_unchecked::<Option<String>, _>(i)? {
            None => Value::Null,
            Some(s) => Value::DateTime(
                parse_stored_datetime(&s).ok_or_else(|| decode_err(i, "bad timestamp"))?,
            ),
        },
        SqlType::Date => match row.try_get_unchecked::<Option<String>, _>(i)? {
            None => Value::Null,
            Some(s) => Value::Date(
                time::Date::parse(
                    &s,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|e| decode_err(i, e.to_string()))?,
            ),
        },
        SqlType::Uuid => match row.try_get_unchecked::<Option<Vec<u8>>, _>(i)? {
            None => Value::Null,
            Some(b) => uuid_from_bytes(i, b)?,
        },
        SqlType::Json => match row.try_get_unchecked::<Option<&str>, _>(i)? {
            None => Value::Null,
            Some(s) => json_from_text(i, s)?,
        },
    })
}

fn decode_pg(row: &sqlx::postgres::PgRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int => opt(row.try_get::<Option<i32>, _>(i)?, |v| Value::Int(v.into())),
        SqlType::BigInt => opt(row.try_get::<Option<i64>, _>(i)?, Value::Int),
        SqlType::Float => opt(row.try_get::<Option<f64>, _>(i)?, Value::Float),
        SqlType::Text { .. } => opt(row.try_get::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(row.try_get::<Option<Vec<u8>>, _>(i)?, Value::Bytes),
        SqlType::DateTime => opt(row.try_get(i)?, Value::DateTime),
        SqlType::Date => opt(row.try_get(i)?, Value::Date),
        SqlType::Uuid => opt(row.try_get(i)?, Value::Uuid),
        SqlType::Json => opt(
            row.try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)?,
            |j| Value::Json(j.0),
        ),
    })
}

fn decode_mysql(row: &sqlx::mysql::MySqlRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int => opt(row.try_get_unchecked::<Option<i32>, _>(i)?, |v| {
            Value::Int(v.into())
        }),
        SqlType::BigInt => opt(row.try_get_unchecked::<Option<i64>, _>(i)?, Value::Int),
        SqlType::Float => opt(row.try_get::<Option<f64>, _>(i)?, Value::Float),
        SqlType::Text { .. } => opt(row.try_get_unchecked::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(
            row.try_get_unchecked::<Option<Vec<u8>>, _>(i)?,
            Value::Bytes,
        ),
        SqlType::DateTime => opt(row.try_get(i)?, Value::DateTime),
        SqlType::Date => opt(row.try_get(i)?, Value::Date),
        SqlType::Uuid => match row.try_get_unchecked::<Option<Vec<u8>>, _>(i)? {
            None => Value::Null,
            Some(b) => uuid_from_bytes(i, b)?,
        },
        SqlType::Json => match row.try_get_unchecked::<Option<&str>, _>(i)? {
            None => Value::Null,
            Some(s) => json_from_text(i, s)?,
        },
    })
}

macro_rules! decode_rows {
    ($rows:expr, $types:expr, $decode:ident) => {{
        let mut out = Vec::with_capacity($rows.len());
        for row in &$rows {
            let mut vals = Vec::with_capacity($types.len());
            for (i, ty) in $types.iter().enumerate() {
                vals.push($decode(row, i, *ty)?);
            }
            out.push(vals);
        }
        Ok::<_, sqlx::Error>(out)
    }};
}

fn sql_text(stmt_sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(stmt_sql)
}

/// Runs `fetch`/`execute` against one sqlx executor of a known backend.
macro_rules! run_on {
    (fetch sqlite $ex:expr, $stmt:expr, $types:expr) => {{
        let args = sqlite_args($stmt.args)?;
        // a single-row query skips the row stream (one round trip less on SQLite)
        let single = $stmt.sql.ends_with(" LIMIT 1");
        let query = sqlx::query_with(sql_text($stmt.sql), args);
        let rows: Vec<_> = if single {
            query.fetch_optional($ex).await?.into_iter().collect()
        } else {
            query.fetch_all($ex).await?
        };
        decode_rows!(rows, $types, decode_sqlite)?
    }};
    (fetch postgres $ex:expr, $stmt:expr, $types:expr) => {{
        let args = pg_args($stmt.args)?;
        // a single-row query skips the row stream (one round trip less on SQLite)
        let single = $stmt.sql.ends_with(" LIMIT 1");
        let query = sqlx::query_with(sql_text($stmt.sql), args);
        let rows: Vec<_> = if single {
            query.fetch_optional($ex).await?.into_iter().collect()
        } else {
            query.fetch_all($ex).await?
        };
        decode_rows!(rows, $types, decode_pg)?
    }};
    (fetch mysql $ex:expr, $stmt:expr, $types:expr) => {{
        let args = mysql_args($stmt.args)?;
        // a single-row query skips the row stream (one round trip less on SQLite)
        let single = $stmt.sql.ends_with(" LIMIT 1");
        let query = sqlx::query_with(sql_text($stmt.sql), args);
        let rows: Vec<_> = if single {
            query.fetch_optional($ex).await?.into_iter().collect()
        } else {
            query.fetch_all($ex).await?
        };
        decode_rows!(rows, $types, decode_mysql)?
    }};
    (execute sqlite $ex:expr, $stmt:expr) => {{
        let args = sqlite_args($stmt.args)?;
        let r = sqlx::query_with(sql_text($stmt.sql), args)
            .execute($ex)
            .await?;
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: Some(r.last_insert_rowid()),
        }
    }};
    (execute postgres $ex:expr, $stmt:expr) => {{
        let args = pg_args($stmt.args)?;
        let r = sqlx::query_with(sql_text($stmt.sql), args)
            .execute($ex)
            .await?;
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: None,
        }
    }};
    (execute mysql $ex:expr, $stmt:expr) => {{
        let args = mysql_args($stmt.args)?;
        let r = sqlx::query_with(sql_text($stmt.sql), args)
            .execute($ex)
            .await?;
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: i64::try_from(r.last_insert_id()).ok(),
        }
    }};
}

#[rocket::async_trait]
impl Executor for &Db {
    fn backend(&self) -> Backend {
        self.pool.backend()
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => run_on!(fetch sqlite p, stmt, types),
            Pool::Postgres(p) => run_on!(fetch postgres p, stmt, types),
            Pool::MySql(p) => run_on!(fetch mysql p, stmt, types),
        })
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => run_on!(execute sqlite p, stmt),
            Pool::Postgres(p) => run_on!(execute postgres p, stmt),
            Pool::MySql(p) => run_on!(execute mysql p, stmt),
        })
    }

    async fn scope_begin(&mut self) -> Result<Option<Transaction>> {
        self.begin().await.map(Some)
    }

    async fn scope_end(&mut self, _commit: bool) -> Result<()> {
        Ok(())
    }
}

#[rocket::async_trait]
impl Executor for &mut Conn {
    fn backend(&self) -> Backend {
        match self.conn {
            PoolConnection::Sqlite(_) => Backend::Sqlite,
            PoolConnection::Postgres(_) => Backend::Postgres,
            PoolConnection::MySql(_) => Backend::MySql,
        }
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        Ok(match &mut self.conn {
            PoolConnection::Sqlite(c) => run_on!(fetch sqlite &mut **c, stmt, types),
            PoolConnection::Postgres(c) => run_on!(fetch postgres &mut **c, stmt, types),
            PoolConnection::MySql(c) => run_on!(fetch mysql &mut **c, stmt, types),
        })
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        Ok(match &mut self.conn {
            PoolConnection::Sqlite(c) => run_on!(execute sqlite &mut **c, stmt),
            PoolConnection::Postgres(c) => run_on!(execute postgres &mut **c, stmt),
            PoolConnection::MySql(c) => run_on!(execute mysql &mut **c, stmt),
        })
    }

    async fn scope_begin(&mut self) -> Result<Option<Transaction>> {
        // nested scopes on one connection become savepoints
        let sql = match (self.depth, self.backend()) {
            (0, Backend::Sqlite) => "BEGIN IMMEDIATE".to_owned(),
            (0, _) => "BEGIN".to_owned(),
            (n, _) => format!("SAVEPOINT hangar_conn_sp_{n}"),
        };
        self.execute(Statement::new(sql)).await?;
        self.depth += 1;
        Ok(None)
    }

    async fn scope_end(&mut self, commit: bool) -> Result<()> {
        self.depth = self.depth.saturating_sub(1);
        let n = self.depth;
        let statements = match (n, commit) {
            (0, true) => vec!["COMMIT".to_owned()],
            (0, false) => vec!["ROLLBACK".to_owned()],
            (n, true) => vec![format!("RELEASE SAVEPOINT hangar_conn_sp_{n}")],
            (n, false) => vec![
                format!("ROLLBACK TO SAVEPOINT hangar_conn_sp_{n}"),
                format!("RELEASE SAVEPOINT hangar_conn_sp_{n}"),
            ],
        };
        for sql in statements {
            self.execute(Statement::new(sql)).await?;
        }
        Ok(())
    }
}

#[rocket::async_trait]
impl Executor for &mut Transaction {
    fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
            TxInner::MySql(_) => Backend::MySql,
        }
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => run_on!(fetch sqlite &mut **t, stmt, types),
            TxInner::Postgres(t) => run_on!(fetch postgres &mut **t, stmt, types),
            TxInner::MySql(t) => run_on!(fetch mysql &mut **t, stmt, types),
        })
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => run_on!(execute sqlite &mut **t, stmt),
            TxInner::Postgres(t) => run_on!(execute postgres &mut **t, stmt),
            TxInner::MySql(t) => run_on!(execute mysql &mut **t, stmt),
        })
    }

    async fn scope_begin(&mut self) -> Result<Option<Transaction>> {
        self.savepoints += 1;
        let sql = format!("SAVEPOINT hangar_sp_{}", self.savepoints);
        self.execute(Statement::new(sql)).await?;
        Ok(None)
    }

    async fn scope_end(&mut self, commit: bool) -> Result<()> {
        let n = self.savepoints;
        self.savepoints = n.saturating_sub(1);
        if !commit {
            let sql = format!("ROLLBACK TO SAVEPOINT hangar_sp_{n}");
            self.execute(Statement::new(sql)).await?;
        }
        let sql = format!("RELEASE SAVEPOINT hangar_sp_{n}");
        self.execute(Statement::new(sql)).await.map(drop)
    }
}

#[rocket::async_trait]
impl<T: Executor + ?Sized> Executor for &mut T {
    fn backend(&self) -> Backend {
        (**self).backend()
    }

    fn registry(&self) -> &Registry {
        (**self).registry()
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        (**self).fetch(stmt, types).await
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        (**self).execute(stmt).await
    }

    async fn scope_begin(&mut self) -> Result<Option<Transaction>> {
        (**self).scope_begin().await
    }

    async fn scope_end(&mut self, commit: bool) -> Result<()> {
        (**self).scope_end(commit).await
    }
}
