//! Type-erased user operations, so views and the CLI work with any `UserModel`.

use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::config::AuthConfig;
use crate::auth::credentials::CredentialCache;
use crate::auth::error::AuthError;
use crate::auth::password::{self, PasswordError};
use crate::auth::user::{new_epoch, UserModel};
use crate::db::{Db, Schema, Value};

/// A user as the views and templates see it, whatever the model.
#[derive(Clone, Debug)]
pub struct SessionUser {
    /// Primary key.
    pub id: i64,
    /// Username.
    pub username: String,
    /// May use the admin.
    pub admin: bool,
    /// May log in.
    pub active: bool,
    /// Session epoch.
    pub epoch: i64,
    /// The row without secret fields, for templates (`user` in the context).
    pub public: serde_json::Value,
}

fn session_user<U: UserModel>(u: &U) -> SessionUser {
    SessionUser {
        id: u.user_id(),
        username: u.username().to_owned(),
        admin: u.is_admin(),
        active: u.is_active(),
        epoch: u.session_epoch(),
        public: u.to_record().to_public_json(),
    }
}

/// User operations over one user model.
#[rocket::async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// The model's schema.
    fn schema(&self) -> &'static Schema;

    /// The concrete store, for typed access.
    fn as_any(&self) -> &dyn Any;

    /// Forgets any cached row of this user (after a write that matters to sessions).
    fn forget(&self, id: i64);

    /// Forgets every cached row and remembered credential (after a lapse in
    /// hearing about revocations from other instances).
    fn forget_all(&self);

    /// The field holding the password hash.
    fn password_field(&self) -> &'static str;

    /// The session epoch field and the active flag field (if any).
    fn session_fields(&self) -> (&'static str, Option<&'static str>);

    /// The column values that store `raw` as a user's new password: the
    /// bcrypt hash (after the configured length rules) and, for an existing
    /// user (`existing`), a new session epoch that ends the user's sessions.
    ///
    /// # Errors
    /// [`AuthError::Password`]: too short, over 72 bytes, or hashing failed.
    async fn password_values(
        &self,
        config: &AuthConfig,
        raw: &str,
        existing: bool,
    ) -> Result<Vec<(&'static str, Value)>, AuthError>;

    /// The user by id.
    async fn load(&self, db: &Db, id: i64) -> Result<Option<SessionUser>, AuthError>;

    /// Checks credentials (one bcrypt verify whether or not the user exists),
    /// re-hashing at the configured cost when the stored cost differs.
    async fn authenticate(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, AuthError>;

    /// The user these exact credentials were verified for within
    /// `credentials_cache_ms`, when that user is still active with the same
    /// session epoch: no bcrypt. `None`: take the full check.
    ///
    /// # Errors
    /// Database errors reading the user row.
    async fn verified(
        &self,
        db: &Db,
        username: &str,
        raw: &str,
    ) -> Result<Option<SessionUser>, AuthError>;

    /// What the verified-credentials cache did.
    fn credential_stats(&self) -> crate::auth::CredentialStats;

    /// Sets a new session epoch, ending every session of the user; returns it.
    async fn bump_epoch(&self, db: &Db, id: i64) -> Result<i64, AuthError>;

    /// Activates or deactivates the user with a new epoch, ending every
    /// session at once (a re-activated user logs in afresh).
    async fn set_active(&self, db: &Db, id: i64, active: bool) -> Result<(), AuthError>;

    /// Validates, hashes and stores a new password and bumps the epoch.
    async fn set_password(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        raw: &str,
    ) -> Result<SessionUser, AuthError>;

    /// Creates an active user.
    async fn create(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        email: &str,
        raw: &str,
        admin: bool,
    ) -> Result<SessionUser, AuthError>;
}

/// Most rows an instance keeps cached.
const CACHE_LIMIT: usize = 10_000;

/// The [`UserStore`] of model `U`, with a short-lived per-instance cache of
/// session rows (see `session_cache_ms`).
pub struct TypedStore<U> {
    ttl: Duration,
    credentials: CredentialCache,
    cache: Mutex<HashMap<i64, (Instant, U)>>,
    /// Bumped by every `forget`: a row read before it is not cached after it.
    generation: AtomicU64,
    _model: PhantomData<fn() -> U>,
}

impl<U> TypedStore<U> {
    /// A store whose cached rows live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        TypedStore {
            ttl,
            credentials: CredentialCache::new(Duration::ZERO),
            cache: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            _model: PhantomData,
        }
    }
}

