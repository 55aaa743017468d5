//! The cookies' names and flags: `Secure` with `__Host-` names over HTTPS
//! ([`CookiePolicy`]), for the session and the CSRF cookie alike.

use rocket::request::{FromRequest, Outcome, Request};

use crate::auth::config::AuthConfig;
use crate::auth::state::AuthState;

/// The CSRF cookie's name over plain HTTP.
pub const CSRF_COOKIE: &str = "hangar_csrf";
/// The CSRF cookie's name over HTTPS (see [`CookiePolicy`]).
pub const SECURE_CSRF_COOKIE: &str = "__Host-hangar_csrf";

/// The session cookie's name over plain HTTP.
pub const SESSION_COOKIE: &str = "hangar_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes
/// browsers refuse it unless it is `Secure`, for this host only and for
/// every path, so a sibling subdomain or a plain-HTTP page cannot plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-hangar_session";

/// How a request's cookies are flagged and named: `Secure` with `__Host-`
/// names when the request came over HTTPS (TLS, or a proxy saying so with
/// `X-Forwarded-Proto: https` or `Forwarded: proto=https`) or when
/// `secure_cookies` says always. A request guard that never fails.
///
/// ```
/// use hangar::auth::CookiePolicy;
/// let over_https = CookiePolicy { secure: true };
/// assert_eq!(over_https.session_name(), "__Host-hangar_session");
/// assert_eq!(CookiePolicy { secure: false }.csrf_name(), "hangar_csrf");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookiePolicy {
    /// `Secure` cookies with `__Host-` names.
    pub secure: bool,
}

impl CookiePolicy {
    /// The policy for `req` under `config`.
    pub fn of(req: &Request<'_>, config: &AuthConfig) -> CookiePolicy {
        CookiePolicy {
            secure: config.secure_cookies || is_https(req),
        }
    }

    /// The session cookie's name.
    pub fn session_name(self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// The CSRF cookie's name.
    pub fn csrf_name(self) -> &'static str {
        if self.secure {
            SECURE_CSRF_COOKIE
        } else {
            CSRF_COOKIE
        }
    }
}

/// Whether the request reached the app over HTTPS: Rocket's own TLS, or a
/// proxy in front saying so. A client claiming HTTPS over plain HTTP only
/// gets cookies its browser will not send back over HTTP: the claim can
/// make cookies stricter, never looser.
pub fn is_https(req: &Request<'_>) -> bool {
    if req.rocket().config().tls_enabled() {
        return true;
    }
    let headers = req.headers();
    headers
        .get_one("X-Forwarded-Proto")
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        || headers.get_one("Forwarded").is_some_and(|f| {
            f.split([';', ','])
                .any(|part| part.trim().eq_ignore_ascii_case("proto=https"))
        })
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CookiePolicy {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let default_config;
        let config = match req.rocket().state::<AuthState>() {
            Some(state) => &state.config,
            None => {
                default_config = AuthConfig::default();
                &default_config
            }
        };
        Outcome::Success(CookiePolicy::of(req, config))
    }
}
