//! The Database fairing and guards through real Rocket instances: launching
//! on each backend, bad configuration, 503s when the database is down or the
//! pool exhausted, migrations at launch, the CLI, shutdown.

use crate::common;

use std::time::{Duration, Instant};

use common::models::*;
use common::TestDb;
use hangar::db::{Backend, Conn, Database, DatabaseConfig, Db, Error, Model as _, Op};
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{get, routes, Build, Rocket};

#[get("/users")]
async fn list_users(db: Db) -> Result<Json<Vec<String>>, Error> {
    let users = User::select().order_by("username")?.all(&db).await?;
    Ok(Json(users.into_iter().map(|u| u.username).collect()))
}

#[get("/count")]
async fn count_with_conn(mut conn: Conn) -> Result<String, Error> {
    Ok(User::select().count(&mut conn).await?.to_string())
}

#[get("/hold")]
async fn hold_connection(_conn: Conn) -> &'static str {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    "held"
}

#[get("/by/<name>")]
async fn by_name(db: Db, name: &str) -> Result<Json<User>, Error> {
    let user = User::select()
        .filter("username", Op::Eq, name)?
        .one(&db)
        .await?;
    Ok(Json(user))
}

/// Whether a launch failed (marking Rocket's error handled so it does not panic on drop).
fn failed<T>(r: Result<T, rocket::Error>) -> bool {
    match r {
        Ok(_) => false,
        Err(e) => {
            let _ = e.kind();
            true
        }
    }
}

fn app(figment: rocket::figment::Figment) -> Rocket<Build> {
    let mut db = Database::fairing();
    for s in schemas() {
        db = db.schema(s);
    }
    rocket::custom(figment).attach(db).mount(
        "/",
        routes![list_users, count_with_conn, hold_connection, by_name],
    )
}

async fn launches_and_serves(backend: Backend) {
    let Some(tdb) = TestDb::new(backend).await else {
        return;
    };
    let client = Client::tracked(app(tdb.figment())).await.expect("launch");
    // tables were created at ignite
    let db = client.rocket().state::<Db>().expect("Db managed").clone();
    seed(&db).await;
    let res = client.get("/users").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let names: Vec<String> = res.into_json().await.expect("json");
    assert_eq!(names, ["alice", "bob", "carol", "dave"]);
    let res = client.get("/count").dispatch().await;
    assert_eq!(res.into_string().await.as_deref(), Some("4"));
    let res = client.get("/by/nobody").dispatch().await;
    assert_eq!(res.status(), Status::NotFound);
    drop(res);
    // relaunching over existing tables is fine
    drop(client);
    let client = Client::tracked(app(tdb.figment())).await.expect("relaunch");
    let res = client.get("/count").dispatch().await;
    assert_eq!(res.into_string().await.as_deref(), Some("4"));
    drop(client);
    db.close().await;
    tdb.drop_db().await;
}

#[rocket::async_test]
async fn launches_on_sqlite() {
    launches_and_serves(Backend::Sqlite).await;
}

#[rocket::async_test]
async fn launches_on_postgres() {
    launches_and_serves(Backend::Postgres).await;
}

#[rocket::async_test]
async fn launches_on_mysql() {
    launches_and_serves(Backend::MySql).await;
}

async fn prepare_error(url: &str) -> String {
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("databases.main.url", url))
        .merge(("databases.main.connect_timeout", 1));
    let err = Database::fairing()
        .prepare(&figment)
        .await
        .expect_err("bad url must fail")
        .to_string();
    // and the launch fails as a whole
    let ignite = app(figment.merge(("log_level", "off"))).ignite().await;
    assert!(failed(ignite), "launch must fail for {url}");
    err
}