impl<U> TypedStore<U> {
    /// The same store remembering verified credentials for `ttl` (see
    /// `credentials_cache_ms`; zero: never).
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = hangar::auth::TypedStore::<hangar::auth::User>::new(Duration::from_secs(2))
    ///     .remember_credentials(Duration::from_secs(60));
    /// # let _ = store;
    /// ```
    pub fn remember_credentials(mut self, ttl: Duration) -> Self {
        self.credentials = CredentialCache::new(ttl);
        self
    }
}

impl<U: UserModel> TypedStore<U> {
    /// The user with this id, from the cache when fresh enough.
    ///
    /// # Errors
    /// Database errors.
    pub async fn user(&self, db: &Db, id: i64) -> Result<Option<U>, crate::db::Error> {
        if !self.ttl.is_zero() {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, u)) = cache.get(&id) {
                if at.elapsed() < self.ttl {
                    return Ok(Some(u.clone()));
                }
            }
        }
        let generation = self.generation.load(Ordering::Acquire);
        let found = U::select().filter_pk(id).first(db).await?;
        if !self.ttl.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if self.generation.load(Ordering::Acquire) != generation {
                // a session-relevant write happened meanwhile: do not cache what we read
                return Ok(found);
            }
            if cache.len() >= CACHE_LIMIT {
                cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
                if cache.len() >= CACHE_LIMIT {
                    cache.clear();
                }
            }
            match &found {
                Some(u) => cache.insert(id, (Instant::now(), u.clone())),
                None => cache.remove(&id),
            };
        }
        Ok(found)
    }
}

#[rocket::async_trait]
impl<U: UserModel> UserStore for TypedStore<U> {
    fn schema(&self) -> &'static Schema {
        U::schema()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn forget_all(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        cache.clear();
        drop(cache);
        self.credentials.forget_all();
    }

    fn forget(&self, id: i64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        cache.remove(&id);
        drop(cache);
        self.credentials.forget_user(id);
    }

    async fn verified(
        &self,
        db: &Db,
        username: &str,
        raw: &str,
    ) -> Result<Option<SessionUser>, AuthError> {
        let Some((id, epoch)) = self.credentials.get(username, raw) else {
            self.credentials.count(false);
            return Ok(None);
        };
        let user = self.user(db, id).await?;
        match user {
            Some(u) if u.is_active() && u.session_epoch() == epoch && u.username() == username => {
                self.credentials.count(true);
                Ok(Some(session_user(&u)))
            }
            _ => {
                // changed since: the full check decides
                self.credentials.drop_entry(username, raw);
                self.credentials.count(false);
                Ok(None)
            }
        }
    }

    fn credential_stats(&self) -> crate::auth::CredentialStats {
        self.credentials.stats()
    }

