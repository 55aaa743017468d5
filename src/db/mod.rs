//! The database battery: pools over SQLite / PostgreSQL / MySQL-MariaDB,
//! models, table creation, migrations and the query layer.
//!
//! ```no_run
//! use hangar::db::{Database, Db, Model as _, Op};
//! use hangar::Model;
//! use rocket::{get, routes, serde::json::Json};
//!
//! #[derive(Model, serde::Serialize)]
//! struct Note { id: i64, message: String }
//!
//! #[get("/notes?<q>")]
//! async fn notes(db: Db, q: &str) -> Result<Json<Vec<Note>>, hangar::db::Error> {
//!     let notes = Note::select().filter("message", Op::Contains, q)?.all(&db).await?;
//!     Ok(Json(notes))
//! }
//!
//! #[rocket::launch]
//! fn rocket() -> _ {
//!     rocket::build()
//!         .attach(Database::fairing().model::<Note>())
//!         .mount("/", routes![notes])
//! }
//! ```

pub mod counter;
pub mod cursor;
pub mod ddl;
pub mod delete;
mod dialect;
mod error;
mod exec;
mod fairing;
mod guards;
mod include;
mod lookup;
pub mod migrate;
mod model;
mod pool;
mod query;
mod schema;
mod search;
mod typed_query;
mod value;
pub mod write;

pub use delete::{Collected, DeleteMode};
pub use dialect::Backend;
pub use error::{Error, Result};
pub use exec::{Conn, Db, ExecResult, Executor, Registry, Statement, Transaction};
pub use fairing::{Database, DatabaseConfig};
pub use include::Related;
pub use lookup::{FieldPath, Lookup, Op};
pub use migrate::{MigrationStatus, Migrations};
pub use model::Model;
pub use pool::{Pool, PoolConnection};
pub use query::Select;
pub use schema::{Column, ColumnDefault, ForeignKey, Literal, OnDelete, Schema, SqlType};
pub use typed_query::Query;
pub use value::{normalize_datetime, now, FromValue, Record, Value};
