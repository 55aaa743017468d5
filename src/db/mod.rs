//! The database battery: pools over SQLite / PostgreSQL / MySQL-MariaDB,
//! models, table creation, migrations and the query layer.
//!
//! ```no_run
//! use hangar::db::{Database, Db, Model as _, Table as _, Op};
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

mod backend;
mod coerce;
mod connection;
pub mod counter;
pub mod cursor;
pub mod delete;
mod error;
mod executor;
mod fairing;
mod guards;
mod include;
mod lookup;
pub(crate) mod manage;
mod model;
pub(crate) mod notify;
mod pool;
mod query;
pub mod querystring;
mod record;
mod registry;
mod replicas;
mod routing;
mod row_count;
mod schema;
mod search;
mod select_sql;
mod sql;
#[cfg(test)]
mod sql_tests;
mod sql_type;
mod table;
mod typed_query;
mod value;
pub mod version;
pub mod write;
mod write_queue;

pub use backend::Backend;
pub use delete::{Collected, DeleteMode};
pub use error::{Error, Result, SetupError};
pub use executor::{Conn, Db, ExecResult, Executor, Transaction};
pub use fairing::{Database, DatabaseConfig};
pub use include::Related;
pub use lookup::{FieldPath, Lookup, Op};
pub use manage::migrate::{MigrationStatus, Migrations};
pub use manage::{ddl, introspect, migrate};
pub use model::Model;
pub use pool::{Pool, PoolConnection};
pub use query::Select;
pub use record::Record;
pub use registry::{ModelSet, Registry};
pub use replicas::ReplicaState;
pub use routing::PRIMARY_COOKIE;
pub use row_count::{Count, RowCount};
pub use schema::{Column, ColumnDefault, ForeignKey, Literal, OnDelete, Schema, SqlType};
pub use sql::{Returns, SqlWriter, Statement};
pub use table::Table;
pub use typed_query::Query;
#[cfg(feature = "rest")]
pub(crate) use value::format_datetime;
pub use value::{normalize_datetime, now, FromValue, Value};
