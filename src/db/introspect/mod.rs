//! Schema introspection: the tables, columns, indexes and foreign keys a
//! database has, in one representation shared with what the registered
//! models expect ([`expected`]), the differences between the two ([`diff`],
//! the ground `migrate diff` and `migrate generate` stand on) and model
//! source for existing tables ([`model_source`], `inspectdb`).
//!
//! Types compare by kind (an `i64` field reads any integer column, text any
//! `VARCHAR`/`TEXT`), so a database made by flask-peewee or Django shows only
//! real differences; [`Difference::is_strict_only`] marks width differences
//! (`INTEGER` for `BIGINT`) a strict comparison also reports.

mod diff;
mod source;

pub use diff::{diff, Difference};
pub use source::model_source;

use crate::db::backend::Backend;
use crate::db::ddl::{self, ColumnSpec};
use crate::db::error::Result;
use crate::db::executor::Executor;
use crate::db::registry::Registry;
use crate::db::schema::{Column, OnDelete, Schema, SqlType};
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
            _ if t.starts_with("timestamp") && t.ends_with("with time zone") => {
                ColumnKind::DateTime { zoned: true }
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
    ///
    /// ```
    /// use hangar::db::{introspect::ColumnKind, Backend, SqlType};
    /// assert!(ColumnKind::Integer(4).fits(SqlType::BigInt, Backend::Postgres));
    /// assert!(ColumnKind::Text(None).fits(SqlType::DateTime, Backend::Sqlite));
    /// assert!(!ColumnKind::Text(None).fits(SqlType::DateTime, Backend::Postgres));
    /// ```
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

/// Whether two spellings of a declared type name the same type
/// (`character varying(80)` and `VARCHAR(80)`, `int4` and `INTEGER`).
///
/// ```
/// use hangar::db::introspect::same_type;
/// assert!(same_type("character varying(80)", "VARCHAR(80)"));
/// assert!(same_type("timestamp with time zone", "TIMESTAMPTZ"));
/// assert!(!same_type("integer", "bigint"));
/// assert!(same_type("bigint(20)", "BIGINT") && !same_type("tinyint(1)", "tinyint(4)"));
/// ```
pub fn same_type(a: &str, b: &str) -> bool {
    let norm = |t: &str| {
        let t = t
            .trim()
            .to_ascii_lowercase()
            .replace("character varying", "varchar");
        // MariaDB's display widths say nothing of the type: int(11) is int
        let t = match t.split_once('(') {
            Some((base, _))
                if t != "tinyint(1)"
                    && [
                        "tinyint",
                        "smallint",
                        "mediumint",
                        "int",
                        "integer",
                        "bigint",
                    ]
                    .contains(&base) =>
            {
                base.to_owned()
            }
            _ => t,
        };
        match t.as_str() {
            "timestamp with time zone" => "timestamptz".to_owned(),
            "double" | "float8" => "double precision".to_owned(),
            "int" | "int4" => "integer".to_owned(),
            "int8" => "bigint".to_owned(),
            "bool" | "tinyint(1)" => "boolean".to_owned(),
            _ => t,
        }
    };
    norm(a) == norm(b)
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

fn text_at(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn int_at(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(Value::as_i64)
}

/// Every table of the database (SQLite's own excepted), in name order, with
/// columns, indexes and foreign keys; `ex` may be a transaction (what a
/// migration sees mid-way).
///
/// # Errors
/// The database's refusal.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{introspect, Db, Executor as _};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// (&db).run_script("CREATE TABLE tag (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL UNIQUE)").await.unwrap();
/// let tables = introspect::tables(&db).await.unwrap();
/// assert_eq!(tables[0].name, "tag");
/// assert!(tables[0].column("id").unwrap().auto_increment);
/// assert!(tables[0].index_on(&["label".to_owned()], true).is_some());
/// # });
/// ```
pub async fn tables<E: Executor>(mut ex: E) -> Result<Vec<TableInfo>> {
    let backend = ex.backend();
    let text = SqlType::Text { max_length: None };
    let int = SqlType::BigInt;
    let types = [text, text, text, int, int, int, text, int];
    let rows = ex
        .fetch(Statement::new(backend.columns_sql()), &types)
        .await?;
    let mut out: Vec<TableInfo> = Vec::new();
    for row in rows {
        let table = text_at(&row, 0).unwrap_or_default();
        let declared = text_at(&row, 2).unwrap_or_default();
        let length = int_at(&row, 4).and_then(|n| u64::try_from(n).ok());
        let kind = match ColumnKind::parse(&declared, length) {
            // SQLite stores every integer in up to 8 bytes
            ColumnKind::Integer(_) if backend == Backend::Sqlite => ColumnKind::Integer(8),
            kind => kind,
        };
        let column = ColumnInfo {
            name: text_at(&row, 1).unwrap_or_default(),
            kind,
            declared,
            nullable: int_at(&row, 3) == Some(1),
            primary_key: int_at(&row, 5) == Some(1),
            default: text_at(&row, 6),
            auto_increment: int_at(&row, 7) == Some(1),
        };
        match out.last_mut().filter(|t| t.name == table) {
            Some(t) => t.columns.push(column),
            None => out.push(TableInfo::new(&table, vec![column])),
        }
    }
    let types = [text, text, int, int, text, int];
    let rows = ex
        .fetch(Statement::new(backend.indexes_sql()), &types)
        .await?;
    for row in rows {
        let (Some(table), Some(name), Some(column)) =
            (text_at(&row, 0), text_at(&row, 1), text_at(&row, 4))
        else {
            continue;
        };
        let Some(t) = out.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        match t.indexes.last_mut().filter(|i| i.name == name) {
            Some(i) => i.columns.push(column),
            None => t.indexes.push(IndexInfo {
                name,
                columns: vec![column],
                unique: int_at(&row, 2) == Some(1),
                constraint: int_at(&row, 3) == Some(1),
            }),
        }
    }
    let types = [text, text, text, text, text, text];
    let rows = ex
        .fetch(Statement::new(backend.foreign_keys_sql()), &types)
        .await?;
    for row in rows {
        let (Some(table), Some(column), Some(target_table)) =
            (text_at(&row, 0), text_at(&row, 2), text_at(&row, 3))
        else {
            continue;
        };
        let Some(t) = out.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        let name = text_at(&row, 1).unwrap_or_else(|| format!("fk_{table}_{column}"));
        t.foreign_keys.push(ForeignKeyInfo {
            name,
            column,
            target_table,
            target_column: text_at(&row, 4),
            on_delete: text_at(&row, 5).unwrap_or_else(|| "NO ACTION".into()),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// One table as the database has it, or `None` when it does not exist.
///
/// # Errors
/// The database's refusal.
///
/// ```
/// # rocket::async_test(async {
/// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// assert!(hangar::db::introspect::table(&db, "nothing").await.unwrap().is_none());
/// # });
/// ```
pub async fn table<E: Executor>(ex: E, name: &str) -> Result<Option<TableInfo>> {
    Ok(tables(ex).await?.into_iter().find(|t| t.name == name))
}

/// The indexes a model's table should have: a unique one per `unique`
/// column, a plain one per `index` column or foreign key (primary keys have
/// their own).
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::Model as _;
/// #[derive(Model)]
/// struct Tag { id: i64, #[model(unique, max_length = 20)] label: String, #[model(index)] rank: i32 }
/// let indexes = hangar::db::introspect::expected_indexes("tag", Tag::schema());
/// assert_eq!((indexes[0].columns[0].as_str(), indexes[0].unique), ("label", true));
/// assert_eq!((indexes[1].columns[0].as_str(), indexes[1].unique), ("rank", false));
/// ```
pub fn expected_indexes(table: &str, schema: &Schema) -> Vec<IndexInfo> {
    let mut out = Vec::new();
    for col in schema.columns.iter().filter(|c| !c.primary_key) {
        let unique = col.unique;
        if unique || col.index || col.references.is_some() {
            let columns = vec![col.name.to_owned()];
            out.push(IndexInfo {
                name: crate::db::ddl::index_name(table, &columns, unique),
                columns,
                unique,
                constraint: unique,
            });
        }
    }
    out
}

/// The column a spec makes on `backend`, as [`tables`] reads it back.
///
/// ```
/// use hangar::db::{ddl::ColumnSpec, introspect, Backend};
/// let spec: ColumnSpec = toml::from_str("name = \"at\"\ntype = \"datetime\"\nnullable = true").unwrap();
/// let col = introspect::spec_column(Backend::MySql, &spec);
/// assert_eq!((col.declared.as_str(), col.nullable), ("DATETIME(6)", true));
/// ```
pub fn spec_column(backend: Backend, spec: &ColumnSpec) -> ColumnInfo {
    let declared = if spec.auto_increment {
        match backend {
            Backend::Sqlite => "INTEGER".to_owned(),
            Backend::Postgres | Backend::MySql => "BIGINT".to_owned(),
        }
    } else {
        ddl::column_type(backend, spec)
    };
    ColumnInfo {
        name: spec.name.clone(),
        kind: ColumnKind::parse(&declared, None),
        declared,
        nullable: spec.nullable && !spec.primary_key,
        primary_key: spec.primary_key,
        auto_increment: spec.auto_increment,
        default: ddl::default_sql(backend, spec),
    }
}

/// The column a model's field expects on `backend`.
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::Model as _;
/// #[derive(Model)]
/// struct Tag { id: i64, #[model(default = 0)] rank: i32 }
/// let rank = hangar::db::introspect::expected_column(hangar::db::Backend::Postgres, &Tag::schema().columns[1]);
/// assert_eq!((rank.declared.as_str(), rank.default.as_deref()), ("INTEGER", Some("0")));
/// ```
pub fn expected_column(backend: Backend, col: &Column) -> ColumnInfo {
    spec_column(backend, &ColumnSpec::from_column(col))
}

/// The tables the registered models expect on `backend`, as
/// [`tables`] would read them once created (`diff` against these is empty).
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::Model as _;
/// #[derive(Model)]
/// struct Tag { id: i64, label: String }
/// let registry = hangar::db::Registry::new(&[Tag::schema()]);
/// let tables = hangar::db::introspect::expected(&registry, hangar::db::Backend::Sqlite);
/// assert_eq!(tables[0].columns[1].declared, "TEXT");
/// ```
pub fn expected(registry: &Registry, backend: Backend) -> Vec<TableInfo> {
    registry
        .models()
        .iter()
        .map(|schema| {
            let name = registry.table(schema);
            TableInfo {
                name: name.to_owned(),
                columns: schema
                    .columns
                    .iter()
                    .map(|c| expected_column(backend, c))
                    .collect(),
                indexes: expected_indexes(name, schema),
                foreign_keys: schema
                    .references()
                    .map(|(col, target)| ForeignKeyInfo {
                        name: format!("fk_{name}_{}", col.name),
                        column: col.name.to_owned(),
                        target_table: registry.table(target).to_owned(),
                        target_column: Some(target.pk().name.to_owned()),
                        on_delete: col
                            .references
                            .map(|f| f.on_delete.sql())
                            .unwrap_or("RESTRICT")
                            .to_owned(),
                    })
                    .collect(),
            }
        })
        .collect()
}
