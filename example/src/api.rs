//! The example's REST API (flask-peewee's example `api.py`): `/api/user/`,
//! `/api/message/`, `/api/relationship/`, `/api/note/`.

use hangar::db::{Op, Select};
use hangar::rest::{
    AdminAuthentication, ApiUser, Resource, ResourceHooks, RestApi, UserAuthentication,
};

use crate::models::{Message, Note, Relationship, User};

/// Only live notes (status 1) are visible through the API.
pub struct LiveNotes;

impl ResourceHooks for LiveNotes {
    fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
        select
            .filter("status", Op::Eq, 1)
            .expect("Note has a status field")
    }
}

/// How a user shows inside other objects (flask-peewee's `UserResource`).
fn public_user() -> Resource {
    Resource::new().exclude(["password", "email"])
}

/// Owned by the caller: only the owner changes a row. Nested user objects
/// in writes only name the user (nested writes are off by default).
fn owned(owner: &str) -> Resource {
    Resource::new().restrict_owner(owner)
}

/// The API fairing with the example's resources; writes need Basic auth (or
/// a session plus the `X-CSRF-Token` header).
pub fn api() -> RestApi {
    RestApi::fairing()
        .default_auth(UserAuthentication::default())
        .register::<User>(
            Resource::new()
                .exclude(["password", "email"])
                .readonly(["admin", "active"])
                .auth(AdminAuthentication::default()),
        )
        .register::<Message>(
            // the public timeline: anyone reads messages, as in flask-peewee
            owned("user")
                .public_reads(true)
                .include("user", public_user()),
        )
        .register::<Relationship>(
            owned("from_user")
                .public_reads(true)
                .include("from_user", public_user())
                .include("to_user", public_user())
                .paginate_by(None),
        )
        // notes are private: each user reads their own only
        .register::<Note>(
            owned("user")
                .include("user", public_user())
                .hooks(LiveNotes),
        )
}
