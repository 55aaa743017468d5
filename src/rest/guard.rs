//! [`ApiUser`] as a request guard for an app's own routes: the caller as the
//! API's default authenticators identify it.

use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::{Ignite, Rocket, Sentinel};

use crate::rest::authn::accepted_caller;
use crate::rest::caller::ApiUser;
use crate::rest::error::ApiError;
use crate::rest::state::RestState;

/// The caller of an app's own route, authenticated like the API's resources:
/// with the API's default authentication
/// ([`RestApi::default_auth`](crate::rest::RestApi::default_auth)), whatever
/// the route's method. No accepted caller fails the guard with 401 (under the
/// API's prefix the answer is the API's JSON error with a
/// `WWW-Authenticate: Basic` challenge); bad credentials are 401 and
/// throttled logins 429 as on the resources. Take `Option<ApiUser>` for a
/// route that anonymous callers may use too.
///
/// ```
/// use hangar::rest::ApiUser;
///
/// #[rocket::get("/me")]
/// fn me(user: ApiUser) -> String {
///     match user.user() {
///         Some(u) => format!("hello {}", u.username),
///         None => format!("hello {}", user.name()),
///     }
/// }
/// ```
#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApiUser {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let Some(state) = req.rocket().state::<RestState>() else {
            let e = ApiError::new(
                Status::InternalServerError,
                "the RestApi fairing is not attached",
            );
            return Outcome::Error((e.status, e));
        };
        match accepted_caller(&*state.default_auth, req).await {
            Ok(user) => Outcome::Success(user),
            Err(e) => Outcome::Error((e.status, e)),
        }
    }
}

impl Sentinel for ApiUser {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        if rocket.state::<RestState>().is_none() {
            rocket::error!("hangar: a route takes `ApiUser`: attach `RestApi::fairing()`");
            return true;
        }
        false
    }
}
