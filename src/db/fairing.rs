//! The `Database` fairing: pool, tables, migrations, shutdown.

use std::path::PathBuf;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::figment::providers::Serialized;
use rocket::figment::Figment;
use rocket::{Build, Orbit, Rocket};
use serde::{Deserialize, Serialize};

use crate::config::{self, Section};
use crate::db::error::{Error as DbError, SetupError};
use crate::db::executor::Db;
use crate::db::manage::migrate::{Migrations, RunOptions};
use crate::db::model::Model;
use crate::db::pool::Pool;
use crate::db::registry::ModelSet;
use crate::db::schema::Schema;

/// `[default.hangar.database]`: which pool and what to do at launch.
///
/// # Example
/// ```
/// let c = hangar::db::DatabaseConfig::default();
/// assert_eq!(c.name, "main");
/// assert!(c.auto_create && c.auto_migrate);
/// assert_eq!(c.migrations_dir, std::path::PathBuf::from("migrations"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Which `[default.databases.<name>]` table holds the pool settings.
    pub name: String,
    /// Create missing tables of registered models at launch.
    pub auto_create: bool,
    /// Apply pending migrations at launch.
    pub auto_migrate: bool,
    /// Directory of `<version>_<name>.sql` migrations (relative to the working directory).
    pub migrations_dir: PathBuf,
    /// Table recording applied migrations.
    pub migrations_table: String,
    /// Read replicas further behind their primary than this (milliseconds)
    /// are skipped until they catch up (`databases.<name>.replicas`).
    pub replica_max_lag_ms: u64,
    /// How often each replica is asked for its lag (milliseconds).
    pub replica_check_ms: u64,
    /// After a client's write, its reads go to the primary for this long
    /// (milliseconds; read-your-writes across requests and instances).
    pub read_your_writes_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            name: "main".into(),
            auto_create: true,
            auto_migrate: true,
            migrations_dir: PathBuf::from("migrations"),
            migrations_table: "hangar_migrations".into(),
            replica_max_lag_ms: 5_000,
            replica_check_ms: 500,
            read_your_writes_ms: 5_000,
        }
    }
}

impl Section for DatabaseConfig {
    const KEY: &'static str = "hangar.database";
}

impl DatabaseConfig {
    /// The pool settings (`databases.<name>`), read as rocket_db_pools'
    /// [`Config`](rocket_db_pools::Config) with its defaults
    /// (`max_connections` = workers × 4, `connect_timeout` = 5).
    ///
    /// # Errors
    /// [`SetupError::MissingUrl`], or [`SetupError::Key`] naming the bad key.
    pub fn pool_config(&self, figment: &Figment) -> Result<rocket_db_pools::Config, SetupError> {
        let key = format!("databases.{}", self.name);
        if figment.find_value(&format!("{key}.url")).is_err() {
            return Err(SetupError::MissingUrl { key });
        }
        let workers: usize = figment
            .extract_inner(rocket::Config::WORKERS)
            .unwrap_or_else(|_| rocket::Config::default().workers);
        figment
            .focus(&key)
            .join(Serialized::default("max_connections", workers * 4))
            .join(Serialized::default("connect_timeout", 5))
            .extract()
            .map_err(|e| SetupError::Key {
                key,
                source: Box::new(e),
            })
    }
}

/// The database fairing: attach it with the app's models.
///
/// At ignite it reads `[default.hangar.database]` and
/// `[default.databases.<name>]`, connects the [`Pool`] (stopping the launch
/// with a message naming the key on a bad URL or unreachable server), creates
/// missing tables and indexes in foreign-key order, applies pending
/// migrations, and manages the [`Db`] handle that the `Db` and `Conn` guards
/// hand out. The pool is closed on shutdown.
///
/// # Example
/// ```no_run
/// # use hangar::Model;
/// # #[derive(Model)] struct Note { id: i64, message: String }
/// use hangar::db::Database;
/// let rocket = rocket::build().attach(Database::fairing().model::<Note>());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Database {
    models: ModelSet,
}

impl Database {
    /// A fairing with no models yet.
    pub fn fairing() -> Database {
        Database::default()
    }

    /// Registers model `M`: its table is created and it takes part in recursive deletes.
    pub fn model<M: Model>(mut self) -> Database {
        self.models = self.models.model::<M>();
        self
    }

