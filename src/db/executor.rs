//! Running statements: the [`Executor`] trait over the pool ([`Db`]), one
//! connection ([`Conn`]) and a [`Transaction`].
//!
//! Transactions are sqlx's own: a nested [`Executor::begin`] is a savepoint,
//! and a transaction dropped before [`Transaction::commit`] (an error, a
//! panicking hook, a client that went away) is rolled back by sqlx before
//! its connection is used again.

use std::sync::Arc;

use crate::db::backend::Backend;
pub use crate::db::connection::ExecResult;
use crate::db::connection::{target, Target, TxInner};
use crate::db::error::{connection_lost, Error, Result};
use crate::db::pool::{Pool, PoolConnection};
use crate::db::registry::Registry;
use crate::db::replicas::Replicas;
use crate::db::schema::{Schema, SqlType};
use crate::db::sql::{Returns, Statement};
use crate::db::value::Value;
use crate::db::write_queue::{WriteQueue, WriteTurn};

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

    /// The registered models (and their table names).
    fn registry(&self) -> &Registry;

    /// Runs a query and decodes each row's columns with the given types.
    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>>;

    /// Runs a statement that returns no rows.
    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult>;

    /// Runs a script of one or more statements as written, unprepared (a
    /// migration's SQL, `PRAGMA`s).
    ///
    /// ```
    /// # rocket::async_test(async {
    /// use hangar::db::{Db, Executor as _};
    /// let db = Db::connect("sqlite::memory:").await.unwrap();
    /// let mut conn = db.conn().await.unwrap();
    /// (&mut conn).run_script("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);").await.unwrap();
    /// # });
    /// ```
    async fn run_script(&mut self, sql: &str) -> Result<()>;

    /// Starts a transaction here: on the pool a new one, on a connection
    /// `BEGIN` (`BEGIN IMMEDIATE` on SQLite), in a transaction a savepoint.
    /// Dropping it without [`Transaction::commit`] rolls it back.
    async fn begin(&mut self) -> Result<Transaction<'_>>;
}

/// The first column of the first row as an integer (a `COUNT(*)`, a key,
/// a setting): `None` when there is no row or it is NULL.
///
/// # Errors
/// The database's refusal.
pub(crate) async fn fetch_int<E: Executor>(mut ex: E, stmt: Statement) -> Result<Option<i64>> {
    let rows = ex
        .fetch(stmt.read(Returns::OneRow), &[SqlType::BigInt])
        .await?;
    Ok(rows.first().and_then(|r| r.first()).and_then(Value::as_i64))
}

/// Handle on the database pool and the registered models, cheap to clone;
/// also a request guard.
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
    registry: Arc<Registry>,
    writes: WriteQueue,
    /// Read replicas of the pool's server, if configured.
    pub(crate) replicas: Option<Arc<Replicas>>,
    /// Everything on the primary (a request that wrote, or asked to).
    pub(crate) pinned: bool,
}

impl Db {
    /// Wraps a pool and the registered models.
    pub fn new(pool: Pool, registry: Registry) -> Db {
        Db {
            writes: WriteQueue::for_pool(&pool),
            pool,
            registry: Arc::new(registry),
            replicas: None,
            pinned: false,
        }
    }

    /// Connects to `url` with default pool settings and no registered models.
    ///
    /// # Errors
    /// As [`Pool::connect`].
    pub async fn connect(url: &str) -> Result<Db> {
        Ok(Db::new(Pool::connect(url).await?, Registry::default()))
    }

    /// The same pool with these models registered (for recursive deletes),
    /// under their own table names.
    pub fn with_models(mut self, models: &[&'static Schema]) -> Db {
        self.registry = Arc::new(Registry::new(models));
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

    /// The registered models.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Checks out one connection.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the database is down or the pool exhausted.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(Conn {
            conn: self.pool.acquire().await?,
            registry: self.registry.clone(),
        })
    }

    /// Starts a transaction on a connection of its own (`BEGIN IMMEDIATE` on
    /// SQLite, so concurrent writers queue instead of failing). Commit it
    /// with [`Transaction::commit`]; dropping it rolls back.
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
    pub async fn begin(&self) -> Result<Transaction<'static>> {
        let turn = self.writes.turn().await;
        let inner = TxInner::begin_on(&self.pool).await.map_err(Error::from)?;
        Ok(Transaction {
            inner,
            registry: self.registry.clone(),
            _turn: turn,
        })
    }

    /// Runs a fetch on a pooled connection: the outer error is the pool's
    /// (no connection), the inner one the statement's.
    async fn run_fetch(
        &self,
        stmt: Statement,
        types: &[SqlType],
    ) -> Result<std::result::Result<Vec<Vec<Value>>, sqlx::Error>> {
        // a statement not known to be a read may write: it queues on SQLite
        let _turn = match stmt.is_read() {
            true => None,
            false => self.writes.turn().await,
        };
        let mut conn = self.pool.acquire().await?;
        Ok(target(&mut conn).fetch(stmt, types).await)
    }
}

/// One pooled connection; also a request guard (503 when none can be had).
#[derive(Debug)]
pub struct Conn {
    conn: PoolConnection,
    registry: Arc<Registry>,
}

