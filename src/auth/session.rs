//! The session: a private (encrypted, authenticated) cookie holding the user
//! id, when it was issued, when it was last used and the user's session
//! epoch.

use rocket::http::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

use crate::auth::config::AuthConfig;
use crate::auth::cookies::{CookiePolicy, SECURE_SESSION_COOKIE, SESSION_COOKIE};

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
