//! How a model is exposed: `Resource` options and `ResourceHooks`.

use std::sync::Arc;

use rocket::http::Method;

use crate::db::{DeleteMode, Record, Select, Transaction, Value};
use crate::rest::authn::{Authenticator, ALL_METHODS};
use crate::rest::caller::ApiUser;
use crate::text::strings;

/// Customisation by code (flask-peewee's `get_query`, `check_*`,
/// `prepare_data`, `RestrictOwnerResource`'s `validate_owner`/`set_owner`,
/// `delete_object`). Every method has a default that allows everything.
///
/// Writes run in one transaction: the row an update or delete acts on is read
/// locked (`SELECT ... FOR UPDATE` on PostgreSQL and MySQL; SQLite's writers
/// are exclusive), so two concurrent `PUT`s with checks cannot interleave, and
/// the checks see the values about to be written.
///
/// # Example
/// ```
/// use hangar::db::{write, DeleteMode, Op, Record, Select, Transaction, Value};
/// use hangar::rest::{ApiError, ApiUser, ResourceHooks};
///
/// /// Live notes only; titles are frozen once published; deletes are soft.
/// struct Notes;
///
/// #[rocket::async_trait]
/// impl ResourceHooks for Notes {
///     fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
///         select.filter("deleted", Op::Eq, false).expect("notes have `deleted`")
///     }
///
///     fn check_put(&self, _user: Option<&ApiUser>, old: &Record, changes: &[(&'static str, Value)]) -> bool {
///         let published = old.get("published") == Some(&Value::Bool(true));
///         !(published && changes.iter().any(|(field, _)| *field == "title"))
///     }
///
///     async fn delete_object(&self, tx: &mut Transaction<'_>, record: &Record, _mode: DeleteMode) -> Result<(), ApiError> {
///         let soft = vec![("deleted", Value::Bool(true))];
///         write::update_fields(&mut *tx, record.schema(), record.pk().clone(), soft).await?;
///         Ok(())
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait ResourceHooks: Send + Sync + 'static {
    /// Restricts the rows the resource shows (and lets callers act on).
    fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
        select
    }

    /// Narrows a list by the request's query parameters (read them by name
    /// or as your own `FromForm` type with [`QueryParams::parse`]); runs after
    /// [`get_query`](Self::get_query) and before the query-string filters.
    ///
    /// [`QueryParams::parse`]: crate::rest::QueryParams::parse
    ///
    /// # Errors
    /// The [`ApiError`](crate::rest::ApiError) to answer (a 400 for a bad parameter).
    fn list_query(
        &self,
        select: Select,
        _user: Option<&ApiUser>,
        _params: crate::rest::QueryParams<'_>,
    ) -> Result<Select, crate::rest::ApiError> {
        Ok(select)
    }

    /// May the caller read this object?
    fn check_get(&self, _user: Option<&ApiUser>, _record: &Record) -> bool {
        true
    }

    /// May the caller create this object? `new` holds the values about to
    /// be inserted (after [`before_save`](Self::before_save), with the
    /// owner set); fields the payload left out are null here and get their
    /// defaults from the insert. `false` answers 403 and writes nothing.
    fn check_post(&self, _user: Option<&ApiUser>, _new: &Record) -> bool {
        true
    }

    /// May the caller change `old` (read locked) with `changes`, the
    /// fields about to be written? `false` answers 403 and writes nothing.
    fn check_put(
        &self,
        _user: Option<&ApiUser>,
        _old: &Record,
        _changes: &[(&'static str, Value)],
    ) -> bool {
        true
    }

    /// May the caller delete this object (read locked)?
    fn check_delete(&self, _user: Option<&ApiUser>, _record: &Record) -> bool {
        true
    }

    /// On an owner resource ([`Resource::restrict_owner`]): does `user` own
    /// `record`? Default: the owner field holds the caller's user id (a key
    /// or token owns nothing). Others get 403 on updates and deletes.
    fn validate_owner(&self, user: &ApiUser, record: &Record, owner_field: &str) -> bool {
        user.user_id()
            .is_some_and(|id| record.get(owner_field) == Some(&Value::Int(id)))
    }

    /// On an owner resource: makes `user` the owner of a new object, whatever
    /// the payload said. Default: the owner field gets the caller's user id;
    /// a caller that is no user (a key) is refused with 403 before this runs.
    fn set_owner(
        &self,
        user: &ApiUser,
        owner_field: &'static str,
        values: &mut Vec<(&'static str, Value)>,
    ) {
        if let Some(id) = user.user_id() {
            values.retain(|(f, _)| *f != owner_field);
            values.push((owner_field, Value::Int(id)));
        }
    }

    /// Adjusts the values about to be written (flask-peewee's `save_object`):
    /// stamp a field, normalise text, or refuse with an error. `creating`
    /// tells a create from an update.
    ///
    /// # Errors
    /// The [`ApiError`](crate::rest::ApiError) to answer instead of writing.
    fn before_save(
        &self,
        _user: Option<&ApiUser>,
        _fields: &mut Vec<(&'static str, Value)>,
        _creating: bool,
    ) -> Result<(), crate::rest::ApiError> {
        Ok(())
    }

    /// Deletes the object, inside the request's transaction (flask-peewee's
    /// `delete_object`). Default: the row and, with `DeleteMode::Recursive`,
    /// its dependents. Override to soft-delete (set a `deleted_at`) or to
    /// archive first.
    ///
    /// # Errors
    /// An [`ApiError`](crate::rest::ApiError) (a database error converts).
    async fn delete_object(
        &self,
        tx: &mut Transaction<'_>,
        record: &Record,
        mode: DeleteMode,
    ) -> Result<(), crate::rest::ApiError> {
        crate::db::delete::delete_by_pks(
            &mut *tx,
            record.schema(),
            vec![record.pk().clone()],
            mode,
        )
        .await?;
        Ok(())
    }

    /// Adjusts an object's JSON on the way out (add computed values, say).
    fn prepare_data(
        &self,
        _record: &Record,
        _data: &mut serde_json::Map<String, serde_json::Value>,
    ) {
    }
}

struct NoHooks;
impl ResourceHooks for NoHooks {}

/// How a resource pages its lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pagination {
    /// flask-peewee's `?page=` pages with `page`, `page_count`, `object_count`.
    #[default]
    Pages,
    /// `?limit=&offset=`, with `limit`, `offset`, `object_count`.
    LimitOffset,
    /// Keyset pagination: `?cursor=` (or `?after=`) / `?before=`, a cursor per
    /// object in `meta.cursors`, `has_next_page`; stable under inserts and
    /// fast at any depth. Orders by the requested columns plus the primary
    /// key; an ordering on a nullable or related column answers 400 naming it.
    Cursor,
}

/// The options of one exposed model (flask-peewee's `RestResource`).
///
/// # Example
/// ```
/// use hangar::rest::Resource;
/// let users = Resource::new()
///     .exclude(["password", "email"])
///     .readonly(["admin", "active"])
///     .paginate_by(Some(50));
/// ```
#[derive(Clone)]
pub struct Resource {
    pub(crate) name: Option<String>,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) exclude: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) filter_fields: Option<Vec<String>>,
    pub(crate) filter_exclude: Vec<String>,
    pub(crate) filter_recursive: bool,
    pub(crate) max_filter_depth: Option<usize>,
    pub(crate) reject_unknown_filters: bool,
    pub(crate) reject_unknown_fields: bool,
    pub(crate) paginate_by: Option<Option<u64>>,
    pub(crate) allowed_methods: Vec<Method>,
    pub(crate) delete_recursive: bool,
    pub(crate) owner_field: Option<String>,
    pub(crate) public_reads: bool,
    pub(crate) require_if_match: bool,
    pub(crate) auth: Option<Arc<dyn Authenticator>>,
    pub(crate) hooks: Arc<dyn ResourceHooks>,
    /// Whether `hooks` were given (else objects are the columns as stored).
    pub(crate) custom_hooks: bool,
    pub(crate) includes: Vec<(String, Resource)>,
    pub(crate) pagination: Pagination,
    pub(crate) count: crate::db::Count,
    pub(crate) output: Option<crate::rest::fields::Fields>,
    pub(crate) nested_writes: bool,
    pub(crate) allow_regexp: bool,
    pub(crate) envelope: Option<String>,
    pub(crate) filters: Vec<crate::rest::filters::Filter>,
    pub(crate) sort_keys: Vec<(String, Vec<String>)>,
    pub(crate) style: Option<crate::rest::Style>,
    pub(crate) many: Vec<ToMany>,
}

