//! Verified credentials, remembered: after a successful HTTP Basic check the
//! instance keeps, for a short time, an HMAC of the username and password
//! under a secret of its own (never the password, never a hash an attacker
//! could use elsewhere) with the user's id and session epoch. The same
//! credentials again skip bcrypt — a clients sending Basic on every request
//! (flask-peewee's default) costs one bcrypt verify per `credentials_cache_ms`
//! instead of one per request.
//!
//! An entry is good only while the user row (read through the session
//! cache) is active and carries the same session epoch: a password change,
//! a deactivation or a logout-everywhere on this instance drops the user's
//! entries at once (`forget`), and other instances see the new epoch within
//! `session_cache_ms`. Failures are never remembered: a wrong password
//! takes the full check and counts against the throttle as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Most entries an instance keeps.
const LIMIT: usize = 10_000;

type Digest = [u8; 32];

#[derive(Clone, Copy, Debug)]
struct Entry {
    user_id: i64,
    epoch: i64,
    at: Instant,
}

/// What the cache did, for monitoring and tests.
///
/// ```
/// let stats = hangar::auth::CredentialStats::default();
/// assert_eq!((stats.hits, stats.misses), (0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CredentialStats {
    /// Checks answered from the cache (no bcrypt).
    pub hits: u64,
    /// Checks that took the full path.
    pub misses: u64,
}

/// The per-instance cache of verified credentials.
pub(crate) struct CredentialCache {
    secret: Digest,
    ttl: Duration,
    entries: Mutex<HashMap<Digest, Entry>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CredentialCache {
    /// A cache whose entries live `ttl` (zero: nothing is remembered), keyed
    /// with a secret drawn for this process.
    pub(crate) fn new(ttl: Duration) -> CredentialCache {
        let mut secret = [0u8; 32];
        secret[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        secret[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        CredentialCache {
            secret,
            ttl,
            entries: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn digest(&self, username: &str, password: &str) -> Digest {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        // lengths first: ("ab", "c") and ("a", "bc") never meet
        mac.update(&(username.len() as u64).to_be_bytes());
        mac.update(username.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The user id and epoch these credentials were verified for, when
    /// remembered and fresh.
    pub(crate) fn get(&self, username: &str, password: &str) -> Option<(i64, i64)> {
        if self.ttl.is_zero() {
            return None;
        }
        let key = self.digest(username, password);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&key) {
            Some(e) if e.at.elapsed() < self.ttl => Some((e.user_id, e.epoch)),
            _ => None,
        }
    }

    /// Remembers credentials just verified for `user_id` at `epoch`.
    pub(crate) fn put(&self, username: &str, password: &str, user_id: i64, epoch: i64) {
        if self.ttl.is_zero() {
            return;
        }
        let key = self.digest(username, password);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= LIMIT {
            entries.retain(|_, e| e.at.elapsed() < self.ttl);
            if entries.len() >= LIMIT {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                user_id,
                epoch,
                at: Instant::now(),
            },
        );
    }

    /// Drops one remembered credential (found stale).
    pub(crate) fn drop_entry(&self, username: &str, password: &str) {
        let key = self.digest(username, password);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&key);
    }

    /// Drops every credential remembered for the user.
    pub(crate) fn forget_user(&self, user_id: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, e| e.user_id != user_id);
    }

    /// Drops every remembered credential.
    pub(crate) fn forget_all(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clear();
    }

    pub(crate) fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self) -> CredentialStats {
        CredentialStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(feature = "rest")]
/// One credential check at a time per username: a burst of requests with
/// the same cold credentials (a client starting 32 connections at once) takes
/// one bcrypt verify, the rest wait for it and are answered from the cache —
/// instead of 32 verifies racing, each reserving a throttle attempt.
#[derive(Default)]
pub(crate) struct CheckTurns {
    turns: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

#[cfg(feature = "rest")]
/// A username's turn to check credentials; the next waiter goes on drop.
pub(crate) struct Turn<'a> {
    turns: &'a CheckTurns,
    username: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Whether another check of the username was ahead of this one.
    pub(crate) waited: bool,
}

#[cfg(feature = "rest")]
impl CheckTurns {
    /// Waits for the username's checks ahead of this one.
    pub(crate) async fn wait(&self, username: &str) -> Turn<'_> {
        let lock = {
            let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
            turns.entry(username.to_owned()).or_default().clone()
        };
        let (guard, waited) = match lock.clone().try_lock_owned() {
            Ok(guard) => (guard, false),
            Err(_) => (lock.lock_owned().await, true),
        };
        Turn {
            turns: self,
            username: username.to_owned(),
            guard: Some(guard),
            waited,
        }
    }
}

#[cfg(feature = "rest")]
impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut turns = self.turns.turns.lock().unwrap_or_else(|e| e.into_inner());
        // nobody else holds or waits for it: the entry goes
        if turns
            .get(&self.username)
            .is_some_and(|l| std::sync::Arc::strong_count(l) == 1)
        {
            turns.remove(&self.username);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_exact_credentials_only_and_forgets_per_user() {
        let cache = CredentialCache::new(Duration::from_secs(60));
        cache.put("huey", "meow-meow", 7, 1);
        assert_eq!(cache.get("huey", "meow-meow"), Some((7, 1)));
        assert_eq!(cache.get("huey", "meow-meoW"), None);
        assert_eq!(
            cache.get("hue", "ymeow-meow"),
            None,
            "no ambiguity across the split"
        );
        cache.forget_user(7);
        assert_eq!(cache.get("huey", "meow-meow"), None);
        let off = CredentialCache::new(Duration::ZERO);
        off.put("huey", "meow-meow", 7, 1);
        assert_eq!(off.get("huey", "meow-meow"), None);
    }

    #[test]
    fn two_processes_never_share_keys() {
        let (a, b) = (
            CredentialCache::new(Duration::from_secs(1)),
            CredentialCache::new(Duration::from_secs(1)),
        );
        assert_ne!(a.digest("u", "p"), b.digest("u", "p"));
    }
}
