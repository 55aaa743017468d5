//! The models the targets parse against: every column type, a foreign key
//! (for `__` paths), choices and a secret column.

use hangar::Model;

#[derive(Model)]
#[model(display = "name")]
pub struct Person {
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    #[model(default = 0)]
    pub age: i32,
    pub score: f64,
    pub active: bool,
    pub bio: Option<String>,
    #[model(default = "now")]
    pub joined: time::OffsetDateTime,
    pub birthday: Option<time::Date>,
    pub token: uuid::Uuid,
    pub prefs: serde_json::Value,
    pub avatar: Vec<u8>,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
    #[model(secret)]
    pub password: String,
    #[model(version)]
    pub version: i64,
}

#[derive(Model)]
pub struct Pet {
    pub id: i64,
    #[model(references = Person, on_delete = "cascade")]
    pub owner: i64,
    pub nickname: String,
}
