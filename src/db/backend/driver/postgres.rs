//! PostgreSQL's driver side: binding, decoding and error codes (SQLSTATE).

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::postgres::{PgArguments, PgDatabaseError, PgRow};
use sqlx::{Row, TypeInfo, ValueRef};

use crate::db::backend::between;
use crate::db::schema::SqlType;
use crate::db::value::Value;

use super::decode::{decode_err, opt, DecodeResult};
use super::Diagnosis;

/// What a PostgreSQL error means for the layers above.
pub(crate) fn diagnose(err: &PgDatabaseError) -> Diagnosis {
    let code = err.code();
    let kind = DatabaseError::kind(err);
    Diagnosis {
        transient: is_transient(code),
        connection_lost: is_connection_lost(code),
        bad_regex: code == "2201B",
        column: constraint_column(err, &kind),
    }
}

/// Serialization failures, deadlocks, lock timeouts, and a lost connection.
fn is_transient(code: &str) -> bool {
    matches!(code, "40001" | "40P01" | "55P03") || is_connection_lost(code)
}

/// The server shutting down or ending the session (`57P0x`:
/// `pg_terminate_backend`, restart, crash) or a connection exception (class `08`).
fn is_connection_lost(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03") || code.starts_with("08")
}

/// The column from `DETAIL: Key (slug)=(x) already exists.` or the error's column field.
fn constraint_column(pg: &PgDatabaseError, kind: &ErrorKind) -> Option<String> {
    match kind {
        ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => pg
            .detail()
            .and_then(|d| between(d, "Key (", ")="))
            .map(str::to_owned)
            .or_else(|| pg.constraint().map(str::to_owned)),
        ErrorKind::NotNullViolation => pg.column().map(str::to_owned),
        ErrorKind::CheckViolation => {
            // `<table>_<column>_check`
            let c = pg.constraint()?;
            let table = pg.table().unwrap_or_default();
            let c = c.strip_suffix("_check").unwrap_or(c);
            Some(c.strip_prefix(&format!("{table}_")).unwrap_or(c).to_owned())
        }
        _ => pg.column().map(str::to_owned),
    }
}

pub(crate) fn arguments(args: Vec<(Value, SqlType)>) -> Result<PgArguments, sqlx::Error> {
    server_arguments!(
        PgArguments,
        args,
        sqlx::types::Json<serde_json::Value>,
        |j| sqlx::types::Json(j)
    )
}

pub(crate) fn decode(row: &PgRow, i: usize, ty: SqlType) -> DecodeResult {
    // a database Hangar did not create (flask-peewee's, Django's) has other
    // widths: `SERIAL`/`INTEGER` keys, `SMALLINT`, `REAL`, `TIMESTAMP`
    // without zone (read as UTC); read what the column holds
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let info = raw.type_info();
    match (ty, info.name()) {
        (SqlType::Int | SqlType::BigInt | SqlType::Float, "INT2") => {
            let v: i16 = row.try_get(i)?;
            return Ok(number(ty, i64::from(v)));
        }
        (SqlType::Int | SqlType::BigInt | SqlType::Float, "INT4") => {
            let v: i32 = row.try_get(i)?;
            return Ok(number(ty, i64::from(v)));
        }
        (SqlType::Int | SqlType::BigInt | SqlType::Float, "INT8") => {
            let v: i64 = row.try_get(i)?;
            return Ok(number(ty, v));
        }
        (SqlType::Float, "FLOAT4") => {
            let v: f32 = row.try_get(i)?;
            return Ok(Value::Float(f64::from(v)));
        }
        (SqlType::Float, "NUMERIC") => {
            let bytes = raw.as_bytes().map_err(|e| decode_err(i, e.to_string()))?;
            return numeric_to_f64(bytes)
                .map(Value::Float)
                .ok_or_else(|| decode_err(i, "a NUMERIC value in an unknown form"));
        }
        (SqlType::DateTime, "TIMESTAMP") => {
            let v: time::PrimitiveDateTime = row.try_get(i)?;
            return Ok(Value::DateTime(v.assume_utc()));
        }
        _ => {}
    }
    Ok(match ty {
        SqlType::Bool => opt(row.try_get::<Option<bool>, _>(i)?, Value::Bool),
        SqlType::Int => opt(row.try_get::<Option<i32>, _>(i)?, |v| Value::Int(v.into())),
        SqlType::BigInt => opt(row.try_get::<Option<i64>, _>(i)?, Value::Int),
        SqlType::Float => opt(row.try_get::<Option<f64>, _>(i)?, Value::Float),
        SqlType::Text { .. } => opt(row.try_get::<Option<String>, _>(i)?, Value::Text),
        SqlType::Bytes => opt(row.try_get::<Option<Vec<u8>>, _>(i)?, Value::Bytes),
        SqlType::DateTime => opt(row.try_get(i)?, Value::DateTime),
        SqlType::Date => opt(row.try_get(i)?, Value::Date),
        SqlType::Uuid => opt(row.try_get(i)?, Value::Uuid),
        SqlType::Json => opt(
            row.try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)?,
            |j| Value::Json(j.0),
        ),
    })
}

