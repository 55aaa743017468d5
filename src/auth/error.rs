//! The auth battery's errors: [`AuthError`] for requests (mapped to HTTP),
//! [`SetupError`] for launch.

use rocket::http::Status;

use crate::auth::password::PasswordError;
use crate::config::ConfigError;

/// Everything auth can fail with; [`AuthError::status`] is its HTTP meaning.
///
/// # Example
/// ```
/// use hangar::auth::AuthError;
/// assert_eq!(AuthError::NotLoggedIn.status().code, 401);
/// assert_eq!(AuthError::NotAdmin.status().code, 403);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No valid session.
    #[error("authentication required")]
    NotLoggedIn,
    /// Logged in, but not an admin.
    #[error("admin rights required")]
    NotAdmin,
    /// Logged in, but the app's check refused the user.
    #[error("permission denied")]
    Forbidden,
    /// Wrong username or password (one message for both).
    #[error("please enter a correct username and password")]
    BadCredentials,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed login attempts; try again in {retry_after} seconds")]
    Throttled {
        /// Seconds until the window closes.
        retry_after: i64,
    },
    /// A form without a valid CSRF token, or from a foreign origin.
    #[error("CSRF check failed: {0}")]
    Csrf(&'static str),
    /// A password rule was broken.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The `Auth` fairing is missing.
    #[error("the hangar Auth fairing is not attached")]
    NotAttached,
    /// A database failure.
    #[error(transparent)]
    Database(#[from] crate::db::Error),
    /// The session's user could not be loaded (the database is down or the
    /// pool exhausted): the session may well be valid, so this is the
    /// database's status (503), never "not logged in".
    #[error("the session's user could not be loaded: {0}")]
    UserUnavailable(#[source] std::sync::Arc<crate::db::Error>),
}

impl AuthError {
    /// The HTTP status this error stands for.
    pub fn status(&self) -> Status {
        match self {
            AuthError::NotLoggedIn | AuthError::BadCredentials => Status::Unauthorized,
            AuthError::NotAdmin | AuthError::Forbidden | AuthError::Csrf(_) => Status::Forbidden,
            AuthError::Throttled { .. } => Status::TooManyRequests,
            AuthError::Password(PasswordError::Internal(_)) | AuthError::NotAttached => {
                Status::InternalServerError
            }
            AuthError::Password(_) => Status::BadRequest,
            AuthError::Database(e) => e.status(),
            AuthError::UserUnavailable(e) => e.status(),
        }
    }
}

/// Why the auth battery could not start at launch: each variant names what
/// to fix. Logged once by the fairing, which then stops the launch.
///
/// ```
/// let err = hangar::auth::SetupError::NotRegistered {
///     model: "User",
///     with: "Auth::models()".into(),
/// };
/// assert!(err.to_string().contains("Database::fairing().with(Auth::models())"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `[hangar.auth]` or `[hangar]` does not parse or holds a bad value.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The `Database` fairing is not attached before `Auth`.
    #[error("the Auth fairing needs the Database fairing: attach `Database::fairing()` first")]
    NoDatabase,
    /// A model the battery needs is not registered with the database.
    #[error(
        "{model} is not registered with the database: attach `Database::fairing().with({with})`"
    )]
    NotRegistered {
        /// The model's type name.
        model: &'static str,
        /// What to hand the `Database` fairing.
        with: String,
    },
}
