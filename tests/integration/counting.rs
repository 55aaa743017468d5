//! Count strategies on every backend: exact, estimated from the database's
//! statistics (exact below a threshold), and none (one row more fetched to
//! know whether another page follows) — in the query layer, the REST
//! envelope and the admin's change list.

use crate::common;
use hangar::db::Table as _;

use std::sync::Arc;

use common::TestDb;
use hangar::admin::{Admin, ModelAdmin};
use hangar::auth::{Auth, AuthState};
use hangar::db::{Backend, Count, Database, Db, Executor as _, Model as _, Op, RowCount, Select};
use hangar::rest::{Pagination, Resource, RestApi};
use hangar::Model;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use serde_json::Value as Json;

#[derive(Model, Clone, Debug)]
#[model(table = "post")]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub score: i64,
}

app_cases!(
    select_counts_each_way,
    rest_envelope_says_how_it_counted,
    admin_change_list_counts_each_way,
);

const ROWS: i64 = 25;

/// `ROWS` posts, scores 0..ROWS, then the database's statistics gathered.
async fn seed(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    for i in 0..ROWS {
        Post {
            id: 0,
            title: format!("post {i}"),
            score: i,
        }
        .insert(&mut tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let analyze = match db.backend() {
        Backend::MySql => "ANALYZE TABLE post",
        _ => "ANALYZE",
    };
    let mut ex = db;
    ex.run_script(analyze).await.unwrap();
}

async fn select_counts_each_way(tdb: Arc<TestDb>) {
    let db = Db::connect(&tdb.url)
        .await
        .unwrap()
        .with_models(&[Post::schema()]);
    hangar::db::ddl::create_tables(&db, &[Post::schema()])
        .await
        .unwrap();
    let all = Select::new(Post::schema());
    // no statistics yet on SQLite: an estimate falls back to counting
    if db.backend() == Backend::Sqlite {
        let before = all.count_as(&db, Count::Estimated { exact_below: 0 }).await;
        assert_eq!(before.unwrap(), RowCount::Exact(0));
    }
    seed(&db).await;
    assert_eq!(
        all.count_as(&db, Count::Exact).await.unwrap(),
        RowCount::Exact(25)
    );
    assert_eq!(
        all.count_as(&db, Count::None).await.unwrap(),
        RowCount::Unknown
    );
    // below the threshold an estimate is replaced by the exact count
    assert_eq!(
        all.count_as(&db, Count::estimated()).await.unwrap(),
        RowCount::Exact(25)
    );
    // above it, the statistics' figure, reported as an estimate
    let est = all
        .count_as(&db, Count::Estimated { exact_below: 1 })
        .await
        .unwrap();
    match est {
        RowCount::Estimated(n) => assert!((1..=100).contains(&n), "estimate {n}"),
        other => panic!("expected an estimate on {:?}, got {other:?}", db.backend()),
    }
    // a filter: the planner's estimate where there is one (SQLite has none)
    let filtered = all.clone().filter("score", Op::Lt, 10i64).unwrap();
    let est = filtered
        .count_as(&db, Count::Estimated { exact_below: 1 })
        .await
        .unwrap();
    match (db.backend(), est) {
        (Backend::Sqlite, got) => assert_eq!(got, RowCount::Exact(10)),
        (_, RowCount::Estimated(n)) => assert!((1..=100).contains(&n), "estimate {n}"),
        (b, other) => panic!("expected an estimate on {b:?}, got {other:?}"),
    }
    // estimating inside a transaction leaves it usable
    let mut tx = db.begin().await.unwrap();
    filtered
        .count_as(&mut tx, Count::Estimated { exact_below: 1 })
        .await
        .unwrap();
    assert_eq!(filtered.count(&mut tx).await.unwrap(), 10);
    tx.commit().await.unwrap();
    db.close().await;
}

async fn client(tdb: &TestDb) -> Client {
    let api = RestApi::fairing()
        .register::<Post>(Resource::new().name("post").paginate_by(Some(10)))
        .register::<Post>(
            Resource::new()
                .name("post_none")
                .paginate_by(Some(10))
                .count(Count::None),
        )
        .register::<Post>(
            Resource::new()
                .name("post_estimated")
                .paginate_by(Some(10))
                .count(Count::Estimated { exact_below: 1 }),
        )
        .register::<Post>(
            Resource::new()
                .name("post_offset")
                .paginate_by(Some(10))
                .pagination(Pagination::LimitOffset)
                .count(Count::None),
        );
    let admin = Admin::fairing().register::<Post>(
        ModelAdmin::new()
            .paginate_by(10)
            .count(Count::None)
            .search_fields(["title"]),
    );
    let rocket = rocket::custom(tdb.figment())
        .attach(Database::fairing().model::<Post>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(admin)
        .attach(api);
    let client = Client::tracked(rocket).await.expect("launch");
    seed(client.rocket().state::<Db>().unwrap()).await;
    client
}

async fn get(client: &Client, path: &str) -> Json {
    let res = client.get(path).dispatch().await;
    assert_eq!(res.status(), Status::Ok, "{path}");
    res.into_json().await.unwrap()
}

async fn rest_envelope_says_how_it_counted(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    // exact (the default): flask-peewee's envelope, and how it counted
    let body = get(&client, "/api/post/?page=3").await;
    assert_eq!(body["meta"]["count_kind"], "exact");
    assert_eq!(body["meta"]["object_count"], 25);
    assert_eq!(body["meta"]["page_count"], 3);
    assert_eq!(body["meta"]["next"], "");
    // plain rows are written straight out, byte for byte what the JSON
    // tree of a resource with hooks would write (keys in a Map's order)
    let raw = client
        .get("/api/post/?page=3")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let tree: Json = serde_json::from_str(&raw).unwrap();
    assert_eq!(raw, tree.to_string());
    let raw = client
        .get("/api/post/3/")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let tree: Json = serde_json::from_str(&raw).unwrap();
    assert_eq!(tree["title"], "post 2");
    assert_eq!(raw, tree.to_string());
    // none: no counts, `next` still exact from the extra row
    let first = get(&client, "/api/post_none/").await;
    assert_eq!(first["meta"]["count_kind"], "none");
    assert!(first["meta"]["object_count"].is_null(), "{first}");
    assert!(first["meta"]["page_count"].is_null(), "{first}");
    assert_eq!(first["objects"].as_array().unwrap().len(), 10);
    assert_eq!(first["meta"]["next"], "/api/post_none/?page=2");
    let second = get(&client, "/api/post_none/?page=2").await;
    assert_eq!(second["meta"]["next"], "/api/post_none/?page=3");
    let last = get(&client, "/api/post_none/?page=3").await;
    assert_eq!(last["objects"].as_array().unwrap().len(), 5);
    assert_eq!(last["meta"]["next"], "", "no page after the last");
    assert_eq!(last["meta"]["previous"], "/api/post_none/?page=2");
    let past = get(&client, "/api/post_none/?page=9").await;
    assert_eq!(past["objects"].as_array().unwrap().len(), 0);
    // exactly a page's worth left: no `next` to an empty page
    let filtered = get(&client, "/api/post_none/?score__lt=20&page=2").await;
    assert_eq!(filtered["objects"].as_array().unwrap().len(), 10);
    assert_eq!(filtered["meta"]["next"], "");
    // estimated: the statistics' figure, and `next` from the rows
    let est = get(&client, "/api/post_estimated/?page=3").await;
    assert_eq!(est["meta"]["count_kind"], "estimated", "{est}");
    let n = est["meta"]["object_count"].as_u64().unwrap();
    assert!((1..=100).contains(&n), "{est}");
    assert_eq!(est["objects"].as_array().unwrap().len(), 5);
    assert_eq!(est["meta"]["next"], "");
    // limit/offset without counting
    let off = get(&client, "/api/post_offset/?offset=20").await;
    assert_eq!(off["meta"]["count_kind"], "none");
    assert!(off["meta"]["object_count"].is_null());
    assert_eq!(off["objects"].as_array().unwrap().len(), 5);
    assert_eq!(off["meta"]["next"], "");
    let off = get(&client, "/api/post_offset/?offset=5").await;
    assert_eq!(off["meta"]["next"], "/api/post_offset/?offset=15");
    // the OpenAPI document names the field and allows the uncounted nulls
    let doc = get(&client, "/api/openapi.json").await;
    let text = doc.to_string();
    assert!(text.contains("\"count_kind\""), "documented");
    assert!(
        text.contains("[\"integer\",\"null\"]"),
        "null counts allowed"
    );
    client.rocket().state::<Db>().unwrap().close().await;
}

async fn admin_change_list_counts_each_way(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let state = client.rocket().state::<AuthState>().unwrap();
    let db = client.rocket().state::<Db>().unwrap();
    state
        .store()
        .create(db, &state.config, "root", "r@x.io", "root-password", true)
        .await
        .unwrap();
    let status = hangar::testing::login(&client, "root", "root-password").await;
    assert_eq!(status, Status::SeeOther);
    let page = |path: &'static str| {
        let client = &client;
        async move {
            let res = client.get(path).dispatch().await;
            assert_eq!(res.status(), Status::Ok, "{path}");
            res.into_string().await.unwrap()
        }
    };
    // uncounted: previous/next links and no total
    let first = page("/admin/post/").await;
    assert!(first.contains("rel=\"next\""), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    assert!(!first.contains("in all"), "no count shown");
    assert!(
        first.contains(">post 9<") && !first.contains(">post 10<"),
        "{first}"
    );
    let last = page("/admin/post/?page=3").await;
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    assert!(last.contains(">post 24<"), "{last}");
    // a search: "post 1" and "post 10".."post 19" fill a page and one more
    let found = page("/admin/post/?q=post+1").await;
    assert!(found.contains("page=2\" rel=\"next\""), "{found}");
    let rest = page("/admin/post/?q=post+1&page=2").await;
    assert!(
        rest.contains(">post 19<") && !rest.contains("rel=\"next\""),
        "{rest}"
    );
    db.close().await;
}
