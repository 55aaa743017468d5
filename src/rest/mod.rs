//! The REST API battery: flask-peewee's JSON API over registered models.
//!
//! ```no_run
//! # use hangar::Model;
//! # #[derive(Model)] struct Message { id: i64, #[model(references = hangar::auth::User)] user: i64, content: String }
//! use hangar::rest::{AdminAuthentication, Resource, RestApi, UserAuthentication};
//! use hangar::auth::User;
//!
//! let rocket = rocket::build()
//!     .attach(hangar::db::Database::fairing().model::<Message>().with(hangar::auth::Auth::models()))
//!     .attach(hangar::auth::Auth::fairing())
//!     .attach(RestApi::fairing()
//!         .default_auth(UserAuthentication::default())
//!         .register::<User>(Resource::new()
//!             .exclude(["password", "email"])
//!             .readonly(["admin", "active"])
//!             .auth(AdminAuthentication::default()))
//!         .register::<Message>(Resource::new().restrict_owner("user")));
//! ```
//!
//! Wire contract: `GET /api/<name>/` → `{"meta": {...}, "objects": [...]}`
//! with `?field__op=value` filters, `?ordering=`, `?limit=`, `?page=`;
//! `GET/PUT/PATCH/POST/DELETE /api/<name>/<pk>/`; `POST /api/<name>/` → 201
//! with `Location`; every error is JSON `{"error": ..., "errors": [...]}`.

mod authn;
mod caller;
mod config;
mod error;
mod fairing;
mod fields;
mod filters;
mod guard;
mod handlers;
mod list_query;
mod marshal;
pub mod openapi;
mod paging;
pub(crate) mod payload;
mod resource;
mod routes;
mod state;
mod style;
pub mod wire;
mod writes;

pub use authn::{
    basic_credentials, bearer_token, hash_secret, APIKeyAuthentication, AdminAuthentication,
    Authentication, Authenticator, BearerAuthentication, UserAuthentication,
    UserBearerAuthentication, ALL_METHODS, WRITE_METHODS,
};
pub use caller::{ApiKey, ApiUser};
pub use config::ApiConfig;
pub use error::{ApiError, FieldError, SetupError};
pub use fairing::RestApi;
pub use fields::{marshal, DateFormat, Field, Fields, Kind, Marshal};
pub use filters::{Filter, QueryParams};
pub use resource::{Pagination, Resource, ResourceHooks};
pub use state::{Entry, RestState};
pub use style::Style;
