//! The JSON formats of the REST API, for an app's own `serde` types:
//! `#[serde(with = "hangar::rest::wire::datetime")]` on an `OffsetDateTime`
//! field serialises it exactly as the API does (`2026-12-02T07:33:00.000000Z`,
//! UTC, microseconds) and reads every form the API accepts. Without it,
//! `time`'s own serde writes a tuple of numbers.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use time::OffsetDateTime;
//!
//! #[derive(Serialize, Deserialize)]
//! struct Message {
//!     content: String,
//!     #[serde(with = "hangar::rest::wire::datetime")]
//!     pub_date: OffsetDateTime,
//!     #[serde(with = "hangar::rest::wire::date::option")]
//!     due: Option<time::Date>,
//! }
//!
//! let m = Message {
//!     content: "hi".into(),
//!     pub_date: time::macros::datetime!(2026-12-02 07:33 UTC),
//!     due: None,
//! };
//! let json = serde_json::to_value(&m).unwrap();
//! assert_eq!(json["pub_date"], "2026-12-02T07:33:00.000000Z");
//! assert_eq!(json["due"], serde_json::Value::Null);
//! let back: Message = serde_json::from_value(json).unwrap();
//! assert_eq!(back.pub_date, m.pub_date);
//! ```
//!
//! `uuid::Uuid` needs nothing: its serde form is already the API's
//! (hyphenated text).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use crate::db::{format_datetime, SqlType, Value};

fn parse<'de, D: Deserializer<'de>>(d: D, ty: SqlType) -> Result<Value, D::Error> {
    let text = String::deserialize(d)?;
    Value::parse(ty, &text).map_err(|e| D::Error::custom(format!("{text:?}: {e}")))
}

/// `OffsetDateTime` as the API writes timestamps (RFC 3339 in UTC with
/// microseconds); reads RFC 3339 and the other forms filters accept.
pub mod datetime {
    use time::OffsetDateTime;

    use super::*;

    /// Writes the timestamp.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_datetime(*value))
    }

    /// Reads a timestamp.
    ///
    /// # Errors
    /// Text that is no timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        match parse(d, SqlType::DateTime)? {
            Value::DateTime(dt) => Ok(dt),
            _ => Err(D::Error::custom("expected a timestamp")),
        }
    }

    /// `Option<OffsetDateTime>`: `null` for `None`.
    pub mod option {
        use time::OffsetDateTime;

        use super::super::*;

        /// Writes the timestamp or `null`.
        ///
        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(dt) => super::serialize(dt, s),
                None => s.serialize_none(),
            }
        }

        /// Reads a timestamp or `null`.
        ///
        /// # Errors
        /// Text that is no timestamp.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => match Value::parse(SqlType::DateTime, &text) {
                    Ok(Value::DateTime(dt)) => Ok(Some(dt)),
                    _ => Err(D::Error::custom(format!("{text:?} is no timestamp"))),
                },
            }
        }
    }
}

/// `time::Date` as the API writes dates (`2026-12-02`).
pub mod date {
    use time::Date;

    use super::*;

    /// Writes the date.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Value::Date(*value).to_string())
    }

    /// Reads a date.
    ///
    /// # Errors
    /// Text that is no date.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        match parse(d, SqlType::Date)? {
            Value::Date(date) => Ok(date),
            _ => Err(D::Error::custom("expected a date")),
        }
    }

    /// `Option<Date>`: `null` for `None`.
    pub mod option {
        use time::Date;

        use super::super::*;

        /// Writes the date or `null`.
        ///
        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(date) => super::serialize(date, s),
                None => s.serialize_none(),
            }
        }

        /// Reads a date or `null`.
        ///
        /// # Errors
        /// Text that is no date.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => match Value::parse(SqlType::Date, &text) {
                    Ok(Value::Date(date)) => Ok(Some(date)),
                    _ => Err(D::Error::custom(format!("{text:?} is no date"))),
                },
            }
        }
    }
}
