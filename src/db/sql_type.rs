//! [`SqlType`]: a column's storage type, whatever the backend.

/// The storage type of a column, independent of the backend.
///
/// # Example
/// ```
/// use hangar::db::SqlType;
/// assert!(SqlType::Text { max_length: None }.is_text());
/// assert!(!SqlType::BigInt.is_text());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    /// `bool`.
    Bool,
    /// `i32`.
    Int,
    /// `i64`.
    BigInt,
    /// `f64`.
    Float,
    /// `String`, optionally bounded (`max_length`).
    Text {
        /// The maximum number of characters, if any.
        max_length: Option<u32>,
    },
    /// `Vec<u8>`.
    Bytes,
    /// `time::OffsetDateTime`.
    DateTime,
    /// `time::Date`.
    Date,
    /// `uuid::Uuid`.
    Uuid,
    /// `serde_json::Value`.
    Json,
}

impl SqlType {
    /// Whether text lookups (`contains`, `like`, ...) apply.
    pub fn is_text(self) -> bool {
        matches!(self, SqlType::Text { .. })
    }

    /// Whether the type is numeric.
    pub fn is_numeric(self) -> bool {
        matches!(self, SqlType::Int | SqlType::BigInt | SqlType::Float)
    }

    /// Human words for what a value of this type looks like (for error messages).
    ///
    /// # Example
    /// ```
    /// assert_eq!(hangar::db::SqlType::BigInt.expected(), "an integer");
    /// ```
    pub fn expected(self) -> &'static str {
        match self {
            SqlType::Bool => "a boolean (true/false/1/0)",
            SqlType::Int => "a 32-bit integer",
            SqlType::BigInt => "an integer",
            SqlType::Float => "a number",
            SqlType::Text { .. } => "text",
            SqlType::Bytes => "bytes",
            SqlType::DateTime => {
                "a date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z, years 1 to 9999)"
            }
            SqlType::Date => "a date (YYYY-MM-DD, years 1 to 9999)",
            SqlType::Uuid => "a UUID",
            SqlType::Json => "a JSON document",
        }
    }
}
