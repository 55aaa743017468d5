//! Rendering pages with what every template needs: the current user, the
//! CSRF token, the flash message and the site's name.

use rocket::request::{FlashMessage, FromRequest, Outcome, Request};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::auth::csrf::CsrfToken;
use crate::auth::guards::current_user;
use crate::auth::state::AuthState;
use crate::auth::store::SessionUser;

/// A request guard collecting the template context every Hangar-rendered page
/// gets: `user` (the logged-in user without secret fields, or nothing),
/// `csrf_token`, `flash` (`{kind, message}`), `site_name`, and the auth URLs
/// (`login_url`, `logout_url`, `password_url`) — flask-peewee's context processor.
///
/// # Example
/// ```no_run
/// use hangar::auth::Page;
/// use rocket_dyn_templates::{context, Template};
/// #[rocket::get("/")]
/// fn home(page: Page) -> Template {
///     page.render("home", context! { title: "Home" })
/// }
/// ```
pub struct Page {
    user: Option<SessionUser>,
    csrf_token: CsrfToken,
    flash: Option<(String, String)>,
    site_name: String,
    prefix: String,
}

impl Page {
    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&SessionUser> {
        self.user.as_ref()
    }

    /// The CSRF token for forms.
    pub fn csrf_token(&self) -> &str {
        self.csrf_token.as_str()
    }

    /// The context values as JSON, merged over `extra` (an object).
    pub fn context(&self, extra: impl Serialize) -> serde_json::Value {
        let mut map = match serde_json::to_value(extra) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let mut put = |k: &str, v: serde_json::Value| {
            map.entry(k.to_owned()).or_insert(v);
        };
        // the row's public fields, plus `id`, `username` and `admin` under
        // those names whatever the user model calls them
        put(
            "user",
            self.user.as_ref().map_or(serde_json::Value::Null, |u| {
                let mut public = u.public.clone();
                if let Some(obj) = public.as_object_mut() {
                    obj.entry("id").or_insert(u.id.into());
                    obj.entry("username").or_insert(u.username.clone().into());
                    obj.entry("admin").or_insert(u.admin.into());
                }
                public
            }),
        );
        put("csrf_token", self.csrf_token.as_str().into());
        put(
            "flash",
            self.flash.as_ref().map_or(
                serde_json::Value::Null,
                |(k, m)| serde_json::json!({"kind": k, "message": m}),
            ),
        );
        put("site_name", self.site_name.clone().into());
        put("login_url", format!("{}/login/", self.prefix).into());
        put("logout_url", format!("{}/logout/", self.prefix).into());
        put("password_url", format!("{}/password/", self.prefix).into());
        serde_json::Value::Object(map)
    }

    /// Renders `template` with [`Page::context`].
    pub fn render(
        &self,
        template: impl Into<std::borrow::Cow<'static, str>>,
        extra: impl Serialize,
    ) -> Template {
        Template::render(template, self.context(extra))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let state = req.rocket().state::<AuthState>();
        let policy = req
            .guard::<crate::auth::CookiePolicy>()
            .await
            .succeeded()
            .unwrap_or(crate::auth::CookiePolicy { secure: false });
        let flash = req
            .guard::<Option<FlashMessage<'_>>>()
            .await
            .succeeded()
            .flatten()
            .map(|f| (f.kind().to_owned(), f.message().to_owned()));
        let site_name = state.map_or_else(|| "Hangar".into(), |s| s.site_name.clone());
        Outcome::Success(Page {
            user: current_user(req).await,
            csrf_token: CsrfToken::from_jar(req.cookies(), policy),
            flash,
            site_name,
            prefix: state.map_or_else(|| "/accounts".into(), |s| s.config.prefix.clone()),
        })
    }
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("user", &self.user)
            .field("flash", &self.flash)
            .field("site_name", &self.site_name)
            .finish_non_exhaustive()
    }
}
