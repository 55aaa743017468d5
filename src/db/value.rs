//! Dynamic values: one cell of a row, typed by its column; parsing from
//! text and JSON, and the fixed-width timestamp text SQLite stores.
//! Rows of them are [`Record`](crate::db::Record)s.

use std::fmt;

use serde::ser::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

use crate::db::sql_type::SqlType;

/// One database value, typed by the column it belongs to.
///
/// # Example
/// ```
/// use hangar::db::Value;
/// let v: Value = 42i64.into();
/// assert_eq!(v, Value::Int(42));
/// assert!(Value::Null.is_null());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer column (`i32` columns are range-checked on parse).
    Int(i64),
    /// A double-precision float.
    Float(f64),
    /// Text.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A timestamp; Hangar stores it in UTC with microsecond precision.
    DateTime(OffsetDateTime),
    /// A calendar date.
    Date(Date),
    /// A UUID.
    Uuid(Uuid),
    /// A JSON document.
    Json(serde_json::Value),
}

impl Value {
    /// Whether this is `NULL`.
    ///
    /// # Example
    /// ```
    /// assert!(hangar::db::Value::Null.is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The integer inside, if this is an integer.
    ///
    /// # Example
    /// ```
    /// assert_eq!(hangar::db::Value::Int(3).as_i64(), Some(3));
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text inside, if this is text.
    ///
    /// # Example
    /// ```
    /// assert_eq!(hangar::db::Value::from("a").as_str(), Some("a"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Parses a string (from a query string or a form) for a column type.
    ///
    /// Booleans accept `true/false/1/0` (also `yes/no/on/off`), timestamps
    /// accept RFC 3339, `YYYY-MM-DD HH:MM[:SS[.f]]` and `YYYY-MM-DDTHH:MM[:SS]`
    /// (read as UTC) and bare dates (midnight UTC). `null`/`none` are *not*
    /// special here: lookups decide that.
    ///
    /// # Example
    /// ```
    /// use hangar::db::{SqlType, Value};
    /// assert_eq!(Value::parse(SqlType::Bool, "1").unwrap(), Value::Bool(true));
    /// assert!(Value::parse(SqlType::BigInt, "abc").is_err());
    /// ```
    pub fn parse(ty: SqlType, raw: &str) -> Result<Value, String> {
        let raw_trim = raw.trim();
        match ty {
            SqlType::Bool => match raw_trim.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "t" => Ok(Value::Bool(true)),
                "false" | "0" | "no" | "off" | "f" => Ok(Value::Bool(false)),
                _ => Err("a boolean (true/false/1/0)".into()),
            },
            SqlType::Int => raw_trim
                .parse::<i32>()
                .map(|i| Value::Int(i.into()))
                .map_err(|_| "a 32-bit integer".into()),
            SqlType::BigInt => raw_trim
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| "an integer".into()),
            SqlType::Float => match raw_trim.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                _ => Err("a number".into()),
            },
            SqlType::Text { .. } => Ok(Value::Text(raw.to_owned())),
            SqlType::Bytes => Ok(Value::Bytes(raw.as_bytes().to_vec())),
            SqlType::DateTime => parse_datetime(raw_trim)
                .map(Value::DateTime)
                .ok_or_else(|| {
                    "a date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z, years 1 to 9999)".into()
                }),
            SqlType::Date => parse_date(raw_trim)
                .map(Value::Date)
                .ok_or_else(|| "a date (YYYY-MM-DD, years 1 to 9999)".into()),
            SqlType::Uuid => Uuid::parse_str(raw_trim)
                .map(Value::Uuid)
                .map_err(|_| "a UUID".into()),
            SqlType::Json => serde_json::from_str(raw)
                .map(Value::Json)
                .map_err(|_| "a JSON document".into()),
        }
    }

    /// Converts a JSON value (from an API payload) for a column type.
    ///
    /// # Example
    /// ```
    /// use hangar::db::{SqlType, Value};
    /// let v = Value::from_json(SqlType::BigInt, &serde_json::json!(7)).unwrap();
    /// assert_eq!(v, Value::Int(7));
    /// ```
    pub fn from_json(ty: SqlType, json: &serde_json::Value) -> Result<Value, String> {
        use serde_json::Value as J;
        match (ty, json) {
            (_, J::Null) => Ok(Value::Null),
            (SqlType::Json, j) => Ok(Value::Json(j.clone())),
            (SqlType::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
            (SqlType::Int | SqlType::BigInt, J::Number(n)) => match n.as_i64().or_else(|| {
                // JSON does not tell 602 from 602.0
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }) {
                Some(i) if ty != SqlType::Int || i32::try_from(i).is_ok() => Ok(Value::Int(i)),
                _ => Err(if ty == SqlType::Int {
                    "a 32-bit integer".into()
                } else {
                    "an integer".into()
                }),
            },
            (SqlType::Float, J::Number(n)) => n
                .as_f64()
                .map(Value::Float)
                .ok_or_else(|| "a number".into()),
            (SqlType::Bytes, J::Array(items)) => items
                .iter()
                .map(|i| i.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .map(Value::Bytes)
                .ok_or_else(|| "a list of bytes".into()),
            (_, J::String(s)) => Value::parse(ty, s),
            _ => Err(ty.expected().into()),
        }
        .and_then(|v| match (&v, ty) {
            (
                Value::Text(s),
                SqlType::Text {
                    max_length: Some(max),
                },
            ) if s.chars().count() > max as usize => {
                Err(format!("text of at most {max} characters"))
            }
            _ => Ok(v),
        })
    }

    /// This value as JSON (timestamps as RFC 3339, UUIDs hyphenated, bytes as a list).
    ///
    /// # Example
    /// ```
    /// assert_eq!(hangar::db::Value::Int(1).to_json(), serde_json::json!(1));
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Normalizes the value for storage: timestamps to UTC, microseconds.
    pub(crate) fn normalized(self) -> Value {
        match self {
            Value::DateTime(dt) => Value::DateTime(normalize_datetime(dt)),
            v => v,
        }
    }
}

/// Truncates a timestamp to microseconds in UTC: what every backend stores exactly.
///
/// # Example
/// ```
/// let t = hangar::db::normalize_datetime(time::OffsetDateTime::now_utc());
/// assert_eq!(t.nanosecond() % 1000, 0);
/// ```
pub fn normalize_datetime(dt: OffsetDateTime) -> OffsetDateTime {
    let dt = dt.to_offset(UtcOffset::UTC);
    let micros = dt.nanosecond() / 1000 * 1000;
    dt.replace_nanosecond(micros).unwrap_or(dt)
}

/// The current time in UTC, truncated to microseconds (the `default = "now"` value).
///
/// # Example
/// ```
/// assert_eq!(hangar::db::now().offset(), time::UtcOffset::UTC);
/// ```
pub fn now() -> OffsetDateTime {
    normalize_datetime(OffsetDateTime::now_utc())
}

/// The years every backend stores and Hangar's fixed-width text keeps in
/// order (found by fuzzing: `-2024-05-01` parsed, but its text did not).
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

fn parse_datetime(raw: &str) -> Option<OffsetDateTime> {
    parse_any_datetime(raw).filter(|dt| {
        dt.checked_to_offset(UtcOffset::UTC)
            .is_some_and(|utc| YEARS.contains(&utc.year()))
    })
}

fn parse_any_datetime(raw: &str) -> Option<OffsetDateTime> {
    use time::macros::format_description as fd;
    if let Ok(dt) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(dt);
    }
    let raw = raw.replace('T', " ");
    let formats = [
        fd!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"),
        fd!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        fd!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    for f in formats {
        if let Ok(p) = PrimitiveDateTime::parse(&raw, &f) {
            return Some(p.assume_utc());
        }
    }
    parse_date(&raw).map(|d| d.midnight().assume_utc())
}

fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| YEARS.contains(&d.year()))
}

