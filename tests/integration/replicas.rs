//! Read replicas on a real PostgreSQL streaming replica (`.ci/pg-replica.sh
//! start`; its URL in `HANGAR_TEST_POSTGRES_REPLICA_URL`): reads go to the
//! replica, writes and transactions to the primary, a client that just
//! wrote reads its writes (on any instance), a lagging replica is skipped,
//! and a replica stopped under load costs no request an error.
//!
//! One test: the cases pause and stop the one replica of the cluster, so
//! they must not run side by side.

use crate::common;

use std::time::{Duration, Instant};

use common::TestDb;
use hangar::db::{
    Backend, Database, Db, Executor as _, Returns, SqlType, Statement, PRIMARY_COOKIE,
};
use hangar::rest::{Resource, RestApi};
use hangar::Model;
use rocket::http::{ContentType, Cookie, Status};
use rocket::local::asynchronous::Client;
use serde_json::Value as Json;

#[derive(Model, Clone, Debug)]
pub struct Item {
    pub id: i64,
    #[model(max_length = 40)]
    pub name: String,
}

fn replica_base() -> Option<String> {
    match std::env::var("HANGAR_TEST_POSTGRES_REPLICA_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("HANGAR_TEST_REQUIRE_BACKENDS").is_ok_and(|v| v == "1") {
                panic!("HANGAR_TEST_POSTGRES_REPLICA_URL is not set but HANGAR_TEST_REQUIRE_BACKENDS=1");
            }
            eprintln!(
                "SKIPPED: HANGAR_TEST_POSTGRES_REPLICA_URL not set (.ci/pg-replica.sh start)"
            );
            None
        }
    }
}

fn script(verb: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pg-replica.sh");
    let out = std::process::Command::new(path)
        .arg(verb)
        .output()
        .expect("run .ci/pg-replica.sh");
    assert!(
        out.status.success(),
        "pg-replica.sh {verb}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Resumes WAL replay on the replica even when the test fails half-way.
struct ResumeReplay(String);

impl Drop for ResumeReplay {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([self.0.as_str(), "-qc", "SELECT pg_wal_replay_resume()"])
            .output();
    }
}

async fn instance(tdb: &TestDb, replica: &str, max_lag_ms: u64) -> Client {
    let figment = tdb
        .figment()
        .merge(("databases.main.replicas", vec![replica.to_owned()]))
        .merge(("hangar.database.replica_max_lag_ms", max_lag_ms))
        .merge(("hangar.database.replica_check_ms", 100));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Item>())
        .attach(
            RestApi::fairing()
                .default_auth(common::OpenWrites)
                .register::<Item>(Resource::new()),
        );
    Client::untracked(rocket).await.expect("launch")
}

async fn on_replica(db: &Db) -> bool {
    let mut ex = db;
    let rows = ex
        .fetch(
            Statement::new("SELECT pg_is_in_recovery()").read(Returns::Rows),
            &[SqlType::Bool],
        )
        .await
        .unwrap();
    rows[0][0] == hangar::db::Value::Bool(true)
}

