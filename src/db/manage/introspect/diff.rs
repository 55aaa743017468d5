//! What differs between the registered models and a database.

use std::fmt;

use crate::db::backend::Backend;
use crate::db::registry::Registry;
use crate::db::schema::{OnDelete, SqlType};

use super::{expected, ColumnKind, DefaultValue, TableInfo};

/// A difference between the registered models and the database.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Difference {
    /// A model's table is missing.
    MissingTable(String),
    /// A table no model has.
    ExtraTable(String),
    /// A model's column is missing: `(table, column)`.
    MissingColumn(String, String),
    /// A column no model has: `(table, column)`.
    ExtraColumn(String, String),
    /// A column of another kind than the field: `(table, column, expected, declared)`.
    TypeMismatch(String, String, String, String),
    /// A column whose nullability differs: `(table, column, the model's nullable)`.
    Nullability(String, String, bool),
    /// A column whose `DEFAULT` differs from the model's.
    Default {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The model's default.
        want: Option<DefaultValue>,
        /// The database's.
        have: Option<DefaultValue>,
    },
    /// An integer column narrower than the field (`INTEGER` for an `i64`):
    /// `(table, column, declared)`; reported by a strict comparison only.
    NarrowerInteger(String, String, String),
    /// An index (unique or not) the model wants is missing.
    MissingIndex {
        /// The table.
        table: String,
        /// The indexed columns.
        columns: Vec<String>,
        /// Unique or plain.
        unique: bool,
    },
    /// An index no model asks for.
    ExtraIndex {
        /// The table.
        table: String,
        /// The index name.
        name: String,
        /// The indexed columns.
        columns: Vec<String>,
        /// Unique or plain.
        unique: bool,
    },
    /// A foreign key the model wants is missing (or has another target or rule).
    MissingForeignKey {
        /// The table.
        table: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        target: String,
        /// The model's rule.
        on_delete: OnDelete,
    },
    /// A foreign key no model has (or with another target or rule).
    ExtraForeignKey {
        /// The table.
        table: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        target: String,
    },
}

impl Difference {
    /// Whether only a strict comparison reports it.
    pub fn is_strict_only(&self) -> bool {
        matches!(self, Difference::NarrowerInteger(..))
    }

    /// The table it is about.
    ///
    /// ```
    /// let d = hangar::db::introspect::Difference::MissingColumn("note".into(), "color".into());
    /// assert_eq!(d.table(), "note");
    /// assert!(!d.is_strict_only());
    /// ```
    pub fn table(&self) -> &str {
        match self {
            Difference::MissingTable(t)
            | Difference::ExtraTable(t)
            | Difference::MissingColumn(t, _)
            | Difference::ExtraColumn(t, _)
            | Difference::TypeMismatch(t, ..)
            | Difference::Nullability(t, ..)
            | Difference::NarrowerInteger(t, ..)
            | Difference::Default { table: t, .. }
            | Difference::MissingIndex { table: t, .. }
            | Difference::ExtraIndex { table: t, .. }
            | Difference::MissingForeignKey { table: t, .. }
            | Difference::ExtraForeignKey { table: t, .. } => t,
        }
    }
}

fn or_none(d: &Option<DefaultValue>) -> String {
    d.as_ref()
        .map_or_else(|| "none".to_owned(), |d| d.to_string())
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unique = |u: &bool| if *u { "unique index" } else { "index" };
        match self {
            Difference::MissingTable(t) => write!(f, "table {t} is missing"),
            Difference::ExtraTable(t) => write!(f, "table {t} is in no model"),
            Difference::MissingColumn(t, c) => write!(f, "column {t}.{c} is missing"),
            Difference::ExtraColumn(t, c) => write!(f, "column {t}.{c} is in no model"),
            Difference::TypeMismatch(t, c, want, have) => {
                write!(f, "column {t}.{c} is {have}, the model wants {want}")
            }
            Difference::Nullability(t, c, nullable) => {
                let want = if *nullable { "NULL" } else { "NOT NULL" };
                write!(f, "column {t}.{c}: the model wants {want}")
            }
            Difference::Default {
                table,
                column,
                want,
                have,
            } => write!(
                f,
                "column {table}.{column} defaults to {}, the model to {}",
                or_none(have),
                or_none(want)
            ),
            Difference::NarrowerInteger(t, c, have) => {
                write!(f, "column {t}.{c} is {have}, narrower than the model's")
            }
            Difference::MissingIndex {
                table,
                columns,
                unique: u,
            } => write!(
                f,
                "{} on {table} ({}) is missing",
                unique(u),
                columns.join(", ")
            ),
            Difference::ExtraIndex {
                table,
                name,
                columns,
                unique: u,
            } => write!(
                f,
                "{} {name} on {table} ({}) is in no model",
                unique(u),
                columns.join(", ")
            ),
            Difference::MissingForeignKey {
                table,
                column,
                target,
                on_delete,
            } => write!(
                f,
                "foreign key {table}.{column} -> {target} (ON DELETE {}) is missing",
                on_delete.sql()
            ),
            Difference::ExtraForeignKey {
                table,
                column,
                target,
            } => write!(f, "foreign key {table}.{column} -> {target} is in no model"),
        }
    }
}

