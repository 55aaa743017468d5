//! SQLite: types, binding, decoding and error codes.
//!
//! Timestamps are stored as fixed-width RFC 3339 text (`...ffffffZ`) so text
//! order is time order; dates as `YYYY-MM-DD`; UUIDs as 16-byte blobs; JSON as
//! text. Writes begin with `BEGIN IMMEDIATE` so concurrent writers queue on
//! the busy timeout instead of failing on lock upgrade.

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row};

use crate::db::backend::between;
use crate::db::schema::SqlType;
use crate::db::value::{format_datetime, parse_stored_datetime, Value};

use super::decode::{decode_err, json_from_text, opt, uuid_from_bytes, DecodeResult};

/// How write transactions begin.
pub(crate) const BEGIN: &str = "BEGIN IMMEDIATE";

/// `DEFAULT` for `now`: the same fixed-width text the binder writes.
pub(crate) const NOW_DEFAULT: &str = "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))";

/// Every column: table, column, declared type, nullable (1/0; a primary key
/// never is), no length (SQLite ignores it), part of the primary key (1/0),
/// default as written, auto-increment (an `INTEGER` sole primary key: the rowid).
pub(crate) const COLUMNS: &str = "SELECT m.name, p.name, p.type, \
     CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END, NULL, \
     CASE WHEN p.pk > 0 THEN 1 ELSE 0 END, p.dflt_value, \
     CASE WHEN p.pk = 1 AND upper(p.type) = 'INTEGER' AND \
       (SELECT COUNT(*) FROM pragma_table_info(m.name) q WHERE q.pk > 0) = 1 THEN 1 ELSE 0 END \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid";

/// Every index over plain columns (not the primary key's, not partial or
/// over expressions: no model states those, so no diff may drop them):
/// table, index, unique (1/0), backs a constraint (1/0: an inline
/// `UNIQUE`), column, position.
pub(crate) const INDEXES: &str = "SELECT m.name, il.name, il.\"unique\", \
     CASE WHEN il.origin = 'u' THEN 1 ELSE 0 END, ii.name, ii.seqno \
     FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND il.origin <> 'pk' \
     AND il.partial = 0 AND NOT EXISTS (SELECT 1 FROM pragma_index_info(il.name) x \
       WHERE x.name IS NULL) \
     ORDER BY m.name, il.name, ii.seqno";

/// Every foreign key: table, constraint name (none in SQLite), column,
/// referenced table and column (NULL: its primary key), `ON DELETE` rule.
pub(crate) const FOREIGN_KEYS: &str =
    "SELECT m.name, NULL, f.\"from\", f.\"table\", f.\"to\", f.on_delete \
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, f.id";

pub(crate) const TABLE_EXISTS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?";

pub(crate) fn column_type(ty: SqlType) -> &'static str {
    match ty {
        SqlType::Bool => "BOOLEAN",
        SqlType::Int | SqlType::BigInt => "INTEGER",
        SqlType::Float => "REAL",
        SqlType::Text { .. } | SqlType::DateTime | SqlType::Date | SqlType::Json => "TEXT",
        SqlType::Bytes | SqlType::Uuid => "BLOB",
    }
}

/// SQLITE_BUSY, SQLITE_LOCKED and their extended codes.
pub(crate) fn is_transient(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "262" | "517" | "773")
}

/// The regexp function fails with SQLITE_CONSTRAINT_FUNCTION (1043) on a bad pattern.
pub(crate) fn is_bad_regex(code: &str, message: &str) -> bool {
    code == "1043" || code == "1" && message.to_lowercase().contains("regex")
}

/// `UNIQUE constraint failed: note.slug`, `NOT NULL constraint failed: note.title`,
/// `CHECK constraint failed: "status" IN (...)`; foreign-key errors name nothing.
pub(crate) fn constraint_column(err: &dyn DatabaseError, kind: &ErrorKind) -> Option<String> {
    let msg = err.message();
    match kind {
        ErrorKind::UniqueViolation | ErrorKind::NotNullViolation => {
            let first = msg.rsplit(": ").next()?.split(',').next()?.trim();
            Some(first.rsplit('.').next()?.to_owned())
        }
        ErrorKind::CheckViolation => between(msg, "\"", "\"").map(str::to_owned),
        _ => None,
    }
}

pub(crate) fn arguments(args: Vec<(Value, SqlType)>) -> Result<SqliteArguments, sqlx::Error> {
    let mut a = SqliteArguments::default();
    for (v, _ty) in args {
        match v {
            Value::Null => a.add(Option::<i64>::None),
            Value::Bool(b) => a.add(b),
            Value::Int(i) => a.add(i),
            Value::Float(f) => a.add(f),
            Value::Text(s) => a.add(s),
            Value::Bytes(b) => a.add(b),
            Value::DateTime(d) => a.add(format_datetime(d)),
            Value::Date(d) => a.add(d.to_string()),
            Value::Uuid(u) => a.add(u),
            Value::Json(j) => a.add(j.to_string()),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(a)
}

pub(crate) fn decode(row: &SqliteRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int | SqlType::BigInt => opt(row.try_get::<Option<i64>, _>(i)?, Value::Int),
        // REAL, or an integer a NUMERIC column (another framework's) holds
        SqlType::Float => {
            use sqlx::{TypeInfo, ValueRef};
            let raw = row.try_get_raw(i)?;
            match raw.type_info().name() {
                _ if raw.is_null() => Value::Null,
                "TEXT" | "BLOB" => return Err(decode_err(i, "a number column holds text")),
                _ => Value::Float(row.try_get_unchecked::<f64, _>(i)?),
            }
        }
        SqlType::Text { .. } => opt(row.try_get::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(row.try_get::<Option<Vec<u8>>, _>(i)?, Value::Bytes),
        SqlType::DateTime => match row.try_get_unchecked::<Option<String>, _>(i)? {
            None => Value::Null,
            Some(s) => Value::DateTime(
                parse_stored_datetime(&s).ok_or_else(|| decode_err(i, "bad timestamp"))?,
            ),
        },
        SqlType::Date => match row.try_get_unchecked::<Option<String>, _>(i)? {
            None => Value::Null,
            Some(s) => Value::Date(
                time::Date::parse(
                    &s,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|e| decode_err(i, e.to_string()))?,
            ),
        },
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