impl Conn {
    /// Runs a script of one or more statements as written, unprepared
    /// (`PRAGMA`s, a migration file's SQL).
    ///
    /// # Errors
    /// The first statement the database refuses.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let mut conn = db.conn().await.unwrap();
    /// conn.run_script("PRAGMA foreign_keys = OFF").await.unwrap();
    /// # });
    /// ```
    pub async fn run_script(&mut self, sql: &str) -> Result<()> {
        target(&mut self.conn)
            .run_script(sql)
            .await
            .map_err(Error::from)
    }

    /// Starts a transaction on this connection (see [`Executor::begin`]).
    ///
    /// # Errors
    /// The database's error if `BEGIN` fails.
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        let registry = self.registry.clone();
        let inner = target(&mut self.conn).begin().await?;
        Ok(Transaction {
            inner,
            registry,
            _turn: None,
        })
    }
}

/// A database transaction (or a savepoint inside one). Statements run through
/// `&mut tx`; nothing is visible to others until [`Transaction::commit`];
/// dropping it rolls back.
pub struct Transaction<'c> {
    inner: TxInner<'c>,
    registry: Arc<Registry>,
    /// On SQLite, the pool's write turn, held until commit or rollback.
    _turn: WriteTurn,
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("backend", &self.backend_of())
            .finish_non_exhaustive()
    }
}

impl<'c> Transaction<'c> {
    fn backend_of(&self) -> Backend {
        self.inner.backend()
    }

    fn target(&mut self) -> Target<'_> {
        self.inner.target()
    }

    /// Starts a nested transaction: a savepoint, rolled back to when the
    /// returned transaction is dropped without [`Transaction::commit`].
    ///
    /// # Errors
    /// The database's error if the savepoint cannot be set.
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        let registry = self.registry.clone();
        let inner = self.target().begin().await?;
        Ok(Transaction {
            inner,
            registry,
            _turn: None,
        })
    }

    /// Runs a script of one or more statements as written, unprepared (a
    /// migration file's SQL).
    ///
    /// # Errors
    /// The first statement the database refuses.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let mut tx = db.begin().await.unwrap();
    /// tx.run_script("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);").await.unwrap();
    /// tx.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn run_script(&mut self, sql: &str) -> Result<()> {
        self.target().run_script(sql).await.map_err(Error::from)
    }

    /// Makes the transaction's writes permanent (or releases the savepoint).
    ///
    /// # Errors
    /// The database's error if the commit fails.
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await.map_err(Error::from)
    }

    /// Discards the transaction's writes (what dropping it does too).
    ///
    /// # Errors
    /// The database's error if the rollback fails.
    pub async fn rollback(self) -> Result<()> {
        self.inner.rollback().await.map_err(Error::from)
    }
}

#[rocket::async_trait]
impl Executor for &Db {
    fn backend(&self) -> Backend {
        self.pool.backend()
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A read outside a transaction is tried once more on a fresh connection
    /// when the first one was lost mid-query.
    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        if let Some(replicas) = self
            .replicas
            .as_ref()
            .filter(|_| !self.pinned && stmt.is_read())
        {
            if let Some(rows) = replicas.read(&stmt, types).await {
                return Ok(rows);
            }
        }
        let again = stmt.is_read().then(|| stmt.clone());
        match (self.run_fetch(stmt, types).await?, again) {
            (Ok(rows), _) => Ok(rows),
            (Err(e), Some(stmt)) if connection_lost(&e) => {
                rocket::warn!(
                    "hangar database: a read lost its connection ({e}); trying once more"
                );
                Ok(self.run_fetch(stmt, types).await??)
            }
            (Err(e), _) => Err(e.into()),
        }
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        let _turn = self.writes.turn().await;
        let mut conn = self.pool.acquire().await?;
        Ok(target(&mut conn).execute(stmt).await?)
    }

    async fn run_script(&mut self, sql: &str) -> Result<()> {
        let _turn = self.writes.turn().await;
        let mut conn = self.pool.acquire().await?;
        Ok(target(&mut conn).run_script(sql).await?)
    }

    async fn begin(&mut self) -> Result<Transaction<'_>> {
        Db::begin(self).await
    }
}

#[rocket::async_trait]
impl Executor for &mut Conn {
    fn backend(&self) -> Backend {
        self.conn.backend()
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        Ok(target(&mut self.conn).fetch(stmt, types).await?)
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        Ok(target(&mut self.conn).execute(stmt).await?)
    }

    async fn run_script(&mut self, sql: &str) -> Result<()> {
        Conn::run_script(self, sql).await
    }

    async fn begin(&mut self) -> Result<Transaction<'_>> {
        Conn::begin(self).await
    }
}

#[rocket::async_trait]
impl<'c> Executor for &mut Transaction<'c> {
    fn backend(&self) -> Backend {
        self.backend_of()
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    async fn fetch(&mut self, stmt: Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        Ok(self.target().fetch(stmt, types).await?)
    }

    async fn execute(&mut self, stmt: Statement) -> Result<ExecResult> {
        Ok(self.target().execute(stmt).await?)
    }

    async fn run_script(&mut self, sql: &str) -> Result<()> {
        Transaction::run_script(self, sql).await
    }

    /// A savepoint.
    async fn begin(&mut self) -> Result<Transaction<'_>> {
        Transaction::begin(self).await
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

    async fn run_script(&mut self, sql: &str) -> Result<()> {
        (**self).run_script(sql).await
    }

    async fn begin(&mut self) -> Result<Transaction<'_>> {
        (**self).begin().await
    }
}
