//! Who may use the admin: the [`AdminAccess`] guard and the site's
//! permission check (flask-peewee's `check_user_permission`).

use std::sync::Arc;

use rocket::http::Status;
use rocket::outcome::Outcome as RocketOutcome;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::route::{self, Handler};
use rocket::{Data, Route, Sentinel};

use crate::admin::{AdminState, Permission};
use crate::auth::{current_user, AuthError, SessionUser};

/// Decides whether a logged-in user may use the admin.
pub(crate) type PermissionFn = Arc<dyn Fn(&SessionUser) -> bool + Send + Sync>;

/// The user of an admin page, whatever the user model: logged in, active
/// and passing the site's permission check (by default `user.admin`; see
/// [`Admin::check_user_permission`](crate::admin::Admin::check_user_permission)).
/// Anonymous visitors get 401 (the HTML catcher sends them to the login page
/// with `next`), users who fail the check 403. Take it in panel routes and a
/// model admin's extra routes to protect them like the rest of the admin.
///
/// # Example
/// ```
/// use hangar::admin::AdminAccess;
///
/// #[rocket::get("/stats")]
/// fn stats(user: AdminAccess) -> String {
///     format!("hello {}", user.username)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct AdminAccess(pub SessionUser);

impl std::ops::Deref for AdminAccess {
    type Target = SessionUser;
    fn deref(&self) -> &SessionUser {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AdminAccess {
    type Error = AuthError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(state) = req.rocket().state::<AdminState>() else {
            return RocketOutcome::Error((Status::InternalServerError, AuthError::NotAdmin));
        };
        match current_user(req).await {
            None => RocketOutcome::Error((Status::Unauthorized, AuthError::NotLoggedIn)),
            Some(u) if (state.permission)(&u) => RocketOutcome::Success(AdminAccess(u)),
            Some(_) => RocketOutcome::Error((Status::Forbidden, AuthError::NotAdmin)),
        }
    }
}

impl Sentinel for AdminAccess {
    fn abort(rocket: &rocket::Rocket<rocket::Ignite>) -> bool {
        if rocket.state::<AdminState>().is_none() {
            rocket::error!("hangar: a route takes `AdminAccess`: attach `Admin::fairing()`");
            return true;
        }
        if rocket.state::<crate::auth::AuthState>().is_none() {
            rocket::error!("hangar: the admin needs the Auth fairing: attach `Auth::fairing()`");
            return true;
        }
        false
    }
}

/// An app route mounted inside the admin (a panel's, a model admin's, the
/// site's extra pages): it runs only for users the admin lets in and, for a
/// model admin's routes, who may view that model — whether or not the
/// handler takes [`AdminAccess`] itself.
#[derive(Clone)]
struct Guarded {
    inner: Box<dyn Handler>,
    model: Option<String>,
}

#[rocket::async_trait]
impl Handler for Guarded {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let user = match req.guard::<AdminAccess>().await {
            RocketOutcome::Success(u) => u,
            RocketOutcome::Error((status, _)) | RocketOutcome::Forward(status) => {
                return route::Outcome::Error(status)
            }
        };
        if let Some(model) = &self.model {
            let allowed = req
                .rocket()
                .state::<AdminState>()
                .and_then(|s| s.entry(model))
                .is_some_and(|e| e.allows(&user, Permission::View));
            if !allowed {
                return route::Outcome::Error(Status::Forbidden);
            }
        }
        self.inner.handle(req, data).await
    }
}

/// `routes` protected like the admin's own pages (see [`Guarded`]).
pub(crate) fn guarded(routes: Vec<Route>, model: Option<&str>) -> Vec<Route> {
    routes
        .into_iter()
        .map(|mut r| {
            r.handler = Box::new(Guarded {
                inner: r.handler.clone(),
                model: model.map(str::to_owned),
            });
            r
        })
        .collect()
}
