//! The example's data model (flask-peewee's example `models.py`).

use hangar::Model;
use serde::Serialize;
use time::OffsetDateTime;

/// The site's users: Hangar's built-in auth user (flask-peewee's example `User`).
pub use hangar::auth::User;

/// `from_user` follows `to_user`.
#[derive(Model, Clone, Debug, Serialize)]
pub struct Relationship {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub from_user: i64,
    #[model(references = User, on_delete = "cascade")]
    pub to_user: i64,
}

/// A short public message.
#[derive(Model, Clone, Debug, Serialize)]
#[model(display = "content")]
pub struct Message {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub content: String,
    /// Indexed: the timeline orders by it.
    #[model(default = "now", index)]
    pub pub_date: OffsetDateTime,
}

/// A private note (shown by the admin's note panel in a later battery).
#[derive(Model, Clone, Debug, Serialize)]
pub struct Note {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub message: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
    #[model(default = "now")]
    pub created_date: OffsetDateTime,
}