/// A to-many relation shown as a list ([`Resource::include_many`]).
#[derive(Clone, Debug)]
pub(crate) struct ToMany {
    /// The key the list goes under.
    pub name: String,
    /// The model whose rows are listed.
    pub schema: &'static crate::db::Schema,
    /// Its foreign key to this resource's model.
    pub fk: String,
    /// How each row is shown.
    pub resource: Resource,
}

impl Default for Resource {
    fn default() -> Self {
        Resource {
            name: None,
            fields: None,
            exclude: Vec::new(),
            readonly: Vec::new(),
            filter_fields: None,
            filter_exclude: Vec::new(),
            filter_recursive: true,
            max_filter_depth: None,
            reject_unknown_filters: false,
            reject_unknown_fields: false,
            paginate_by: None,
            allowed_methods: ALL_METHODS.to_vec(),
            delete_recursive: true,
            owner_field: None,
            public_reads: false,
            require_if_match: false,
            auth: None,
            hooks: Arc::new(NoHooks),
            custom_hooks: false,
            includes: Vec::new(),
            pagination: Pagination::Pages,
            count: crate::db::Count::Exact,
            output: None,
            nested_writes: false,
            allow_regexp: false,
            envelope: None,
            filters: Vec::new(),
            sort_keys: Vec::new(),
            style: None,
            many: Vec::new(),
        }
    }
}

