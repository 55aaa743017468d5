//! Transactions go through sqlx: a transaction dropped half-way (a client
//! that went away, a timeout) or unwound by a panicking hook is rolled back
//! before its connection serves anyone else; on SQLite the write lock is
//! free again at once. Run on SQLite, PostgreSQL and MariaDB.

use crate::common;
use hangar::db::Table as _;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use hangar::db::{Backend, Database, Db, Executor as _, Model as _, SqlType, Statement};
use hangar::rest::{ApiError, ApiUser, Resource, ResourceHooks, RestApi};
use hangar::Model;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;

#[derive(Model, Clone, Debug)]
pub struct Entry {
    pub id: i64,
    #[model(max_length = 40)]
    pub title: String,
}

/// A pool of two connections that waits at most one second for a
/// connection or (SQLite) for the write lock.
async fn small_pool(tdb: &TestDb) -> Db {
    common::impatient_pool(tdb, 2, &[Entry::schema()]).await
}

/// Counts the rows on each of the pool's connections at once: a connection
/// left inside the dropped transaction would see its own uncommitted row.
async fn counts_on_every_connection(db: &Db) -> Vec<u64> {
    let mut a = db.conn().await.unwrap();
    let mut b = db.conn().await.unwrap();
    vec![
        Entry::select().count(&mut a).await.unwrap(),
        Entry::select().count(&mut b).await.unwrap(),
    ]
}