/// Formats a timestamp the way Hangar stores it in SQLite text and shows it in JSON:
/// fixed-width RFC 3339 in UTC with microseconds, so text order is time order.
pub(crate) fn format_datetime(dt: OffsetDateTime) -> String {
    let dt = normalize_datetime(dt);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.microsecond()
    )
}

/// Parses what SQLite holds for a timestamp: ours (fast path), else sqlx's
/// or `CURRENT_TIMESTAMP`'s forms.
#[cfg_attr(
    not(feature = "sqlite"),
    allow(dead_code, reason = "SQLite's driver reads stored timestamps")
)]
pub(crate) fn parse_stored_datetime(raw: &str) -> Option<OffsetDateTime> {
    parse_fixed_utc(raw).or_else(|| parse_datetime(raw))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly as [`format_datetime`] writes it.
fn parse_fixed_utc(raw: &str) -> Option<OffsetDateTime> {
    let b = raw.as_bytes();
    if b.len() != 27
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let month = time::Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(num(0, 4)?).ok()?,
        month,
        u8::try_from(num(8, 10)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms_micro(
        u8::try_from(num(11, 13)?).ok()?,
        u8::try_from(num(14, 16)?).ok()?,
        u8::try_from(num(17, 19)?).ok()?,
        num(20, 26)?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, t).assume_utc())
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Text(t) => s.serialize_str(t),
            Value::Bytes(b) => b.serialize(s),
            Value::DateTime(dt) => s.serialize_str(&format_datetime(*dt)),
            Value::Date(d) => s.serialize_str(&d.to_string()),
            Value::Uuid(u) => s.serialize_str(&u.hyphenated().to_string()),
            Value::Json(j) => j.serialize(s),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(t) => f.write_str(t),
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
            Value::DateTime(dt) => f.write_str(&format_datetime(*dt)),
            Value::Date(d) => write!(f, "{d}"),
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Json(j) => write!(f, "{j}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Value { $e }
        }
    )*};
}

