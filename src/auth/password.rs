//! Password hashing with bcrypt, always off the async workers.

use std::sync::OnceLock;

/// Why a password was refused or could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Shorter than `min_password_length`.
    #[error("password must be at least {min} characters")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// Longer than bcrypt's 72 bytes: refused rather than silently truncated.
    #[error("password must be at most 72 bytes")]
    TooLong,
    /// Among the passwords most often used (and first tried by guessers).
    #[error("password is too common")]
    TooCommon,
    /// The same character over and over.
    #[error("password must not repeat one character")]
    Repeated,
    /// The stored hash is not a bcrypt hash.
    #[error("stored password hash is not a bcrypt hash")]
    BadHash,
    /// The hashing task failed.
    #[error("password hashing failed: {0}")]
    Internal(String),
}

impl PasswordError {
    /// Whether hashing itself failed (a server fault), not the password.
    pub fn is_internal(&self) -> bool {
        matches!(self, PasswordError::Internal(_))
    }
}

/// bcrypt's input limit.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Checks a new password against the length rules.
///
/// # Errors
/// [`PasswordError::TooShort`] or [`PasswordError::TooLong`].
///
/// # Example
/// ```
/// use hangar::auth::password::{validate, PasswordError};
/// assert_eq!(validate("short", 8), Err(PasswordError::TooShort { min: 8 }));
/// assert_eq!(validate(&"x".repeat(73), 8), Err(PasswordError::TooLong));
/// assert_eq!(validate("Password123", 8), Err(PasswordError::TooCommon));
/// assert_eq!(validate("zzzzzzzzzz", 8), Err(PasswordError::Repeated));
/// assert!(validate("long enough", 8).is_ok());
/// ```
pub fn validate(raw: &str, min_length: usize) -> Result<(), PasswordError> {
    if raw.chars().count() < min_length {
        return Err(PasswordError::TooShort { min: min_length });
    }
    if raw.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    let mut chars = raw.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PasswordError::Repeated);
    }
    let lower = raw.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|common| common == lower) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

/// Passwords of 8 characters or more found at the top of leaked-password
/// lists (compared without case): refused outright, as Django's
/// `CommonPasswordValidator` does.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Hashes a password with bcrypt at `cost` on the blocking pool.
///
/// # Errors
/// [`PasswordError::TooLong`] past 72 bytes (never truncated).
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::auth::password::{check_password, make_password};
/// let hash = make_password("correct horse", 4).await.unwrap();
/// assert!(check_password("correct horse", &hash).await.unwrap());
/// assert!(!check_password("wrong horse", &hash).await.unwrap());
/// # });
/// ```
pub async fn make_password(raw: &str, cost: u32) -> Result<String, PasswordError> {
    if raw.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    // At most 72 bytes: bcrypt uses every byte (only its NUL terminator can
    // fall off), so nothing of the password is lost.
    let raw = raw.to_owned();
    tokio::task::spawn_blocking(move || bcrypt::hash(raw, cost))
        .await
        .map_err(|e| PasswordError::Internal(e.to_string()))?
        .map_err(|e| PasswordError::Internal(e.to_string()))
}

/// Checks a password against a stored bcrypt hash (constant-time compare
/// inside bcrypt) on the blocking pool. A password over 72 bytes never matches.
///
/// # Errors
/// [`PasswordError::BadHash`] for a hash that is not bcrypt.
pub async fn check_password(raw: &str, hash: &str) -> Result<bool, PasswordError> {
    if raw.len() > MAX_PASSWORD_BYTES {
        // still spend the time of one verify: no length oracle
        let _ = dummy_verify(raw.as_bytes()[..MAX_PASSWORD_BYTES].to_vec(), hash).await;
        return Ok(false);
    }
    let (raw, hash) = (raw.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || bcrypt::verify(raw, &hash))
        .await
        .map_err(|e| PasswordError::Internal(e.to_string()))?
        .map_err(|_| PasswordError::BadHash)
}

async fn dummy_verify(raw: Vec<u8>, hash: &str) -> bool {
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || bcrypt::verify(raw, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
}

/// The cost a bcrypt hash was made with (`$2b$12$...` → 12).
///
/// # Example
/// ```
/// let h = "$2b$04$abcdefghijklmnopqrstuuKbX8jJrwZyKbc1h7yKQeXq2SXUh2tiy";
/// assert_eq!(hangar::auth::password::hash_cost(h), Some(4));
/// assert_eq!(hangar::auth::password::hash_cost("nope"), None);
/// ```
pub fn hash_cost(hash: &str) -> Option<u32> {
    let mut parts = hash.split('$');
    let (_, variant, cost) = (parts.next()?, parts.next()?, parts.next()?);
    if !matches!(variant, "2a" | "2b" | "2x" | "2y") {
        return None;
    }
    cost.parse().ok()
}

/// Spends one bcrypt verify at `cost` against a throwaway hash, so a login
/// for an unknown username takes as long as a wrong password.
pub async fn burn_one_verify(raw: &str, cost: u32) {
    static DUMMIES: OnceLock<std::sync::Mutex<Vec<(u32, String)>>> = OnceLock::new();
    let dummies = DUMMIES.get_or_init(Default::default);
    let existing = dummies
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(c, _)| *c == cost)
        .map(|(_, h)| h.clone());
    let hash = match existing {
        Some(h) => h,
        None => {
            let h = make_password("hangar-dummy-password", cost)
                .await
                .unwrap_or_default();
            dummies
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((cost, h.clone()));
            h
        }
    };
    let raw: Vec<u8> = raw
        .as_bytes()
        .iter()
        .take(MAX_PASSWORD_BYTES)
        .copied()
        .collect();
    let _ = dummy_verify(raw, &hash).await;
}
