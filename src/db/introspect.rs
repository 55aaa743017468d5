//! Schema introspection: the tables and columns a database has, in one
//! representation shared with what the registered models expect, and the
//! differences between the two (the ground `migrate diff` stands on).
//!
//! Types compare by kind (an `i64` field reads any integer column, text any
//! `VARCHAR`/`TEXT`), so a database made by flask-peewee or Django shows only
//! real differences; [`Difference::is_strict_only`] marks width differences
//! (`INTEGER` for `BIGINT`) a strict comparison also reports.

use crate::db::backend::Backend;
use crate::db::error::Result;
use crate::db::executor::{Db, Executor};
use crate::db::registry::Registry;
use crate::db::schema::SqlType;
use crate::db::sql::Statement;
use crate::db::value::Value;

/// A column's type as the database declares it, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// An integer of this many bytes (SQLite's are 8).
    Integer(u8),
    /// A floating-point or decimal number.
    Float,
    /// Text, with its declared length.
    Text(Option<u64>),
    /// A boolean (MySQL's `TINYINT(1)`).
    Bool,
    /// A timestamp; `zoned`: with a time zone (PostgreSQL `TIMESTAMPTZ`).
    DateTime {
        /// `TIMESTAMP WITH TIME ZONE`.
        zoned: bool,
    },
    /// A date.
    Date,
    /// A UUID column (PostgreSQL).
    Uuid,
    /// JSON.
    Json,
    /// Bytes.
    Bytes,
    /// Anything else, as declared.
    Other(String),
}

impl ColumnKind {
    /// The kind of a declared type (`integer`, `varchar(255)`, `tinyint(1)`,
    /// `timestamp without time zone`, ...), `length` from the catalogue.
    ///
    /// ```
    /// use hangar::db::introspect::ColumnKind;
    /// assert_eq!(ColumnKind::parse("INTEGER", None), ColumnKind::Integer(4));
    /// assert_eq!(ColumnKind::parse("tinyint(1)", None), ColumnKind::Bool);
    /// assert_eq!(ColumnKind::parse("character varying", Some(80)), ColumnKind::Text(Some(80)));
    /// assert_eq!(ColumnKind::parse("timestamp with time zone", None), ColumnKind::DateTime { zoned: true });
    /// ```
    pub fn parse(declared: &str, length: Option<u64>) -> ColumnKind {
        let t = declared.trim().to_ascii_lowercase();
        let base = t.split('(').next().unwrap_or_default().trim();
        let paren_len = t
            .split_once('(')
            .and_then(|(_, rest)| rest.trim_end_matches(')').split(',').next())
            .and_then(|n| n.trim().parse::<u64>().ok());
        match base {
            "tinyint" if paren_len == Some(1) => ColumnKind::Bool,
            "bool" | "boolean" => ColumnKind::Bool,
            "smallint" | "int2" | "tinyint" | "smallserial" => ColumnKind::Integer(2),
            "integer" | "int" | "int4" | "mediumint" | "serial" => ColumnKind::Integer(4),
            "bigint" | "int8" | "bigserial" => ColumnKind::Integer(8),
            "real" | "float" | "float4" | "float8" | "double" | "double precision" | "numeric"
            | "decimal" => ColumnKind::Float,
            "text" | "varchar" | "character varying" | "char" | "character" | "bpchar"
            | "nvarchar" | "clob" | "longtext" | "mediumtext" | "tinytext" => {
                ColumnKind::Text(length.or(paren_len).filter(|_| !base.ends_with("text")))
            }
            "timestamp with time zone" | "timestamptz" => ColumnKind::DateTime { zoned: true },
            "timestamp" | "timestamp without time zone" | "datetime" => {
                ColumnKind::DateTime { zoned: false }
            }
            "date" => ColumnKind::Date,
            "uuid" => ColumnKind::Uuid,
            "json" | "jsonb" => ColumnKind::Json,
            "blob" | "bytea" | "binary" | "varbinary" | "longblob" => ColumnKind::Bytes,
            _ => ColumnKind::Other(t),
        }
    }

