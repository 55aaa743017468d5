//! MySQL / MariaDB: backtick quoting, types, binding, decoding and error codes.
//!
//! Tables are `utf8mb4_bin` so text compares like PostgreSQL and SQLite.

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::mysql::{MySqlArguments, MySqlDatabaseError, MySqlRow};
use sqlx::Row;

use crate::db::backend::between;
use crate::db::schema::{Column, SqlType};
use crate::db::value::Value;

use super::decode::{json_from_text, opt, uuid_from_bytes, DecodeResult};

pub(crate) const QUOTE: char = '`';

pub(crate) const TABLE_OPTIONS: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Every column of the current database: table, column, type, nullable
/// (1/0), text length, part of the primary key (1/0).
pub(crate) const COLUMNS: &str = "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR), \
     CAST(column_type AS CHAR), CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END, \
     CAST(character_maximum_length AS SIGNED), CASE WHEN column_key = 'PRI' THEN 1 ELSE 0 END \
     FROM information_schema.columns WHERE table_schema = DATABASE() \
     ORDER BY table_name, ordinal_position";

pub(crate) const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
     WHERE table_schema = DATABASE() AND table_name = ?";

pub(crate) fn column_type(col: &Column) -> String {
    let indexed = col.unique || col.index || col.primary_key || col.references.is_some();
    match col.sql_type {
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Int => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Float => "DOUBLE PRECISION".into(),
        SqlType::Text {
            max_length: Some(n),
        } => format!("VARCHAR({n})"),
        // MySQL cannot index TEXT without a prefix length
        SqlType::Text { max_length: None } if indexed => "VARCHAR(255)".into(),
        SqlType::Text { max_length: None } => "LONGTEXT".into(),
        SqlType::Bytes => "LONGBLOB".into(),
        SqlType::DateTime => "DATETIME(6)".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Uuid => "BINARY(16)".into(),
        SqlType::Json => "JSON".into(),
    }
}

/// MySQL/MariaDB cannot default TEXT/BLOB columns portably; the query layer
/// fills such defaults in itself.
pub(crate) fn text_default_allowed(col: &Column) -> bool {
    !column_type(col).starts_with("LONG")
}

/// Deadlocks and serialization failures (`40001`), lock wait timeouts
/// (1205), and a server shutting down (1053, `08S01`).
pub(crate) fn is_transient(code: &str, message: &str) -> bool {
    code == "40001" || message.contains("Lock wait timeout") || is_connection_lost(code, message)
}

/// A connection exception (class `08`), the server shutting down (1053) or
/// the session killed (MariaDB 1927, `70100`).
pub(crate) fn is_connection_lost(code: &str, message: &str) -> bool {
    code.starts_with("08")
        || code == "70100"
        || message.contains("Server shutdown in progress")
        || message.contains("Connection was killed")
}

/// `Duplicate entry 'x' for key 'note.slug'`, `... FOREIGN KEY (`user`) ...`,
/// `Column 'title' cannot be null`, `Field 'title' doesn't have a default value`,
/// MariaDB's `CONSTRAINT `note.status` failed ...`, MySQL's `Check constraint 'x' is violated`.
pub(crate) fn constraint_column(err: &dyn DatabaseError, kind: &ErrorKind) -> Option<String> {
    let msg = err.try_downcast_ref::<MySqlDatabaseError>()?.message();
    let col = match kind {
        ErrorKind::UniqueViolation => {
            let key = msg.rsplit("for key '").next()?.trim_end_matches('\'');
            key.rsplit('.').next().unwrap_or(key)
        }
        ErrorKind::ForeignKeyViolation => between(msg, "FOREIGN KEY (`", "`)")?,
        ErrorKind::NotNullViolation => between(msg, "'", "'")?,
        ErrorKind::CheckViolation => {
            let name = between(msg, "`", "` failed").or_else(|| between(msg, "'", "'"))?;
            name.rsplit('.').next().unwrap_or(name)
        }
        // a value too long or out of range: `... for column 'title' at row 1`
        _ => between(msg, "column '", "'")?,
    };
    Some(col.to_owned())
}

pub(crate) fn arguments(args: Vec<(Value, SqlType)>) -> Result<MySqlArguments, sqlx::Error> {
    server_arguments!(MySqlArguments, args, String, |j| j.to_string())
}

pub(crate) fn decode(row: &MySqlRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int => opt(row.try_get_unchecked::<Option<i32>, _>(i)?, |v| {
            Value::Int(v.into())
        }),
        SqlType::BigInt => opt(row.try_get_unchecked::<Option<i64>, _>(i)?, Value::Int),
        SqlType::Float => opt(row.try_get::<Option<f64>, _>(i)?, Value::Float),
        SqlType::Text { .. } => opt(row.try_get_unchecked::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(
            row.try_get_unchecked::<Option<Vec<u8>>, _>(i)?,
            Value::Bytes,
        ),
        SqlType::DateTime => opt(row.try_get(i)?, Value::DateTime),
        SqlType::Date => opt(row.try_get(i)?, Value::Date),
        SqlType::Uuid => match row.try_get_unchecked::<Option<Vec<u8>>, _>(i)? {
            None => Value::Null,
            Some(b) => uuid_from_bytes(i, b)?,
        },
        SqlType::Json => match row.try_get_unchecked::<Option<&str>, _>(i)? {
            None => Value::Null,
            Some(s) => json_from_text(i, s)?,
        },
    })
}
