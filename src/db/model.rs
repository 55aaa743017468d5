//! The [`Model`] trait: the queries and writes every [`Table`] has (select,
//! get, insert, update, delete), built on the query and write layers.

use std::future::Future;

use crate::db::delete::DeleteMode;
use crate::db::error::Result;
use crate::db::executor::Executor;
use crate::db::table::Table;
use crate::db::typed_query::Query;
use crate::db::value::Value;
use crate::db::write;

/// The queries and writes of a [`Table`]: every table has them (there is
/// nothing to implement). Bring it into scope with `use hangar::prelude::*`
/// or `use hangar::db::Model as _`.
///
/// # Example
/// ```
/// use hangar::Model;
/// use hangar::db::{Model as _, Table as _};
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
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, schema).await.unwrap();
/// let mut post = BlogPost { id: 0, title: "Hello".into(), body: None };
/// post.insert(&db).await.unwrap();
/// let found = BlogPost::select().filter("title", hangar::db::Op::Eq, "Hello").unwrap()
///     .one(&db).await.unwrap();
/// assert_eq!(found.id, post.id);
/// # });
/// ```
pub trait Model: Table {
    /// A query over all rows of this model.
    fn select() -> Query<Self> {
        Query::new()
    }

    /// The row with this primary key.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::db::Error::NotFound) when there is none.
    fn get<E: Executor>(
        ex: E,
        pk: impl Into<Value> + Send,
    ) -> impl Future<Output = Result<Self>> + Send {
        let pk = pk.into();
        async move { Query::<Self>::new().filter_pk(pk).one(ex).await }
    }

    /// Inserts the struct and sets its primary key (auto-increment keys are
    /// filled in by the database; an `i64` key of `0` counts as unset).
    ///
    /// # Errors
    /// [`Error::Unique`](crate::db::Error::Unique),
    /// [`Error::ForeignKey`](crate::db::Error::ForeignKey),
    /// [`Error::Required`](crate::db::Error::Required) naming the field.
    fn insert<E: Executor>(&mut self, ex: E) -> impl Future<Output = Result<Value>> + Send {
        let record = self.to_record();
        async move {
            let pk = write::insert(ex, record).await?;
            self.set_pk(pk.clone())?;
            Ok(pk)
        }
    }

    /// Writes every field of the struct to its row.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::db::Error::NotFound) when the row is gone,
    /// constraint errors as for [`Model::insert`].
    fn update<E: Executor>(&self, ex: E) -> impl Future<Output = Result<()>> + Send {
        let record = self.to_record();
        async move { write::update_record(ex, &record).await }
    }

    /// Deletes the row (see [`DeleteMode`]); returns the rows deleted in all tables.
    ///
    /// # Errors
    /// [`Error::Restricted`](crate::db::Error::Restricted) for
    /// [`DeleteMode::Restrict`] when other rows refer to this one.
    fn delete<E: Executor>(
        &self,
        ex: E,
        mode: DeleteMode,
    ) -> impl Future<Output = Result<u64>> + Send {
        let pk = self.pk();
        async move { crate::db::delete::delete_by_pks(ex, Self::schema(), vec![pk], mode).await }
    }
}

impl<T: Table> Model for T {}
