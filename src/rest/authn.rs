//! Who is calling: per-resource authentication (flask-peewee's
//! `Authentication`, `UserAuthentication`, `AdminAuthentication`).

use base64::Engine as _;
use rocket::http::Method;
use rocket::request::Request;

use crate::auth::{client_ip, current_user, throttle, AuthState, SessionUser};
use crate::db::Db;
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

/// The caller of an API request.
pub type ApiUser = SessionUser;

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

impl UserAuthentication {
    /// Protects these methods instead (`ALL_METHODS` protects reads too).
    pub fn protect(mut self, methods: &[Method]) -> Self {
        self.protected = methods.to_vec();
        self
    }
}

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
        AdminAuthentication(UserAuthentication {
            protected: methods.to_vec(),
            admin_only: true,
        })
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

async fn user_from_request(req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
    let (Some(state), Some(db)) = (
        req.rocket().state::<AuthState>(),
        req.rocket().state::<Db>(),
    ) else {
        return Err(ApiError::new(
            rocket::http::Status::InternalServerError,
            "the Auth fairing is not attached",
        ));
    };
    if let Some((username, password)) = basic_credentials(req) {
        let ip = client_ip(req, &state.config);
        throttle::begin_attempt(db, &state.config, &username, &ip).await?;
        return match state
            .store()
            .authenticate(db, &state.config, &username, &password)
            .await
        {
            Ok(user) => {
                throttle::record_success(db, &username, &ip).await?;
                Ok(Some(user))
            }
            Err(crate::auth::AuthError::BadCredentials) => Err(ApiError::unauthorized()),
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
    Ok(Some(user))
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
        user.active && (!self.admin_only || user.admin)
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
