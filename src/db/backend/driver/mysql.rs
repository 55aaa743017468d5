//! MySQL / MariaDB's driver side: binding, decoding and error codes, read
//! by the server's error number and SQLSTATE (never by message text).

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::mysql::{MySqlArguments, MySqlDatabaseError, MySqlRow};
use sqlx::Row;

use crate::db::backend::between;
use crate::db::schema::SqlType;
use crate::db::value::Value;

use super::decode::{decode_err, json_from_text, opt, uuid_from_bytes, DecodeResult};
use super::Diagnosis;

/// `ER_SERVER_SHUTDOWN`: the server is shutting down.
const SERVER_SHUTDOWN: u16 = 1053;
/// `ER_LOCK_WAIT_TIMEOUT`.
const LOCK_WAIT_TIMEOUT: u16 = 1205;
/// `ER_LOCK_DEADLOCK` (SQLSTATE `40001`).
const LOCK_DEADLOCK: u16 = 1213;
/// MariaDB's `ER_CONNECTION_KILLED` (SQLSTATE `70100`).
const CONNECTION_KILLED: u16 = 1927;
/// MySQL 8's `ER_CLIENT_INTERACTION_TIMEOUT`: disconnected for inactivity.
const CLIENT_INTERACTION_TIMEOUT: u16 = 4031;
/// MariaDB's `ER_REGEXP_ERROR`.
const REGEXP_ERROR: u16 = 1139;
/// MySQL 8's ICU regular-expression errors (`ER_REGEXP_*`).
const REGEXP_ERRORS: std::ops::RangeInclusive<u16> = 3684..=3699;

/// What a MySQL or MariaDB error means for the layers above.
pub(crate) fn diagnose(err: &MySqlDatabaseError) -> Diagnosis {
    let number = err.number();
    let sqlstate = err.code().unwrap_or_default();
    let kind = DatabaseError::kind(err);
    Diagnosis {
        transient: is_transient(number, sqlstate),
        connection_lost: is_connection_lost(number, sqlstate),
        bad_regex: sqlstate == "2201B" || number == REGEXP_ERROR || REGEXP_ERRORS.contains(&number),
        column: constraint_column(err, &kind),
    }
}

/// Deadlocks and serialization failures (`40001`), lock wait timeouts, and
/// a lost connection.
fn is_transient(number: u16, sqlstate: &str) -> bool {
    sqlstate == "40001"
        || matches!(number, LOCK_WAIT_TIMEOUT | LOCK_DEADLOCK)
        || is_connection_lost(number, sqlstate)
}

/// A connection exception (class `08`), the server shutting down, the
/// session killed (`70100`) or timed out.
fn is_connection_lost(number: u16, sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate == "70100"
        || matches!(
            number,
            SERVER_SHUTDOWN | CONNECTION_KILLED | CLIENT_INTERACTION_TIMEOUT
        )
}

/// `Duplicate entry 'x' for key 'note.slug'`, `... FOREIGN KEY (`user`) ...`,
/// `Column 'title' cannot be null`, `Field 'title' doesn't have a default value`,
/// MariaDB's `CONSTRAINT `note.status` failed ...`, MySQL's `Check constraint 'x' is violated`.
fn constraint_column(err: &MySqlDatabaseError, kind: &ErrorKind) -> Option<String> {
    let msg = err.message();
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

fn is_decimal(row: &MySqlRow, i: usize) -> Result<bool, sqlx::Error> {
    use sqlx::{TypeInfo, ValueRef};
    let raw = row.try_get_raw(i)?;
    Ok(raw.type_info().name() == "DECIMAL")
}

pub(crate) fn decode(row: &MySqlRow, i: usize, ty: SqlType) -> DecodeResult {
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int => opt(row.try_get_unchecked::<Option<i32>, _>(i)?, |v| {
            Value::Int(v.into())
        }),
        SqlType::BigInt => opt(row.try_get_unchecked::<Option<i64>, _>(i)?, Value::Int),
        // DECIMAL comes as text (a database Hangar did not create)
        SqlType::Float if is_decimal(row, i)? => {
            match row.try_get_unchecked::<Option<String>, _>(i)? {
                None => Value::Null,
                Some(s) => Value::Float(
                    s.trim()
                        .parse()
                        .map_err(|_| decode_err(i, format!("DECIMAL {s:?} is not a number")))?,
                ),
            }
        }
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

/// How far this replica lags behind its source, in milliseconds; `None`
/// when the server replicates nothing or replication is stopped or broken.
pub(crate) async fn replica_lag_ms(pool: &sqlx::MySqlPool) -> Result<Option<i64>, sqlx::Error> {
    let row = match sqlx::query("SHOW REPLICA STATUS")
        .fetch_optional(pool)
        .await
    {
        Ok(row) => row,
        // older servers know only the old name
        Err(_) => {
            sqlx::query("SHOW SLAVE STATUS")
                .fetch_optional(pool)
                .await?
        }
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let seconds: Option<u64> = row
        .try_get("Seconds_Behind_Source")
        .or_else(|_| row.try_get("Seconds_Behind_Master"))?;
    // NULL: replication is stopped or broken
    Ok(seconds.map(|s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX)))
}

/// A connection of its own holding the named lock `key` (per database), or
/// `None` when another session still held it after a day; dropping the
/// connection ends the lock.
pub(crate) async fn session_lock(
    pool: &sqlx::MySqlPool,
    key: &str,
) -> Result<Option<sqlx::MySqlConnection>, sqlx::Error> {
    use sqlx::Connection as _;
    let mut c = sqlx::MySqlConnection::connect_with(&pool.connect_options()).await?;
    // MariaDB reads a negative timeout as none: wait up to a day
    let got: Option<i64> =
        sqlx::query_scalar("SELECT GET_LOCK(SHA1(CONCAT(DATABASE(), ':', ?)), 86400)")
            .bind(key)
            .fetch_one(&mut c)
            .await?;
    Ok((got == Some(1)).then_some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_by_number_and_sqlstate() {
        assert!(is_transient(LOCK_DEADLOCK, "40001"));
        assert!(is_transient(LOCK_WAIT_TIMEOUT, "HY000"));
        assert!(is_transient(SERVER_SHUTDOWN, "08S01"));
        assert!(is_transient(CONNECTION_KILLED, "70100"));
        assert!(!is_transient(1062, "23000"));
        assert!(is_connection_lost(SERVER_SHUTDOWN, "HY000"));
        assert!(!is_connection_lost(LOCK_WAIT_TIMEOUT, "HY000"));
    }
}