/// A `NUMERIC` in PostgreSQL's binary form (digit count, weight, sign,
/// scale, then base-10000 digits) as the nearest `f64`.
fn numeric_to_f64(bytes: &[u8]) -> Option<f64> {
    let word = |at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    match sign {
        0xC000 => return Some(f64::NAN),
        0xD000 => return Some(f64::INFINITY),
        0xF000 => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let mut value = 0f64;
    for k in 0..ndigits {
        let digit = f64::from(word(8 + 2 * k)?);
        let power = weight - i32::try_from(k).ok()?;
        value += digit * 10000f64.powi(power);
    }
    Some(if sign == 0x4000 { -value } else { value })
}

/// An integer column's value as the model's type asks.
fn number(ty: SqlType, v: i64) -> Value {
    match ty {
        SqlType::Float => Value::Float(v as f64),
        _ => Value::Int(v),
    }
}

/// How far this server lags behind its primary, in milliseconds: zero on a
/// primary, or on a replica that has replayed everything it received (an
/// idle primary is not lag).
pub(crate) async fn replica_lag_ms(pool: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
    let lag: Option<i64> = sqlx::query_scalar(
        "SELECT CASE \
           WHEN NOT pg_is_in_recovery() THEN 0 \
           WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 \
           ELSE CAST(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS BIGINT) \
         END",
    )
    .fetch_one(pool)
    .await?;
    Ok(lag.unwrap_or(0).max(0))
}

/// A connection of its own holding the session-level advisory lock named
/// `key` in the current database, waited for as long as it takes; dropping
/// the connection ends the lock.
pub(crate) async fn session_lock(
    pool: &sqlx::PgPool,
    key: &str,
) -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::Connection as _;
    let mut c = sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query("SELECT pg_advisory_lock(hashtextextended(current_database() || ':' || $1, 0))")
        .bind(key)
        .execute(&mut c)
        .await?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::{is_connection_lost, is_transient, numeric_to_f64};

    #[test]
    fn transient_sqlstates() {
        assert!(is_transient("40001"));
        assert!(is_transient("57P01"));
        assert!(!is_transient("23505"));
        assert!(is_connection_lost("57P01"));
        assert!(is_connection_lost("08006"));
        assert!(!is_connection_lost("40001"));
    }

    #[test]
    fn numerics_read_as_floats() {
        // 12.5: 2 digits, weight 0, positive, scale 1: [12, 5000]
        let v = [0, 2, 0, 0, 0, 0, 0, 1, 0, 12, 0x13, 0x88];
        assert_eq!(numeric_to_f64(&v), Some(12.5));
        // -0.25: 1 digit, weight -1, negative: [2500]
        let v = [0, 1, 0xFF, 0xFF, 0x40, 0, 0, 2, 0x09, 0xC4];
        assert_eq!(numeric_to_f64(&v), Some(-0.25));
        // 0: no digits
        assert_eq!(numeric_to_f64(&[0, 0, 0, 0, 0, 0, 0, 0]), Some(0.0));
        assert_eq!(numeric_to_f64(&[0, 1]), None);
    }
}