#[rocket::async_test]
async fn bad_urls_stop_the_launch_with_a_message_naming_the_key() {
    let e = prepare_error("oracle://db.example/x").await;
    assert!(
        e.contains("databases.main") && e.contains("`url`") && e.contains("unknown scheme"),
        "{e}"
    );
    let e = prepare_error("postgres://postgres@127.0.0.1:1/none").await;
    assert!(e.contains("`url`") && e.contains("cannot connect"), "{e}");
    let e = prepare_error("postgres://user:hunter2@127.0.0.1:1/none").await;
    assert!(!e.contains("hunter2"), "passwords are not echoed: {e}");
    let e = prepare_error("sqlite:///nonexistent-dir/sub/x.db").await;
    assert!(e.contains("`url`"), "{e}");

    let figment = rocket::figment::Figment::from(rocket::Config::debug_default());
    let e = Database::fairing()
        .prepare(&figment)
        .await
        .expect_err("no url")
        .to_string();
    assert!(e.contains("databases.main.url"), "{e}");

    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("databases.main.url", "sqlite::memory:"))
        .merge(("hangar.database.auto_creat", true));
    let e = Database::fairing()
        .prepare(&figment)
        .await
        .expect_err("typo in key")
        .to_string();
    assert!(
        e.contains("hangar.database") && e.contains("auto_creat"),
        "{e}"
    );
}

#[test]
fn config_defaults() {
    let c = DatabaseConfig::default();
    assert_eq!(c.name, "main");
    assert!(c.auto_create);
    assert!(c.auto_migrate);
    assert_eq!(c.migrations_dir, std::path::PathBuf::from("migrations"));
    assert_eq!(c.migrations_table, "hangar_migrations");
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("hangar.database.name", "other"));
    assert_eq!(
        hangar::config::load::<DatabaseConfig>(&figment)
            .unwrap()
            .name,
        "other"
    );
    let pool = c
        .pool_config(
            &rocket::figment::Figment::from(rocket::Config::debug_default())
                .merge(("databases.main.url", "sqlite://x")),
        )
        .unwrap();
    assert_eq!(pool.connect_timeout, 5);
    assert!(pool.max_connections >= 4);
}

#[rocket::async_test]
async fn a_named_database_is_read_from_its_own_table() {
    let tdb = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("hangar.database.name", "reports"))
        .merge(("databases.reports.url", tdb.url.clone()));
    let client = Client::tracked(app(figment)).await.expect("launch");
    assert_eq!(client.get("/count").dispatch().await.status(), Status::Ok);
}

#[rocket::async_test]
async fn an_exhausted_pool_answers_503_within_the_timeout() {
    let tdb = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let figment = tdb
        .figment()
        .merge(("databases.main.max_connections", 1))
        .merge(("databases.main.connect_timeout", 1));
    let client = Client::tracked(app(figment)).await.expect("launch");
    let holder = client.get("/hold");
    let waiter = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let start = Instant::now();
        let res = client.get("/count").dispatch().await;
        (res.status(), start.elapsed())
    };
    let (held, (status, waited)) = tokio::join!(holder.dispatch(), waiter);
    assert_eq!(held.status(), Status::Ok);
    assert_eq!(status, Status::ServiceUnavailable);
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    // and the pool serves again once the connection is back
    assert_eq!(client.get("/count").dispatch().await.status(), Status::Ok);
}

#[rocket::async_test]
async fn a_stopped_postgres_gives_503_then_recovers() {
    let Some(tdb) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let mut proxy = common::proxy::Proxy::start("127.0.0.1:5432").await;
    let url = tdb
        .url
        .replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(url, tdb.url, "the test URL must use 127.0.0.1:5432");
    let figment = tdb
        .figment()
        .merge(("databases.main.url", url))
        .merge(("databases.main.connect_timeout", 1));
    let client = Client::tracked(app(figment)).await.expect("launch");
    assert_eq!(client.get("/users").dispatch().await.status(), Status::Ok);

    proxy.stop().await;
    for route in ["/users", "/count"] {
        let start = Instant::now();
        let res = client.get(route).dispatch().await;
        assert_eq!(res.status(), Status::ServiceUnavailable, "{route}");
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{route} took {:?}",
            start.elapsed()
        );
    }

    proxy.restart().await;
    let mut recovered = false;
    for _ in 0..20 {
        if client.get("/users").dispatch().await.status() == Status::Ok {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "the app did not recover after the database came back"
    );
    assert_eq!(client.get("/count").dispatch().await.status(), Status::Ok);
    drop(client);
    tdb.drop_db().await;
}

