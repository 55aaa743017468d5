//! The session: a private (encrypted, authenticated) cookie holding the user
//! id, when it was issued and the user's session epoch.

use rocket::http::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

use crate::auth::config::AuthConfig;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hangar_session";

/// What the session cookie carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The user's id.
    pub uid: i64,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// The user's session epoch when issued.
    pub ep: i64,
}

impl Session {
    /// A session for this user, issued now.
    pub fn new(uid: i64, epoch: i64) -> Session {
        Session {
            uid,
            iat: time::OffsetDateTime::now_utc().unix_timestamp(),
            ep: epoch,
        }
    }

    /// The session in the request's cookies, if the cookie decrypts, parses and
    /// has not passed its absolute max age. (Whether the user still exists,
    /// is active and has the same epoch is checked by the guards.)
    pub fn from_cookies(jar: &CookieJar<'_>, config: &AuthConfig) -> Option<Session> {
        let cookie = jar.get_private(SESSION_COOKIE)?;
        let s: Session = serde_json::from_str(cookie.value()).ok()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        (s.iat <= now + 60 && now - s.iat < config.session_max_age).then_some(s)
    }

    /// Sets the cookie (a fresh encryption each time: no fixation).
    pub fn issue(self, jar: &CookieJar<'_>, config: &AuthConfig) {
        let value = serde_json::to_string(&self).unwrap_or_default();
        jar.add_private(
            Cookie::build((SESSION_COOKIE, value))
                .http_only(true)
                .same_site(SameSite::Lax)
                .path("/")
                .secure(config.secure_cookies)
                .max_age(rocket::time::Duration::seconds(config.session_max_age)),
        );
    }

    /// Removes the cookie.
    pub fn clear(jar: &CookieJar<'_>) {
        jar.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
    }
}
