//! The test data model: flask-peewee's example (users, follows, messages,
//! notes) plus a model with every supported column type.

use hangar::db::Table as _;
use hangar::db::{Db, Model as _, Schema};
use hangar::Model;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Model, Clone, Debug, PartialEq, Serialize)]
#[model(table = "user", display = "username")]
pub struct User {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub username: String,
    pub email: String,
    #[model(secret)]
    pub password: String,
    #[model(default = "now")]
    pub join_date: OffsetDateTime,
    #[model(default = true)]
    pub active: bool,
    #[model(default = false)]
    pub admin: bool,
}

#[derive(Model, Clone, Debug, PartialEq, Serialize)]
pub struct Relationship {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub from_user: i64,
    #[model(references = User, on_delete = "cascade")]
    pub to_user: i64,
}

#[derive(Model, Clone, Debug, PartialEq, Serialize)]
#[model(display = "content")]
pub struct Message {
    pub id: i64,
    #[model(references = User)]
    pub user: i64,
    pub content: String,
    #[model(default = "now")]
    pub pub_date: OffsetDateTime,
}

#[derive(Model, Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    #[model(references = User)]
    pub user: i64,
    pub message: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
    #[model(default = "now")]
    pub created_date: OffsetDateTime,
}

/// A reply to a message: for two-step join paths (`message__user__username`).
#[derive(Model, Clone, Debug, PartialEq)]
pub struct Reply {
    pub id: i64,
    #[model(references = Message, on_delete = "cascade")]
    pub message: i64,
    #[model(references = User)]
    pub author: i64,
    pub body: String,
}

/// A row with every column type, keyed by a UUID.
#[derive(Model, Clone, Debug, PartialEq)]
pub struct Sample {
    #[model(primary_key)]
    pub key: uuid::Uuid,
    pub flag: bool,
    pub small: i32,
    pub big: i64,
    pub ratio: f64,
    #[model(column = "label_text", index)]
    pub label: String,
    pub maybe: Option<String>,
    pub at: OffsetDateTime,
    pub day: time::Date,
    pub doc: serde_json::Value,
    pub blob: Vec<u8>,
    #[model(references = User, on_delete = "set_null")]
    pub owner: Option<i64>,
}

pub fn schemas() -> Vec<&'static Schema> {
    vec![
        User::schema(),
        Relationship::schema(),
        Message::schema(),
        Note::schema(),
        Reply::schema(),
        Sample::schema(),
    ]
}

pub fn user(name: &str) -> User {
    User {
        id: 0,
        username: name.into(),
        email: format!("{name}@example.com"),
        password: "x".into(),
        join_date: hangar::db::now(),
        active: true,
        admin: false,
    }
}

/// Users alice, bob, carol, dave; follows; 2 messages each (alice has 3); a few notes.
pub struct World {
    pub alice: User,
    pub bob: User,
    pub carol: User,
    pub dave: User,
}

pub async fn seed(db: &Db) -> World {
    let mut users = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        let mut u = user(name);
        if name == "dave" {
            u.active = false;
        }
        u.insert(db).await.expect("insert user");
        users.push(u);
    }
    let [alice, bob, carol, dave]: [User; 4] = users.try_into().expect("four users");
    for (from, to) in [
        (&alice, &bob),
        (&alice, &carol),
        (&bob, &alice),
        (&carol, &dave),
    ] {
        let mut r = Relationship {
            id: 0,
            from_user: from.id,
            to_user: to.id,
        };
        r.insert(db).await.expect("insert relationship");
    }
    let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("timestamp");
    let texts = [
        (&alice, "Hello from Alice"),
        (&alice, "alice again: 100% sure"),
        (&alice, "third_post by alice"),
        (&bob, "Bob says hi"),
        (&bob, "bob's second"),
        (&carol, "Carol here"),
        (&carol, "CAROL SHOUTS"),
        (&dave, "dave was here"),
        (&dave, "Dave again"),
    ];
    for (i, (u, text)) in texts.iter().enumerate() {
        let mut m = Message {
            id: 0,
            user: u.id,
            content: (*text).into(),
            pub_date: base + time::Duration::minutes(i as i64),
        };
        m.insert(db).await.expect("insert message");
    }
    for (u, text, status) in [
        (&alice, "alice note live", Some(1)),
        (&alice, "alice note deleted", Some(2)),
        (&bob, "bob note", None),
    ] {
        let mut n = Note {
            id: 0,
            user: u.id,
            message: text.into(),
            status,
            created_date: base,
        };
        n.insert(db).await.expect("insert note");
    }
    World {
        alice,
        bob,
        carol,
        dave,
    }
}
