//! `Query<M>`: the typed face of [`Select`] for model structs.

use std::marker::PhantomData;

use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::lookup::{Lookup, Op};
use crate::db::query::Select;
use crate::db::table::Table;
use crate::db::value::Value;

/// A typed query over model `M`: `M::select().filter(...)?.all(&db).await?`.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model)] struct Item { id: i64, name: String }
/// use hangar::db::{Model as _, Table as _, Op};
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, Item::schema()).await.unwrap();
/// for name in ["b", "a", "c"] {
///     Item { id: 0, name: name.into() }.insert(&db).await.unwrap();
/// }
/// let items = Item::select().filter("name", Op::Ne, "c").unwrap()
///     .order_by("name").unwrap()
///     .all(&db).await.unwrap();
/// let names: Vec<_> = items.iter().map(|i| i.name.as_str()).collect();
/// assert_eq!(names, ["a", "b"]);
/// # });
/// ```
pub struct Query<M> {
    select: Select,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            select: self.select.clone(),
            _model: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.select.fmt(f)
    }
}

macro_rules! delegate {
    ($($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> Result;)*) => {$(
        $(#[$m])*
        ///
        /// # Errors
        /// As the [`Select`] method of the same name.
        pub fn $name(self, $($arg: $ty),*) -> Result<Self> {
            Ok(Query { select: self.select.$name($($arg),*)?, _model: PhantomData })
        }
    )*};
}

impl<M: Table> Query<M> {
    /// All rows of `M`.
    pub fn new() -> Query<M> {
        Query {
            select: Select::new(M::schema()),
            _model: PhantomData,
        }
    }

    delegate! {
        /// See [`Select::filter_values`].
        fn filter_values(path: &str, op: Op, values: Vec<Value>) -> Result;
        /// See [`Select::where_query`].
        fn where_query(lookup: Lookup, raw: &[&str]) -> Result;
        /// See [`Select::order_by`].
        fn order_by(spec: &str) -> Result;
    }

    /// See [`Select::filter`].
    ///
    /// # Errors
    /// As [`Select::filter`].
    pub fn filter(self, path: &str, op: Op, value: impl Into<Value>) -> Result<Self> {
        Ok(Query {
            select: self.select.filter(path, op, value)?,
            _model: PhantomData,
        })
    }

    /// See [`Select::exclude`].
    ///
    /// # Errors
    /// As [`Select::exclude`].
    pub fn exclude(self, path: &str, op: Op, value: impl Into<Value>) -> Result<Self> {
        Ok(Query {
            select: self.select.exclude(path, op, value)?,
            _model: PhantomData,
        })
    }

    /// See [`Select::where_pairs`].
    ///
    /// # Errors
    /// As [`Select::where_pairs`].
    pub fn where_pairs<K, V, I>(self, pairs: I, skip: &[&str]) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Ok(Query {
            select: self.select.where_pairs(pairs, skip)?,
            _model: PhantomData,
        })
    }

    /// See [`Select::filter_pk`].
    pub fn filter_pk(self, pk: impl Into<Value>) -> Self {
        Query {
            select: self.select.filter_pk(pk),
            _model: PhantomData,
        }
    }

    /// At most `n` rows.
    pub fn limit(self, n: u64) -> Self {
        Query {
            select: self.select.limit(n),
            _model: PhantomData,
        }
    }

    /// Skips `n` rows.
    pub fn offset(self, n: u64) -> Self {
        Query {
            select: self.select.offset(n),
            _model: PhantomData,
        }
    }

    /// The dynamic query inside.
    pub fn as_select(&self) -> &Select {
        &self.select
    }

    /// Turns into the dynamic query.
    pub fn into_select(self) -> Select {
        self.select
    }

    /// All matching rows.
    ///
    /// # Errors
    /// Database errors, or a row that does not decode into `M`.
    pub async fn all<E: Executor>(&self, ex: E) -> Result<Vec<M>> {
        self.select
            .records(ex)
            .await?
            .into_iter()
            .map(M::from_record)
            .collect()
    }

    /// The first matching row, if any.
    ///
    /// # Errors
    /// As [`Query::all`].
    pub async fn first<E: Executor>(&self, ex: E) -> Result<Option<M>> {
        self.select
            .first_record(ex)
            .await?
            .map(M::from_record)
            .transpose()
    }

    /// The first matching row, or [`Error::NotFound`].
    ///
    /// # Errors
    /// [`Error::NotFound`], or as [`Query::all`].
    pub async fn one<E: Executor>(&self, ex: E) -> Result<M> {
        self.first(ex).await?.ok_or(Error::NotFound {
            model: M::schema().name,
        })
    }

    /// How many rows match.
    ///
    /// # Errors
    /// Database errors.
    pub async fn count<E: Executor>(&self, ex: E) -> Result<u64> {
        self.select.count(ex).await
    }

    /// Whether any row matches.
    ///
    /// # Errors
    /// Database errors.
    pub async fn exists<E: Executor>(&self, ex: E) -> Result<bool> {
        self.select.exists(ex).await
    }

    /// Sets fields on every matching row.
    ///
    /// # Errors
    /// As [`Select::update`].
    pub async fn update<E: Executor>(&self, ex: E, assignments: Vec<(&str, Value)>) -> Result<u64> {
        self.select.update(ex, assignments).await
    }

    /// Deletes every matching row (see [`DeleteMode`](crate::db::DeleteMode)).
    ///
    /// # Errors
    /// As [`delete_by_pks`](crate::db::delete::delete_by_pks).
    pub async fn delete<E: Executor>(&self, ex: E, mode: crate::db::DeleteMode) -> Result<u64> {
        crate::db::delete::delete_select(ex, &self.select, mode).await
    }
}

impl<M: Table> Default for Query<M> {
    fn default() -> Self {
        Query::new()
    }
}
