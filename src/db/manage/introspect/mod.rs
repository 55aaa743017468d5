//! Schema introspection: the tables, columns, indexes and foreign keys a
//! database has ([`tables`]), in one representation shared with what the
//! registered models expect ([`expected`]), the differences between the two
//! ([`diff`], the ground `migrate diff` and `migrate generate` stand on) and
//! model source for existing tables ([`model_source`], `inspectdb`).
//!
//! Types compare by kind (an `i64` field reads any integer column, text any
//! `VARCHAR`/`TEXT`), so a database made by flask-peewee or Django shows only
//! real differences; [`Difference::is_strict_only`] marks width differences
//! (`INTEGER` for `BIGINT`) a strict comparison also reports.

mod catalogue;
mod diff;
mod expected;
mod kind;
mod source;

pub use catalogue::{table, tables};
pub use diff::{diff, Difference};
pub use expected::{expected, expected_column, expected_indexes, spec_column};
pub use kind::{same_type, ColumnKind};
pub use source::model_source;

use crate::db::schema::OnDelete;

/// A column as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column name.
    pub name: String,
    /// The declared type as the catalogue gives it.
    pub declared: String,
    /// Its kind.
    pub kind: ColumnKind,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
    /// Whether the database assigns it (identity, serial, `AUTO_INCREMENT`,
    /// SQLite's rowid).
    pub auto_increment: bool,
    /// The `DEFAULT` expression as the catalogue gives it.
    pub default: Option<String>,
}

impl ColumnInfo {
    /// A column named `name` of `declared` type, not null, no key, no default.
    ///
    /// ```
    /// use hangar::db::introspect::{ColumnInfo, ColumnKind};
    /// let c = ColumnInfo::new("title", "VARCHAR(80)");
    /// assert_eq!(c.kind, ColumnKind::Text(Some(80)));
    /// ```
    pub fn new(name: &str, declared: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.to_owned(),
            declared: declared.to_owned(),
            kind: ColumnKind::parse(declared, None),
            nullable: false,
            primary_key: false,
            auto_increment: false,
            default: None,
        }
    }

    /// The default, read: `None` for none (or an explicit `NULL`, or the
    /// sequence behind an auto-increment key).
    ///
    /// ```
    /// let mut c = hangar::db::introspect::ColumnInfo::new("status", "TEXT");
    /// c.default = Some("'draft'".into());
    /// assert_eq!(c.default_value(), Some(hangar::db::introspect::DefaultValue::Literal("draft".into())));
    /// ```
    pub fn default_value(&self) -> Option<DefaultValue> {
        if self.auto_increment {
            return None;
        }
        DefaultValue::parse(self.default.as_deref()?)
    }
}

/// A column default, read from SQL so catalogue spellings compare equal
/// (`'draft'::character varying` and `'draft'`; `now()`, `CURRENT_TIMESTAMP`
/// and SQLite's `strftime(...)`).
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    /// The current time.
    Now,
    /// A constant, unquoted (`0`, `draft`, `true`).
    Literal(String),
}