    /// Registers a schema directly.
    pub fn schema(mut self, schema: &'static Schema) -> Database {
        self.models = self.models.schema(schema);
        self
    }

    /// Registers the models a battery brings (`.with(Auth::models())`).
    ///
    /// ```no_run
    /// # use hangar::Model;
    /// # #[derive(Model)] struct Note { id: i64, message: String }
    /// use hangar::{auth::Auth, db::Database};
    /// let rocket = rocket::build()
    ///     .attach(Database::fairing().model::<Note>().with(Auth::models()))
    ///     .attach(Auth::fairing());
    /// ```
    pub fn with(mut self, models: ModelSet) -> Database {
        self.models = self.models.with(models);
        self
    }

    /// The registered schemas.
    pub fn schemas(&self) -> &[&'static Schema] {
        self.models.schemas()
    }

    /// Connects, creates tables and migrates as configured: what ignite does,
    /// also used by the CLI.
    ///
    /// # Errors
    /// A [`SetupError`] naming the configuration key or the failed step.
    pub async fn prepare(&self, figment: &Figment) -> Result<Db, SetupError> {
        let config: DatabaseConfig = config::load(figment)?;
        let db = self.connect(figment, &config).await?;
        let migrations = if config.auto_migrate {
            Some(
                Migrations::load(&config.migrations_dir, &config.migrations_table)
                    .await
                    .map_err(SetupError::Migrate)?,
            )
        } else {
            None
        };
        // with generated migrations the folder owns the schema: they run
        // first and auto_create makes only tables none of them has made
        // (models added since); hand-written SQL ones may expect the model
        // tables, so those keep running after auto_create
        let migrations_first = migrations.as_ref().is_some_and(Migrations::has_portable);
        if config.auto_create && !migrations_first {
            crate::db::manage::ddl::create_tables(&db, self.models.schemas())
                .await
                .map_err(SetupError::CreateTables)?;
        }
        if let Some(migrations) = migrations {
            let mut report = Vec::new();
            let result = migrations
                .up_with(&db, None, RunOptions::default(), &mut report)
                .await;
            for line in String::from_utf8_lossy(&report).lines() {
                rocket::info!("{line}");
            }
            for v in result.map_err(SetupError::Migrate)? {
                rocket::info!("applied migration {v}");
            }
        }
        if config.auto_create && migrations_first {
            crate::db::manage::ddl::create_tables(&db, self.models.schemas())
                .await
                .map_err(SetupError::CreateTables)?;
        }
        Ok(db)
    }

    /// Connects the pool only (the registry is built from the figment too).
    ///
    /// # Errors
    /// A [`SetupError`] naming `databases.<name>.url` (or the key at fault).
    pub async fn connect(
        &self,
        figment: &Figment,
        config: &DatabaseConfig,
    ) -> Result<Db, SetupError> {
        let registry = self.models.build(figment)?;
        let pool_config = config.pool_config(figment)?;
        let pool = Pool::from_config(&pool_config)
            .await
            .map_err(|source| SetupError::Connect {
                name: config.name.clone(),
                source,
            })?;
        let db = Db::new(pool, registry);
        let key = format!("databases.{}.replicas", config.name);
        let urls: Vec<String> = match figment.find_value(&key) {
            Err(_) => return Ok(db),
            Ok(_) => figment
                .extract_inner(&key)
                .map_err(|source| SetupError::Key {
                    key: key.clone(),
                    source: Box::new(source),
                })?,
        };
        if urls.is_empty() {
            return Ok(db);
        }
        if db.backend() == crate::db::Backend::Sqlite {
            return Err(SetupError::Connect {
                name: config.name.clone(),
                source: DbError::Config(format!(
                    "`{key}`: SQLite has no replicas (one process owns the file); remove the key"
                )),
            });
        }
        let policy = crate::db::replicas::ReplicaPolicy {
            max_lag: std::time::Duration::from_millis(config.replica_max_lag_ms),
            check_every: std::time::Duration::from_millis(config.replica_check_ms.max(50)),
            read_your_writes: std::time::Duration::from_millis(config.read_your_writes_ms),
        };
        let replicas =
            crate::db::replicas::Replicas::new(&urls, &pool_config, policy).map_err(|source| {
                SetupError::Connect {
                    name: format!("{}.replicas", config.name),
                    source,
                }
            })?;
        let replicas = std::sync::Arc::new(replicas);
        // known before the first request; a replica down now is skipped
        replicas.check_all().await;
        replicas.watch(db.pool());
        Ok(db.with_replicas(replicas))
    }
}

