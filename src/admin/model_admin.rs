//! How a model shows in the admin: `ModelAdmin` options.

use std::fmt;
use std::sync::Arc;

use rocket::Route;

use crate::admin::hooks::{Action, ModelAdminHooks, NoHooks};
use crate::db::Record;
use crate::text::strings;

/// A list column computed from the row (flask-peewee's callable columns).
pub(crate) type ComputeFn = Arc<dyn Fn(&Record) -> String + Send + Sync>;

/// A form field's own check: the parsed value, or the message to show.
pub(crate) type ValidateFn = Arc<dyn Fn(&crate::db::Value) -> Result<(), String> + Send + Sync>;

/// The pages whose template a model admin may replace
/// ([`ModelAdmin::template`]).
pub const TEMPLATE_VIEWS: &[&str] = &["index", "add", "edit", "delete", "export"];

/// The options of one model in the admin (flask-peewee's `ModelAdmin`).
///
/// # Example
/// ```
/// use hangar::admin::ModelAdmin;
/// let messages = ModelAdmin::new()
///     .columns(["user", "content", "word_count", "pub_date"])
///     .computed_column("word_count", |row| {
///         row.get("content").map_or(0, |c| c.to_string().split_whitespace().count()).to_string()
///     })
///     .search_fields(["content", "user__username"])
///     .filter_fields(["user", "user__username", "pub_date"])
///     .foreign_key_lookups([("user", "username")])
///     .fieldsets([("Message", vec!["user", "content"]), ("Dates", vec!["pub_date"])]);
/// ```
#[derive(Clone)]
pub struct ModelAdmin {
    pub(crate) columns: Option<Vec<String>>,
    pub(crate) computed: Vec<(String, ComputeFn)>,
    pub(crate) paginate_by: Option<u64>,
    pub(crate) count: crate::db::Count,
    pub(crate) search_fields: Vec<String>,
    pub(crate) filter_fields: Option<Vec<String>>,
    pub(crate) filter_exclude: Vec<String>,
    pub(crate) max_filter_depth: usize,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) exclude: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) fieldsets: Vec<(String, Vec<String>)>,
    pub(crate) collapsed: Vec<String>,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) help: Vec<(String, String)>,
    pub(crate) validators: Vec<(String, ValidateFn)>,
    pub(crate) lookup_page_size: u64,
    pub(crate) fk_lookups: Vec<(String, String)>,
    pub(crate) delete_collect_objects: bool,
    pub(crate) delete_recursive: bool,
    pub(crate) export_fields: Option<Vec<String>>,
    pub(crate) export_exclude: Vec<String>,
    pub(crate) actions: Vec<Arc<dyn Action>>,
    pub(crate) hooks: Arc<dyn ModelAdminHooks>,
    pub(crate) templates: Vec<(String, String)>,
    pub(crate) routes: Vec<Route>,
    pub(crate) password_field: Option<String>,
}

impl Default for ModelAdmin {
    fn default() -> Self {
        ModelAdmin::new()
    }
}

