//! The session: a private (encrypted, authenticated) cookie holding the user
//! id, when it was issued, when it was last used and the user's session
//! epoch.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};
use serde::{Deserialize, Serialize};

use crate::auth::config::AuthConfig;

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
            crate::auth::csrf::SECURE_CSRF_COOKIE
        } else {
            crate::auth::csrf::CSRF_COOKIE
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
        let config = match req.rocket().state::<crate::auth::AuthState>() {
            Some(state) => &state.config,
            None => {
                default_config = AuthConfig::default();
                &default_config
            }
        };
        Outcome::Success(CookiePolicy::of(req, config))
    }
}

/// What the session cookie carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The user's id.
    pub uid: i64,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// The user's session epoch when issued.
    pub ep: i64,
    /// Last seen (unix seconds): renewed at most once a minute while the
    /// session is used; past `session_idle_timeout` it ends.
    #[serde(default)]
    pub seen: i64,
}

/// How stale `seen` may get before the cookie is renewed.
const RENEW_AFTER_SECS: i64 = 60;

impl Session {
    /// A session for this user, issued now.
    pub fn new(uid: i64, epoch: i64) -> Session {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Session {
            uid,
            iat: now,
            ep: epoch,
            seen: now,
        }
    }

    /// The session in the request's cookies (under the name `policy` gives
    /// it), if the cookie decrypts, parses and has not passed its absolute
    /// max age. (Whether the user still exists, is active and has the same
    /// epoch is checked by the guards.)
    pub fn from_cookies(
        jar: &CookieJar<'_>,
        config: &AuthConfig,
        policy: CookiePolicy,
    ) -> Option<Session> {
        let cookie = jar.get_private(policy.session_name())?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Session::decode(cookie.value(), config, now)
    }

    /// A decrypted cookie value as a session that is still good at `now`
    /// (unix seconds): it parses, was not issued in the future, and has
    /// passed neither the absolute nor the idle timeout.
    pub(crate) fn decode(value: &str, config: &AuthConfig, now: i64) -> Option<Session> {
        let s: Session = serde_json::from_str(value).ok()?;
        let fresh =
            s.iat <= now.saturating_add(60) && now.saturating_sub(s.iat) < config.session_max_age;
        let idle = config.session_idle_timeout > 0
            && now.saturating_sub(s.seen.max(s.iat)) >= config.session_idle_timeout;
        (fresh && !idle).then_some(s)
    }

    /// After the session was used: renews the cookie's last-seen time when
    /// it is over a minute old (keeps the issue time, so the absolute max
    /// age still counts from login).
    pub fn touch(self, jar: &CookieJar<'_>, config: &AuthConfig, policy: CookiePolicy) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if config.session_idle_timeout > 0 && now - self.seen.max(self.iat) >= RENEW_AFTER_SECS {
            let remaining = config.session_max_age - (now - self.iat);
            let value = serde_json::to_string(&Session { seen: now, ..self }).unwrap_or_default();
            jar.add_private(
                Cookie::build((policy.session_name(), value))
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .path("/")
                    .secure(policy.secure)
                    .max_age(time::Duration::seconds(remaining.max(0))),
            );
        }
    }

    /// Sets the cookie (a fresh encryption each time: no fixation).
    pub fn issue(self, jar: &CookieJar<'_>, config: &AuthConfig, policy: CookiePolicy) {
        let value = serde_json::to_string(&self).unwrap_or_default();
        jar.add_private(
            Cookie::build((policy.session_name(), value))
                .http_only(true)
                .same_site(SameSite::Lax)
                .path("/")
                .secure(policy.secure)
                .max_age(time::Duration::seconds(config.session_max_age)),
        );
    }

    /// Removes the cookie (under either name).
    pub fn clear(jar: &CookieJar<'_>) {
        for name in [SESSION_COOKIE, SECURE_SESSION_COOKIE] {
            if jar.get_private(name).is_some() {
                jar.remove_private(Cookie::build(name).path("/"));
            }
        }
    }
}