/// Waits (at most 30 s) until the condition, which may `.await`, holds.
macro_rules! until {
    ($what:expr, $cond:expr) => {{
        let start = Instant::now();
        while !$cond {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited too long: {}",
                $what
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }};
}

async fn table_on_replica(replica: &str) -> bool {
    match Db::connect(replica).await {
        Ok(r) => {
            let mut ex = &r;
            let ok = ex.run_script("SELECT 1 FROM item").await.is_ok();
            r.close().await;
            ok
        }
        Err(_) => false,
    }
}

async fn count(client: &Client, cookie: Option<&Cookie<'static>>) -> u64 {
    let mut req = client.get("/api/item/");
    if let Some(c) = cookie {
        req = req.cookie(c.clone());
    }
    let res = req.dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    res.into_json::<Json>().await.unwrap()["meta"]["object_count"]
        .as_u64()
        .unwrap()
}

async fn execute(url: &str, sql: &str) {
    let db = Db::connect(url).await.unwrap();
    let mut ex = &db;
    ex.run_script(sql).await.unwrap();
    db.close().await;
}

#[rocket::async_test]
async fn reads_go_to_the_replica_and_writers_read_the_primary() {
    let Some(base) = replica_base() else {
        return;
    };
    common::run_with_db(Backend::Postgres, move |tdb| replica_case(tdb, base)).await;
}

async fn replica_case(tdb: std::sync::Arc<TestDb>, base: String) {
    let replica = common::with_database(&base, tdb.name());
    let a = instance(&tdb, &replica, 60_000).await;
    let db = a.rocket().state::<Db>().unwrap().clone();
    // the new database and its table reach the replica
    until!("the replica in use", db.replica_states()[0].healthy);
    until!("the table on the replica", table_on_replica(&replica).await);

    // reads outside a transaction on the replica; the primary otherwise
    assert!(on_replica(&db).await, "a read goes to the replica");
    assert!(
        !on_replica(&db.primary()).await,
        "a pinned handle stays on the primary"
    );
    let mut tx = db.begin().await.unwrap();
    let rows = (&mut tx)
        .fetch(
            Statement::new("SELECT pg_is_in_recovery()").read(Returns::Rows),
            &[SqlType::Bool],
        )
        .await
        .unwrap();
    assert_eq!(
        rows[0][0],
        hangar::db::Value::Bool(false),
        "transactions on the primary"
    );
    tx.commit().await.unwrap();

    // read-your-writes: with replay paused the replica cannot see the
    // write, yet the writer (with its cookie, on any instance) does
    let _resume = ResumeReplay(replica.clone());
    execute(&replica, "SELECT pg_wal_replay_pause()").await;
    let b = instance(&tdb, &replica, 60_000).await;
    let res = a
        .post("/api/item/")
        .header(ContentType::JSON)
        .body(r#"{"name": "fresh"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let cookie = res
        .cookies()
        .get(PRIMARY_COOKIE)
        .expect("a write marks its client")
        .clone()
        .into_owned();
    assert_eq!(
        count(&a, Some(&cookie)).await,
        1,
        "the writer reads its write"
    );
    assert_eq!(count(&b, Some(&cookie)).await, 1, "on another instance too");
    assert_eq!(
        count(&b, None).await,
        0,
        "other clients read the (paused) replica"
    );
    execute(&replica, "SELECT pg_wal_replay_resume()").await;
    until!("the replica catches up", count(&b, None).await == 1);

    // a replica lagging past the bound is skipped until it catches up
    let c = instance(&tdb, &replica, 300).await;
    let c_db = c.rocket().state::<Db>().unwrap().clone();
    until!("c uses the replica", c_db.replica_states()[0].healthy);
    execute(&replica, "SELECT pg_wal_replay_pause()").await;
    let res = a
        .post("/api/item/")
        .header(ContentType::JSON)
        .body(r#"{"name": "second"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    until!(
        "the lagging replica skipped",
        !c_db.replica_states()[0].healthy
    );
    assert_eq!(count(&c, None).await, 2, "read from the primary meanwhile");
    execute(&replica, "SELECT pg_wal_replay_resume()").await;
    until!("the replica back in use", c_db.replica_states()[0].healthy);

    // the replica stopped under load: every read still answers
    let reads = async {
        let mut statuses = Vec::new();
        for _ in 0..150 {
            statuses.push(b.get("/api/item/").dispatch().await.status());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        statuses
    };
    let stop = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        tokio::task::spawn_blocking(|| script("stop"))
            .await
            .unwrap();
    };
    let (statuses, ()) = tokio::join!(reads, stop);
    assert!(
        statuses.iter().all(|s| *s == Status::Ok),
        "no read failed: {statuses:?}"
    );
    let b_db = b.rocket().state::<Db>().unwrap().clone();
    assert!(
        !b_db.replica_states()[0].healthy,
        "the stopped replica is skipped"
    );
    assert_eq!(count(&b, None).await, 2);
    tokio::task::spawn_blocking(|| script("start"))
        .await
        .unwrap();
    until!(
        "the restarted replica in use",
        b_db.replica_states()[0].healthy
    );
    assert!(on_replica(&b_db).await);
    for client in [&a, &b, &c] {
        client.rocket().state::<Db>().unwrap().close().await;
    }
    sessions_and_throttle_read_the_primary(&tdb, &replica).await;
}

/// An instance with users whose session rows and throttle counters must
/// never be read from a lagging replica: a revocation would come late and
/// failed logins would be undercounted.
async fn sessions_and_throttle_read_the_primary(tdb: &TestDb, replica: &str) {
    use hangar::auth::{Auth, AuthState, UserModel as _};
    let figment = tdb
        .figment()
        .merge(("databases.main.replicas", vec![replica.to_owned()]))
        .merge(("hangar.database.replica_max_lag_ms", 600_000))
        .merge(("hangar.database.replica_check_ms", 100))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.throttle_limit", 3))
        .merge(("hangar.auth.session_cache_ms", 0))
        .merge(("hangar.auth.credentials_cache_ms", 0))
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Item>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(
            RestApi::fairing()
                .default_auth(hangar::rest::UserAuthentication::default())
                .register::<Item>(Resource::new()),
        );
    let client = Client::tracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().unwrap().clone();
    let auth = client.rocket().state::<AuthState>().unwrap();
    let user = auth
        .store()
        .create(&db, &auth.config, "rita", "r@x.io", "rita-password", false)
        .await
        .unwrap();
    until!("the replica in use", db.replica_states()[0].healthy);
    // a plain handle reads the replica: rita is there before it pauses
    until!(
        "rita on the replica",
        hangar::auth::User::by_username(&db, "rita")
            .await
            .is_ok_and(|u| u.is_some())
    );
    assert_eq!(
        hangar::testing::login(&client, "rita", "rita-password").await,
        Status::SeeOther
    );
    let write = || {
        client
            .post("/api/item/")
            .header(ContentType::JSON)
            .header(rocket::http::Header::new(
                "X-CSRF-Token",
                client
                    .cookies()
                    .get_private(hangar::auth::CSRF_COOKIE)
                    .map(|c| c.value().to_owned())
                    .unwrap_or_default(),
            ))
            .body(r#"{"name": "by rita"}"#)
            .dispatch()
    };
    assert_eq!(write().await.status(), Status::Created, "signed in");
    let _resume = ResumeReplay(replica.to_owned());
    execute(replica, "SELECT pg_wal_replay_pause()").await;
    // deactivated on the primary while the replica still says active
    auth.store().set_active(&db, user.id, false).await.unwrap();
    assert_eq!(
        write().await.status(),
        Status::Unauthorized,
        "the revocation counts at once"
    );
    // failed logins counted on the primary while the replica is paused
    let basic = |password: &str| {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("rita:{password}"));
        rocket::http::Header::new("Authorization", format!("Basic {token}"))
    };
    auth.store().set_active(&db, user.id, true).await.unwrap();
    for _ in 0..3 {
        let res = client
            .post("/api/item/")
            .header(basic("wrong"))
            .header(ContentType::JSON)
            .body("{}")
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Unauthorized);
    }
    let res = client
        .post("/api/item/")
        .header(basic("rita-password"))
        .header(ContentType::JSON)
        .body(r#"{"name": "x"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::TooManyRequests, "no undercount");
    execute(replica, "SELECT pg_wal_replay_resume()").await;
    db.close().await;
}