async fn a_dropped_transaction_is_rolled_back(tdb: Arc<TestDb>) {
    let db = small_pool(&tdb).await;
    for on_conn in [true, false] {
        let (started, wait) = tokio::sync::oneshot::channel();
        let db2 = db.clone();
        // a request that begins a transaction, writes, and never finishes
        let request = tokio::spawn(async move {
            let mut conn = db2.conn().await.unwrap();
            let mut pooled;
            let mut tx = if on_conn {
                conn.begin().await.unwrap()
            } else {
                pooled = db2.begin().await.unwrap();
                pooled.begin().await.unwrap()
            };
            let mut e = Entry {
                id: 0,
                title: "never committed".into(),
            };
            e.insert(&mut tx).await.unwrap();
            started.send(()).unwrap();
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        wait.await.unwrap();
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        // another writer gets in at once (SQLite: within the 1 s busy timeout)
        let mut tx = db.begin().await.expect("a new transaction");
        let mut e = Entry {
            id: 0,
            title: "committed".into(),
        };
        e.insert(&mut tx).await.expect("the write lock is free");
        tx.commit().await.unwrap();
    }
    assert_eq!(counts_on_every_connection(&db).await, vec![2, 2]);
    db.close().await;
}

async fn a_nested_transaction_is_a_savepoint(tdb: Arc<TestDb>) {
    let db = small_pool(&tdb).await;
    let mut tx = db.begin().await.unwrap();
    let mut kept = Entry {
        id: 0,
        title: "kept".into(),
    };
    kept.insert(&mut tx).await.unwrap();
    {
        let mut inner = tx.begin().await.unwrap();
        let mut gone = Entry {
            id: 0,
            title: "rolled back".into(),
        };
        gone.insert(&mut inner).await.unwrap();
        // dropped without commit: back to the savepoint
    }
    {
        let mut inner = tx.begin().await.unwrap();
        let mut also = Entry {
            id: 0,
            title: "released".into(),
        };
        also.insert(&mut inner).await.unwrap();
        inner.commit().await.unwrap();
    }
    tx.commit().await.unwrap();
    let titles: Vec<String> = Entry::select()
        .order_by("id")
        .unwrap()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert_eq!(titles, ["kept", "released"]);
    db.close().await;
}

/// Panics inside the create's transaction when the title says so.
struct PanicsOnBoom;

impl ResourceHooks for PanicsOnBoom {
    fn before_save(
        &self,
        _user: Option<&ApiUser>,
        fields: &mut Vec<(&'static str, hangar::db::Value)>,
        _creating: bool,
    ) -> Result<(), ApiError> {
        if fields.iter().any(|(_, v)| v.as_str() == Some("boom")) {
            panic!("a hook failed half-way");
        }
        Ok(())
    }
}

async fn a_panicking_hook_leaves_the_pool_clean(tdb: Arc<TestDb>) {
    let figment = tdb
        .figment()
        .merge(("databases.main.max_connections", 2))
        .merge(("databases.main.connect_timeout", 1));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Entry>())
        .attach(
            RestApi::fairing()
                .default_auth(common::OpenWrites)
                .register::<Entry>(Resource::new().hooks(PanicsOnBoom)),
        );
    let client = Client::tracked(rocket).await.expect("launch");
    let post = |title: &str| {
        client
            .post("/api/entry/")
            .header(ContentType::JSON)
            .body(format!(r#"{{"title": "{title}"}}"#))
            .dispatch()
    };
    for _ in 0..3 {
        assert_eq!(post("boom").await.status(), Status::InternalServerError);
        // the next writer is not locked out and sees no half-written row
        assert_eq!(post("fine").await.status(), Status::Created);
    }
    let db = client.rocket().state::<Db>().unwrap().clone();
    assert_eq!(counts_on_every_connection(&db).await, vec![3, 3]);
    let boom = Entry::select()
        .filter("title", hangar::db::Op::Eq, "boom")
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(boom, 0);
    db.close().await;
}

/// Ends every other connection to the test database from the server side
/// (PostgreSQL's `pg_terminate_backend`, MySQL's `KILL`), as a restart or a
/// failover does.
async fn kill_other_connections(killer: &Db, backend: Backend) {
    match backend {
        Backend::Postgres => {
            let sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                       WHERE datname = current_database() AND pid <> pg_backend_pid()";
            (&*killer)
                .execute(Statement::new(sql))
                .await
                .expect("terminate");
        }
        Backend::MySql => {
            let sql = "SELECT id FROM information_schema.processlist \
                       WHERE db = DATABASE() AND id <> CONNECTION_ID()";
            let rows = (&*killer)
                .fetch(Statement::new(sql), &[SqlType::BigInt])
                .await
                .expect("processlist");
            for row in rows {
                // a connection may be gone already
                let _ = (&*killer)
                    .execute(Statement::new(format!("KILL {}", row[0])))
                    .await;
            }
        }
        Backend::Sqlite => unreachable!("no server"),
    }
}

/// The server drops the app's connections under read load (8 clients):
/// every answer is 200 (a read that lost its connection is tried once more
/// on a fresh one) or 503 — never 500 — and the app serves again at once.
async fn lost_connections_are_retried_never_500(tdb: Arc<TestDb>) {
    if tdb.backend == Backend::Sqlite {
        // an embedded database has no server to lose
        return;
    }
    let figment = tdb.figment().merge(("databases.main.max_connections", 4));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Entry>())
        .attach(RestApi::fairing().register::<Entry>(Resource::new()));
    let client = Client::untracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().unwrap().clone();
    for n in 0..5 {
        Entry {
            id: 0,
            title: format!("entry {n}"),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let killer = Db::connect(&tdb.url).await.expect("second connection");
    let done = AtomicBool::new(false);
    let kills = async {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(30)).await;
            kill_other_connections(&killer, tdb.backend).await;
        }
        done.store(true, Ordering::SeqCst);
    };
    let reader = || async {
        let mut statuses = Vec::new();
        while !done.load(Ordering::SeqCst) {
            let res = client.get("/api/entry/?ordering=id").dispatch().await;
            statuses.push(res.status());
        }
        statuses
    };
    let (_, answers) = tokio::join!(
        kills,
        rocket::futures::future::join_all((0..8).map(|_| reader()))
    );
    let answers: Vec<Status> = answers.into_iter().flatten().collect();
    let ok = answers.iter().filter(|s| **s == Status::Ok).count();
    let unavailable = answers
        .iter()
        .filter(|s| **s == Status::ServiceUnavailable)
        .count();
    assert_eq!(
        ok + unavailable,
        answers.len(),
        "only 200 and 503: {answers:?}"
    );
    assert!(ok > unavailable, "{ok} served, {unavailable} unavailable");
    let res = client.get("/api/entry/").dispatch().await;
    assert_eq!(res.status(), Status::Ok, "serves again after the kills");
    killer.close().await;
    db.close().await;
}

app_cases!(
    a_dropped_transaction_is_rolled_back,
    a_nested_transaction_is_a_savepoint,
    a_panicking_hook_leaves_the_pool_clean,
    lost_connections_are_retried_never_500,
);
