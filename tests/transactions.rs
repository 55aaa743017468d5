//! Transactions go through sqlx: a transaction dropped half-way (a client
//! that went away, a timeout) or unwound by a panicking hook is rolled back
//! before its connection serves anyone else; on SQLite the write lock is
//! free again at once. Run on SQLite, PostgreSQL and MariaDB.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use hangar::db::{ddl, Database, Db, Model as _, Pool};
use hangar::rest::{ApiError, ApiUser, Authenticator, Resource, ResourceHooks, RestApi};
use hangar::Model;
use rocket::http::{ContentType, Method, Status};
use rocket::local::asynchronous::Client;
use rocket::Request;

#[derive(Model, Clone, Debug)]
pub struct Entry {
    pub id: i64,
    #[model(max_length = 40)]
    pub title: String,
}

/// A pool of two connections that waits at most one second for a
/// connection or (SQLite) for the write lock.
async fn small_pool(tdb: &TestDb) -> Db {
    let config = rocket_db_pools::Config {
        url: tdb.url.clone(),
        min_connections: None,
        max_connections: 2,
        connect_timeout: 1,
        idle_timeout: None,
        extensions: None,
    };
    let db = Db::new(
        Pool::from_config(&config).await.unwrap(),
        Default::default(),
    )
    .with_models(&[Entry::schema()]);
    ddl::create_tables(&db, &[Entry::schema()]).await.unwrap();
    db
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

/// Writes are open to anyone (the test is about transactions, not auth).
struct Open;

#[rocket::async_trait]
impl Authenticator for Open {
    fn protected_methods(&self) -> &[Method] {
        &[]
    }

    async fn authenticate(&self, _req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        Ok(None)
    }
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
                .default_auth(Open)
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

app_cases!(
    a_dropped_transaction_is_rolled_back,
    a_nested_transaction_is_a_savepoint,
    a_panicking_hook_leaves_the_pool_clean,
);
