//! Login throttling, in the database (atomic counters) so every app instance
//! sees the same numbers, in django-axes' combination mode:
//!
//! - a **(username, client)** pair is locked out past `throttle_limit`
//!   failures in the window: one client guessing one account;
//! - a **client** is locked out past `throttle_limit` failures across
//!   usernames: one client guessing many accounts;
//! - a **username**, counted from every client, is never locked: past
//!   `throttle_limit` failures each attempt on it waits
//!   `throttle_user_delay_ms` first, so a distributed guesser is slowed while
//!   the owner, from their own client, still logs in.
//!
//! IPv6 clients are counted by their /64 prefix (one host holds a whole /64).

use std::net::IpAddr;

use crate::auth::config::AuthConfig;
use crate::auth::error::AuthError;
use crate::db::{counter, Db};

/// The longest counter name the counter table takes.
const MAX_KEY: usize = 191;

fn bounded(mut key: String) -> String {
    if key.len() > MAX_KEY {
        let mut cut = MAX_KEY;
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        key.truncate(cut);
    }
    key
}

fn normal_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The client as counted: an IPv4 address, or an IPv6 address's /64.
fn client_of(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

fn user_key(username: &str) -> String {
    bounded(format!("login:user:{}", normal_username(username)))
}

fn pair_key(username: &str, ip: &str) -> String {
    // the client first: a long username cannot push it out of the key
    bounded(format!(
        "login:pair:{}:{}",
        client_of(ip),
        normal_username(username)
    ))
}

fn ip_key(ip: &str) -> String {
    format!("login:ip:{}", client_of(ip))
}

/// Counts a login attempt *before* the password is checked (so parallel
/// guesses cannot all slip through): refuses with [`AuthError::Throttled`]
/// once the (username, client) pair or the client is past `throttle_limit`
/// in the window, and waits `throttle_user_delay_ms` when only the
/// username (from all clients together) is.
///
/// # Errors
/// [`AuthError::Throttled`]; database errors (the login fails closed).
pub async fn begin_attempt(
    db: &Db,
    config: &AuthConfig,
    username: &str,
    ip: &str,
) -> Result<(), AuthError> {
    let db = &db.primary();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut worst: Option<i64> = None;
    for key in [pair_key(username, ip), ip_key(ip)] {
        let c = counter::bump(db, &key, config.throttle_window).await?;
        if c.hits > config.throttle_limit {
            let retry_after = (c.window_start + config.throttle_window - now).max(1);
            worst = Some(worst.map_or(retry_after, |w| w.max(retry_after)));
        }
    }
    if let Some(retry_after) = worst {
        return Err(AuthError::Throttled { retry_after });
    }
    let account = counter::bump(db, &user_key(username), config.throttle_window).await?;
    if account.hits > config.throttle_limit && config.throttle_user_delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(
            config.throttle_user_delay_ms,
        ))
        .await;
    }
    Ok(())
}

/// After a successful login: the username's and the pair's counters are
/// cleared and the attempt is taken back from the client's (only failures
/// count there).
///
/// # Errors
/// Database errors.
pub async fn record_success(db: &Db, username: &str, ip: &str) -> Result<(), AuthError> {
    counter::reset(db, &user_key(username)).await?;
    counter::reset(db, &pair_key(username, ip)).await?;
    counter::take_back(db, &ip_key(ip)).await?;
    Ok(())
}

/// Counts a failed check of a secret that is no password (an API key's
/// secret, a bearer token) against the client, and refuses with
/// [`AuthError::Throttled`] past `throttle_limit`: a client cannot guess
/// tokens any faster than passwords.
///
/// # Errors
/// [`AuthError::Throttled`]; database errors.
pub async fn record_secret_failure(
    db: &Db,
    config: &AuthConfig,
    ip: &str,
) -> Result<(), AuthError> {
    let c = counter::bump(db, &ip_key(ip), config.throttle_window).await?;
    if c.hits > config.throttle_limit {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        return Err(AuthError::Throttled {
            retry_after: (c.window_start + config.throttle_window - now).max(1),
        });
    }
    Ok(())
}

/// Counts one costly action of a client that is no login (a sign-up, which
/// hashes a password) under `action`, and refuses with
/// [`AuthError::Throttled`] past `throttle_limit` in the window: a client
/// cannot make the server burn bcrypt at will.
///
/// # Errors
/// [`AuthError::Throttled`]; database errors.
pub async fn limit_client_action(
    db: &Db,
    config: &AuthConfig,
    action: &str,
    ip: &str,
) -> Result<(), AuthError> {
    let key = bounded(format!("{action}:ip:{}", client_of(ip)));
    let c = counter::bump(db, &key, config.throttle_window).await?;
    if c.hits > config.throttle_limit {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        return Err(AuthError::Throttled {
            retry_after: (c.window_start + config.throttle_window - now).max(1),
        });
    }
    Ok(())
}

/// Whether the client is past `throttle_limit` already (checked before a
/// key or token is looked up).
///
/// # Errors
/// [`AuthError::Throttled`]; database errors.
pub async fn check_client(db: &Db, config: &AuthConfig, ip: &str) -> Result<(), AuthError> {
    // counters are read on the primary: a lagging replica would undercount
    let db = &db.primary();
    match counter::get(db, &ip_key(ip), config.throttle_window).await? {
        Some(c) if c.hits >= config.throttle_limit => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            Err(AuthError::Throttled {
                retry_after: (c.window_start + config.throttle_window - now).max(1),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_multibyte_usernames_make_valid_keys() {
        let name = format!("a{}", "é".repeat(120));
        let key = user_key(&name);
        assert!(key.len() <= MAX_KEY);
        assert!(key.starts_with("login:user:aé"));
        let pair = pair_key(&name, "2001:db8::1");
        assert!(pair.len() <= MAX_KEY);
        assert!(
            pair.starts_with("login:pair:2001:db8:0:0::/64:aé"),
            "{pair}"
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1"),
            ip_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(ip_key("2001:db8:1:2::1"), ip_key("2001:db8:1:3::1"));
        assert_eq!(ip_key("::ffff:10.0.0.1"), "login:ip:10.0.0.1");
        assert_eq!(ip_key("10.0.0.1"), "login:ip:10.0.0.1");
    }
}
