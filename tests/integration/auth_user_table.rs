//! `[hangar.auth] user_table`: the built-in user model in another table, and
//! models referring to it follow. The table name is per rocket: two rockets
//! with different user tables run side by side in one process.

use crate::common;
use hangar::db::Table as _;

use common::TestDb;
use hangar::auth::{Auth, AuthState, User};
use hangar::db::{Backend, Database, Db, Model as _};
use hangar::Model;
use rocket::local::asynchronous::Client;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub author: i64,
    pub title: String,
}

async fn launch(tdb: &TestDb, user_table: &str) -> Client {
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.user_table", user_table));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Post>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing());
    Client::tracked(rocket).await.expect("launch")
}

/// Creates a user and a post of theirs, then deletes the user recursively.
async fn users_and_posts_work(client: &Client, table: &str, other: &str) {
    let db = client.rocket().state::<Db>().unwrap().clone();
    assert_eq!(db.registry().table(User::schema()), table);
    assert!(hangar::db::ddl::table_exists(&db, table).await.unwrap());
    assert!(!hangar::db::ddl::table_exists(&db, "user").await.unwrap());
    assert!(!hangar::db::ddl::table_exists(&db, other).await.unwrap());
    let state = client.rocket().state::<AuthState>().unwrap();
    let u = state
        .store()
        .create(&db, &state.config, "tess", "t@x", "tess-password", false)
        .await
        .unwrap();
    let mut post = Post {
        id: 0,
        author: u.id,
        title: "first".into(),
    };
    post.insert(&db).await.unwrap();
    let tess = User::get(&db, u.id).await.unwrap();
    assert_eq!(tess.username, "tess");
    // the login form reads the configured table too
    let page = client.get("/accounts/login/").dispatch().await;
    assert_eq!(page.status(), rocket::http::Status::Ok);
    assert_eq!(
        tess.delete(&db, hangar::db::DeleteMode::Recursive)
            .await
            .unwrap(),
        2
    );
}

#[rocket::async_test]
async fn the_user_table_is_configurable_per_rocket() {
    let (one, two) = (
        TestDb::new(Backend::Sqlite).await.unwrap(),
        TestDb::new(Backend::Sqlite).await.unwrap(),
    );
    // both rockets are up at once, each with its own user table
    let first = launch(&one, "accounts_user").await;
    let second = launch(&two, "members").await;
    users_and_posts_work(&first, "accounts_user", "members").await;
    users_and_posts_work(&second, "members", "accounts_user").await;
    for c in [&first, &second] {
        c.rocket().state::<Db>().unwrap().close().await;
    }
}
