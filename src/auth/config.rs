//! `[default.hangar.auth]`.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Section};

/// The auth battery's settings, every one with a default.
///
/// # Example
/// ```
/// let c = hangar::auth::AuthConfig::default();
/// assert_eq!(c.prefix, "/accounts");
/// assert_eq!(c.bcrypt_cost, 12);
/// assert_eq!(c.session_max_age, 14 * 24 * 3600);
/// assert_eq!(c.session_cache_ms, 2000);
/// assert_eq!(c.credentials_cache_ms, 60_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Where the login/logout/password views are mounted.
    pub prefix: String,
    /// The built-in user model's table (always quoted, so `user` works on PostgreSQL).
    pub user_table: String,
    /// Where to go after login (or logout) when no safe `next` is given.
    pub default_next_url: String,
    /// Absolute session lifetime in seconds (14 days).
    pub session_max_age: i64,
    /// A session unused for this many seconds ends (24 hours); `0`: never.
    pub session_idle_timeout: i64,
    /// bcrypt cost for new hashes (4..=31; tests use 4).
    pub bcrypt_cost: u32,
    /// Minimum password length in characters.
    pub min_password_length: usize,
    /// Failed logins allowed within the window per (username, client) pair
    /// and per client across usernames before they are refused (429).
    /// Failures on one username from every client together past this only
    /// slow its logins (`throttle_user_delay_ms`): nobody can lock another
    /// person's account.
    pub throttle_limit: i64,
    /// The wait (milliseconds) before each login attempt on a username that
    /// is past `throttle_limit` failures from all clients together. `0`: none.
    pub throttle_user_delay_ms: u64,
    /// The throttle window in seconds (3 minutes).
    pub throttle_window: i64,
    /// Mark session and CSRF cookies `Secure` (with `__Host-` names) on
    /// every request. Without it they are so whenever the request came
    /// over HTTPS: Rocket's TLS, or a proxy sending `X-Forwarded-Proto:
    /// https` or `Forwarded: proto=https`. `false` never loosens that.
    pub secure_cookies: bool,
    /// `Strict-Transport-Security: max-age=<this>; includeSubDomains` on
    /// answers to HTTPS requests; `0` (the default) sends none. Set it once
    /// the site is served over HTTPS only: browsers then refuse plain HTTP.
    pub hsts_max_age: u64,
    /// The `Content-Security-Policy` of HTML pages outside the admin (which
    /// has its own); `""` sends none. The default allows this site's own
    /// scripts, styles (inline ones too) and images, and no framing.
    pub content_security_policy: String,
    /// A header carrying the client IP set by a trusted proxy (`X-Real-IP`);
    /// unset means the socket address is used.
    pub trusted_proxy_header: Option<String>,
    /// How long (milliseconds) an instance may reuse a session's user row
    /// before reading it again. Logout, password changes and deactivation
    /// through Hangar take effect at once on the instance that made them, and
    /// on other instances within this time. `0` reads the row on every request.
    pub session_cache_ms: u64,
    /// How long (milliseconds) an instance remembers HTTP Basic credentials
    /// it verified, keyed by an HMAC under a per-process secret, so a client
    /// sending them on every request pays bcrypt once per this time. Entries
    /// go at once on a password change, deactivation or logout-everywhere
    /// on this instance, and on others within `session_cache_ms`. `0`: off.
    pub credentials_cache_ms: u64,
}

/// The default [`AuthConfig::content_security_policy`].
pub(super) const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            prefix: "/accounts".into(),
            user_table: "user".into(),
            default_next_url: "/".into(),
            session_max_age: 14 * 24 * 3600,
            session_idle_timeout: 24 * 3600,
            bcrypt_cost: 12,
            min_password_length: 8,
            throttle_limit: 10,
            throttle_user_delay_ms: 1000,
            throttle_window: 180,
            secure_cookies: false,
            hsts_max_age: 0,
            content_security_policy: DEFAULT_CSP.into(),
            trusted_proxy_header: None,
            session_cache_ms: 2000,
            credentials_cache_ms: 60_000,
        }
    }
}

impl Section for AuthConfig {
    const KEY: &'static str = "hangar.auth";

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key, message: &str| Err(ConfigError::invalid(Self::KEY, key, message));
        if !(4..=31).contains(&self.bcrypt_cost) {
            return bad("bcrypt_cost", "must be between 4 and 31");
        }
        if !self.prefix.starts_with('/') || self.prefix.ends_with('/') && self.prefix.len() > 1 {
            return bad("prefix", "must start with `/` and not end with one");
        }
        for (key, value) in [
            ("session_max_age", self.session_max_age),
            ("throttle_window", self.throttle_window),
            ("throttle_limit", self.throttle_limit),
        ] {
            if value <= 0 {
                return bad(key, "must be positive");
            }
        }
        if self.session_idle_timeout < 0 {
            return bad("session_idle_timeout", "must not be negative");
        }
        if self.user_table.is_empty() {
            return bad("user_table", "must not be empty");
        }
        Ok(())
    }
}

impl AuthConfig {
    /// The login URL (`/accounts/login/`).
    pub fn login_url(&self) -> String {
        format!("{}/login/", self.prefix.trim_end_matches('/'))
    }
}
