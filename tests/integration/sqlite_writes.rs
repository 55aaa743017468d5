//! SQLite writers queue in the process instead of sleeping in SQLite's busy
//! handler: a writer waiting behind a long transaction is served when it
//! ends rather than failing with `database is locked`, and a burst of
//! concurrent creates through the REST API all succeed.

use crate::common;
use hangar::db::Table as _;

use std::time::{Duration, Instant};

use common::TestDb;
use hangar::db::{Backend, Database, Db, Executor as _, Model as _, Statement};
use hangar::rest::{Resource, RestApi};
use hangar::Model;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;

#[derive(Model, Clone, Debug)]
pub struct Entry {
    pub id: i64,
    #[model(max_length = 40)]
    pub title: String,
}

#[rocket::async_test]
async fn a_writer_behind_a_long_transaction_waits_its_turn() {
    let tdb = TestDb::new(Backend::Sqlite).await.unwrap();
    let db = common::impatient_pool(&tdb, 4, &[Entry::schema()]).await;
    let mut tx = db.begin().await.unwrap();
    let mut first = Entry {
        id: 0,
        title: "first".into(),
    };
    first.insert(&mut tx).await.unwrap();
    // a plain write through the pool while the transaction holds the lock
    // longer than SQLite's busy timeout: it queues for its turn
    let db2 = db.clone();
    let started = Instant::now();
    let waiting = tokio::spawn(async move {
        let mut ex = &db2;
        ex.execute(Statement::new(
            "INSERT INTO entry (title) VALUES ('second')",
        ))
        .await
        .map(|_| started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tx.commit().await.unwrap();
    let waited = waiting
        .await
        .unwrap()
        .expect("the queued write runs once the transaction ends, not `database is locked`");
    assert!(waited >= Duration::from_millis(1400), "{waited:?}");
    assert_eq!(Entry::select().count(&db).await.unwrap(), 2);
    db.close().await;
}

#[rocket::async_test]
async fn concurrent_creates_all_succeed() {
    let tdb = TestDb::new(Backend::Sqlite).await.unwrap();
    let rocket = rocket::custom(
        tdb.figment()
            .merge(("databases.main.max_connections", 8))
            .merge(("databases.main.connect_timeout", 1)),
    )
    .attach(Database::fairing().model::<Entry>())
    .attach(
        RestApi::fairing()
            .default_auth(common::OpenWrites)
            .register::<Entry>(Resource::new()),
    );
    let client = Client::tracked(rocket).await.unwrap();
    let creates = (0..64).map(|i| {
        client
            .post("/api/entry/")
            .header(ContentType::JSON)
            .body(format!(r#"{{"title": "entry {i}"}}"#))
            .dispatch()
    });
    for res in futures::future::join_all(creates).await {
        let status = res.status();
        let body = res.into_string().await.unwrap_or_default();
        assert_eq!(status, Status::Created, "{body}");
    }
    let db = client.rocket().state::<Db>().unwrap();
    assert_eq!(Entry::select().count(db).await.unwrap(), 64);
}