impl Resource {
    /// A resource with every default: all columns, all methods.
    pub fn new() -> Resource {
        Resource::default()
    }

    /// The URL name (`/api/<name>/`; default: the model's snake_case name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only these fields are serialized (flask-peewee's `fields`). Output
    /// only: writes still take every column that is not
    /// [`readonly`](Self::readonly) or secret.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields = Some(strings(fields));
        self
    }

    /// These fields are never serialized, filtered or sorted on
    /// (flask-peewee's `exclude`). Output only: a client may still write them
    /// (an admin creating a user with a hidden `email`); use
    /// [`readonly`](Self::readonly) to refuse writes.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.exclude = strings(fields);
        self
    }

    /// These fields are stripped from writes, at every nesting level (the
    /// primary key always is); what stops a client from setting a field.
    pub fn readonly<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.readonly = strings(fields);
        self
    }

    /// Only these paths may be filtered on (`user__username` notation).
    pub fn filter_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.filter_fields = Some(strings(paths));
        self
    }

    /// These paths may not be filtered on.
    pub fn filter_exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.filter_exclude = strings(paths);
        self
    }

    /// Whether filters may cross foreign keys (default yes).
    pub fn filter_recursive(mut self, on: bool) -> Self {
        self.filter_recursive = on;
        self
    }

    /// How many foreign keys a filter may cross.
    pub fn max_filter_depth(mut self, depth: usize) -> Self {
        self.max_filter_depth = Some(depth);
        self
    }

    /// Answer 400 for unknown or refused filters instead of ignoring them.
    pub fn reject_unknown_filters(mut self, on: bool) -> Self {
        self.reject_unknown_filters = on;
        self
    }

    /// Answer 400 `Unrecognized field(s): ...` for unknown payload keys.
    pub fn reject_unknown_fields(mut self, on: bool) -> Self {
        self.reject_unknown_fields = on;
        self
    }

    /// Objects per page, and the most a client may ask for with `?limit=`
    /// (the API's `max_paginate_by` caps it too); `None` puts everything on
    /// one page.
    pub fn paginate_by(mut self, n: Option<u64>) -> Self {
        self.paginate_by = Some(n);
        self
    }

    /// The methods served (others answer 405).
    pub fn allowed_methods(mut self, methods: &[Method]) -> Self {
        self.allowed_methods = methods.to_vec();
        self
    }

    /// Delete dependents first (default) or refuse while they exist (409).
    pub fn delete_recursive(mut self, on: bool) -> Self {
        self.delete_recursive = on;
        self
    }

    /// flask-peewee's `RestrictOwnerResource`, private by default: creates
    /// are owned by the caller whatever the body says; changing or deleting
    /// another user's object is 403; and reads need a user caller (401
    /// without one, 403 for a key or token that is no user) and show only
    /// the caller's own rows (others' answer 404). An admin is no exception.
    /// [`public_reads`](Self::public_reads) opens reads to everyone, as in
    /// flask-peewee.
    ///
    /// ```
    /// use hangar::rest::Resource;
    /// let notes = Resource::new().restrict_owner("user");                        // private
    /// let timeline = Resource::new().restrict_owner("user").public_reads(true);   // readable by all
    /// ```
    pub fn restrict_owner(mut self, owner_field: impl Into<String>) -> Self {
        self.owner_field = Some(owner_field.into());
        self
    }

    /// On an owner resource: whether anyone may read every row (flask-peewee's
    /// behaviour) instead of only their own (the default).
    pub fn public_reads(mut self, on: bool) -> Self {
        self.public_reads = on;
        self
    }

    /// Whether `PUT`, `PATCH` and `DELETE` must carry `If-Match` with the
    /// object's `ETag` (428 without one). Detail, create and update answers
    /// always carry the `ETag`; an `If-Match` that names another version is
    /// 412 whether or not it is required, and nothing is written.
    ///
    /// ```
    /// use hangar::rest::Resource;
    /// let wiki_pages = Resource::new().require_if_match(true);
    /// ```
    pub fn require_if_match(mut self, on: bool) -> Self {
        self.require_if_match = on;
        self
    }

    /// Whether reads are limited to the caller's own rows.
    pub(crate) fn owner_reads(&self) -> Option<&str> {
        self.owner_field.as_deref().filter(|_| !self.public_reads)
    }

    /// This resource's authentication (instead of the API's default).
    pub fn auth(mut self, auth: impl Authenticator) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Shows the foreign key `field` as the related object, serialized by
    /// `resource` (its `fields`/`exclude`/includes apply), loaded in the same
    /// query with one JOIN per included key.
    ///
    /// In writes, a nested object only names its row by its primary key,
    /// unless [`Resource::nested_writes`]`(true)` lets it create or update
    /// that row.
    pub fn include(mut self, field: impl Into<String>, resource: Resource) -> Self {
        self.includes.push((field.into(), resource));
        self
    }

    /// Shows the rows of model `M` whose foreign key `fk` points at each
    /// object as a list under `name`, each serialized by `resource` — the
    /// to-many side of a key (a user's messages), for Flask-RESTful's
    /// `List(Nested(...))`. Loaded with one extra query per page of objects
    /// (never one per object), ordered by `M`'s primary key. Output only.
    ///
    /// ```
    /// # use hangar::Model;
    /// # #[derive(Model)] struct Author { id: i64, name: String }
    /// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64, title: String }
    /// use hangar::rest::Resource;
    /// let authors = Resource::new().include_many::<Book>("books", "author", Resource::new().fields(["id", "title"]));
    /// ```
    pub fn include_many<M: crate::db::Model>(
        mut self,
        name: impl Into<String>,
        fk: impl Into<String>,
        resource: Resource,
    ) -> Self {
        self.many.push(ToMany {
            name: name.into(),
            schema: M::schema(),
            fk: fk.into(),
            resource,
        });
        self
    }

    /// Whether a nested object for an included key creates (no primary key)
    /// or updates (with one) that row, in the same transaction, or only
    /// names it by its primary key (the default).
    ///
    /// On, every nested row goes through its model's **registered**
    /// resource as well as the include's: that resource's authentication
    /// for the method (a nested update of a user behind
    /// `AdminAuthentication` needs an admin), its allowed methods,
    /// `readonly` fields, owner rule, `get_query` and checks. A model with no
    /// registered resource cannot be written through a parent: ignite fails
    /// naming it.
    ///
    /// ```
    /// # use hangar::Model;
    /// # #[derive(Model)] struct Tag { id: i64, name: String }
    /// # #[derive(Model)] struct Bookmark { id: i64, url: String, #[model(references = Tag)] tag: i64 }
    /// use hangar::rest::{Resource, RestApi};
    /// let api = RestApi::fairing()
    ///     .register::<Tag>(Resource::new().readonly(["name"]))
    ///     .register::<Bookmark>(
    ///         Resource::new().include("tag", Resource::new()).nested_writes(true),
    ///     );
    /// ```
    pub fn nested_writes(mut self, on: bool) -> Self {
        self.nested_writes = on;
        self
    }

    /// Accepts the `regexp`/`iregexp` lookups (off by default: a regular
    /// expression costs the database more than other lookups).
    pub fn allow_regexp(mut self, on: bool) -> Self {
        self.allow_regexp = on;
        self
    }

    /// The pagination scheme (default: flask-peewee's pages).
    pub fn pagination(mut self, pagination: Pagination) -> Self {
        self.pagination = pagination;
        self
    }

    /// How page listings count their rows (default [`Count::Exact`]):
    /// [`Count::estimated()`] reads the database's statistics for a big
    /// table, [`Count::None`] skips counting. `meta.count_kind` says which
    /// was used (`"exact"`, `"estimated"`, `"none"`); with no count,
    /// `page_count` and `object_count` are `null` and `next` is still exact.
    ///
    /// [`Count::Exact`]: crate::db::Count::Exact
    /// [`Count::estimated()`]: crate::db::Count::estimated
    /// [`Count::None`]: crate::db::Count::None
    ///
    /// ```
    /// use hangar::db::Count;
    /// use hangar::rest::Resource;
    /// let messages = Resource::new().count(Count::estimated());
    /// ```
    pub fn count(mut self, how: crate::db::Count) -> Self {
        self.count = how;
        self
    }

    /// Shows objects through these output fields instead of the columns
    /// (Flask-RESTful's `marshal`); writes still take the columns.
    pub fn output(mut self, fields: crate::rest::fields::Fields) -> Self {
        self.output = Some(fields);
        self
    }

    /// Wraps single-object answers (detail, create, update) as `{"<name>": {...}}`.
    pub fn envelope(mut self, name: impl Into<String>) -> Self {
        self.envelope = Some(name.into());
        self
    }

    /// A named query-string filter (see [`Filter`](crate::rest::Filter));
    /// its name is no longer read as a field lookup.
    pub fn filter(mut self, filter: crate::rest::filters::Filter) -> Self {
        self.filters.push(filter);
        self
    }

    /// A named sort key: `?ordering=<name>` (or `-<name>`, reversing each)
    /// orders by `specs` (`user__username`, `-pub_date`), paths the
    /// resource need not otherwise expose.
    pub fn sort_key<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        name: impl Into<String>,
        specs: I,
    ) -> Self {
        self.sort_keys.push((name.into(), strings(specs)));
        self
    }

    /// This resource's wire style (default: the API's, see
    /// [`RestApi::style`](crate::rest::RestApi::style)).
    pub fn style(mut self, style: crate::rest::Style) -> Self {
        self.style = Some(style);
        self
    }

    /// Custom hooks.
    pub fn hooks(mut self, hooks: impl ResourceHooks) -> Self {
        self.hooks = Arc::new(hooks);
        self.custom_hooks = true;
        self
    }

    /// Whether the caller owns `record` on an owner resource (always on
    /// others), by the hooks' `validate_owner`.
    pub(crate) fn owned_by(&self, record: &Record, user: Option<&ApiUser>) -> bool {
        match self.owner_field.as_deref() {
            None => true,
            Some(field) => user.is_some_and(|u| self.hooks.validate_owner(u, record, field)),
        }
    }
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("name", &self.name)
            .field("fields", &self.fields)
            .field("exclude", &self.exclude)
            .field("readonly", &self.readonly)
            .field("filter_fields", &self.filter_fields)
            .field("filter_exclude", &self.filter_exclude)
            .finish_non_exhaustive()
    }
}
