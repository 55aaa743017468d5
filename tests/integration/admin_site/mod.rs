//! What the admin test files share: two models, seed data (users root,
//! alice, bob; five messages; one note) and HTTP helpers.
#![allow(dead_code, reason = "helpers shared by modules that each use some")]

pub mod options;

use hangar::auth::{AuthState, User};
use hangar::db::{Db, Model as _};
use hangar::Model;
use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::Client;
use time::OffsetDateTime;

#[derive(Model, Clone, Debug)]
#[model(table = "message", display = "content")]
pub struct Message {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub content: String,
    #[model(default = "now")]
    pub pub_date: OffsetDateTime,
}

#[derive(Model, Clone, Debug)]
pub struct Note {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub message: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
}

/// The seeded ids.
pub struct World {
    /// alice's id.
    pub alice: i64,
}

pub async fn seed(client: &Client) -> World {
    let db = client.rocket().state::<Db>().unwrap();
    let state = client.rocket().state::<AuthState>().unwrap();
    let mut ids = Vec::new();
    for (name, admin) in [("root", true), ("alice", false), ("bob", false)] {
        let u = state
            .store()
            .create(
                db,
                &state.config,
                name,
                &format!("{name}@x.io"),
                &format!("{name}-password"),
                admin,
            )
            .await
            .unwrap();
        ids.push(u.id);
    }
    for (u, text) in [
        (1, "hello world"),
        (1, "alice again"),
        (2, "bob here"),
        (2, "zebra"),
        (0, "admin note"),
    ] {
        Message {
            id: 0,
            user: ids[u],
            content: text.into(),
            pub_date: hangar::db::now(),
        }
        .insert(db)
        .await
        .unwrap();
    }
    Note {
        id: 0,
        user: ids[1],
        message: "n".into(),
        status: Some(1),
    }
    .insert(db)
    .await
    .unwrap();
    World { alice: ids[1] }
}

pub fn token_in(html: &str) -> String {
    hangar::testing::csrf_token_in(html).expect("csrf field")
}

pub async fn page(client: &Client, uri: &str) -> (Status, String) {
    let res = client
        .get(uri.to_owned())
        .header(Accept::HTML)
        .dispatch()
        .await;
    (res.status(), res.into_string().await.unwrap_or_default())
}

pub async fn post(client: &Client, uri: &str, body: String) -> (Status, String, String) {
    let res = client
        .post(uri.to_owned())
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .await;
    let loc = res
        .headers()
        .get_one("Location")
        .unwrap_or_default()
        .to_owned();
    (
        res.status(),
        loc,
        res.into_string().await.unwrap_or_default(),
    )
}

pub async fn login(client: &Client, user: &str) {
    let status = hangar::testing::login(client, user, &format!("{user}-password")).await;
    assert_eq!(status, Status::SeeOther, "login {user}");
}