/// What differs between the models of `registry` and the database's
/// `tables` on `backend`, table by table in the models' order, then the
/// tables no model has (leave out bookkeeping tables, such as the
/// migrations table, before calling). `strict` adds width differences.
///
/// # Example
/// ```
/// use hangar::db::introspect::{diff, Difference};
/// use hangar::db::{Backend, Registry};
/// let found = diff(&Registry::default(), &[], Backend::Sqlite, false);
/// assert!(found.is_empty());
/// ```
pub fn diff(
    registry: &Registry,
    tables: &[TableInfo],
    backend: Backend,
    strict: bool,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let wanted = expected(registry, backend);
    for (schema, want) in registry.models().iter().zip(&wanted) {
        let name = want.name.clone();
        let Some(table) = tables.iter().find(|t| t.name == name) else {
            out.push(Difference::MissingTable(name));
            continue;
        };
        for (col, want_col) in schema.columns.iter().zip(&want.columns) {
            let Some(have) = table.column(col.name) else {
                out.push(Difference::MissingColumn(name.clone(), col.name.to_owned()));
                continue;
            };
            if !have.kind.fits(col.sql_type, backend) {
                out.push(Difference::TypeMismatch(
                    name.clone(),
                    col.name.to_owned(),
                    want_col.declared.clone(),
                    have.declared.clone(),
                ));
                continue;
            }
            // a primary key is never null, whatever the catalogue says
            if !col.primary_key && have.nullable != col.nullable {
                out.push(Difference::Nullability(
                    name.clone(),
                    col.name.to_owned(),
                    col.nullable,
                ));
            }
            if !col.primary_key {
                let (w, h) = (want_col.default_value(), have.default_value());
                let same = match (&w, &h) {
                    (Some(a), Some(b)) => a.same_as(b),
                    (None, None) => true,
                    _ => false,
                };
                if !same {
                    out.push(Difference::Default {
                        table: name.clone(),
                        column: col.name.to_owned(),
                        want: w,
                        have: h,
                    });
                }
            }
            if strict
                && col.sql_type == SqlType::BigInt
                && matches!(have.kind, ColumnKind::Integer(n) if n < 8)
            {
                out.push(Difference::NarrowerInteger(
                    name.clone(),
                    col.name.to_owned(),
                    have.declared.clone(),
                ));
            }
        }
        for have in &table.columns {
            if schema.columns.iter().all(|c| c.name != have.name) {
                out.push(Difference::ExtraColumn(name.clone(), have.name.clone()));
            }
        }
        indexes(&mut out, want, table);
        foreign_keys(&mut out, want, table);
    }
    for t in tables {
        if wanted.iter().all(|w| w.name != t.name) {
            out.push(Difference::ExtraTable(t.name.clone()));
        }
    }
    out
}

fn indexes(out: &mut Vec<Difference>, want: &TableInfo, have: &TableInfo) {
    // indexes over columns the model dropped go with them
    let present = |cols: &[String]| cols.iter().all(|c| want.column(c).is_some());
    for w in &want.indexes {
        if have.index_on(&w.columns, w.unique).is_none() {
            out.push(Difference::MissingIndex {
                table: want.name.clone(),
                columns: w.columns.clone(),
                unique: w.unique,
            });
        }
    }
    for h in &have.indexes {
        if present(&h.columns) && want.index_on(&h.columns, h.unique).is_none() {
            out.push(Difference::ExtraIndex {
                table: want.name.clone(),
                name: h.name.clone(),
                columns: h.columns.clone(),
                unique: h.unique,
            });
        }
    }
}

fn foreign_keys(out: &mut Vec<Difference>, want: &TableInfo, have: &TableInfo) {
    let same = |a: &super::ForeignKeyInfo, b: &super::ForeignKeyInfo| {
        a.target_table == b.target_table && a.on_delete_rule() == b.on_delete_rule()
    };
    for h in &have.foreign_keys {
        let kept = want.column(&h.column).is_some();
        if kept && !want.foreign_key(&h.column).is_some_and(|w| same(w, h)) {
            out.push(Difference::ExtraForeignKey {
                table: want.name.clone(),
                column: h.column.clone(),
                target: h.target_table.clone(),
            });
        }
    }
    for w in &want.foreign_keys {
        if !have.foreign_key(&w.column).is_some_and(|h| same(w, h)) {
            out.push(Difference::MissingForeignKey {
                table: want.name.clone(),
                column: w.column.clone(),
                target: w.target_table.clone(),
                on_delete: w.on_delete_rule().unwrap_or(OnDelete::Restrict),
            });
        }
    }
}
