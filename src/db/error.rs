//! The database subsystem's one error type, and its single mapping to HTTP.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

use crate::db::schema::Schema;

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the database layer can fail with.
///
/// Messages are lowercase, name the field involved and never contain SQL.
/// As a Rocket responder it answers with the status of [`Error::status`].
///
/// # Example
/// ```
/// use hangar::db::Error;
/// use rocket::http::Status;
/// let e = Error::NotFound { model: "note" };
/// assert_eq!(e.status(), Status::NotFound);
/// assert_eq!(e.to_string(), "note not found");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A lookup path names a field the model does not have (or does not expose).
    #[error("unknown field `{field}` on {model}; allowed: {}", allowed.join(", "))]
    UnknownField {
        /// The model searched.
        model: &'static str,
        /// The name given.
        field: String,
        /// The names that would have worked.
        allowed: Vec<&'static str>,
    },
    /// A lookup operator that does not exist or does not apply to the field.
    #[error("invalid lookup `{op}` on field `{field}`: {reason}")]
    InvalidLookup {
        /// The field.
        field: String,
        /// The operator given.
        op: String,
        /// Why not.
        reason: String,
    },
    /// A value that does not parse for the column type.
    #[error("invalid value for `{field}`: expected {expected}")]
    InvalidValue {
        /// The field.
        field: String,
        /// What a valid value looks like.
        expected: String,
    },
    /// No row matched.
    #[error("{model} not found")]
    NotFound {
        /// The model.
        model: &'static str,
    },
    /// A unique constraint was violated.
    #[error("`{field}` must be unique: a row with this value exists")]
    Unique {
        /// The field (or constraint) involved.
        field: String,
    },
    /// A foreign key points at no row, or a delete would orphan rows.
    #[error("`{field}` refers to a row that does not exist")]
    ForeignKey {
        /// The field involved.
        field: String,
    },
    /// A required field was missing or null.
    #[error("`{field}` is required")]
    Required {
        /// The field.
        field: String,
    },
    /// A restricted delete found dependent rows.
    #[error("cannot delete {model}: {count} dependent {dependent} row(s) refer to it")]
    Restricted {
        /// The model being deleted.
        model: &'static str,
        /// The first dependent model found.
        dependent: &'static str,
        /// How many of its rows refer to the deleted rows.
        count: i64,
    },
    /// The database cannot be reached, or no connection was free in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Bad `[databases.*]` / `[hangar.database]` configuration.
    #[error("database configuration: {0}")]
    Config(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database error (logged; never shown to clients in detail).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl Error {
    pub(crate) fn unknown_field(schema: &Schema, field: &str) -> Error {
        Error::UnknownField {
            model: schema.name,
            field: field.to_owned(),
            allowed: schema.field_names(),
        }
    }

    pub(crate) fn invalid_value(field: &str, expected: impl Into<String>) -> Error {
        Error::InvalidValue {
            field: field.to_owned(),
            expected: expected.into(),
        }
    }

    /// The field this error is about, if any (for API `source.pointer`s and form messages).
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::UnknownField { field, .. }
            | Error::InvalidLookup { field, .. }
            | Error::InvalidValue { field, .. }
            | Error::Unique { field }
            | Error::ForeignKey { field }
            | Error::Required { field } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status this error stands for.
    pub fn status(&self) -> Status {
        match self {
            Error::UnknownField { .. }
            | Error::InvalidLookup { .. }
            | Error::InvalidValue { .. }
            | Error::Required { .. } => Status::BadRequest,
            Error::NotFound { .. } => Status::NotFound,
            Error::Unique { .. } | Error::ForeignKey { .. } | Error::Restricted { .. } => {
                Status::Conflict
            }
            Error::Unavailable(_) => Status::ServiceUnavailable,
            Error::Config(_) | Error::Migration(_) | Error::Database(_) => {
                Status::InternalServerError
            }
        }
    }

    /// The message safe to show a client (internal errors are not detailed).
    pub fn public_message(&self) -> String {
        match self {
            Error::Database(_) | Error::Config(_) | Error::Migration(_) => {
                "internal database error".into()
            }
            Error::Unavailable(_) => "database unavailable, try again shortly".into(),
            e => e.to_string(),
        }
    }

    /// Classifies a driver error, naming the field for constraint violations.
    pub(crate) fn from_sqlx(e: sqlx::Error, schema: Option<&Schema>) -> Error {
        use sqlx::Error as E;
        match e {
            E::RowNotFound => Error::NotFound {
                model: schema.map_or("row", |s| s.name),
            },
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) => {
                Error::Unavailable(e.to_string())
            }
            E::Database(ref db) => {
                classify_database_error(&**db, schema).unwrap_or(Error::Database(e))
            }
            e => Error::Database(e),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::from_sqlx(e, None)
    }
}

fn field_of(schema: Option<&Schema>, column: &str) -> String {
    schema
        .and_then(|s| s.columns.iter().find(|c| c.name == column))
        .map_or_else(|| column.to_owned(), |c| c.field.to_owned())
}

fn between<'a>(msg: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &msg[msg.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

fn classify_database_error(
    db: &dyn sqlx::error::DatabaseError,
    schema: Option<&Schema>,
) -> Option<Error> {
    let msg = db.message();
    let code = db.code().unwrap_or_default();
    let field = |col: &str| field_of(schema, col);
    match code.as_ref() {
        // PostgreSQL
        "23505" => {
            let col = between(db_detail(db).as_deref().unwrap_or(""), "Key (", ")=")
                .map(str::to_owned)
                .unwrap_or_else(|| db.constraint().unwrap_or("unique").to_owned());
            Some(Error::Unique { field: field(&col) })
        }
        "23503" => {
            let col = between(db_detail(db).as_deref().unwrap_or(""), "Key (", ")=")
                .map(str::to_owned)
                .unwrap_or_default();
            Some(Error::ForeignKey { field: field(&col) })
        }
        "23502" => Some(Error::Required {
            field: field(pg_column(db).as_deref().unwrap_or("")),
        }),
        // value too long for the column (PostgreSQL, MySQL)
        "22001" => Some(Error::InvalidValue {
            field: pg_column(db)
                .map(|c| field(&c))
                .or_else(|| between(msg, "column '", "'").map(field))
                .unwrap_or_default(),
            expected: "a shorter value".into(),
        }),
        // an invalid regular expression (PostgreSQL, MySQL, MariaDB)
        "2201B" => Some(Error::InvalidValue {
            field: String::new(),
            expected: "a valid regular expression".into(),
        }),
        // (SQLite's regexp function fails with SQLITE_CONSTRAINT_FUNCTION, 1043)
        "42000" | "HY000" | "1" | "1043"
            if code == "1043" || msg.to_lowercase().contains("regex") =>
        {
            Some(Error::InvalidValue {
                field: String::new(),
                expected: "a valid regular expression".into(),
            })
        }
        // CHECK constraints (choices): PostgreSQL, SQLite, MySQL
        "23514" | "275" => Some(Error::InvalidValue {
            field: db
                .constraint()
                .map(&field)
                .unwrap_or_else(|| msg.rsplit(':').next().unwrap_or_default().trim().to_owned()),
            expected: "one of the allowed values".into(),
        }),
        "HY000" if msg.contains("Check constraint") => Some(Error::InvalidValue {
            field: between(msg, "'", "'").map(field).unwrap_or_default(),
            expected: "one of the allowed values".into(),
        }),
        // a date/time or number the column cannot hold
        "22007" | "22008" | "22003" => Some(Error::InvalidValue {
            field: pg_column(db).map(|c| field(&c)).unwrap_or_default(),
            expected: "a value in the column's range".into(),
        }),
        // lock and serialization conflicts: retryable, not a server bug
        "40001" | "40P01" | "55P03" => Some(Error::Unavailable(msg.to_owned())),
        "HY000" if msg.contains("Lock wait timeout") => Some(Error::Unavailable(msg.to_owned())),
        "5" | "6" | "517" | "261" => Some(Error::Unavailable(msg.to_owned())),
        // MySQL / MariaDB
        "23000" | "HY000" if msg.starts_with("Duplicate entry") => {
            let key = msg
                .rsplit("for key '")
                .next()
                .unwrap_or("")
                .trim_end_matches('\'');
            let key = key.rsplit('.').next().unwrap_or(key);
            Some(Error::Unique { field: field(key) })
        }
        "23000" if msg.contains("foreign key constraint fails") => {
            let col = between(msg, "FOREIGN KEY (`", "`)").unwrap_or("");
            Some(Error::ForeignKey { field: field(col) })
        }
        "23000" | "HY000"
            if msg.ends_with("cannot be null") || msg.contains("doesn't have a default value") =>
        {
            let col = between(msg, "'", "'").unwrap_or("");
            Some(Error::Required { field: field(col) })
        }
        // SQLite (extended result codes)
        "2067" | "1555" => {
            let col = msg.rsplit('.').next().unwrap_or("").to_owned();
            Some(Error::Unique { field: field(&col) })
        }
        "787" => Some(Error::ForeignKey {
            field: String::new(),
        }),
        "1299" => {
            let col = msg.rsplit('.').next().unwrap_or("").to_owned();
            Some(Error::Required { field: field(&col) })
        }
        _ => None,
    }
}

fn db_detail(db: &dyn sqlx::error::DatabaseError) -> Option<String> {
    db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail().map(str::to_owned))
}

fn pg_column(db: &dyn sqlx::error::DatabaseError) -> Option<String> {
    db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.column().map(str::to_owned))
}

/// The one mapping of database errors to HTML/plain responses: the status of
/// [`Error::status`] with the public message. Internal errors are logged.
impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        if self.status().code >= 500 {
            rocket::error!("{self}");
        }
        let status = self.status();
        response::status::Custom(status, self.public_message()).respond_to(req)
    }
}
