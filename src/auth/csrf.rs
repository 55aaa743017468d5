//! CSRF protection for HTML forms: a random token in a private cookie, echoed
//! in a hidden `csrf_token` field, plus an Origin/Referer check.

use rocket::data::{self, Data, FromData};
use rocket::form::{Contextual, Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};

use crate::auth::cookies::{is_https, CookiePolicy};
use crate::auth::error::AuthError;
use crate::auth::state::AuthState;

/// The form field carrying the token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The request's CSRF token (made and set in a cookie if missing). Put it in
/// every unsafe form as `<input type="hidden" name="csrf_token" value="...">`;
/// Hangar's templates get it as `csrf_token`.
///
/// # Example
/// ```no_run
/// use hangar::auth::CsrfToken;
/// #[rocket::get("/form")]
/// fn form(csrf: CsrfToken) -> String {
///     format!("<form method=post><input type=hidden name=csrf_token value={}></form>", csrf.as_str())
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token in `jar`, or a new one set there.
    pub fn from_jar(jar: &CookieJar<'_>, policy: CookiePolicy) -> CsrfToken {
        if let Some(c) = jar.get_private(policy.csrf_name()) {
            if c.value().len() == 64 {
                return CsrfToken(c.value().to_owned());
            }
        }
        Self::rotate(jar, policy)
    }

    /// Replaces the token (done at login).
    pub fn rotate(jar: &CookieJar<'_>, policy: CookiePolicy) -> CsrfToken {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        jar.add_private(
            Cookie::build((policy.csrf_name(), token.clone()))
                .http_only(true)
                .same_site(SameSite::Lax)
                .path("/")
                .secure(policy.secure),
        );
        CsrfToken(token)
    }
}

fn policy(req: &Request<'_>) -> CookiePolicy {
    let secure = req
        .rocket()
        .state::<AuthState>()
        .is_some_and(|s| s.config.secure_cookies);
    CookiePolicy {
        secure: secure || is_https(req),
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(CsrfToken::from_jar(req.cookies(), policy(req)))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Checks the request comes from this site's own pages: a browser's
/// `Sec-Fetch-Site` must be `same-origin` or `none` (typed or bookmarked),
/// and `Origin` (or, without it, `Referer`) must name this host. A client
/// that sends none of them (curl, a server-side client) passes.
///
/// # Errors
/// [`AuthError::Csrf`] for a cross-site fetch, a foreign or `null` origin.
pub fn check_origin(req: &Request<'_>) -> Result<(), AuthError> {
    match req.headers().get_one("Sec-Fetch-Site") {
        None | Some("same-origin") | Some("none") => {}
        Some(_) => return Err(AuthError::Csrf("cross-site request")),
    }
    // `:authority` on HTTP/2, `Host` on HTTP/1
    let host = req
        .host()
        .map(|h| h.to_string())
        .or_else(|| req.headers().get_one("Host").map(str::to_owned))
        .unwrap_or_default();
    let claimed = match (
        req.headers().get_one("Origin"),
        req.headers().get_one("Referer"),
    ) {
        (Some("null"), _) => return Err(AuthError::Csrf("opaque origin")),
        (Some(origin), _) => host_of(origin).ok_or(AuthError::Csrf("bad origin"))?,
        (None, Some(referer)) => host_of(referer).ok_or(AuthError::Csrf("bad referer"))?,
        (None, None) => return Ok(()),
    };
    if !claimed.eq_ignore_ascii_case(&host) {
        return Err(AuthError::Csrf("cross-origin request"));
    }
    // an HTTPS site's forms never come from a plain-HTTP page of the same host
    let from_plain_http = req
        .headers()
        .get_one("Origin")
        .or_else(|| req.headers().get_one("Referer"))
        .is_some_and(|o| {
            o.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        });
    if from_plain_http && is_https(req) {
        return Err(AuthError::Csrf("cross-origin request (http to https)"));
    }
    Ok(())
}

/// Checks a submitted token against the request's cookie.
///
/// # Errors
/// [`AuthError::Csrf`] when missing or different.
pub fn check_token(req: &Request<'_>, submitted: Option<&str>) -> Result<(), AuthError> {
    let expected = req
        .cookies()
        .get_private(policy(req).csrf_name())
        .ok_or(AuthError::Csrf("no CSRF cookie"))?;
    let submitted = submitted.ok_or(AuthError::Csrf("missing csrf_token"))?;
    if constant_time_eq(expected.value().as_bytes(), submitted.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::Csrf("csrf_token does not match"))
    }
}

/// A form body checked for CSRF before the handler runs: the Origin/Referer
/// must be this host and the `csrf_token` field must match the cookie. A
/// failure answers 403 and the handler never runs. Parsing is lenient and
/// keeps the raw values and per-field error messages, so the handler can
/// re-render the form.
///
/// # Example
/// ```no_run
/// use hangar::auth::CsrfForm;
/// #[derive(rocket::FromForm)]
/// struct NewNote { text: String }
///
/// #[rocket::post("/notes", data = "<form>")]
/// fn create(form: CsrfForm<'_, NewNote>) -> String {
///     match form.value() {
///         Some(note) => format!("saved {}", note.text),
///         None => format!("fix the form: {:?}", form.errors()),
///     }
/// }
/// ```
#[derive(Debug)]
pub struct CsrfForm<'r, T> {
    value: Option<T>,
    fields: Vec<(&'r str, &'r str)>,
    errors: Vec<(String, String)>,
}

impl<'r, T> CsrfForm<'r, T> {
    /// The parsed value, if every field validated.
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// Takes the parsed value out.
    pub fn into_value(self) -> Option<T> {
        self.value
    }

    /// The raw submitted value of a field (for re-rendering a form).
    pub fn field(&self, name: &str) -> Option<&'r str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// `(field, message)` for every field that did not validate.
    pub fn errors(&self) -> &[(String, String)] {
        &self.errors
    }
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromData<'r> for CsrfForm<'r, T> {
    type Error = AuthError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        if let Err(e) = check_origin(req) {
            return data::Outcome::Error((Status::Forbidden, e));
        }
        match Form::<Contextual<'r, T>>::from_data(req, data).await {
            data::Outcome::Success(form) => {
                let form = form.into_inner();
                if let Err(e) = check_token(req, form.context.field_value(CSRF_FIELD)) {
                    return data::Outcome::Error((Status::Forbidden, e));
                }
                let ctx = &form.context;
                let fields = ctx
                    .fields()
                    .filter_map(|name| Some((name.as_str(), ctx.field_value(name)?)))
                    .collect();
                let errors = ctx
                    .errors()
                    .map(|e| {
                        let name = e.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
                        (name, e.kind.to_string())
                    })
                    .collect();
                data::Outcome::Success(CsrfForm {
                    value: form.value,
                    fields,
                    errors,
                })
            }
            data::Outcome::Forward(f) => data::Outcome::Forward(f),
            data::Outcome::Error((status, _)) => {
                data::Outcome::Error((status, AuthError::Csrf("unreadable form body")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_in_constant_time_shape() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn reads_hosts_from_urls() {
        assert_eq!(host_of("https://example.com/path"), Some("example.com"));
        assert_eq!(host_of("http://localhost:8000"), Some("localhost:8000"));
        assert_eq!(host_of("garbage"), None);
    }
}
