//! The models a rocket knows, built once before launch and never changed.
//!
//! The app and the batteries hand their models to the [`Database`] fairing
//! (`Database::fairing().model::<Note>().with(Auth::models())`); at ignite it
//! freezes them into a [`Registry`] shared by every [`Db`] handle. A battery
//! may let its config choose a table name ([`ModelSet::table_from_config`]),
//! which is how two rockets in one process can keep users in different tables.
//!
//! [`Database`]: crate::db::Database
//! [`Db`]: crate::db::Db

use rocket::figment::Figment;

use crate::db::error::SetupError;
use crate::db::schema::{Column, Schema};
use crate::db::table::Table;

/// A set of models to register, with the config keys (if any) that name
/// their tables. What a battery hands to [`Database::with`](crate::db::Database::with).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model)] struct Tag { id: i64, name: String }
/// use hangar::db::ModelSet;
/// let set = ModelSet::new().model::<Tag>().table_from_config::<Tag>("myapp.tag_table");
/// assert_eq!(set.schemas().len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ModelSet {
    models: Vec<&'static Schema>,
    table_keys: Vec<(&'static Schema, &'static str)>,
}

impl ModelSet {
    /// No models.
    pub fn new() -> ModelSet {
        ModelSet::default()
    }

    /// Adds model `M`.
    pub fn model<M: Table>(self) -> ModelSet {
        self.schema(M::schema())
    }

    /// Adds a schema (once).
    pub fn schema(mut self, schema: &'static Schema) -> ModelSet {
        if !self.models.iter().any(|m| std::ptr::eq(*m, schema)) {
            self.models.push(schema);
        }
        self
    }

    /// Names `M`'s table from the config string at `key` (dotted figment
    /// path) when it is set and not empty.
    pub fn table_from_config<M: Table>(mut self, key: &'static str) -> ModelSet {
        self.table_keys.push((M::schema(), key));
        self
    }

    /// Adds every model of `other`.
    pub fn with(mut self, other: ModelSet) -> ModelSet {
        for s in other.models {
            self = self.schema(s);
        }
        self.table_keys.extend(other.table_keys);
        self
    }

    /// The schemas, in the order added.
    pub fn schemas(&self) -> &[&'static Schema] {
        &self.models
    }

    /// Freezes the set into a registry, reading table names from `figment`.
    ///
    /// # Errors
    /// [`SetupError::Key`]: a table-name key that
    /// is not a string (figment's error names the key);
    /// [`SetupError::SharedTable`]: two
    /// models (or a model a registered one references) on one table.
    pub fn build(&self, figment: &Figment) -> Result<Registry, SetupError> {
        let mut tables = Vec::new();
        for (schema, key) in &self.table_keys {
            if figment.find_value(key).is_err() {
                continue;
            }
            let name: String = figment.extract_inner(key).map_err(|e| SetupError::Key {
                key: key.to_string(),
                source: Box::new(e),
            })?;
            if !name.is_empty() && name != schema.table {
                tables.push((*schema, name));
            }
        }
        let models = with_references(&self.models);
        let registry = Registry { models, tables };
        // two models on one table would read and write each other's rows
        for (i, first) in registry.models.iter().enumerate() {
            if let Some(second) = registry.models[i + 1..]
                .iter()
                .find(|other| registry.table(other) == registry.table(first))
            {
                return Err(SetupError::SharedTable {
                    table: registry.table(first).to_owned(),
                    first: first.type_name,
                    second: second.type_name,
                });
            }
        }
        Ok(registry)
    }
}

/// The registered models of one rocket and their table names: used to find
/// the rows that depend on a deleted row, to create tables, and by every
/// statement to name a table.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model)] struct Tag { id: i64, name: String }
/// use hangar::db::{Model as _, Table as _, ModelSet};
/// let figment = rocket::figment::Figment::from(("myapp.tag_table", "labels"));
/// let registry = ModelSet::new()
///     .model::<Tag>()
///     .table_from_config::<Tag>("myapp.tag_table")
///     .build(&figment)
///     .unwrap();
/// assert_eq!(registry.table(Tag::schema()), "labels");
/// assert!(registry.get("labels").is_some());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Registry {
    models: Vec<&'static Schema>,
    tables: Vec<(&'static Schema, String)>,
}

impl Registry {
    /// The registry of no models (every schema keeps its own table name).
    pub(crate) fn empty() -> &'static Registry {
        static EMPTY: Registry = Registry {
            models: Vec::new(),
            tables: Vec::new(),
        };
        &EMPTY
    }

    /// A registry of these schemas (and those they reference), with their
    /// own table names.
    pub fn new(models: &[&'static Schema]) -> Registry {
        Registry {
            models: with_references(models),
            tables: Vec::new(),
        }
    }

    /// The registered schemas, in registration order.
    pub fn models(&self) -> &[&'static Schema] {
        &self.models
    }

    /// Whether `schema` is registered.
    pub fn contains(&self, schema: &'static Schema) -> bool {
        self.models.iter().any(|m| std::ptr::eq(*m, schema))
    }

    /// The table name of `schema` in this rocket.
    pub fn table<'a>(&'a self, schema: &'a Schema) -> &'a str {
        self.tables
            .iter()
            .find(|(s, _)| std::ptr::eq(*s, schema))
            .map_or(schema.table, |(_, t)| t.as_str())
    }

    /// A schema by model name (`message`) or table name.
    pub fn get(&self, name: &str) -> Option<&'static Schema> {
        self.models
            .iter()
            .copied()
            .find(|s| s.name == name || self.table(s) == name)
    }

    /// The registered schema whose table is `table` (as this rocket names
    /// it; a model name does not match).
    ///
    /// ```
    /// # use hangar::Model;
    /// # #[derive(Model)] #[model(table = "blog_tag")] struct Tag { id: i64 }
    /// use hangar::db::{Registry, Table as _};
    /// let registry = Registry::new(&[Tag::schema()]);
    /// assert!(registry.by_table("blog_tag").is_some());
    /// assert!(registry.by_table("tag").is_none());
    /// ```
    pub fn by_table(&self, table: &str) -> Option<&'static Schema> {
        self.models.iter().copied().find(|s| self.table(s) == table)
    }

    /// `(dependent schema, its FK column)` for every registered FK pointing at `target`.
    pub fn dependents(&self, target: &'static Schema) -> Vec<(&'static Schema, &'static Column)> {
        let mut out = Vec::new();
        for s in &self.models {
            for (col, t) in s.references() {
                if std::ptr::eq(t, target) {
                    out.push((*s, col));
                }
            }
        }
        out
    }
}

/// The schemas plus every schema they reference, transitively (a table can
/// only be created after the tables its foreign keys point at).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::Table as _;
/// # #[derive(Model)] struct Author { id: i64 }
/// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
/// let all = hangar::db::ddl::with_references(&[Book::schema()]);
/// assert_eq!(all.len(), 2);
/// ```
pub fn with_references(schemas: &[&'static Schema]) -> Vec<&'static Schema> {
    let mut out: Vec<&'static Schema> = Vec::new();
    let mut todo: Vec<&'static Schema> = schemas.to_vec();
    while let Some(s) = todo.pop() {
        if out.iter().any(|o| std::ptr::eq(*o, s)) {
            continue;
        }
        out.push(s);
        todo.extend(s.references().map(|(_, t)| t));
    }
    // keep the given order first, referenced ones after
    out.sort_by_key(|s| {
        schemas
            .iter()
            .position(|g| std::ptr::eq(*g, *s))
            .unwrap_or(usize::MAX)
    });
    out
}
