//! SQLite's driver side: binding, decoding and error codes.
//!
//! Timestamps are bound as fixed-width RFC 3339 text (`...ffffffZ`) so text
//! order is time order; dates as `YYYY-MM-DD`; UUIDs as 16-byte blobs; JSON as
//! text.

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row};

use crate::db::backend::between;
use crate::db::schema::SqlType;
use crate::db::value::{format_datetime, parse_stored_datetime, Value};

use super::decode::{decode_err, json_from_text, opt, uuid_from_bytes, DecodeResult};
use super::Diagnosis;

/// How write transactions begin: `BEGIN IMMEDIATE`, so concurrent writers
/// queue on the busy timeout instead of failing on lock upgrade.
pub(crate) const BEGIN: &str = "BEGIN IMMEDIATE";

/// What an SQLite error means for the layers above.
pub(crate) fn diagnose(err: &dyn DatabaseError) -> Diagnosis {
    let code = err.code().unwrap_or_default();
    let kind = err.kind();
    Diagnosis {
        transient: is_transient(&code),
        connection_lost: false,
        bad_regex: is_bad_regex(&code, err.message()),
        column: constraint_column(err, &kind),
    }
}

/// SQLITE_BUSY, SQLITE_LOCKED and their extended codes.
fn is_transient(code: &str) -> bool {
    matches!(code, "5" | "6" | "261" | "262" | "517" | "773")
}

/// The regexp function fails with SQLITE_CONSTRAINT_FUNCTION (1043) on a bad pattern.
fn is_bad_regex(code: &str, message: &str) -> bool {
    code == "1043" || code == "1" && message.to_lowercase().contains("regex")
}

/// `UNIQUE constraint failed: note.slug`, `NOT NULL constraint failed: note.title`,
/// `CHECK constraint failed: "status" IN (...)`; foreign-key errors name nothing.
fn constraint_column(err: &dyn DatabaseError, kind: &ErrorKind) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::{is_bad_regex, is_transient};

    #[test]
    fn busy_and_locked_codes_are_transient() {
        assert!(is_transient("5"));
        assert!(is_transient("517"));
        assert!(!is_transient("19"));
        assert!(is_bad_regex("1043", ""));
    }
}