impl Db {
    /// The [`Db`] of an ignited (or igniting) rocket: what a dependent
    /// fairing fetches in its `on_ignite`. `None` (with an error logged that
    /// says to attach `Database::fairing()` first) when it is missing.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let rocket = rocket::build();
    /// assert!(hangar::db::Db::fetch(&rocket).is_none());
    /// # });
    /// ```
    pub fn fetch<P: rocket::Phase>(rocket: &Rocket<P>) -> Option<&Db> {
        let db = rocket.state::<Db>();
        if db.is_none() {
            rocket::error!(
                "hangar: no database: attach `hangar::db::Database::fairing()` before the other Hangar fairings"
            );
        }
        db
    }
}

#[rocket::async_trait]
impl Fairing for Database {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Database",
            kind: Kind::Ignite | Kind::Request | Kind::Response | Kind::Shutdown,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(rocket.figment()).await {
            Ok(db) => Ok(rocket.manage(db).manage(InFlight::default())),
            Err(e) => {
                rocket::error!("hangar database: {e}");
                Err(rocket)
            }
        }
    }

    async fn on_request(&self, req: &mut rocket::Request<'_>, _data: &mut rocket::Data<'_>) {
        if let Some(in_flight) = req.rocket().state::<InFlight>() {
            let guard = in_flight.begin();
            req.local_cache(move || guard);
        }
    }

    async fn on_response<'r>(&self, req: &'r rocket::Request<'_>, res: &mut rocket::Response<'r>) {
        if let Some(db) = req.rocket().state::<Db>() {
            crate::db::routing::mark_writer(db, req, res);
        }
    }

    /// Rocket runs this as shutdown begins, beside the requests still in
    /// flight, and starts its `shutdown.grace` / `mercy` timers only after
    /// it: so the pool is closed from a task of its own, once those
    /// requests are done (or `grace` is over), and shutdown is never held
    /// up here, not even by a query stuck behind a lock.
    async fn on_shutdown(&self, rocket: &Rocket<Orbit>) {
        let Some(db) = rocket.state::<Db>().cloned() else {
            return;
        };
        let grace = std::time::Duration::from_secs(u64::from(rocket.config().shutdown.grace));
        let in_flight = rocket.state::<InFlight>().map(InFlight::watch);
        // nothing in flight: closed here, before the process goes on
        if in_flight.as_ref().is_none_or(|f| f.count() == 0) {
            let mercy = std::time::Duration::from_secs(u64::from(rocket.config().shutdown.mercy));
            if tokio::time::timeout(mercy, db.close()).await.is_err() {
                rocket::warn!("hangar database: connections still busy at shutdown");
            }
            return;
        }
        tokio::spawn(async move {
            if let Some(in_flight) = in_flight {
                if tokio::time::timeout(grace, in_flight.drained())
                    .await
                    .is_err()
                {
                    rocket::warn!(
                        "hangar database: {} request(s) still running after the grace period",
                        in_flight.count()
                    );
                }
            }
            db.close().await;
        });
    }
}

/// The requests being served, so shutdown closes the pool only once they
/// are done (or the grace period is over).
#[derive(Default, Clone)]
pub(crate) struct InFlight {
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    idle: std::sync::Arc<tokio::sync::Notify>,
}

/// One request in flight; dropped with the request.
pub(crate) struct InFlightGuard {
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    idle: std::sync::Arc<tokio::sync::Notify>,
}

impl InFlight {
    fn begin(&self) -> InFlightGuard {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightGuard {
            count: self.count.clone(),
            idle: self.idle.clone(),
        }
    }

    /// Another handle on the same count.
    fn watch(&self) -> InFlight {
        self.clone()
    }

    fn count(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Resolves once no request is in flight.
    async fn drained(&self) {
        loop {
            // registered before the check, so a last request ending in
            // between still wakes this
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}
