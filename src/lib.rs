//! # Hangar: batteries for Rocket 0.5
//!
//! Hangar gives a Rocket app a database layer over its models — pools on
//! SQLite, PostgreSQL or MySQL/MariaDB chosen by URL, tables created at
//! launch, SQL migrations, and a query layer with django-style lookups —
//! configured from `Rocket.toml`.
//!
//! ## Quickstart
//!
//! ```no_run
//! use hangar::db::{Database, Db, Model as _, Table as _, Op};
//! use hangar::Model;
//! use rocket::{get, routes, serde::json::Json};
//! use time::OffsetDateTime;
//!
//! #[derive(Model, serde::Serialize)]
//! #[model(display = "username")]
//! pub struct User {
//!     pub id: i64,
//!     #[model(unique, max_length = 80)]
//!     pub username: String,
//! }
//!
//! #[derive(Model, serde::Serialize)]
//! pub struct Message {
//!     pub id: i64,
//!     #[model(references = User, on_delete = "cascade")]
//!     pub user: i64,
//!     pub content: String,
//!     #[model(default = "now")]
//!     pub pub_date: OffsetDateTime,
//! }
//!
//! #[get("/by/<username>")]
//! async fn by_user(db: Db, username: &str) -> Result<Json<Vec<Message>>, hangar::db::Error> {
//!     let messages = Message::select()
//!         .filter("user__username", Op::Eq, username)?
//!         .order_by("-pub_date")?
//!         .all(&db)
//!         .await?;
//!     Ok(Json(messages))
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Database::fairing().model::<User>().model::<Message>())
//!         .mount("/", routes![by_user])
//! }
//! ```
//!
//! with `Rocket.toml`:
//!
//! ```toml
//! [default.databases.main]
//! url = "sqlite://app.db"        # or postgres://... / mysql://... / mariadb://...
//! ```
//!
//! ## Features
//! - [`db`]: the [`db::Database`] fairing, the [`db::Db`] and [`db::Conn`]
//!   guards, `#[derive(Model)]`, [`db::Query`]/[`db::Select`], recursive
//!   deletes, transactions and [`db::Migrations`].
//! - [`utils`]: [`utils::PaginatedQuery`], [`utils::object_list`],
//!   [`utils::get_object_or_404`], [`utils::slugify`].
//! - [`cli`]: `create-tables`, `migrate status|up|down|fake|create`, `serve`.
//! - [`templates`]: the one templating fairing (do not attach `Template::fairing()`).
//!
//! ## Cargo features
//! - `sqlite` (default), `postgres`, `mysql`: the database drivers (sqlx's,
//!   with rustls for the servers). A build compiles only the drivers it
//!   names; a URL of another backend fails at launch with a message naming
//!   the feature. SQL text and migrations can be written for every backend
//!   whatever the drivers.
//! - `admin`, `rest`, `cli` (default): the admin site, the REST API and the
//!   command line. The database layer, auth and templates are always built.
//!
//! ```toml
//! # PostgreSQL only, no admin:
//! hangar = { version = "0.1", default-features = false, features = ["postgres", "rest", "cli"] }
//! ```
//!
//! ## `Rocket.toml` keys
//! - `[default.databases.main]`: `url`, `min_connections`, `max_connections`,
//!   `connect_timeout` (seconds; also the wait for a free connection before a
//!   503), `idle_timeout`.
//! - `[default.hangar.database]`: `name` (`"main"`), `auto_create` (`true`),
//!   `auto_migrate` (`true`), `migrations_dir` (`"migrations"`),
//!   `migrations_table` (`"hangar_migrations"`).
//!
//! ## Testing
//! Build the rocket with a figment pointing at a temp-file SQLite database and
//! drive it with `rocket::local::asynchronous::Client`; see `tests/` in the
//! repository.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

extern crate self as hangar;

#[cfg(feature = "admin")]
pub mod admin;
pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod db;
#[cfg(feature = "rest")]
pub mod rest;
pub mod templates;
pub mod testing;
pub mod text;
pub mod utils;

#[cfg(all(fuzzing, feature = "admin", feature = "rest"))]
#[doc(hidden)]
pub mod fuzzing;

pub use hangar_codegen::Model;

/// The things most apps import: `use hangar::prelude::*;`.
pub mod prelude {
    pub use crate::db::{Conn, Database, Db, DeleteMode, Model as _, Op, Query, Table as _, Value};
    pub use crate::Model;
}

#[doc(hidden)]
pub mod __private {
    pub use crate::db::{
        Column, ColumnDefault, Error, ForeignKey, FromValue, Literal, OnDelete, Record, Schema,
        SqlType, Value,
    };
}
