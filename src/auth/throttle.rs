//! Login throttling: failures counted per username and per client IP in the
//! database (atomic counters), so every app instance sees the same numbers.

use crate::auth::config::AuthConfig;
use crate::auth::error::AuthError;
use crate::db::{counter, Db};

fn user_key(username: &str) -> String {
    let mut key = format!("login:user:{}", username.trim().to_lowercase());
    if key.len() > 191 {
        let mut cut = 191;
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        key.truncate(cut);
    }
    key
}

fn ip_key(ip: &str) -> String {
    format!("login:ip:{ip}")
}

/// Counts a login attempt against the username and the IP *before* the
/// password is checked (so parallel guesses cannot all slip through), and
/// refuses with [`AuthError::Throttled`] once either is past
/// `throttle_limit` in the window.
///
/// # Errors
/// [`AuthError::Throttled`]; database errors (the login fails closed).
pub async fn begin_attempt(
    db: &Db,
    config: &AuthConfig,
    username: &str,
    ip: &str,
) -> Result<(), AuthError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut worst: Option<i64> = None;
    for key in [user_key(username), ip_key(ip)] {
        let c = counter::bump(db, &key, config.throttle_window).await?;
        if c.hits > config.throttle_limit {
            let retry_after = (c.window_start + config.throttle_window - now).max(1);
            worst = Some(worst.map_or(retry_after, |w| w.max(retry_after)));
        }
    }
    match worst {
        Some(retry_after) => Err(AuthError::Throttled { retry_after }),
        None => Ok(()),
    }
}

/// After a successful login: the username's counter is cleared and the
/// attempt is taken back from the IP's (only failures count there).
///
/// # Errors
/// Database errors.
pub async fn record_success(db: &Db, username: &str, ip: &str) -> Result<(), AuthError> {
    counter::reset(db, &user_key(username)).await?;
    counter::take_back(db, &ip_key(ip)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_multibyte_usernames_make_valid_keys() {
        let name = format!("a{}", "é".repeat(120));
        let key = user_key(&name);
        assert!(key.len() <= 191);
        assert!(key.starts_with("login:user:aé"));
    }
}