    /// Whether a model field of type `ty` reads and writes this column on
    /// `backend` (widths aside).
    pub fn fits(&self, ty: SqlType, backend: Backend) -> bool {
        match (ty, self) {
            (SqlType::Int | SqlType::BigInt, ColumnKind::Integer(_)) => true,
            (SqlType::Float, ColumnKind::Float | ColumnKind::Integer(_)) => true,
            (SqlType::Text { .. }, ColumnKind::Text(_)) => true,
            (SqlType::Bool, ColumnKind::Bool) => true,
            // SQLite has no boolean type: an integer column holds one
            (SqlType::Bool, ColumnKind::Integer(_)) => backend == Backend::Sqlite,
            (SqlType::DateTime, ColumnKind::DateTime { .. }) => true,
            (SqlType::Date, ColumnKind::Date) => true,
            // SQLite keeps timestamps, dates and JSON as text
            (SqlType::DateTime | SqlType::Date | SqlType::Json, ColumnKind::Text(_)) => {
                backend == Backend::Sqlite || ty == SqlType::Json
            }
            (SqlType::Uuid, ColumnKind::Uuid) => true,
            // MySQL and SQLite keep UUIDs as 16 bytes
            (SqlType::Uuid, ColumnKind::Bytes) => backend != Backend::Postgres,
            (SqlType::Json, ColumnKind::Json) => true,
            (SqlType::Bytes, ColumnKind::Bytes) => true,
            _ => false,
        }
    }
}

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
}

/// A table as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    /// The table name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnInfo>,
}

