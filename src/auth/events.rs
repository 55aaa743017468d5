//! The auth event log: one line per security-relevant event (logins that
//! succeed, fail or are throttled, logouts, password and activity changes,
//! key and token failures), under the log target `hangar::auth::events` so
//! an app can route them to their own sink. Passwords and tokens never
//! appear; usernames are quoted as given (escaped by `{:?}`, so a crafted
//! name cannot forge a line).

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthEvent {
    /// A password was accepted (form login or HTTP Basic).
    LoginSucceeded,
    /// A password was refused.
    LoginFailed,
    /// An attempt was refused by the throttle before any check.
    Throttled,
    /// A session was ended by its user.
    Logout,
    /// A password was changed.
    PasswordChanged,
    /// A user was activated or deactivated.
    ActivityChanged,
    /// An API key secret or bearer token was refused.
    SecretRefused,
}

impl AuthEvent {
    /// The event's name in the log.
    pub fn name(self) -> &'static str {
        match self {
            AuthEvent::LoginSucceeded => "login_succeeded",
            AuthEvent::LoginFailed => "login_failed",
            AuthEvent::Throttled => "throttled",
            AuthEvent::Logout => "logout",
            AuthEvent::PasswordChanged => "password_changed",
            AuthEvent::ActivityChanged => "activity_changed",
            AuthEvent::SecretRefused => "secret_refused",
        }
    }
}

/// Logs `event` for `who` (a username or user id) from `client` (an IP).
///
/// ```
/// use hangar::auth::events::{record, AuthEvent};
/// record(AuthEvent::LoginFailed, "alice", "127.0.0.1");
/// ```
pub fn record(event: AuthEvent, who: &str, client: &str) {
    let line = format!("auth event={} user={who:?} client={client:?}", event.name());
    match event {
        AuthEvent::LoginFailed | AuthEvent::Throttled | AuthEvent::SecretRefused => {
            log::warn!(target: "hangar::auth::events", "{line}");
        }
        _ => log::info!(target: "hangar::auth::events", "{line}"),
    }
}
