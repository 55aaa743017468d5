//! Who is calling: per-resource authentication (flask-peewee's
//! `Authentication`, `UserAuthentication`, `AdminAuthentication`).

use base64::Engine as _;
use rocket::http::Method;
use rocket::request::Request;

use crate::auth::{client_ip, current_user, throttle, AuthState};
use crate::db::Db;
use crate::rest::caller::{ApiKey, ApiUser};
use crate::rest::error::ApiError;

/// The HTTP methods the API serves.
pub const ALL_METHODS: &[Method] = &[
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
];

/// The unsafe methods (what `Authentication` protects by default).
pub const WRITE_METHODS: &[Method] = &[Method::Post, Method::Put, Method::Patch, Method::Delete];

/// Decides who the caller is for the methods it protects.
///
/// `authenticate` returns the caller (or `None` for anonymous); a protected
/// method with no accepted caller answers 401 with a Basic challenge.
#[rocket::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The methods that need an accepted caller.
    fn protected_methods(&self) -> &[Method];

    /// Identifies the caller.
    ///
    /// # Errors
    /// An [`ApiError`] (401, 403 for a failed CSRF check, 429 when throttled).
    async fn authenticate(&self, req: &Request<'_>) -> Result<Option<ApiUser>, ApiError>;

    /// Whether an identified caller is accepted (default: any user).
    fn accepts(&self, _user: &ApiUser) -> bool {
        true
    }

    /// Query-string names that carry credentials (not filters).
    fn reserved_params(&self) -> &[&'static str] {
        &[]
    }
}

/// The caller `auth` identifies and accepts, or 401 (or the authenticator's
/// own error: 403 for a failed CSRF check, 429 when throttled).
pub(crate) async fn accepted_caller(
    auth: &dyn Authenticator,
    req: &Request<'_>,
) -> Result<ApiUser, ApiError> {
    match auth.authenticate(req).await? {
        Some(user) if auth.accepts(&user) => Ok(user),
        _ => Err(ApiError::unauthorized()),
    }
}

/// Reads open to all, writes refused (401): flask-peewee's base `Authentication`.
///
/// # Example
/// ```
/// use hangar::rest::{Authentication, Authenticator};
/// assert_eq!(Authentication::default().protected_methods().len(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct Authentication {
    protected: Vec<Method>,
}

impl Default for Authentication {
    fn default() -> Self {
        Authentication {
            protected: WRITE_METHODS.to_vec(),
        }
    }
}

#[rocket::async_trait]
impl Authenticator for Authentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    async fn authenticate(&self, _req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        Ok(None)
    }
}

/// Users of the `Auth` battery, by HTTP Basic credentials or by the session
/// cookie (unsafe methods then need the `X-CSRF-Token` header). Failed Basic
/// attempts count towards login throttling.
///
/// # Example
/// ```
/// use hangar::rest::{Authenticator, UserAuthentication, ALL_METHODS};
/// let everything = UserAuthentication::default().protect(ALL_METHODS);
/// assert_eq!(everything.protected_methods().len(), 5);
/// ```
#[derive(Clone, Debug)]
pub struct UserAuthentication {
    protected: Vec<Method>,
    admin_only: bool,
}

impl Default for UserAuthentication {
    fn default() -> Self {
        UserAuthentication {
            protected: WRITE_METHODS.to_vec(),
            admin_only: false,
        }
    }
}

/// The `protect` builder of authenticators that keep their methods in a
/// `protected` field: one definition for all of them.
macro_rules! protect_builder {
    ($($authenticator:ty),*) => {$(
        impl $authenticator {
            /// Protects these methods instead (`ALL_METHODS` protects reads
            /// too, `&[]` nothing).
            pub fn protect(mut self, methods: &[Method]) -> Self {
                self.protected = methods.to_vec();
                self
            }
        }
    )*};
}

protect_builder!(
    Authentication,
    UserAuthentication,
    APIKeyAuthentication,
    BearerAuthentication
);

/// Admin users only; other callers get 401 (as flask-peewee).
#[derive(Clone, Debug)]
pub struct AdminAuthentication(UserAuthentication);

