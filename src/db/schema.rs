//! The runtime description of a model: table, columns, types, keys.
//!
//! `#[derive(Model)]` builds one `static` [`Schema`] per model; the query
//! layer, the admin and the REST API all read it. Identifiers in SQL only
//! ever come from here, never from a request.

use std::fmt;

pub use crate::db::sql_type::SqlType;
use crate::db::value::Value;

/// What happens to rows pointing at a deleted row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDelete {
    /// Refuse while dependents exist (the default).
    Restrict,
    /// Delete the dependents too.
    Cascade,
    /// Set the dependents' foreign key to `NULL`.
    SetNull,
}

impl OnDelete {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Restrict => "RESTRICT",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

/// A foreign key: the referenced model (resolved lazily, so models may refer
/// to each other in any order) and the delete rule.
#[derive(Clone, Copy)]
pub struct ForeignKey {
    /// The referenced model's schema.
    pub target: fn() -> &'static Schema,
    /// The `ON DELETE` rule.
    pub on_delete: OnDelete,
}

impl fmt::Debug for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ForeignKey({}, {:?})",
            (self.target)().table,
            self.on_delete
        )
    }
}

/// A literal from the derive (`default = ...`, `choices = ...`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Literal {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(&'static str),
}

impl Literal {
    /// As a dynamic value.
    pub fn to_value(self) -> Value {
        match self {
            Literal::Bool(b) => Value::Bool(b),
            Literal::Int(i) => Value::Int(i),
            Literal::Float(f) => Value::Float(f),
            Literal::Text(t) => Value::Text(t.to_owned()),
        }
    }
}

/// A column default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColumnDefault {
    /// A constant.
    Literal(Literal),
    /// The current time (`default = "now"`).
    Now,
}

impl ColumnDefault {
    /// The value to insert when the field is not given.
    pub fn value(self) -> Value {
        match self {
            ColumnDefault::Literal(l) => l.to_value(),
            ColumnDefault::Now => Value::DateTime(crate::db::value::now()),
        }
    }
}

/// One column of a model.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The Rust field name (what filters, forms and JSON use).
    pub field: &'static str,
    /// The SQL column name (`column = "..."`, defaults to the field name).
    pub name: &'static str,
    /// The storage type.
    pub sql_type: SqlType,
    /// `Option<T>` fields are nullable.
    pub nullable: bool,
    /// The primary key.
    pub primary_key: bool,
    /// An `i64` primary key assigned by the database.
    pub auto_increment: bool,
    /// A unique constraint.
    pub unique: bool,
    /// A plain index.
    pub index: bool,
    /// The default used when a write does not give the field.
    pub default: Option<ColumnDefault>,
    /// The referenced model, for a foreign key.
    pub references: Option<ForeignKey>,
    /// Allowed values with labels (`choices = [(1, "live")]`).
    pub choices: &'static [(Literal, &'static str)],
    /// Never shown or filtered by default (password hashes).
    pub secret: bool,
    /// The row's version (`#[model(version)]`): every update through
    /// Hangar adds one; see [`version`](crate::db::version).
    pub version: bool,
}

impl Column {
    /// The label of a choice value, if the column has choices.
    pub fn choice_label(&self, v: &Value) -> Option<&'static str> {
        self.choices
            .iter()
            .find(|(lit, _)| &lit.to_value() == v)
            .map(|(_, label)| *label)
    }

    /// A human title for the field: `pub_date` → "Pub Date".
    pub fn title(&self) -> String {
        crate::text::title_case(self.field)
    }
}

/// A model's table.
#[derive(Debug)]
pub struct Schema {
    /// The model name in snake_case (`message`, `note`): URL and API names.
    pub name: &'static str,
    /// The Rust type name.
    pub type_name: &'static str,
    /// The SQL table name.
    pub table: &'static str,
    /// Columns in field order.
    pub columns: &'static [Column],
    /// Index of the primary key in `columns`.
    pub pk_index: usize,
    /// The field labelling a row (`display = "username"`).
    pub display: Option<&'static str>,
}

impl Schema {
    /// The primary key column.
    pub fn pk(&self) -> &'static Column {
        &self.columns[self.pk_index]
    }

    /// Finds a column by field name, or by SQL column name, or `<fk>_id` for a
    /// foreign key `<fk>`.
    pub fn column(&self, field: &str) -> Option<&'static Column> {
        self.index_of(field).map(|i| &self.columns[i])
    }

    /// The index of a column (see [`Schema::column`]).
    pub fn index_of(&self, field: &str) -> Option<usize> {
        let cols = self.columns;
        cols.iter()
            .position(|c| c.field == field)
            .or_else(|| cols.iter().position(|c| c.name == field))
            .or_else(|| {
                let fk = field.strip_suffix("_id")?;
                cols.iter()
                    .position(|c| c.field == fk && c.references.is_some())
            })
    }

    /// The field names, for error messages.
    pub fn field_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.field).collect()
    }

    /// The schemas this one refers to through foreign keys.
    pub fn references(&self) -> impl Iterator<Item = (&'static Column, &'static Schema)> + '_ {
        self.columns
            .iter()
            .filter_map(|c| c.references.map(|fk| (c, (fk.target)())))
    }
}

impl PartialEq for Schema {
    fn eq(&self, other: &Schema) -> bool {
        std::ptr::eq(self, other)
    }
}