impl DefaultValue {
    /// Reads a `DEFAULT` expression; `None` for `NULL`.
    ///
    /// ```
    /// use hangar::db::introspect::DefaultValue;
    /// assert_eq!(DefaultValue::parse("'it''s'::character varying"), Some(DefaultValue::Literal("it's".into())));
    /// assert_eq!(DefaultValue::parse("current_timestamp(6)"), Some(DefaultValue::Now));
    /// assert_eq!(DefaultValue::parse("NULL"), None);
    /// assert_eq!(DefaultValue::parse("('-1')"), Some(DefaultValue::Literal("-1".into())));
    /// ```
    pub fn parse(sql: &str) -> Option<DefaultValue> {
        let mut s = sql.trim();
        let lower = s.to_ascii_lowercase();
        if ["current_timestamp", "now()", "strftime(", "localtimestamp"]
            .iter()
            .any(|n| lower.contains(n))
        {
            return Some(DefaultValue::Now);
        }
        while s.starts_with('(') && s.ends_with(')') {
            s = s[1..s.len() - 1].trim();
        }
        // PostgreSQL's casts: 'x'::character varying, '-1'::integer
        if let Some(at) = s.rfind("::") {
            if !s[at..].contains('\'') {
                s = s[..at].trim();
            }
        }
        if s.eq_ignore_ascii_case("null") {
            return None;
        }
        if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
            return Some(DefaultValue::Literal(s[1..s.len() - 1].replace("''", "'")));
        }
        Some(DefaultValue::Literal(s.to_owned()))
    }

    /// Whether two defaults mean the same (numbers by value, `true`/`TRUE`).
    ///
    /// ```
    /// use hangar::db::introspect::DefaultValue;
    /// let a = DefaultValue::parse("1.0").unwrap();
    /// assert!(a.same_as(&DefaultValue::parse("1").unwrap()));
    /// assert!(!a.same_as(&DefaultValue::Now));
    /// ```
    pub fn same_as(&self, other: &DefaultValue) -> bool {
        match (self, other) {
            (DefaultValue::Now, DefaultValue::Now) => true,
            (DefaultValue::Literal(a), DefaultValue::Literal(b)) => {
                a == b
                    || a.eq_ignore_ascii_case(b)
                    || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefaultValue::Now => f.write_str("the current time"),
            DefaultValue::Literal(l) => write!(f, "{l:?}"),
        }
    }
}

/// An index (or a unique constraint's index) as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexInfo {
    /// Its name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether values must be unique.
    pub unique: bool,
    /// Whether a constraint owns it (PostgreSQL `UNIQUE`, SQLite's inline
    /// `UNIQUE`): dropped with the constraint, not as an index.
    pub constraint: bool,
}

/// A foreign key as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKeyInfo {
    /// The constraint name (SQLite's have none: `fk_<table>_<column>`).
    pub name: String,
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub target_table: String,
    /// The referenced column (`None`: its primary key, in SQLite).
    pub target_column: Option<String>,
    /// The `ON DELETE` rule: `RESTRICT`, `CASCADE`, `SET NULL`, `NO ACTION`, ...
    pub on_delete: String,
}

impl ForeignKeyInfo {
    /// The rule as a model states it (`NO ACTION` reads as `RESTRICT`).
    ///
    /// ```
    /// use hangar::db::{introspect::ForeignKeyInfo, OnDelete};
    /// let fk = ForeignKeyInfo {
    ///     name: "fk".into(), column: "author".into(), target_table: "author".into(),
    ///     target_column: None, on_delete: "NO ACTION".into(),
    /// };
    /// assert_eq!(fk.on_delete_rule(), Some(OnDelete::Restrict));
    /// ```
    pub fn on_delete_rule(&self) -> Option<OnDelete> {
        match self.on_delete.to_ascii_uppercase().as_str() {
            "CASCADE" => Some(OnDelete::Cascade),
            "SET NULL" => Some(OnDelete::SetNull),
            "RESTRICT" | "NO ACTION" => Some(OnDelete::Restrict),
            _ => None,
        }
    }
}

/// A table as the database has it (or as the models expect it: [`expected`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    /// The table name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnInfo>,
    /// Its indexes (the primary key's excepted), in name order.
    pub indexes: Vec<IndexInfo>,
    /// Its foreign keys.
    pub foreign_keys: Vec<ForeignKeyInfo>,
}

impl TableInfo {
    /// A table with these columns and no index or key.
    ///
    /// ```
    /// use hangar::db::introspect::{ColumnInfo, TableInfo};
    /// let t = TableInfo::new("tag", vec![ColumnInfo::new("label", "TEXT")]);
    /// assert!(t.column("label").is_some() && t.foreign_key("label").is_none());
    /// ```
    pub fn new(name: &str, columns: Vec<ColumnInfo>) -> TableInfo {
        TableInfo {
            name: name.to_owned(),
            columns,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
        }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index over exactly `columns` with this uniqueness.
    pub fn index_on(&self, columns: &[String], unique: bool) -> Option<&IndexInfo> {
        self.indexes
            .iter()
            .find(|i| i.columns == columns && i.unique == unique)
    }

    /// The foreign key of `column`.
    pub fn foreign_key(&self, column: &str) -> Option<&ForeignKeyInfo> {
        self.foreign_keys.iter().find(|f| f.column == column)
    }
}
