//! Request guards: `AuthUser`, `AdminUser` (and `Option<AuthUser>`).

use std::any::TypeId;
use std::ops::Deref;
use std::sync::Arc;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::auth::error::AuthError;
use crate::auth::session::Session;
use crate::auth::state::AuthState;
use crate::auth::store::{SessionUser, TypedStore};
use crate::auth::user::{User, UserModel};
use crate::auth::AuthConfig;
use crate::db::Db;

/// The logged-in, active user, loaded once per request. A route taking it is
/// only reachable with a valid session: otherwise the request fails with 401,
/// which Hangar's catcher turns into a redirect to the login page (`?next=`)
/// for browsers and a JSON 401 for API clients.
///
/// # Example
/// ```no_run
/// use hangar::auth::AuthUser;
/// #[rocket::get("/private")]
/// fn private(user: AuthUser) -> String {
///     format!("hello {}", user.username)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct AuthUser<U: UserModel = User>(pub U);

impl<U: UserModel> Deref for AuthUser<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: UserModel> AuthUser<U> {
    /// The user model inside.
    pub fn into_inner(self) -> U {
        self.0
    }
}

/// A logged-in user with the admin flag; 403 for other logged-in users.
///
/// # Example
/// ```no_run
/// use hangar::auth::AdminUser;
/// #[rocket::get("/staff")]
/// fn staff(admin: AdminUser) -> String {
///     format!("welcome, {}", admin.username)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct AdminUser<U: UserModel = User>(pub U);

impl<U: UserModel> Deref for AdminUser<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.0
    }
}

/// Why the session's user could not be had: a missing fairing, or the
/// database's error (shared by every guard of the request).
#[derive(Clone, Debug)]
enum LoadError {
    NotAttached,
    Database(Arc<crate::db::Error>),
}

impl LoadError {
    fn into_outcome<T>(self) -> Outcome<T, AuthError> {
        let error = match self {
            LoadError::NotAttached => AuthError::NotAttached,
            LoadError::Database(e) => AuthError::UserUnavailable(e),
        };
        Outcome::Error((error.status(), error))
    }
}

struct CachedUser<U>(Result<Option<U>, LoadError>);

async fn load_user<U: UserModel>(req: &Request<'_>) -> Result<Option<U>, LoadError> {
    let (Some(state), Some(db)) = (
        req.rocket().state::<AuthState>(),
        req.rocket().state::<Db>(),
    ) else {
        return Err(LoadError::NotAttached);
    };
    let policy = crate::auth::CookiePolicy::of(req, &state.config);
    let Some(session) = Session::from_cookies(req.cookies(), &state.config, policy) else {
        return Ok(None);
    };
    let Some(store) = state.store.as_any().downcast_ref::<TypedStore<U>>() else {
        return Err(LoadError::NotAttached);
    };
    // session rows are read on the primary: a replica's lag would delay a revocation
    match store.user(&db.primary(), session.uid).await {
        Ok(Some(u)) if u.is_active() && u.session_epoch() == session.ep => {
            session.touch(req.cookies(), &state.config, policy);
            Ok(Some(u))
        }
        Ok(_) => Ok(None),
        Err(e) => {
            // logged here, once per request (the message holds the driver's)
            rocket::error!("hangar: the session's user could not be loaded: {e}");
            Err(LoadError::Database(Arc::new(e)))
        }
    }
}

#[rocket::async_trait]
impl<'r, U: UserModel> FromRequest<'r> for AuthUser<U> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.rocket().state::<AuthState>() {
            Some(s) if s.user_type == TypeId::of::<U>() => {}
            _ => return Outcome::Error((Status::InternalServerError, AuthError::NotAttached)),
        }
        let cached = req
            .local_cache_async(async { CachedUser::<U>(load_user::<U>(req).await) })
            .await;
        match &cached.0 {
            Ok(Some(u)) => Outcome::Success(AuthUser(u.clone())),
            Ok(None) => Outcome::Error((Status::Unauthorized, AuthError::NotLoggedIn)),
            Err(e) => e.clone().into_outcome(),
        }
    }
}

#[rocket::async_trait]
impl<'r, U: UserModel> FromRequest<'r> for AdminUser<U> {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.guard::<AuthUser<U>>().await {
            Outcome::Success(u) if u.is_admin() => Outcome::Success(AdminUser(u.0)),
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, AuthError::NotAdmin)),
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}

fn auth_missing<U: 'static>(rocket: &Rocket<Ignite>) -> bool {
    match rocket.state::<AuthState>() {
        Some(s) if s.user_type == TypeId::of::<U>() => false,
        Some(_) => {
            rocket::error!(
                "hangar: a route asks for {} but Auth is configured for another user model",
                std::any::type_name::<U>()
            );
            true
        }
        None => {
            rocket::error!("hangar: a route needs the Auth fairing: attach `Auth::fairing()`");
            true
        }
    }
}

/// Launch fails when a route takes `AuthUser` but `Auth` is not attached
/// (or is attached for another user model).
impl<U: UserModel> Sentinel for AuthUser<U> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        auth_missing::<U>(rocket)
    }
}

/// As for [`AuthUser`].
impl<U: UserModel> Sentinel for AdminUser<U> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        auth_missing::<U>(rocket)
    }
}

struct CachedSessionUser(Option<SessionUser>);

/// The current user through the type-erased store (for templates and views
/// that do not know the user model), cached per request.
pub async fn current_user(req: &Request<'_>) -> Option<SessionUser> {
    let cached = req
        .local_cache_async(async {
            let user = async {
                let state = req.rocket().state::<AuthState>()?;
                let db = req.rocket().state::<Db>()?;
                let policy = crate::auth::CookiePolicy::of(req, &state.config);
                let session = Session::from_cookies(req.cookies(), &state.config, policy)?;
                let u = match state.store.load(&db.primary(), session.uid).await {
                    Ok(u) => u?,
                    Err(e) => {
                        // a page renders without its user rather than fail;
                        // the operator hears why
                        rocket::error!("hangar: the session's user could not be loaded: {e}");
                        return None;
                    }
                };
                let alive = u.active && u.epoch == session.ep;
                if alive {
                    session.touch(req.cookies(), &state.config, policy);
                }
                alive.then_some(u)
            };
            CachedSessionUser(user.await)
        })
        .await;
    cached.0.clone()
}

/// The client's IP: the socket address, unless `trusted_proxy_header` names
/// a header set by a proxy in front of the app.
pub fn client_ip(req: &Request<'_>, config: &AuthConfig) -> String {
    if let Some(h) = &config.trusted_proxy_header {
        if let Some(v) = req.headers().get_one(h) {
            // the proxy appends the address it saw: the right-most entry is the one to trust
            let first = v.rsplit(',').next().unwrap_or("").trim();
            if let Ok(ip) = first.parse::<std::net::IpAddr>() {
                return ip.to_string();
            }
        }
    }
    req.remote()
        .map_or_else(|| "unknown".into(), |a| a.ip().to_string())
}
