//! Login throttling: failures counted per username and per client IP in the
//! database (atomic counters), so every app instance sees the same numbers.

use crate::auth::config::AuthConfig;
use crate::auth::error::AuthError;
use crate::db::{counter, Db};

fn user_key(username: &str) -> String {
    let mut key = format!("login:user:{}", username.trim().to_lowercase());
    key.truncate(191);
    key
}

fn ip_key(ip: &str) -> String {
    format!("login:ip:{ip}")
}

/// Refuses with [`AuthError::Throttled`] while the username or the IP has
/// `throttle_limit` failures in the window.
///
/// # Errors
/// [`AuthError::Throttled`], database errors.
pub async fn check(
    db: &Db,
    config: &AuthConfig,
    username: &str,
    ip: &str,
) -> Result<(), AuthError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for key in [user_key(username), ip_key(ip)] {
        if let Some(c) = counter::get(db, &key, config.throttle_window).await? {
            if c.hits >= config.throttle_limit {
                let retry_after = (c.window_start + config.throttle_window - now).max(1);
                return Err(AuthError::Throttled { retry_after });
            }
        }
    }
    Ok(())
}

/// Counts one failure against the username and the IP.
///
/// # Errors
/// Database errors.
pub async fn record_failure(
    db: &Db,
    config: &AuthConfig,
    username: &str,
    ip: &str,
) -> Result<(), AuthError> {
    counter::bump(db, &user_key(username), config.throttle_window).await?;
    counter::bump(db, &ip_key(ip), config.throttle_window).await?;
    Ok(())
}

/// Clears the username's failures after a successful login (the IP's stay).
///
/// # Errors
/// Database errors.
pub async fn record_success(db: &Db, username: &str) -> Result<(), AuthError> {
    counter::reset(db, &user_key(username)).await?;
    Ok(())
}
