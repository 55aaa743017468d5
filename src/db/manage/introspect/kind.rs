//! Declared column types read by kind, and two spellings of one type told apart.

use crate::db::backend::Backend;
use crate::db::schema::SqlType;

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
