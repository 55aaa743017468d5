//! A registered model with its options checked and resolved against the
//! schema once, at ignite: list columns, filter paths, export paths.

use crate::admin::model_admin::{ComputeFn, TEMPLATE_VIEWS};
use crate::admin::ModelAdmin;
use crate::db::{Column, FieldPath, Schema};

/// One column of the list.
#[derive(Clone)]
pub(crate) enum ListColumn {
    /// A field of the row (a foreign key shows the related row's label).
    Field(&'static Column),
    /// A field of the row a foreign key points at (`user__email`).
    Related(FieldPath),
    /// Computed from the row.
    Computed(String, ComputeFn),
}

impl ListColumn {
    /// The name used in `ordering` and as the header's key.
    pub(crate) fn name(&self) -> String {
        match self {
            ListColumn::Field(c) => c.field.to_owned(),
            ListColumn::Related(p) => p.dotted(),
            ListColumn::Computed(n, _) => n.clone(),
        }
    }

    /// The header ("Word Count", "User Email").
    pub(crate) fn title(&self) -> String {
        crate::text::title_case(&self.name().replace("__", "_"))
    }

    /// Whether clicking the header sorts.
    pub(crate) fn sortable(&self) -> bool {
        !matches!(self, ListColumn::Computed(..))
    }
}

/// One registered model.
pub struct AdminEntry {
    /// The URL name (the model's snake_case name).
    pub name: String,
    /// The model's schema.
    pub schema: &'static Schema,
    /// Its options.
    pub admin: ModelAdmin,
    pub(crate) columns: Vec<ListColumn>,
    pub(crate) filters: Vec<FieldPath>,
    /// `filters` as written with `__`, checked on every list request.
    filter_names: Vec<String>,
    pub(crate) exports: Vec<FieldPath>,
}

fn path(schema: &'static Schema, p: &str, what: &str) -> Result<FieldPath, String> {
    FieldPath::resolve(schema, p).map_err(|_| format!("{} has no {what} {p:?}", schema.type_name))
}

/// Every non-secret path from `schema`, down to `depth` foreign keys.
fn all_paths(schema: &'static Schema, depth: usize) -> Vec<FieldPath> {
    let mut out = Vec::new();
    let mut frontier: Vec<(String, &'static Schema)> = vec![(String::new(), schema)];
    for level in 0..=depth {
        let mut next = Vec::new();
        for (prefix, here) in &frontier {
            for c in here.columns.iter().filter(|c| !c.secret) {
                let dotted = if prefix.is_empty() {
                    c.field.to_owned()
                } else {
                    format!("{prefix}__{}", c.field)
                };
                if let Ok(p) = FieldPath::resolve(schema, &dotted) {
                    out.push(p);
                }
                if let (Some(fk), true) = (c.references, level < depth) {
                    next.push((dotted, (fk.target)()));
                }
            }
        }
        frontier = next;
    }
    out
}

impl AdminEntry {
    /// Checks `admin` against `schema` and resolves its paths.
    ///
    /// # Errors
    /// A message naming the first option that names something the model
    /// does not have.
    pub(crate) fn new(schema: &'static Schema, admin: ModelAdmin) -> Result<AdminEntry, String> {
        let a = &admin;
        for f in a
            .exclude
            .iter()
            .chain(&a.readonly)
            .chain(a.fields.iter().flatten())
            .chain(a.fieldsets.iter().flat_map(|(_, f)| f))
            .chain(a.labels.iter().map(|(f, _)| f))
            .chain(a.help.iter().map(|(f, _)| f))
            .chain(a.validators.iter().map(|(f, _)| f))
        {
            // readonly fields and fieldsets may also name computed columns
            let computed = a.computed.iter().any(|(n, _)| n == f)
                && (a.readonly.contains(f) || a.fieldsets.iter().any(|(_, fs)| fs.contains(f)));
            if schema.column(f).is_none() && !computed {
                return Err(format!("{} has no field {f:?}", schema.type_name));
            }
        }
        if let Some(t) = a
            .collapsed
            .iter()
            .find(|t| !a.fieldsets.iter().any(|(title, _)| title == *t))
        {
            return Err(format!(
                "collapsed fieldset {t:?} is not one of the fieldsets"
            ));
        }
        let mut columns = Vec::new();
        let names: Vec<String> = match &a.columns {
            Some(c) => c.clone(),
            None => schema
                .columns
                .iter()
                .filter(|c| !c.secret)
                .map(|c| c.field.to_owned())
                .collect(),
        };
        for name in names {
            if let Some((_, f)) = a.computed.iter().find(|(n, _)| *n == name) {
                columns.push(ListColumn::Computed(name, f.clone()));
                continue;
            }
            let p = path(schema, &name, "column")?;
            if p.depth() > 1 {
                return Err(format!(
                    "column {name:?}: columns cross one foreign key at most"
                ));
            }
            columns.push(if p.depth() == 0 {
                ListColumn::Field(p.column)
            } else {
                ListColumn::Related(p)
            });
        }
        for s in &a.search_fields {
            if !path(schema, s, "search field")?.column.sql_type.is_text() {
                return Err(format!("search field {s:?} is not a text field"));
            }
        }
        if let Some(pw) = &a.password_field {
            if !schema.column(pw).is_some_and(|c| c.secret) {
                return Err(format!(
                    "password field {pw:?} is not a secret field of {}",
                    schema.type_name
                ));
            }
        }
        for p in a.filter_exclude.iter().chain(&a.export_exclude) {
            FieldPath::resolve_with(schema, p, true)
                .map_err(|_| format!("{} has no field {p:?} to exclude", schema.type_name))?;
        }
        let mut filters = match &a.filter_fields {
            Some(list) => list
                .iter()
                .map(|f| path(schema, f, "filter field"))
                .collect::<Result<Vec<_>, _>>()?,
            None => all_paths(schema, a.max_filter_depth),
        };
        filters.retain(|p| !a.filter_exclude.contains(&p.dotted()));
        let mut exports = match &a.export_fields {
            Some(list) => list
                .iter()
                .map(|f| path(schema, f, "export field"))
                .collect::<Result<Vec<_>, _>>()?,
            None => all_paths(schema, 1),
        };
        if let Some(deep) = exports.iter().find(|p| p.depth() > 1) {
            return Err(format!(
                "export field {:?}: exports cross one foreign key at most",
                deep.dotted()
            ));
        }
        exports.retain(|p| !a.export_exclude.contains(&p.dotted()));
        for (field, search) in &a.fk_lookups {
            let col = schema
                .column(field)
                .and_then(|c| c.references.map(|r| (r.target)()))
                .ok_or_else(|| format!("{} has no foreign key {field:?}", schema.type_name))?;
            if col.column(search).is_none_or(|c| c.secret) {
                return Err(format!(
                    "{} has no field {search:?} to look up",
                    col.type_name
                ));
            }
        }
        for (view, _) in &a.templates {
            if !TEMPLATE_VIEWS.contains(&view.as_str()) {
                return Err(format!(
                    "template override for unknown view {view:?} (one of {})",
                    TEMPLATE_VIEWS.join(", ")
                ));
            }
        }
        for (i, act) in a.actions.iter().enumerate() {
            let n = act.name();
            let ok = !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && n != "delete"
                && n != "export"
                && !a.actions[..i].iter().any(|b| b.name() == n);
            if !ok {
                return Err(format!(
                    "action name {n:?} is empty, invalid, built in or taken"
                ));
            }
        }
        Ok(AdminEntry {
            name: schema.name.to_owned(),
            schema,
            columns,
            filter_names: filters.iter().map(FieldPath::dotted).collect(),
            filters,
            exports,
            admin,
        })
    }

    /// The rows this model admin shows `user` (its `get_query`), for an
    /// extra admin route that should see what the list sees.
    ///
    /// ```no_run
    /// use hangar::admin::{AdminAccess, AdminState};
    /// use hangar::db::Db;
    ///
    /// #[rocket::get("/count")]
    /// async fn count(user: AdminAccess, state: &rocket::State<AdminState>, db: Db) -> Option<String> {
    ///     let messages = state.entry("message")?;
    ///     Some(messages.select_for(&user).count(&db).await.ok()?.to_string())
    /// }
    /// ```
    pub fn select_for(&self, user: &crate::auth::SessionUser) -> crate::db::Select {
        self.admin
            .hooks
            .get_query(crate::db::Select::new(self.schema), user)
    }

    /// Whether `user` may do `what` here (the model admin's `has_permission`).
    pub fn allows(&self, user: &crate::auth::SessionUser, what: crate::admin::Permission) -> bool {
        self.admin.hooks.has_permission(user, what)
    }

    /// Whether `path` (as written with `__`) may be filtered on.
    pub(crate) fn filterable(&self, path: &FieldPath) -> bool {
        self.filter_names.contains(&path.dotted())
    }
}

impl std::fmt::Debug for AdminEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminEntry")
            .field("name", &self.name)
            .field("model", &self.schema.type_name)
            .finish_non_exhaustive()
    }
}
