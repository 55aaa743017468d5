//! The API's one error type, answered as JSON in one place.

use rocket::http::{Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use serde::Serialize;
use serde_json::json;

/// One field-level problem (Flask-RESTy's shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// A machine-readable code (`invalid_value`, `unique`, `required`, ...).
    pub code: String,
    /// What is wrong, for people.
    pub detail: String,
    /// The field path as a JSON pointer (`/user/username`).
    pub pointer: String,
    /// The query parameter at fault, when the problem is in the query
    /// string (Flask-RESTy's `source.parameter`).
    pub parameter: Option<String>,
}

/// An API error: `{"error": "...", "errors": [...]}` with a status.
///
/// # Example
/// ```
/// use hangar::rest::ApiError;
/// let e = ApiError::not_found();
/// assert_eq!(e.status.code, 404);
/// assert_eq!(e.message, "Not found");
/// ```
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: Status,
    /// The human message (`error`).
    pub message: String,
    /// Field-level problems (`errors`), if any.
    pub errors: Vec<FieldError>,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<i64>,
    /// The wire style the body is written in (the resource's).
    pub style: crate::rest::Style,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: Status, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
            style: crate::rest::Style::default(),
        }
    }

    /// The same error written in `style`.
    pub fn in_style(mut self, style: crate::rest::Style) -> ApiError {
        self.style = style;
        self
    }

    /// Adds a problem with a query parameter (`source.parameter` in
    /// Flask-RESTy's style, a pointer to the name in flask-peewee's).
    pub fn with_parameter(
        mut self,
        code: &str,
        parameter: &str,
        detail: impl Into<String>,
    ) -> ApiError {
        self = self.with_field(code, parameter, detail);
        if let Some(last) = self.errors.last_mut() {
            last.parameter = Some(parameter.to_owned());
        }
        self
    }

    /// Marks the last problem as one with the query parameter `parameter`.
    pub(crate) fn at_parameter(mut self, parameter: &str) -> ApiError {
        if let Some(last) = self.errors.last_mut() {
            last.parameter = Some(parameter.to_owned());
        }
        self
    }

    /// A machine code for an error without field problems (Flask-RESTy's
    /// `errors[].code`).
    fn status_code_name(&self) -> &'static str {
        match self.status.code {
            400 => "invalid_request",
            401 => "invalid_credentials",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            409 => "conflict",
            413 => "payload_too_large",
            415 => "invalid_body",
            422 => "invalid_data",
            429 => "too_many_requests",
            503 => "unavailable",
            _ => "internal_server_error",
        }
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(Status::BadRequest, message)
    }

    /// 404 `{"error": "Not found"}`.
    pub fn not_found() -> ApiError {
        ApiError::new(Status::NotFound, "Not found")
    }

    /// 401 with the Basic challenge.
    pub fn unauthorized() -> ApiError {
        ApiError::new(Status::Unauthorized, "Authentication failed")
    }

    /// 403 `{"error": "Forbidden"}`.
    pub fn forbidden() -> ApiError {
        ApiError::new(Status::Forbidden, "Forbidden")
    }

    /// 405.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(Status::MethodNotAllowed, "Method not allowed")
    }

    /// Adds a field-level problem.
    pub fn with_field(mut self, code: &str, field: &str, detail: impl Into<String>) -> ApiError {
        self.errors.push(FieldError {
            code: code.into(),
            detail: detail.into(),
            pointer: format!("/{}", field.replace("__", "/")),
            parameter: None,
        });
        self
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(e: crate::db::Error) -> ApiError {
        use crate::db::Error as E;
        let status = e.status();
        if status.code >= 500 {
            rocket::error!("hangar api: {e}");
        }
        let code = match &e {
            E::Unique { .. } => "unique",
            E::ForeignKey { .. } => "foreign_key",
            E::Required { .. } => "required",
            E::InvalidValue { .. } => "invalid_value",
            E::UnknownField { .. } => "unknown_field",
            E::InvalidLookup { .. } => "invalid_lookup",
            _ => "",
        };
        let message = match &e {
            E::NotFound { .. } => "Not found".to_owned(),
            e => e.public_message(),
        };
        let mut out = ApiError::new(status, message);
        if let Some(field) = e.field().filter(|f| !f.is_empty()) {
            let field = field.to_owned();
            out = out.with_field(code, &field, e.public_message());
        }
        out
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> ApiError {
        use crate::auth::AuthError as A;
        match e {
            A::Throttled { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(Status::TooManyRequests, "Too many failed login attempts")
            },
            A::Database(e) => e.into(),
            A::NotLoggedIn | A::BadCredentials => ApiError::unauthorized(),
            A::NotAdmin | A::Forbidden => ApiError::forbidden(),
            A::Csrf(reason) => {
                ApiError::new(Status::Forbidden, format!("CSRF check failed: {reason}"))
            }
            e => ApiError::new(e.status(), e.to_string()),
        }
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = match self.style {
            crate::rest::Style::Peewee => {
                let mut body = json!({ "error": self.message });
                if !self.errors.is_empty() {
                    body["errors"] = json!(self
                        .errors
                        .iter()
                        .map(|e| json!({ "code": e.code, "detail": e.detail, "source": { "pointer": e.pointer } }))
                        .collect::<Vec<_>>());
                }
                body
            }
            crate::rest::Style::Resty => {
                let errors: Vec<_> = if self.errors.is_empty() {
                    vec![json!({ "code": self.status_code_name(), "detail": self.message })]
                } else {
                    self.errors
                        .iter()
                        .map(|e| {
                            let source = match &e.parameter {
                                Some(p) => json!({ "parameter": p }),
                                None if e.pointer == "/" => json!({ "pointer": "/data" }),
                                None => json!({ "pointer": format!("/data{}", e.pointer) }),
                            };
                            json!({ "code": e.code, "detail": e.detail, "source": source })
                        })
                        .collect()
                };
                json!({ "errors": errors })
            }
        };
        let mut res = response::status::Custom(self.status, Json(body)).respond_to(req)?;
        if self.status == Status::Unauthorized && challenges(req) {
            res.set_header(Header::new(
                "WWW-Authenticate",
                "Basic realm=\"Login Required\"",
            ));
        }
        if let Some(secs) = self.retry_after {
            res.set_header(Header::new("Retry-After", secs.to_string()));
        }
        Ok(res)
    }
}

/// Whether a 401 carries the `WWW-Authenticate: Basic` challenge: not for a
/// browser's script or cross-site request, where a login dialog would teach
/// the browser credentials that other sites' pages then send along.
fn challenges(req: &Request<'_>) -> bool {
    let site = req.headers().get_one("Sec-Fetch-Site");
    let mode = req.headers().get_one("Sec-Fetch-Mode");
    matches!(site, None | Some("same-origin") | Some("none"))
        && matches!(mode, None | Some("navigate"))
}

/// Why the REST API could not start at launch: each variant names what to
/// fix. Logged once by the fairing, which then stops the launch.
///
/// ```
/// let err = hangar::rest::SetupError::Resource {
///     resource: "message".into(),
///     problem: "Message has no field \"titel\"".into(),
/// };
/// assert_eq!(err.to_string(), r#"resource "message": Message has no field "titel""#);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `[hangar.api]` does not parse or holds a bad value.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Two registrations answer at one URL name.
    #[error("two resources are named {0:?}")]
    DuplicateName(String),
    /// A registration's options do not fit its model.
    #[error("resource {resource:?}: {problem}")]
    Resource {
        /// The resource's URL name.
        resource: String,
        /// What does not fit, naming the field or option.
        problem: String,
    },
}

impl SetupError {
    pub(crate) fn resource(resource: &str, problem: impl Into<String>) -> SetupError {
        SetupError::Resource {
            resource: resource.to_owned(),
            problem: problem.into(),
        }
    }
}
