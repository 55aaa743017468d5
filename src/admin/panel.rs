//! Dashboard panels (flask-peewee's `AdminPanel`): a template rendered on the
//! dashboard with a context computed per request, and the panel's own URLs
//! under `/admin/panels/<slug>/`.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Orbit, Rocket, Route};

use crate::auth::SessionUser;
use crate::db::{Db, Error};

/// A dashboard panel.
///
/// The panel's routes are mounted under `<admin prefix>/panels/<slug>`; take
/// [`AdminAccess`](crate::admin::AdminAccess) (and `AdminForm` for posts) in them to protect them like the
/// rest of the admin.
///
/// # Example
/// ```
/// use hangar::admin::Panel;
/// use hangar::auth::SessionUser;
/// use hangar::db::{Db, Error};
///
/// struct Hello;
///
/// #[rocket::async_trait]
/// impl Panel for Hello {
///     fn slug(&self) -> &str { "hello" }
///     fn title(&self) -> &str { "Hello" }
///     fn template(&self) -> &str { "panels/hello" }
///     async fn get_context(&self, _db: &Db, user: &SessionUser) -> Result<serde_json::Value, Error> {
///         Ok(serde_json::json!({ "name": user.username }))
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait Panel: Send + Sync + 'static {
    /// The URL segment (`notes`).
    fn slug(&self) -> &str;
    /// The heading on the dashboard.
    fn title(&self) -> &str;
    /// The template rendered into the dashboard (an app template name).
    fn template(&self) -> &str;
    /// The template's context for this request.
    ///
    /// # Errors
    /// A database error (the panel then shows a short notice).
    async fn get_context(&self, db: &Db, user: &SessionUser) -> Result<serde_json::Value, Error>;
    /// The panel's own routes, mounted at `<prefix>/panels/<slug>`.
    fn routes(&self) -> Vec<Route> {
        Vec::new()
    }
}

/// The running Rocket, as a request guard (to render panel templates).
pub(crate) struct Running<'r>(pub &'r Rocket<Orbit>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Running<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Running(req.rocket()))
    }
}
