//! Decoding helpers shared by the backends.

use crate::db::value::Value;

pub(crate) type DecodeResult = Result<Value, sqlx::Error>;

pub(crate) fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Null, f)
}

pub(crate) fn decode_err(i: usize, msg: impl Into<String>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: i.to_string(),
        source: msg.into().into(),
    }
}

#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn uuid_from_bytes(i: usize, b: Vec<u8>) -> DecodeResult {
    uuid::Uuid::from_slice(&b)
        .or_else(|_| uuid::Uuid::try_parse_ascii(&b))
        .map(Value::Uuid)
        .map_err(|e| decode_err(i, e.to_string()))
}

#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn json_from_text(i: usize, s: &str) -> DecodeResult {
    serde_json::from_str(s)
        .map(Value::Json)
        .map_err(|e| decode_err(i, e.to_string()))
}