impl Default for AdminAuthentication {
    fn default() -> Self {
        AdminAuthentication(UserAuthentication {
            admin_only: true,
            ..UserAuthentication::default()
        })
    }
}

impl AdminAuthentication {
    /// Protects these methods instead.
    pub fn protect(self, methods: &[Method]) -> Self {
        AdminAuthentication(self.0.protect(methods))
    }
}

/// `(username, password)` from an `Authorization: Basic ...` header.
pub fn basic_credentials(req: &Request<'_>) -> Option<(String, String)> {
    let header = req.headers().get_one("Authorization")?;
    let (scheme, value) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// The auth battery's state and the database, which user lookups need.
fn auth_and_db<'r>(req: &'r Request<'_>) -> Result<(&'r AuthState, &'r Db), ApiError> {
    match (
        req.rocket().state::<AuthState>(),
        req.rocket().state::<Db>(),
    ) {
        (Some(state), Some(db)) => Ok((state, db)),
        _ => Err(ApiError::new(
            rocket::http::Status::InternalServerError,
            "the Auth fairing is not attached",
        )),
    }
}

async fn user_from_request(req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
    let (state, db) = auth_and_db(req)?;
    // user rows are read on the primary: a replica's lag would delay a revocation
    let db = &db.primary();
    if let Some((username, password)) = basic_credentials(req) {
        if req.method() != Method::Get && req.method() != Method::Head {
            // a browser sends remembered Basic credentials with any page's
            // forms: a write must come from no browser or from our own site
            crate::auth::check_origin(req)?;
        }
        // credentials verified moments ago skip bcrypt and the throttle's
        // counters (they are no guess); anything else takes the full check
        if let Some(user) = state.store().verified(db, &username, &password).await? {
            return Ok(Some(ApiUser::User(user)));
        }
        // the same username's checks in progress go first: when they
        // verified these credentials, this one is a cache hit
        let turn = state.check_turns.wait(&username).await;
        if turn.waited {
            if let Some(user) = state.store().verified(db, &username, &password).await? {
                return Ok(Some(ApiUser::User(user)));
            }
        }
        use crate::auth::events::{record, AuthEvent};
        let ip = client_ip(req, &state.config);
        if let Err(e) = throttle::begin_attempt(db, &state.config, &username, &ip).await {
            if matches!(e, crate::auth::AuthError::Throttled { .. }) {
                record(AuthEvent::Throttled, &username, &ip);
            }
            return Err(e.into());
        }
        return match state
            .store()
            .authenticate(db, &state.config, &username, &password)
            .await
        {
            Ok(user) => {
                throttle::record_success(db, &username, &ip).await?;
                record(AuthEvent::LoginSucceeded, &username, &ip);
                Ok(Some(ApiUser::User(user)))
            }
            Err(crate::auth::AuthError::BadCredentials) => {
                record(AuthEvent::LoginFailed, &username, &ip);
                Err(ApiError::unauthorized())
            }
            Err(e) => Err(e.into()),
        };
    }
    let Some(user) = current_user(req).await else {
        return Ok(None);
    };
    if req.method() != Method::Get && req.method() != Method::Head {
        // a cookie-authenticated write must prove it comes from our pages
        crate::auth::check_origin(req)?;
        crate::auth::check_token(req, req.headers().get_one("X-CSRF-Token"))?;
    }
    Ok(Some(ApiUser::User(user)))
}

#[rocket::async_trait]
impl Authenticator for UserAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    async fn authenticate(&self, req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        user_from_request(req).await
    }

    fn accepts(&self, user: &ApiUser) -> bool {
        // keys and tokens that are no user are not users' callers
        user.user()
            .is_some_and(|u| u.active && (!self.admin_only || u.admin))
    }
}

#[rocket::async_trait]
impl Authenticator for AdminAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.0.protected
    }

    async fn authenticate(&self, req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        self.0.authenticate(req).await
    }

    fn accepts(&self, user: &ApiUser) -> bool {
        self.0.accepts(user)
    }
}

fn key_caller(kind: &'static str, id: &crate::db::Value) -> ApiUser {
    ApiUser::Key(ApiKey {
        kind,
        id: id.clone(),
    })
}