#[rocket::async_test]
async fn guards_without_the_fairing_stop_the_launch() {
    let rocket = rocket::custom(
        rocket::figment::Figment::from(rocket::Config::debug_default()).merge(("log_level", "off")),
    )
    .mount("/", routes![list_users]);
    assert!(
        failed(Client::tracked(rocket).await),
        "Db sentinel must abort"
    );
    let rocket = rocket::custom(
        rocket::figment::Figment::from(rocket::Config::debug_default()).merge(("log_level", "off")),
    )
    .mount("/", routes![count_with_conn]);
    assert!(
        failed(Client::tracked(rocket).await),
        "Conn sentinel must abort"
    );
}

#[rocket::async_test]
async fn the_pool_is_closed_on_shutdown() {
    let tdb = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let client = Client::tracked(app(tdb.figment())).await.expect("launch");
    let db = client.rocket().state::<Db>().expect("db").clone();
    assert!(!db.pool().is_closed());
    client.terminate().await;
    assert!(db.pool().is_closed());
}

fn migration_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).expect("write migration");
    }
    dir
}

#[rocket::async_test]
async fn migrations_apply_at_launch_each_in_a_transaction() {
    let tdb = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let dir = migration_dir(&[
        ("1_tags.up.sql", "CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO tag (name) VALUES ('first');"),
        ("1_tags.down.sql", "DROP TABLE tag;"),
        ("2_more.sql", "INSERT INTO tag (name) VALUES ('second');"),
    ]);
    let figment = tdb
        .figment()
        .merge(("hangar.database.migrations_dir", dir.path()));
    let client = Client::tracked(app(figment.clone())).await.expect("launch");
    let db = client.rocket().state::<Db>().expect("db").clone();
    let migrations = hangar::db::Migrations::load(dir.path(), "hangar_migrations")
        .await
        .unwrap();
    let status = migrations.status(&db).await.unwrap();
    assert!(status.iter().all(|s| s.applied), "{status:?}");
    assert!(hangar::db::ddl::table_exists(&db, "tag").await.unwrap());
    drop(client);

    // a failing migration stops the launch and leaves nothing half-applied
    std::fs::write(
        dir.path().join("3_broken.sql"),
        "CREATE TABLE half (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    .unwrap();
    assert!(failed(Client::tracked(app(figment)).await));
    assert!(!hangar::db::ddl::table_exists(&db, "half").await.unwrap());
    db.close().await;
}

async fn cli(rocket: Rocket<Build>, args: &[&str]) -> Result<String, String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    hangar::cli::run_with(rocket, &args, &mut out).await?;
    Ok(String::from_utf8(out).expect("utf8"))
}

#[rocket::async_test]
async fn cli_creates_tables_and_runs_migrations() {
    let tdb = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let dir = migration_dir(&[
        ("10_seed.up.sql", "INSERT INTO user (username, email, password, join_date, active, admin) VALUES ('cli', 'c@x', '!', '2024-01-01T00:00:00.000000Z', 1, 0);"),
        ("10_seed.down.sql", "DELETE FROM user WHERE username = 'cli';"),
        ("11_note.up.sql", "CREATE TABLE memo (id INTEGER PRIMARY KEY);"),
        ("11_note.down.sql", "DROP TABLE memo;"),
    ]);
    let figment = tdb
        .figment()
        .merge(("hangar.database.migrations_dir", dir.path()));

    let out = cli(app(figment.clone()), &["create-tables"]).await.unwrap();
    assert!(
        out.contains("created: user") && out.contains("created: message"),
        "{out}"
    );
    let out = cli(app(figment.clone()), &["create-tables"]).await.unwrap();
    assert!(out.contains("tables exist"), "{out}");

    let out = cli(app(figment.clone()), &["migrate", "status"])
        .await
        .unwrap();
    assert_eq!(out, "[ ] 10_seed\n[ ] 11_note\n");
    let out = cli(app(figment.clone()), &["migrate", "up", "10"])
        .await
        .unwrap();
    assert_eq!(out, "applied: 10\n");
    let out = cli(app(figment.clone()), &["migrate", "up"]).await.unwrap();
    assert_eq!(out, "applied: 11\n");
    let out = cli(app(figment.clone()), &["migrate", "status"])
        .await
        .unwrap();
    assert_eq!(out, "[x] 10_seed\n[x] 11_note\n");
    let out = cli(app(figment.clone()), &["migrate", "down"])
        .await
        .unwrap();
    assert_eq!(out, "reverted: 11\n");
    let out = cli(app(figment.clone()), &["migrate", "fake"])
        .await
        .unwrap();
    assert_eq!(out, "faked: 11\n");
    let out = cli(app(figment.clone()), &["migrate", "up"]).await.unwrap();
    assert_eq!(out, "nothing to do\n");

    let db = Db::connect(&tdb.url).await.unwrap();
    assert_eq!(
        User::select()
            .filter("username", Op::Eq, "cli")
            .unwrap()
            .count(&db)
            .await
            .unwrap(),
        1
    );
    assert!(
        !hangar::db::ddl::table_exists(&db, "memo").await.unwrap(),
        "faked, not run"
    );

    let out = cli(app(figment.clone()), &["migrate", "create", "add karma"])
        .await
        .unwrap();
    assert!(
        out.contains("_add_karma.up.sql") && out.contains("_add_karma.down.sql"),
        "{out}"
    );
    let e = cli(app(figment.clone()), &["frobnicate"])
        .await
        .unwrap_err();
    assert!(e.contains("unknown command"), "{e}");
    let e = cli(app(figment), &["migrate", "up", "x"])
        .await
        .unwrap_err();
    assert!(e.contains("bad version"), "{e}");
    db.close().await;
}

