//! Row versions for optimistic concurrency: what a client read, to tell
//! whether the row changed before it writes (REST `ETag`/`If-Match`, the
//! admin's edit form).
//!
//! A model may opt into a version column (`#[model(version)]` on an integer
//! field): every update through Hangar adds one to it, and the version is
//! that number. Otherwise the version is a digest of every column's value,
//! which changes whenever any column does, whoever wrote it.

use sha2::{Digest as _, Sha256};

use crate::db::{Record, Value};

/// The row's version as an opaque token (no quotes): `v<n>` from a version
/// column, else the first 128 bits of a SHA-256 over every column.
///
/// ```
/// use hangar::db::{version, Model as _, Table as _, Record, Value};
/// # #[derive(hangar::Model)] struct Note { id: i64, text: String }
/// let mut a = Record::new(Note::schema());
/// a.set("text", Value::Text("one".into())).unwrap();
/// let mut b = a.clone();
/// assert_eq!(version::of(&a), version::of(&b));
/// b.set("text", Value::Text("two".into())).unwrap();
/// assert_ne!(version::of(&a), version::of(&b));
/// ```
pub fn of(record: &Record) -> String {
    let schema = record.schema();
    if let Some(col) = schema.columns.iter().find(|c| c.version) {
        if let Some(Value::Int(n)) = record.get(col.field) {
            return format!("v{n}");
        }
    }
    let mut hash = Sha256::new();
    for col in schema.columns {
        hash.update(col.field.as_bytes());
        hash.update([0]);
        feed(&mut hash, record.get(col.field).unwrap_or(&Value::Null));
        hash.update([0xff]);
    }
    let digest = hash.finalize();
    let mut out = String::with_capacity(33);
    out.push('h');
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A value's bytes with a type tag, so `1` and `"1"` differ.
fn feed(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hash.update([0]),
        Value::Bool(b) => hash.update([1, u8::from(*b)]),
        Value::Int(n) => {
            hash.update([2]);
            hash.update(n.to_le_bytes());
        }
        Value::Float(f) => {
            hash.update([3]);
            hash.update(f.to_bits().to_le_bytes());
        }
        Value::Text(t) => {
            hash.update([4]);
            hash.update(t.as_bytes());
        }
        Value::Bytes(b) => {
            hash.update([5]);
            hash.update(b);
        }
        Value::DateTime(t) => {
            hash.update([6]);
            // microseconds in UTC: what every backend stores
            let micros = crate::db::normalize_datetime(*t).unix_timestamp_nanos() / 1000;
            hash.update(micros.to_le_bytes());
        }
        Value::Date(d) => {
            hash.update([7]);
            hash.update(d.to_julian_day().to_le_bytes());
        }
        Value::Uuid(u) => {
            hash.update([8]);
            hash.update(u.as_bytes());
        }
        Value::Json(j) => {
            hash.update([9]);
            hash.update(j.to_string().as_bytes());
        }
    }
}

/// Whether an `If-Match` / `If-None-Match` header value names `version`:
/// `*`, or a comma-separated list of entity tags, strong or weak (`W/`).
///
/// ```
/// use hangar::db::version::matches;
/// assert!(matches("\"v3\"", "v3"));
/// assert!(matches("W/\"v2\", \"v3\"", "v3"));
/// assert!(matches("*", "v3"));
/// assert!(!matches("\"v2\"", "v3"));
/// ```
pub fn matches(header: &str, version: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == version)
}