value_from! {
    bool => |v| Value::Bool(v),
    i32 => |v| Value::Int(v.into()),
    i64 => |v| Value::Int(v),
    f64 => |v| Value::Float(v),
    String => |v| Value::Text(v),
    &str => |v| Value::Text(v.to_owned()),
    Vec<u8> => |v| Value::Bytes(v),
    OffsetDateTime => |v| Value::DateTime(v),
    Date => |v| Value::Date(v),
    Uuid => |v| Value::Uuid(v),
    serde_json::Value => |v| Value::Json(v),
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Conversion from a [`Value`] back into a Rust field type (used by the derive).
///
/// # Example
/// ```
/// use hangar::db::{FromValue, Value};
/// assert_eq!(i64::from_value(Value::Int(5)).unwrap(), 5);
/// assert_eq!(Option::<i64>::from_value(Value::Null).unwrap(), None);
/// ```
pub trait FromValue: Sized {
    /// Converts, or says what was expected.
    fn from_value(v: Value) -> Result<Self, String>;
}

macro_rules! from_value {
    ($($t:ty: $($pat:pat => $e:expr),*;)*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                match v {
                    $($pat => Ok($e),)*
                    other => Err(format!("expected {}, found {:?}", stringify!($t), other)),
                }
            }
        }
    )*};
}

from_value! {
    bool: Value::Bool(b) => b, Value::Int(i) => i != 0;
    i64: Value::Int(i) => i;
    f64: Value::Float(f) => f, Value::Int(i) => i as f64;
    String: Value::Text(s) => s;
    Vec<u8>: Value::Bytes(b) => b;
    OffsetDateTime: Value::DateTime(d) => d;
    Date: Value::Date(d) => d;
    Uuid: Value::Uuid(u) => u;
    serde_json::Value: Value::Json(j) => j;
}