/// The quickstart's own `User` next to the auth battery's built-in one:
/// both want the table `user`, and the launch stops naming both.
mod shared_table {
    use hangar::Model;

    #[derive(Model)]
    #[model(table = "user")]
    pub struct User {
        pub id: i64,
        pub username: String,
    }

    #[derive(Model)]
    pub struct Post {
        pub id: i64,
        #[model(references = User)]
        pub user: i64,
    }

    #[rocket::async_test]
    async fn two_models_on_one_table_stop_the_launch() {
        let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
            .merge(("databases.main.url", "sqlite::memory:"))
            .merge(("log_level", "off"));
        let fairing = hangar::db::Database::fairing()
            .model::<Post>()
            .with(hangar::auth::Auth::models());
        let err = fairing.prepare(&figment).await.expect_err("shared table");
        assert!(
            matches!(&err, hangar::db::SetupError::SharedTable { table, .. } if table == "user"),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("`User` and `User`") && text.contains("models_for"),
            "{text}"
        );
        let launched = rocket::custom(figment).attach(fairing).ignite().await;
        let e = launched.expect_err("the launch stops");
        assert!(matches!(
            e.kind(),
            rocket::error::ErrorKind::FailedFairings(_)
        ));
        // the same models with the app's table renamed launch
        let ok = hangar::db::Database::fairing()
            .model::<Post>()
            .prepare(
                &rocket::figment::Figment::from(rocket::Config::debug_default())
                    .merge(("databases.main.url", "sqlite::memory:")),
            )
            .await;
        assert!(ok.is_ok(), "alone, the app's User is fine");
    }
}

#[get("/slow-count")]
async fn slow_count(db: Db) -> Result<String, Error> {
    tokio::time::sleep(Duration::from_millis(600)).await;
    Ok(User::select().count(&db).await?.to_string())
}

/// Sends `GET path` over a real socket and answers the status line.
async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer.lines().next().unwrap_or_default().to_owned()
}

/// A graceful shutdown lets requests in flight finish with the pool still
/// open (found by the shutdown drill: the pool closed at once and they got
/// 503), and a stuck connection cannot hold the process past `mercy`.
#[rocket::async_test]
async fn requests_in_flight_finish_on_shutdown() {
    let Some(tdb) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let figment = tdb
        .figment()
        .merge(("port", port))
        .merge(("shutdown.grace", 3))
        .merge(("shutdown.mercy", 2))
        .merge(("shutdown.ctrlc", false));
    let rocket = app(figment)
        .mount("/", routes![slow_count])
        .ignite()
        .await
        .expect("ignite");
    let shutdown = rocket.shutdown();
    let server = tokio::spawn(rocket.launch());
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let in_flight = tokio::spawn(async move { http_get(port, "/slow-count").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    shutdown.notify();
    let status = in_flight.await.unwrap();
    assert!(
        status.contains(" 200 "),
        "the request in flight finished: {status}"
    );
    server.await.unwrap().expect("a clean exit");
    assert!(
        asked.elapsed() < Duration::from_secs(6),
        "{:?}",
        asked.elapsed()
    );
}