async fn find_by(
    req: &Request<'_>,
    schema: &'static crate::db::Schema,
    field: &str,
    value: &str,
) -> Result<Option<crate::db::Record>, ApiError> {
    let db = req
        .rocket()
        .state::<Db>()
        .ok_or_else(|| ApiError::new(rocket::http::Status::InternalServerError, "no database"))?;
    Ok(crate::db::Select::new(schema)
        .filter(field, crate::db::Op::Eq, value)?
        .first_record(db)
        .await?)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// flask-peewee's `APIKeyAuthentication`: a model with `key` and `secret`
/// fields; the caller sends `?key=..&secret=..` or the `X-API-Key` and
/// `X-API-Secret` headers (prefer headers: query strings reach access logs).
/// The caller is the key, not a user: owner-restricted resources need a
/// user-based authentication.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model)] struct ApiKey { id: i64, key: String, secret: String }
/// use hangar::rest::APIKeyAuthentication;
/// let auth = APIKeyAuthentication::new::<ApiKey>();
/// ```
#[derive(Clone, Debug)]
pub struct APIKeyAuthentication {
    schema: &'static crate::db::Schema,
    protected: Vec<Method>,
    plaintext: bool,
}

impl APIKeyAuthentication {
    /// Keys stored in model `K` (fields `key` and `secret`, the secret
    /// stored as [`hash_secret`] made it; an `expires_at` field, if the
    /// model has one, ends the key at that time).
    pub fn new<K: crate::db::Model>() -> Self {
        APIKeyAuthentication {
            schema: K::schema(),
            protected: WRITE_METHODS.to_vec(),
            plaintext: false,
        }
    }

    /// Also accepts secrets stored as given (flask-peewee's plain text):
    /// anyone who reads the table can then act as every key.
    pub fn plaintext_secrets(mut self, on: bool) -> Self {
        self.plaintext = on;
        self
    }
}

/// The stored form of an API secret or bearer token: `sha256:` and the hex
/// SHA-256 digest. Secrets are random and long, so a fast digest is as safe
/// as bcrypt for them and lets a token be looked up by its digest; a
/// stolen table holds no usable credential.
///
/// ```
/// let stored = hangar::rest::hash_secret("tok-1");
/// assert!(stored.starts_with("sha256:") && stored.len() == 71);
/// ```
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether `row`'s `expires_at` (if the model has one and it is set) has passed.
fn expired(row: &crate::db::Record) -> bool {
    match row.get("expires_at") {
        Some(crate::db::Value::DateTime(at)) => *at <= time::OffsetDateTime::now_utc(),
        _ => false,
    }
}

/// A failed key or token check counts against the client like a failed
/// login; a client past the limit is refused (429) before any lookup.
async fn throttled<T>(
    req: &Request<'_>,
    check: impl std::future::Future<Output = Result<Option<T>, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let db = req
        .rocket()
        .state::<Db>()
        .ok_or_else(|| ApiError::new(rocket::http::Status::InternalServerError, "no database"))?;
    let default_config;
    let config = match req.rocket().state::<AuthState>() {
        Some(state) => &state.config,
        None => {
            default_config = crate::auth::AuthConfig::default();
            &default_config
        }
    };
    let ip = client_ip(req, config);
    throttle::check_client(db, config, &ip).await?;
    match check.await? {
        Some(found) => Ok(Some(found)),
        None => {
            crate::auth::events::record(crate::auth::events::AuthEvent::SecretRefused, "", &ip);
            throttle::record_secret_failure(db, config, &ip).await?;
            Err(ApiError::unauthorized())
        }
    }
}

#[rocket::async_trait]
impl Authenticator for APIKeyAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    fn reserved_params(&self) -> &[&'static str] {
        &["key", "secret"]
    }

    async fn authenticate(&self, req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        let param =
            |name: &str| -> Option<String> { req.query_value::<String>(name).and_then(Result::ok) };
        let key = req
            .headers()
            .get_one("X-API-Key")
            .map(str::to_owned)
            .or_else(|| param("key"));
        let secret = req
            .headers()
            .get_one("X-API-Secret")
            .map(str::to_owned)
            .or_else(|| param("secret"));
        let (Some(key), Some(secret)) = (key, secret) else {
            return Ok(None);
        };
        let plaintext = self.plaintext;
        let schema = self.schema;
        throttled(req, async move {
            if key.is_empty() || secret.is_empty() {
                return Ok(None);
            }
            let Some(row) = find_by(req, schema, "key", &key).await? else {
                return Ok(None);
            };
            let stored = row
                .get("secret")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let matches = if stored.starts_with("sha256:") {
                constant_time_eq(stored.as_bytes(), hash_secret(&secret).as_bytes())
            } else {
                plaintext
                    && !stored.is_empty()
                    && constant_time_eq(stored.as_bytes(), secret.as_bytes())
            };
            Ok((matches && !expired(&row)).then(|| key_caller("api-key", row.pk())))
        })
        .await
    }
}

