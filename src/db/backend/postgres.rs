//! PostgreSQL: numbered placeholders, types, binding, decoding and error codes.

use std::fmt::Write;

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::postgres::{PgArguments, PgDatabaseError, PgRow};
use sqlx::{Row, TypeInfo, ValueRef};

use crate::db::backend::between;
use crate::db::schema::SqlType;
use crate::db::value::Value;

use super::decode::{decode_err, opt, DecodeResult};

/// Every column of the current schema's tables, from the catalogue itself
/// (`information_schema` is several times slower): table, column, type as
/// declared (`character varying(80)`, `numeric(10,2)`), nullable (1/0), text
/// length, part of the primary key (1/0), default, auto-increment (identity
/// or serial).
pub(crate) const COLUMNS: &str = "SELECT t.relname::text, a.attname::text, \
     format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 0 ELSE 1 END, \
     CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod > 4 THEN (a.atttypmod - 4)::int8 END, \
     CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary \
       AND a.attnum = ANY(i.indkey)) THEN 1 ELSE 0 END, \
     pg_get_expr(d.adbin, d.adrelid), \
     CASE WHEN a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' \
       THEN 1 ELSE 0 END \
     FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace \
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped \
     LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum \
     WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') \
     ORDER BY t.relname, a.attnum";

/// Every valid index over plain key columns (not the primary key's, not
/// partial or over expressions, INCLUDE columns left out): table, index,
/// unique (1/0), backs a constraint (1/0), column, position.
pub(crate) const INDEXES: &str = "SELECT t.relname::text, i.relname::text, \
     CASE WHEN ix.indisunique THEN 1 ELSE 0 END, \
     CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid \
       AND c.contype IN ('u', 'p')) THEN 1 ELSE 0 END, \
     a.attname::text, k.ord::int8 \
     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
     JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
     WHERE n.nspname = current_schema() AND NOT ix.indisprimary AND ix.indisvalid \
     AND ix.indexprs IS NULL AND ix.indpred IS NULL AND k.ord <= ix.indnkeyatts \
     ORDER BY t.relname, i.relname, k.ord";

/// Every foreign key: table, constraint, column, referenced table and
/// column, `ON DELETE` rule.
pub(crate) const FOREIGN_KEYS: &str = "SELECT cl.relname::text, c.conname::text, a.attname::text, \
     rt.relname::text, ra.attname::text, \
     CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
       WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END \
     FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
     JOIN pg_namespace n ON n.oid = cl.relnamespace JOIN pg_class rt ON rt.oid = c.confrelid \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
     JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
     WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY cl.relname, c.conname";

pub(crate) const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_name = $1";

pub(crate) fn push_placeholder(sql: &mut String, n: usize) {
    let _ = write!(sql, "${n}");
}

pub(crate) fn column_type(ty: SqlType) -> String {
    match ty {
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Int => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Float => "DOUBLE PRECISION".into(),
        SqlType::Text {
            max_length: Some(n),
        } => format!("VARCHAR({n})"),
        SqlType::Text { max_length: None } => "TEXT".into(),
        SqlType::Bytes => "BYTEA".into(),
        SqlType::DateTime => "TIMESTAMPTZ".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Uuid => "UUID".into(),
        SqlType::Json => "JSONB".into(),
    }
}

/// Serialization failures, deadlocks, lock timeouts, and a lost connection.
pub(crate) fn is_transient(code: &str) -> bool {
    matches!(code, "40001" | "40P01" | "55P03") || is_connection_lost(code)
}

/// The server shutting down or ending the session (`57P0x`:
/// `pg_terminate_backend`, restart, crash) or a connection exception (class `08`).
pub(crate) fn is_connection_lost(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03") || code.starts_with("08")
}

/// The column from `DETAIL: Key (slug)=(x) already exists.` or the error's column field.
pub(crate) fn constraint_column(err: &dyn DatabaseError, kind: &ErrorKind) -> Option<String> {
    let pg = err.try_downcast_ref::<PgDatabaseError>()?;
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

#[cfg(test)]
mod tests {
    use super::numeric_to_f64;

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
