//! The admin's error type, mapped to HTTP in one place: every page handler
//! returns `Result<_, AdminError>`, and [`AdminError`]'s `Responder` logs a
//! server failure once, with its cause, before the admin's error page.

use rocket::http::Status;
use rocket::response::{self, Responder};
use rocket::Request;

use crate::auth::AuthError;
use crate::db::Error as DbError;

/// Why an admin page or hook failed.
///
/// Hooks and actions return [`Field`](AdminError::Field) and
/// [`Invalid`](AdminError::Invalid) to refuse a submission (shown on the
/// form or flashed); the other variants are what the admin's own pages
/// answer.
///
/// ```
/// use hangar::admin::AdminError;
/// use rocket::http::Status;
/// let err = AdminError::Field { field: "title".into(), message: "Too short.".into() };
/// assert_eq!(err.status(), Status::BadRequest);
/// assert_eq!(AdminError::NotFound.status(), Status::NotFound);
/// assert_eq!(AdminError::BadParameter("page".into()).to_string(), "the parameter `page` cannot be used here");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// A submitted value is refused: shown next to the field.
    #[error("{field}: {message}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong, for the user.
        message: String,
    },
    /// The submission is refused as a whole: shown above the form.
    #[error("{0}")]
    Invalid(String),
    /// A database error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No such model or row (or a row outside what the model admin shows): 404.
    #[error("no such page")]
    NotFound,
    /// The user may not do this with this model: 403.
    #[error("not allowed")]
    Forbidden,
    /// A query-string or form parameter the page cannot use, by name: 400.
    #[error("the parameter `{0}` cannot be used here")]
    BadParameter(String),
    /// A posted body that is no readable form: 415 (not
    /// `application/x-www-form-urlencoded`), 413 (over the `form` limit) or 400.
    #[error("{reason}")]
    UnreadableForm {
        /// 415, 413 or 400.
        status: Status,
        /// What was wrong with it.
        reason: String,
    },
    /// The origin or CSRF check of a post failed: 403.
    #[error(transparent)]
    Csrf(AuthError),
    /// The row changed after the form was rendered (its version differs):
    /// 409, nothing saved; carries the row as it is now.
    #[error("the row changed since the form was shown")]
    Conflict(Box<crate::db::Record>),
}

impl AdminError {
    /// The HTTP status it stands for (form errors are 400).
    pub fn status(&self) -> Status {
        match self {
            AdminError::Field { .. } | AdminError::Invalid(_) | AdminError::BadParameter(_) => {
                Status::BadRequest
            }
            AdminError::Db(e) => e.status(),
            AdminError::NotFound => Status::NotFound,
            AdminError::Forbidden | AdminError::Csrf(_) => Status::Forbidden,
            AdminError::UnreadableForm { status, .. } => *status,
            AdminError::Conflict(_) => Status::Conflict,
        }
    }

    /// `(field, message)` pairs to show on the form (`""`: above it), or
    /// the error itself when it is no form error (a server or database
    /// failure, which the page answers as such).
    pub(crate) fn form_messages(self) -> Result<Vec<(String, String)>, AdminError> {
        match self {
            AdminError::Field { field, message } => Ok(vec![(field, message)]),
            AdminError::Invalid(m) => Ok(vec![(String::new(), m)]),
            AdminError::Db(err) => match err {
                DbError::Unique { field } => Ok(vec![(
                    field,
                    "A row with this value already exists.".into(),
                )]),
                DbError::Required { field } => Ok(vec![(field, "This field is required.".into())]),
                DbError::ForeignKey { field } => {
                    Ok(vec![(field, "Choose an existing row.".into())])
                }
                DbError::InvalidValue { field, expected } => {
                    Ok(vec![(field, format!("Enter {expected}."))])
                }
                e if e.status().code < 500 => Ok(vec![(String::new(), e.public_message())]),
                e => Err(AdminError::Db(e)),
            },
            other => Err(other),
        }
    }

    /// The text to flash.
    pub(crate) fn flash_message(&self) -> String {
        match self {
            AdminError::Db(e) if e.status().code >= 500 => {
                "The database failed; nothing was changed.".into()
            }
            AdminError::Db(e) => e.public_message(),
            other => other.to_string(),
        }
    }
}

/// The one place admin errors become responses: the status goes to the
/// admin's error page (the HTML catchers); a 5xx is logged here, once, with
/// the request and the cause.
impl<'r> Responder<'r, 'static> for AdminError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        if status.code >= 500 {
            let mut cause = self.to_string();
            let mut source = std::error::Error::source(&self);
            while let Some(s) = source {
                let text = s.to_string();
                if !cause.contains(&text) {
                    cause.push_str(&format!(": {text}"));
                }
                source = s.source();
            }
            rocket::error!("hangar admin: {} {}: {cause}", req.method(), req.uri());
        }
        Err(status)
    }
}

/// Why the admin could not start at launch: each variant names the model,
/// template or option at fault. Logged once by the fairing, which then
/// stops the launch.
///
/// ```
/// let err = hangar::admin::SetupError::RegisteredTwice("Note");
/// assert_eq!(err.to_string(), "Note is registered twice");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `[hangar.admin]` does not parse or holds a bad value.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A model admin overrides a page with a template that does not exist.
    #[error(
        "{model} overrides a page with template {template:?}, which is neither Hangar's nor in the app's template_dir"
    )]
    MissingTemplate {
        /// The model's type name.
        model: &'static str,
        /// The template's name.
        template: String,
    },
    /// One model registered twice.
    #[error("{0} is registered twice")]
    RegisteredTwice(&'static str),
    /// A model admin's options do not fit its model (naming the field).
    #[error("{problem}")]
    Model {
        /// The model's type name.
        model: &'static str,
        /// What does not fit, naming the model and the field or option.
        problem: String,
    },
    /// A dashboard panel's slug is empty, not `[A-Za-z0-9_-]`, or taken.
    #[error("panel slug {0:?} is empty, invalid or taken")]
    PanelSlug(String),
}