impl FromValue for i32 {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => i32::try_from(i).map_err(|_| format!("{i} does not fit i32")),
            other => Err(format!("expected i32, found {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_booleans_and_numbers() {
        assert_eq!(
            Value::parse(SqlType::Bool, "0").unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            Value::parse(SqlType::Bool, "TRUE").unwrap(),
            Value::Bool(true)
        );
        assert!(Value::parse(SqlType::Bool, "maybe").is_err());
        assert!(Value::parse(SqlType::Int, "3000000000").is_err());
        assert_eq!(
            Value::parse(SqlType::BigInt, " 12 ").unwrap(),
            Value::Int(12)
        );
        assert!(Value::parse(SqlType::Float, "NaN").is_err());
    }

    #[test]
    fn parses_timestamps_in_several_forms() {
        let a = Value::parse(SqlType::DateTime, "2024-05-01T12:00:00Z").unwrap();
        let b = Value::parse(SqlType::DateTime, "2024-05-01 12:00").unwrap();
        let c = Value::parse(SqlType::DateTime, "2024-05-01T14:00:00+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.clone().normalized(), c.normalized());
        assert!(Value::parse(SqlType::DateTime, "not-a-date").is_err());
        assert!(Value::parse(SqlType::Date, "2024-02-30").is_err());
    }

    #[test]
    fn stored_timestamps_sort_as_text() {
        let t1 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let t2 = t1 + time::Duration::microseconds(500_000);
        assert!(format_datetime(t1) < format_datetime(t2));
        assert_eq!(parse_stored_datetime(&format_datetime(t2)), Some(t2));
    }

    #[test]
    fn fixed_format_parses_exactly() {
        let t = time::macros::datetime!(2024-02-29 23:59:58.000123 UTC);
        assert_eq!(parse_fixed_utc(&format_datetime(t)), Some(t));
        assert_eq!(parse_fixed_utc("2024-02-30T00:00:00.000000Z"), None);
        assert_eq!(parse_fixed_utc("2024-02-29T00:00:00Z"), None);
        assert_eq!(
            parse_stored_datetime("2024-02-29 10:00:00"),
            Some(time::macros::datetime!(2024-02-29 10:00:00 UTC))
        );
    }

    #[test]
    fn json_conversion_checks_types_and_lengths() {
        let max = SqlType::Text {
            max_length: Some(3),
        };
        assert!(Value::from_json(max, &serde_json::json!("abcd")).is_err());
        assert!(Value::from_json(SqlType::BigInt, &serde_json::json!("x")).is_err());
        assert!(Value::from_json(SqlType::Bool, &serde_json::json!([1])).is_err());
        assert_eq!(
            Value::from_json(SqlType::Int, &serde_json::json!("5")).unwrap(),
            Value::Int(5)
        );
    }
}

#[cfg(test)]
mod fuzz_findings {
    use super::*;

    /// Fuzzing found a negative year that parsed but whose text did not:
    /// what parses writes text that parses again, to the same value.
    #[test]
    fn dates_outside_years_1_to_9999_are_refused() {
        for raw in [
            "-2024-05-01",
            "+10000-01-01",
            "0000-12-31",
            "9999-12-31T23:00:00-05:00",
        ] {
            assert!(Value::parse(SqlType::DateTime, raw).is_err(), "{raw}");
        }
        assert!(Value::parse(SqlType::Date, "-0001-01-01").is_err());
        for raw in [
            "0001-01-01",
            "9999-12-31T23:59:59Z",
            "2024-05-01T12:00:00+02:00",
        ] {
            let v = Value::parse(SqlType::DateTime, raw).unwrap();
            assert_eq!(
                Value::parse(SqlType::DateTime, &v.to_string()),
                Ok(v),
                "{raw}"
            );
        }
    }
}