impl TableInfo {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Every table of the database (SQLite's own excepted), in name order.
///
/// # Errors
/// The database's refusal.
pub async fn tables(db: &Db) -> Result<Vec<TableInfo>> {
    let backend = db.backend();
    let text = SqlType::Text { max_length: None };
    let types = [
        text,
        text,
        text,
        SqlType::BigInt,
        SqlType::BigInt,
        SqlType::BigInt,
    ];
    let rows = (&*db)
        .fetch(Statement::new(backend.columns_sql()), &types)
        .await?;
    let mut out: Vec<TableInfo> = Vec::new();
    for row in rows {
        let text_at = |i: usize| match &row[i] {
            Value::Text(s) => s.clone(),
            _ => String::new(),
        };
        let int_at = |i: usize| row[i].as_i64();
        let (table, declared) = (text_at(0), text_at(2));
        let length = int_at(4).and_then(|n| u64::try_from(n).ok());
        let kind = match ColumnKind::parse(&declared, length) {
            // SQLite stores every integer in up to 8 bytes
            ColumnKind::Integer(_) if backend == Backend::Sqlite => ColumnKind::Integer(8),
            kind => kind,
        };
        let column = ColumnInfo {
            name: text_at(1),
            kind,
            declared,
            nullable: int_at(3) == Some(1),
            primary_key: int_at(5) == Some(1),
        };
        match out.last_mut().filter(|t| t.name == table) {
            Some(t) => t.columns.push(column),
            None => out.push(TableInfo {
                name: table,
                columns: vec![column],
            }),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A difference between the registered models and the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// A model's table is missing.
    MissingTable(String),
    /// A model's column is missing: `(table, column)`.
    MissingColumn(String, String),
    /// A column no model has: `(table, column)`.
    ExtraColumn(String, String),
    /// A column of another kind than the field: `(table, column, expected, declared)`.
    TypeMismatch(String, String, String, String),
    /// A column whose nullability differs: `(table, column, the model's nullable)`.
    Nullability(String, String, bool),
    /// An integer column narrower than the field (`INTEGER` for an `i64`):
    /// `(table, column, declared)`; reported by a strict comparison only.
    NarrowerInteger(String, String, String),
}

impl Difference {
    /// Whether only a strict comparison reports it.
    pub fn is_strict_only(&self) -> bool {
        matches!(self, Difference::NarrowerInteger(..))
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::MissingTable(t) => write!(f, "table {t} is missing"),
            Difference::MissingColumn(t, c) => write!(f, "column {t}.{c} is missing"),
            Difference::ExtraColumn(t, c) => write!(f, "column {t}.{c} is in no model"),
            Difference::TypeMismatch(t, c, want, have) => {
                write!(f, "column {t}.{c} is {have}, the model wants {want}")
            }
            Difference::Nullability(t, c, nullable) => {
                let want = if *nullable { "NULL" } else { "NOT NULL" };
                write!(f, "column {t}.{c}: the model wants {want}")
            }
            Difference::NarrowerInteger(t, c, have) => {
                write!(f, "column {t}.{c} is {have}, narrower than the model's")
            }
        }
    }
}

/// What differs between the models of `registry` and the database's
/// `tables` on `backend` (tables no model has are not listed: a database
/// may hold other apps' tables). `strict` adds width differences.
pub fn diff(
    registry: &Registry,
    tables: &[TableInfo],
    backend: Backend,
    strict: bool,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for schema in registry.models() {
        let name = registry.table(schema).to_owned();
        let Some(table) = tables.iter().find(|t| t.name == name) else {
            out.push(Difference::MissingTable(name));
            continue;
        };
        for col in schema.columns {
            let Some(have) = table.column(col.name) else {
                out.push(Difference::MissingColumn(name.clone(), col.name.to_owned()));
                continue;
            };
            if !have.kind.fits(col.sql_type, backend) {
                out.push(Difference::TypeMismatch(
                    name.clone(),
                    col.name.to_owned(),
                    backend.column_type(col),
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
    }
    out
}

/// Rust's reserved words, which a column name cannot be as a field name.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "yield",
];

/// A field name for a column: lower snake case of letters, digits and `_`.
fn field_name(column: &str) -> String {
    let mut name: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A type name for a table: `legacy_member` → `LegacyMember`.
fn type_name(table: &str) -> String {
    let name: String = table
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Table{name}")
    } else {
        name
    }
}

/// A `#[derive(Model)]` struct for `table` (Django's `inspectdb`, peewee's
/// `pwiz`): field types by column kind, `Option` for nullable columns,
/// `max_length`, the table and column names where they differ from Rust's.
/// Foreign keys, unique constraints and indexes are not read yet: add
/// `references`, `unique` and `index` by hand.
///
/// ```
/// use hangar::db::introspect::{model_source, ColumnInfo, ColumnKind, TableInfo};
/// let col = |name: &str, kind, nullable, primary_key| ColumnInfo {
///     name: name.into(), declared: String::new(), kind, nullable, primary_key,
/// };
/// let table = TableInfo {
///     name: "legacy_member".into(),
///     columns: vec![
///         col("id", ColumnKind::Integer(4), false, true),
///         col("username", ColumnKind::Text(Some(255)), false, false),
///         col("type", ColumnKind::Text(None), true, false),
///     ],
/// };
/// let source = model_source(&table);
/// assert!(source.contains("pub struct LegacyMember {"));
/// assert!(source.contains("    pub id: i64,"));
/// assert!(source.contains("    #[model(max_length = 255)]\n    pub username: String,"));
/// assert!(source.contains("    #[model(column = \"type\")]\n    pub type_: Option<String>,"));
/// ```
pub fn model_source(table: &TableInfo) -> String {
    let name = type_name(&table.name);
    let mut out = String::from("#[derive(Model)]\n");
    // the table named always: the derive's default may differ
    out.push_str(&format!("#[model(table = {:?})]\n", table.name));
    out.push_str(&format!("pub struct {name} {{\n"));
    for col in &table.columns {
        let field = field_name(&col.name);
        let auto_key =
            col.primary_key && field == "id" && matches!(col.kind, ColumnKind::Integer(_));
        let ty = match &col.kind {
            _ if auto_key => "i64".to_owned(),
            ColumnKind::Integer(8) => "i64".to_owned(),
            ColumnKind::Integer(_) => "i32".to_owned(),
            ColumnKind::Float => "f64".to_owned(),
            ColumnKind::Text(_) | ColumnKind::Other(_) => "String".to_owned(),
            ColumnKind::Bool => "bool".to_owned(),
            ColumnKind::DateTime { .. } => "time::OffsetDateTime".to_owned(),
            ColumnKind::Date => "time::Date".to_owned(),
            ColumnKind::Uuid => "uuid::Uuid".to_owned(),
            ColumnKind::Json => "serde_json::Value".to_owned(),
            ColumnKind::Bytes => "Vec<u8>".to_owned(),
        };
        let mut attrs = Vec::new();
        if col.primary_key && !auto_key {
            attrs.push("primary_key".to_owned());
        }
        if let ColumnKind::Text(Some(n)) = col.kind {
            attrs.push(format!("max_length = {n}"));
        }
        if field != col.name {
            attrs.push(format!("column = {:?}", col.name));
        }
        if let ColumnKind::Other(declared) = &col.kind {
            out.push_str(&format!("    // declared `{declared}`: read as text\n"));
        }
        if !attrs.is_empty() {
            out.push_str(&format!("    #[model({})]\n", attrs.join(", ")));
        }
        let ty = if col.nullable && !col.primary_key {
            format!("Option<{ty}>")
        } else {
            ty
        };
        out.push_str(&format!("    pub {field}: {ty},\n"));
    }
    out.push_str("}\n");
    out
}
