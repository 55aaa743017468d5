//! The database subsystem's one error type, and its single mapping to HTTP.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

use crate::config::ConfigError;
use crate::db::backend::driver;
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
            E::PoolTimedOut | E::PoolClosed => Error::Unavailable(e.to_string()),
            e if connection_lost(&e) => Error::Unavailable(e.to_string()),
            E::Database(ref db) => classify(&**db, schema).unwrap_or(Error::Database(e)),
            e => Error::Database(e),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::from_sqlx(e, None)
    }
}

/// Whether a driver error means the connection was lost before an answer
/// came (server restart, failover, `pg_terminate_backend`): the statement
/// may be retried on another connection if it only reads.
pub(crate) fn connection_lost(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        E::Io(_) | E::Tls(_) | E::Protocol(_) | E::WorkerCrashed => true,
        E::Database(db) => driver::diagnose(&**db).connection_lost,
        _ => false,
    }
}

/// Constraint violations by sqlx's [`ErrorKind`](sqlx::error::ErrorKind);
/// only the column name is read per backend. Then SQLSTATE classes that
/// mean a bad value, and the backend's transient codes.
fn classify(db: &dyn sqlx::error::DatabaseError, schema: Option<&Schema>) -> Option<Error> {
    use sqlx::error::ErrorKind;
    let diagnosis = driver::diagnose(db);
    let kind = db.kind();
    let field = diagnosis
        .column
        .as_deref()
        .map(|col| field_of(schema, col))
        .unwrap_or_default();
    let code = db.code().unwrap_or_default();
    let msg = db.message();
    Some(match kind {
        ErrorKind::UniqueViolation => Error::Unique { field },
        ErrorKind::ForeignKeyViolation => Error::ForeignKey { field },
        ErrorKind::NotNullViolation => Error::Required { field },
        ErrorKind::CheckViolation | ErrorKind::ExclusionViolation => Error::InvalidValue {
            field,
            expected: "one of the allowed values".into(),
        },
        _ if diagnosis.transient => Error::Unavailable(msg.to_owned()),
        _ if diagnosis.bad_regex => Error::InvalidValue {
            field: String::new(),
            expected: "a valid regular expression".into(),
        },
        // value too long for the column
        _ if code == "22001" => Error::InvalidValue {
            field,
            expected: "a shorter value".into(),
        },
        // a date/time or number the column cannot hold
        _ if matches!(code.as_ref(), "22007" | "22008" | "22003") => Error::InvalidValue {
            field,
            expected: "a value in the column's range".into(),
        },
        _ => return None,
    })
}

fn field_of(schema: Option<&Schema>, column: &str) -> String {
    schema
        .and_then(|s| s.columns.iter().find(|c| c.name == column))
        .map_or_else(|| column.to_owned(), |c| c.field.to_owned())
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

/// Why the database could not be set up at launch (or by the CLI): each
/// variant names the configuration key or the step at fault.
///
/// ```
/// # rocket::async_test(async {
/// let figment = rocket::figment::Figment::from(rocket::Config::debug_default());
/// let err = hangar::db::Database::fairing().prepare(&figment).await.unwrap_err();
/// assert!(matches!(err, hangar::db::SetupError::MissingUrl { .. }));
/// assert!(err.to_string().contains("databases.main.url"));
/// # });
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `[hangar.database]` does not parse or holds a bad value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No `databases.<name>.url`.
    #[error("missing `{key}.url` (e.g. url = \"sqlite://app.db\" in Rocket.toml)")]
    MissingUrl {
        /// `databases.<name>`.
        key: String,
    },
    /// A pool key (`databases.<name>.*`) or a configured table name does not
    /// parse; figment's error names the key.
    #[error("[{key}]: {source}")]
    Key {
        /// The section or key.
        key: String,
        /// Figment's error, with its key path.
        #[source]
        source: Box<figment::Error>,
    },
    /// Two registered models (or models they reference) use one table, e.g.
    /// an app's own `User` and the auth battery's: give one
    /// `#[model(table = "...")]`, or hand the auth battery the app's model
    /// (`Auth::models_for::<AppUser>()`).
    #[error(
        "two models use the table `{table}`: `{first}` and `{second}`; give one \
         #[model(table = \"...\")] (or hand Auth your user model: Auth::models_for::<YourUser>())"
    )]
    SharedTable {
        /// The table.
        table: String,
        /// The first model's type name.
        first: &'static str,
        /// The second model's type name.
        second: &'static str,
    },
    /// The pool could not connect (bad URL, server down).
    #[error("databases.{name}: {source}")]
    Connect {
        /// The database name.
        name: String,
        /// The failure, which names `url`.
        #[source]
        source: Error,
    },
    /// Creating the registered tables failed.
    #[error("creating tables: {0}")]
    CreateTables(#[source] Error),
    /// The migrations could not be read or applied.
    #[error("[hangar.database] migrations: {0}")]
    Migrate(#[source] Error),
}