impl fmt::Debug for ModelAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelAdmin")
            .field("columns", &self.columns)
            .field("search_fields", &self.search_fields)
            .field("filter_fields", &self.filter_fields)
            .field("fields", &self.fields)
            .field("exclude", &self.exclude)
            .field(
                "actions",
                &self.actions.iter().map(|a| a.name()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ModelAdmin {
    /// Every default: all columns listed, every field in the form, local
    /// fields filterable, dependents collected and deleted with a row.
    pub fn new() -> ModelAdmin {
        ModelAdmin {
            columns: None,
            computed: Vec::new(),
            paginate_by: None,
            count: crate::db::Count::Exact,
            search_fields: Vec::new(),
            filter_fields: None,
            filter_exclude: Vec::new(),
            max_filter_depth: 0,
            fields: None,
            exclude: Vec::new(),
            readonly: Vec::new(),
            fieldsets: Vec::new(),
            collapsed: Vec::new(),
            labels: Vec::new(),
            help: Vec::new(),
            validators: Vec::new(),
            lookup_page_size: 20,
            fk_lookups: Vec::new(),
            delete_collect_objects: true,
            delete_recursive: true,
            export_fields: None,
            export_exclude: Vec::new(),
            actions: Vec::new(),
            hooks: Arc::new(NoHooks),
            templates: Vec::new(),
            routes: Vec::new(),
            password_field: None,
        }
    }

    /// The list's columns, in order: field names (a foreign key shows its
    /// row's label), related fields one key deep (`user__email`), or the
    /// names of [`computed_column`](Self::computed_column)s. Field columns
    /// sort when their header is clicked; computed ones do not.
    pub fn columns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.columns = Some(strings(columns));
        self
    }

    /// A column computed from the row; list its `name` in
    /// [`columns`](Self::columns). Its header is the name in title case
    /// (`word_count` → "Word Count").
    pub fn computed_column(
        mut self,
        name: impl Into<String>,
        compute: impl Fn(&Record) -> String + Send + Sync + 'static,
    ) -> Self {
        self.computed.push((name.into(), Arc::new(compute)));
        self
    }

    /// How the change list counts rows (default [`Count::Exact`]): for a
    /// big table, [`Count::estimated()`] shows "about N in all" from the
    /// database's statistics, and [`Count::None`] shows previous/next links
    /// with no count.
    ///
    /// [`Count::Exact`]: crate::db::Count::Exact
    /// [`Count::estimated()`]: crate::db::Count::estimated
    /// [`Count::None`]: crate::db::Count::None
    ///
    /// ```
    /// use hangar::admin::ModelAdmin;
    /// use hangar::db::Count;
    /// let messages = ModelAdmin::new().count(Count::estimated());
    /// ```
    pub fn count(mut self, how: crate::db::Count) -> Self {
        self.count = how;
        self
    }

    /// Rows per page (default: `[hangar.admin] paginate_by`, 20).
    pub fn paginate_by(mut self, n: u64) -> Self {
        self.paginate_by = Some(n.max(1));
        self
    }

    /// Text searched by the list's box (case-insensitive substring;
    /// `user__username` crosses keys). No box when empty.
    pub fn search_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.search_fields = strings(fields);
        self
    }

    /// The paths the list may be filtered on, `__` crossing foreign keys
    /// (default: every local field, and related fields down to
    /// [`max_filter_depth`](Self::max_filter_depth)).
    pub fn filter_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.filter_fields = Some(strings(paths));
        self
    }

    /// Paths never offered as filters.
    pub fn filter_exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.filter_exclude = strings(paths);
        self
    }

    /// How many foreign keys the default filters cross (default 0: local
    /// fields only; 1 adds `user__username` and the like).
    pub fn max_filter_depth(mut self, depth: usize) -> Self {
        self.max_filter_depth = depth;
        self
    }

    /// Only these fields in the forms.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields = Some(strings(fields));
        self
    }

    /// These fields are left out of the forms.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.exclude = strings(fields);
        self
    }

    /// Shown in the form but not editable (`readonly_fields`).
    pub fn readonly<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.readonly = strings(fields);
        self
    }

    /// Groups the form's fields under headings, in order; fields in no
    /// group follow in a last, untitled one.
    pub fn fieldsets<I, T, F, S>(mut self, sets: I) -> Self
    where
        I: IntoIterator<Item = (T, F)>,
        T: Into<String>,
        F: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fieldsets = sets
            .into_iter()
            .map(|(title, fields)| (title.into(), strings(fields)))
            .collect();
        self
    }

    /// These fieldsets (by title) start folded away (a `<details>` the
    /// user opens).
    pub fn collapsed<I: IntoIterator<Item = S>, S: Into<String>>(mut self, titles: I) -> Self {
        self.collapsed = strings(titles);
        self
    }

    /// The form label of `field` (default: its name in title case) —
    /// flask-peewee's `field_args` label.
    pub fn label(mut self, field: impl Into<String>, label: impl Into<String>) -> Self {
        self.labels.push((field.into(), label.into()));
        self
    }

    /// A hint shown under `field` in the form.
    pub fn help_text(mut self, field: impl Into<String>, text: impl Into<String>) -> Self {
        self.help.push((field.into(), text.into()));
        self
    }

    /// A check of `field`'s submitted value, after it parsed for its type
    /// (flask-peewee's `field_args` validators): `Err(message)` shows the
    /// message next to the field and nothing is saved. Several per field run
    /// in order; the first refusal counts.
    ///
    /// ```
    /// # use hangar::admin::ModelAdmin;
    /// let admin = ModelAdmin::new().validate("content", |v| {
    ///     if v.to_string().contains("http://") { Err("Links must use https.".into()) } else { Ok(()) }
    /// });
    /// ```
    pub fn validate(
        mut self,
        field: impl Into<String>,
        check: impl Fn(&crate::db::Value) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.validators.push((field.into(), Arc::new(check)));
        self
    }

    /// Rows per page of the type-ahead lookup (default 20; flask-peewee's
    /// `filter_paginate_by`).
    pub fn lookup_page_size(mut self, n: u64) -> Self {
        self.lookup_page_size = n.clamp(1, 500);
        self
    }

    /// Foreign keys picked through a type-ahead lookup (searching the named
    /// field of the related model) instead of a `<select>`, in forms and
    /// filters: `[("user", "username")]`.
    pub fn foreign_key_lookups<I, F, S>(mut self, lookups: I) -> Self
    where
        I: IntoIterator<Item = (F, S)>,
        F: Into<String>,
        S: Into<String>,
    {
        self.fk_lookups = lookups
            .into_iter()
            .map(|(f, s)| (f.into(), s.into()))
            .collect();
        self
    }

    /// Whether the delete page lists the dependent rows (default `true`;
    /// turn off where collecting them is too slow).
    pub fn delete_collect_objects(mut self, on: bool) -> Self {
        self.delete_collect_objects = on;
        self
    }

    /// Delete dependents too (default) or refuse while they exist.
    pub fn delete_recursive(mut self, on: bool) -> Self {
        self.delete_recursive = on;
        self
    }

    /// Only these paths may be exported (`user__username` crosses a key).
    pub fn export_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.export_fields = Some(strings(paths));
        self
    }

    /// Paths never exported.
    pub fn export_exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.export_exclude = strings(paths);
        self
    }

    /// Adds a bulk action to the list's dropdown (after the built-in
    /// "Delete selected" and "Export selected").
    pub fn action(mut self, action: impl Action) -> Self {
        self.actions.push(Arc::new(action));
        self
    }

    /// The model admin's hooks: `get_query`, `get_object`, `save_model`.
    pub fn hooks(mut self, hooks: impl ModelAdminHooks) -> Self {
        self.hooks = Arc::new(hooks);
        self
    }

    /// Renders `view` (one of [`TEMPLATE_VIEWS`]: `index` is the list) with
    /// the app template `name` instead of Hangar's; it gets the same context
    /// and can `{% extends "admin/list.html" %}` to change one block.
    pub fn template(mut self, view: impl Into<String>, name: impl Into<String>) -> Self {
        self.templates.push((view.into(), name.into()));
        self
    }

    /// Extra pages of this model admin, mounted at `<prefix>/<model>/`
    /// (protect them with [`AdminAccess`](crate::admin::AdminAccess)).
    pub fn routes(mut self, routes: Vec<Route>) -> Self {
        self.routes.extend(routes);
        self
    }

    /// A password column (secret, so never shown): the form gets an empty
    /// password input; a value typed there is checked against the auth
    /// rules, hashed with bcrypt and stored (ending the user's sessions when
    /// the model has a `session_epoch`), an empty one keeps the old hash —
    /// flask-peewee's `UserAdmin.save_model`.
    pub fn password_field(mut self, field: impl Into<String>) -> Self {
        self.password_field = Some(field.into());
        self
    }

    /// flask-peewee's `UserAdmin` for the built-in user model: columns,
    /// search on username and email, filters on the flags, the password
    /// handled as above. `Admin` registers it by itself when `Auth` is
    /// attached first.
    pub fn for_users() -> ModelAdmin {
        ModelAdmin::new()
            .columns(["username", "email", "active", "admin", "join_date"])
            .search_fields(["username", "email"])
            .filter_fields(["active", "admin", "join_date"])
            .exclude(["session_epoch", "join_date"])
            .export_exclude(["session_epoch"])
            .password_field("password")
    }

    /// Drops field names `schema` lacks (the user admin over a custom user model).
    pub(crate) fn retain_known(mut self, schema: &crate::db::Schema) -> ModelAdmin {
        let known = |f: &String| schema.column(f).is_some();
        for list in [
            self.columns.as_mut(),
            Some(&mut self.search_fields),
            self.filter_fields.as_mut(),
            Some(&mut self.exclude),
            Some(&mut self.export_exclude),
        ]
        .into_iter()
        .flatten()
        {
            list.retain(known);
        }
        self.password_field = self.password_field.filter(known);
        // nothing left of a list: the model's own defaults
        self.columns = self.columns.filter(|c| !c.is_empty());
        self.filter_fields = self.filter_fields.filter(|f| !f.is_empty());
        self
    }

    /// The template for `view`: an override, or Hangar's `default`.
    pub(crate) fn template_for<'a>(&'a self, view: &str, default: &'a str) -> &'a str {
        self.templates
            .iter()
            .rev()
            .find(|(v, _)| v == view)
            .map_or(default, |(_, t)| t.as_str())
    }

    /// The search field of a foreign key's type-ahead lookup, if it has one.
    pub(crate) fn lookup_for(&self, field: &str) -> Option<&str> {
        self.fk_lookups
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, s)| s.as_str())
    }
}