    fn password_field(&self) -> &'static str {
        U::PASSWORD_FIELD
    }

    fn session_fields(&self) -> (&'static str, Option<&'static str>) {
        (U::EPOCH_FIELD, U::ACTIVE_FIELD)
    }

    async fn password_values(
        &self,
        config: &AuthConfig,
        raw: &str,
        existing: bool,
    ) -> Result<Vec<(&'static str, Value)>, AuthError> {
        password::validate(raw, config.min_password_length)?;
        let hash = password::make_password(raw, config.bcrypt_cost).await?;
        let mut values = vec![(U::PASSWORD_FIELD, hash.into())];
        if existing {
            values.push((U::EPOCH_FIELD, new_epoch().into()));
        }
        Ok(values)
    }

    async fn load(&self, db: &Db, id: i64) -> Result<Option<SessionUser>, AuthError> {
        Ok(self.user(db, id).await?.map(|u| session_user(&u)))
    }

    async fn authenticate(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        raw: &str,
    ) -> Result<SessionUser, AuthError> {
        let Some(mut user) = U::by_username(db, username).await? else {
            password::burn_one_verify(raw, config.bcrypt_cost).await;
            return Err(AuthError::BadCredentials);
        };
        let ok = match user.check_password(raw).await {
            Ok(ok) => ok,
            Err(PasswordError::BadHash) => {
                // an unusable hash answers as slowly as a real one
                password::burn_one_verify(raw, config.bcrypt_cost).await;
                false
            }
            Err(e) => return Err(e.into()),
        };
        if !ok || !user.is_active() {
            return Err(AuthError::BadCredentials);
        }
        if password::hash_cost(user.password_hash()).is_some_and(|c| c < config.bcrypt_cost) {
            // the same password at a new cost: sessions stay
            let hash = password::make_password(raw, config.bcrypt_cost).await?;
            user.set_password_hash(hash.clone());
            crate::db::write::update_fields(
                db,
                U::schema(),
                user.pk(),
                vec![(U::PASSWORD_FIELD, hash.into())],
            )
            .await?;
        }
        self.credentials
            .put(username, raw, user.user_id(), user.session_epoch());
        Ok(session_user(&user))
    }

    async fn bump_epoch(&self, db: &Db, id: i64) -> Result<i64, AuthError> {
        let epoch = new_epoch();
        crate::db::write::update_fields(
            db,
            U::schema(),
            Value::Int(id),
            vec![(U::EPOCH_FIELD, epoch.into())],
        )
        .await?;
        self.forget(id);
        crate::auth::revocation::announce(db, id).await;
        Ok(epoch)
    }

    async fn set_active(&self, db: &Db, id: i64, active: bool) -> Result<(), AuthError> {
        let Some(field) = U::ACTIVE_FIELD else {
            return Err(crate::db::Error::UnknownField {
                model: U::schema().name,
                field: "active".into(),
                allowed: U::schema().field_names(),
            }
            .into());
        };
        // a new epoch either way: a re-activated user's old cookies stay dead
        let fields = vec![
            (field, Value::Bool(active)),
            (U::EPOCH_FIELD, new_epoch().into()),
        ];
        let n = crate::db::write::update_fields(db, U::schema(), Value::Int(id), fields).await?;
        crate::auth::events::record(
            crate::auth::events::AuthEvent::ActivityChanged,
            &format!("#{id} active={active}"),
            "",
        );
        self.forget(id);
        crate::auth::revocation::announce(db, id).await;
        if n == 0 {
            return Err(crate::db::Error::NotFound {
                model: U::schema().name,
            }
            .into());
        }
        Ok(())
    }

    async fn set_password(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        raw: &str,
    ) -> Result<SessionUser, AuthError> {
        password::validate(raw, config.min_password_length)?;
        let mut user = U::by_username(db, username)
            .await?
            .ok_or(crate::db::Error::NotFound {
                model: U::schema().name,
            })?;
        user.set_password(raw, config.bcrypt_cost).await?;
        let epoch = user.session_epoch();
        let hash = user.password_hash().to_owned();
        crate::db::write::update_fields(
            db,
            U::schema(),
            user.pk(),
            vec![
                (U::PASSWORD_FIELD, hash.into()),
                (U::EPOCH_FIELD, epoch.into()),
            ],
        )
        .await?;
        self.forget(user.user_id());
        crate::auth::revocation::announce(db, user.user_id()).await;
        let mut su = session_user(&user);
        su.epoch = epoch;
        Ok(su)
    }

    async fn create(
        &self,
        db: &Db,
        config: &AuthConfig,
        username: &str,
        email: &str,
        raw: &str,
        admin: bool,
    ) -> Result<SessionUser, AuthError> {
        password::validate(raw, config.min_password_length)?;
        let hash = password::make_password(raw, config.bcrypt_cost).await?;
        let mut user = U::new_user(username, email, hash, admin);
        user.insert(db).await?;
        Ok(session_user(&user))
    }
}

impl<U> std::fmt::Debug for TypedStore<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedStore")
            .field("ttl", &self.ttl)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}
