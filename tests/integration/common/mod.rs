//! Shared test helpers: one fresh database per test, on SQLite (a temp file)
//! or on the PostgreSQL / MariaDB servers named by
//! `HANGAR_TEST_POSTGRES_URL` / `HANGAR_TEST_MYSQL_URL`.
//!
//! Without those variables the server cases say SKIPPED on stderr and pass;
//! with `HANGAR_TEST_REQUIRE_BACKENDS=1` (CI) a missing URL fails the test.

#![allow(dead_code, reason = "helpers shared by modules that each use some")]

pub mod models;
pub mod proxy;

use std::future::Future;

use hangar::db::{Backend, Db, Executor, Schema, Statement};

/// An authenticator letting anyone write: for tests about the database,
/// not auth.
pub struct OpenWrites;

#[rocket::async_trait]
impl hangar::rest::Authenticator for OpenWrites {
    fn protected_methods(&self) -> &[rocket::http::Method] {
        &[]
    }

    async fn authenticate(
        &self,
        _req: &rocket::Request<'_>,
    ) -> Result<Option<hangar::rest::ApiUser>, hangar::rest::ApiError> {
        Ok(None)
    }
}

/// A database made for one test and dropped after it.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    admin_url: Option<String>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

fn env_url(backend: Backend) -> Option<String> {
    let var = match backend {
        Backend::Sqlite => return Some(String::new()),
        Backend::Postgres => "HANGAR_TEST_POSTGRES_URL",
        Backend::MySql => "HANGAR_TEST_MYSQL_URL",
    };
    let required = std::env::var("HANGAR_TEST_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
    if !backend.has_driver() {
        let feature = backend.name();
        if required {
            panic!("built without the `{feature}` feature but HANGAR_TEST_REQUIRE_BACKENDS=1: run with --features postgres,mysql");
        }
        eprintln!(
            "SKIPPED: built without the `{feature}` feature; this {backend:?} case did not run"
        );
        return None;
    }
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if required {
                panic!("{var} is not set but HANGAR_TEST_REQUIRE_BACKENDS=1");
            }
            eprintln!("SKIPPED: {var} not set; this {backend:?} case did not run");
            None
        }
    }
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// A fresh empty database, or `None` when the backend is not configured.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let base = env_url(backend)?;
        let name = format!("hangar_t_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Some(TestDb {
                    backend,
                    url,
                    admin_url: None,
                    name,
                    _dir: Some(dir),
                })
            }
            _ => {
                let admin = Db::connect(&base)
                    .await
                    .expect("connect to the test server");
                (&admin)
                    .execute(Statement::new(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create test database");
                admin.close().await;
                Some(TestDb {
                    backend,
                    url: with_database(&base, &name),
                    admin_url: Some(base),
                    name,
                    _dir: None,
                })
            }
        }
    }

    /// The database's name (on the servers).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database (server backends).
    pub async fn drop_db(&self) {
        if let Some(admin_url) = &self.admin_url {
            let admin = Db::connect(admin_url).await.expect("connect to drop");
            let sql = match self.backend {
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                _ => format!("DROP DATABASE IF EXISTS {}", self.name),
            };
            let _ = (&admin).execute(Statement::new(sql)).await;
            admin.close().await;
        }
    }

    /// A figment for a rocket using this database.
    pub fn figment(&self) -> rocket::figment::Figment {
        rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("databases.main.url", self.url.clone()))
            .merge(("databases.main.connect_timeout", 2))
            .merge((
                "log_level",
                std::env::var("HANGAR_TEST_LOG").unwrap_or_else(|_| "off".into()),
            ))
            .merge((
                "hangar.database.migrations_dir",
                "/nonexistent-hangar-migrations",
            ))
    }
}

/// A pool of `max_connections` that waits at most one second for a
/// connection or (SQLite) for the write lock, with `schemas` created.
pub async fn impatient_pool(
    tdb: &TestDb,
    max_connections: usize,
    schemas: &[&'static Schema],
) -> Db {
    let config = rocket_db_pools::Config {
        url: tdb.url.clone(),
        min_connections: None,
        max_connections,
        connect_timeout: 1,
        idle_timeout: None,
        extensions: None,
    };
    let db = Db::new(
        hangar::db::Pool::from_config(&config).await.unwrap(),
        Default::default(),
    )
    .with_models(schemas);
    hangar::db::ddl::create_tables(&db, schemas).await.unwrap();
    db
}

/// Runs `case` on a fresh database of `backend` with `schemas` created and
/// registered; drops the database afterwards, even when the case panics.
pub async fn run_case<F, Fut>(backend: Backend, schemas: Vec<&'static Schema>, case: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tdb) = TestDb::new(backend).await else {
        return;
    };
    let db = Db::connect(&tdb.url)
        .await
        .expect("connect test database")
        .with_models(&schemas);
    hangar::db::ddl::create_tables(&db, &schemas)
        .await
        .expect("create tables");
    let handle = tokio::spawn(case(db.clone()));
    let result = handle.await;
    db.close().await;
    tdb.drop_db().await;
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Runs `case` with a fresh empty database of `backend` (no tables); drops
/// it afterwards, even when the case panics.
pub async fn run_with_db<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(std::sync::Arc<TestDb>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tdb) = TestDb::new(backend).await else {
        return;
    };
    let tdb = std::sync::Arc::new(tdb);
    let result = tokio::spawn(case(tdb.clone())).await;
    tdb.drop_db().await;
    if let Err(e) = result {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Declares each `async fn case(db: Arc<TestDb>)` as a test on SQLite, PostgreSQL and MySQL.
#[macro_export]
macro_rules! app_cases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_with_db(hangar::db::Backend::Sqlite, super::$case).await
                }
            )*
        }
        mod postgres {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_with_db(hangar::db::Backend::Postgres, super::$case).await
                }
            )*
        }
        mod mysql {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_with_db(hangar::db::Backend::MySql, super::$case).await
                }
            )*
        }
    };
}

/// Declares each `async fn case(db: Db)` as a test on SQLite, PostgreSQL and MySQL.
#[macro_export]
macro_rules! backend_cases {
    ($schemas:expr; $($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_case(hangar::db::Backend::Sqlite, $schemas, super::$case).await
                }
            )*
        }
        mod postgres {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_case(hangar::db::Backend::Postgres, $schemas, super::$case).await
                }
            )*
        }
        mod mysql {
            $(
                #[rocket::async_test]
                async fn $case() {
                    $crate::common::run_case(hangar::db::Backend::MySql, $schemas, super::$case).await
                }
            )*
        }
    };
}
