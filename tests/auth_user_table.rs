//! `[hangar.auth] user_table`: the built-in user model in another table, and
//! models referring to it follow. (Its own test binary: the table name is
//! per process.)

mod common;

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

#[rocket::async_test]
async fn the_user_table_is_configurable() {
    let tdb = TestDb::new(Backend::Sqlite).await.unwrap();
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.user_table", "accounts_user"));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Post>())
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing());
    let client = Client::tracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().unwrap().clone();
    assert_eq!(User::schema().table, "accounts_user");
    assert!(hangar::db::ddl::table_exists(&db, "accounts_user")
        .await
        .unwrap());
    assert!(!hangar::db::ddl::table_exists(&db, "user").await.unwrap());
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
    assert_eq!(
        tess.delete(&db, hangar::db::DeleteMode::Recursive)
            .await
            .unwrap(),
        2
    );
    db.close().await;
}