/// The token in an `Authorization: Bearer <token>` header.
pub fn bearer_token<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    let header = req.headers().get_one("Authorization")?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// flask-peewee's `BearerAuthentication` (tokens in a model's `token`
/// field, the caller is the token) and `UserBearerAuthentication` (the token
/// row's `user` foreign key makes the caller that user, so owner
/// restrictions apply).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # #[derive(Model)] struct ApiToken { id: i64, token: String, #[model(references = hangar::auth::User)] user: i64 }
/// use hangar::rest::BearerAuthentication;
/// let as_token = BearerAuthentication::new::<ApiToken>();
/// let as_user = BearerAuthentication::for_users::<ApiToken>();
/// ```
#[derive(Clone, Debug)]
pub struct BearerAuthentication {
    schema: &'static crate::db::Schema,
    token_field: &'static str,
    user_field: Option<&'static str>,
    protected: Vec<Method>,
    plaintext: bool,
}

/// `BearerAuthentication` whose tokens act as their users (flask-peewee's name).
pub type UserBearerAuthentication = BearerAuthentication;

impl BearerAuthentication {
    /// Tokens in model `T`'s `token` field; the caller is the token.
    pub fn new<T: crate::db::Model>() -> Self {
        BearerAuthentication {
            schema: T::schema(),
            token_field: "token",
            user_field: None,
            protected: WRITE_METHODS.to_vec(),
            plaintext: false,
        }
    }

    /// Also accepts tokens stored as given (flask-peewee's plain text)
    /// rather than as [`hash_secret`] made them.
    pub fn plaintext_tokens(mut self, on: bool) -> Self {
        self.plaintext = on;
        self
    }

    /// Tokens in model `T`; the caller is the user its `user` field points at.
    pub fn for_users<T: crate::db::Model>() -> Self {
        BearerAuthentication {
            user_field: Some("user"),
            ..Self::new::<T>()
        }
    }

    /// Another token field name.
    pub fn token_field(mut self, field: &'static str) -> Self {
        self.token_field = field;
        self
    }

    /// Another user field name (`for_users`).
    pub fn user_field(mut self, field: &'static str) -> Self {
        self.user_field = Some(field);
        self
    }
}

#[rocket::async_trait]
impl Authenticator for BearerAuthentication {
    fn protected_methods(&self) -> &[Method] {
        &self.protected
    }

    async fn authenticate(&self, req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        let Some(token) = bearer_token(req) else {
            return Ok(None);
        };
        let row = throttled(req, async {
            if token.is_empty() {
                return Ok(None);
            }
            let mut row = find_by(req, self.schema, self.token_field, &hash_secret(token)).await?;
            if row.is_none() && self.plaintext {
                row = find_by(req, self.schema, self.token_field, token).await?;
            }
            Ok(row.filter(|r| !expired(r)))
        })
        .await?
        .ok_or_else(ApiError::unauthorized)?;
        let Some(user_field) = self.user_field else {
            return Ok(Some(key_caller("token", row.pk())));
        };
        let user_id = row
            .get(user_field)
            .and_then(crate::db::Value::as_i64)
            .unwrap_or(0);
        let (state, db) = auth_and_db(req)?;
        match state.store().load(&db.primary(), user_id).await? {
            Some(user) if user.active => Ok(Some(ApiUser::User(user))),
            _ => Err(ApiError::unauthorized()),
        }
    }
}
