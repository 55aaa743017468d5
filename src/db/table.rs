//! The [`Table`] trait: what `#[derive(Model)]` writes for a struct — the
//! schema of its table and the conversions between the struct and a
//! [`Record`]. Queries and writes over it are [`Model`](crate::db::Model)'s,
//! one layer up.

use crate::db::error::Result;
use crate::db::record::Record;
use crate::db::schema::Schema;
use crate::db::value::Value;

/// A struct stored as one table row: its schema and its record
/// conversions. Implement it with `#[derive(Model)]`, which also gives the
/// struct [`Model`](crate::db::Model)'s queries and writes.
///
/// # Example
/// ```
/// use hangar::Model;
/// use hangar::db::Table as _;
///
/// #[derive(Model, Debug)]
/// #[model(table = "blog_post", display = "title")]
/// struct BlogPost {
///     id: i64,
///     #[model(max_length = 200, unique)]
///     title: String,
///     body: Option<String>,
/// }
///
/// let schema = BlogPost::schema();
/// assert_eq!(schema.table, "blog_post");
/// assert_eq!(schema.name, "blog_post");
/// assert!(schema.column("body").unwrap().nullable);
/// ```
pub trait Table: Sized + Send + Sync + Unpin + 'static {
    /// The table description.
    fn schema() -> &'static Schema;

    /// Builds the struct from a record of this model's schema.
    ///
    /// # Errors
    /// [`Error::InvalidValue`](crate::db::Error::InvalidValue) naming the field
    /// whose value does not fit.
    fn from_record(record: Record) -> Result<Self>;

    /// The struct as a record.
    fn to_record(&self) -> Record;

    /// Sets the primary key (after an insert).
    fn set_pk(&mut self, pk: Value) -> Result<()>;

    /// The primary key's value.
    fn pk(&self) -> Value;
}
