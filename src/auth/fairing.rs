//! The `Auth` fairing.

use std::any::TypeId;
use std::marker::PhantomData;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Build, Request, Response, Rocket};

use crate::auth::config::AuthConfig;
use crate::auth::error::SetupError;
use crate::auth::state::AuthState;
use crate::auth::store::TypedStore;
use crate::auth::user::{User, UserModel};
use crate::config::{self, HangarConfig};
use crate::db::counter::Counter;
use crate::db::{Db, ModelSet, Table as _};

/// The auth fairing: users, login/logout/password views, sessions, CSRF,
/// throttling, the 401/403/429 catchers and security headers.
///
/// Its models (the user model and the throttle counters) are handed to the
/// database with [`Auth::models`]; attach `Database` first, and
/// `hangar::templates::fairing()` (its pages are templates). Its order
/// relative to `Admin` and `RestApi` does not matter.
///
/// # Example
/// ```no_run
/// use hangar::{auth::Auth, db::Database};
/// let rocket = rocket::build()
///     .attach(Database::fairing().with(Auth::models()))
///     .attach(Auth::fairing())
///     .attach(hangar::templates::fairing());
/// ```
pub struct Auth<U: UserModel = User> {
    _user: PhantomData<fn() -> U>,
}

impl<U: UserModel> std::fmt::Debug for Auth<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("user_model", &U::schema().type_name)
            .finish()
    }
}

impl Auth<User> {
    /// Auth over the built-in [`User`] model.
    pub fn fairing() -> Auth<User> {
        Auth { _user: PhantomData }
    }

    /// Auth over an app's own user model.
    pub fn fairing_for<U: UserModel>() -> Auth<U> {
        Auth { _user: PhantomData }
    }

    /// The models `Auth::fairing()` needs registered with the database: the
    /// built-in [`User`] (in the table `[hangar.auth] user_table` names) and
    /// the login-throttle counters.
    ///
    /// ```
    /// let models = hangar::auth::Auth::models();
    /// assert_eq!(models.schemas().len(), 2);
    /// ```
    pub fn models() -> ModelSet {
        ModelSet::new()
            .model::<User>()
            .table_from_config::<User>("hangar.auth.user_table")
            .model::<Counter>()
    }

    /// The models `Auth::fairing_for::<U>()` needs: `U` and the counters.
    pub fn models_for<U: UserModel>() -> ModelSet {
        ModelSet::new().model::<U>().model::<Counter>()
    }
}

impl<U: UserModel> Auth<U> {
    fn prepare(&self, rocket: &Rocket<Build>) -> Result<AuthState, SetupError> {
        let figment = rocket.figment();
        let config: AuthConfig = config::load(figment)?;
        let db = Db::fetch(rocket).ok_or(SetupError::NoDatabase)?;
        for schema in [U::schema(), Counter::schema()] {
            if !db.registry().contains(schema) {
                let with = if TypeId::of::<U>() == TypeId::of::<User>() {
                    "Auth::models()".to_owned()
                } else {
                    format!("Auth::models_for::<{}>()", U::schema().type_name)
                };
                return Err(SetupError::NotRegistered {
                    model: schema.type_name,
                    with,
                });
            }
        }
        let site_name = config::load::<HangarConfig>(figment)?.site_name;
        let ttl = std::time::Duration::from_millis(config.session_cache_ms);
        let credentials = std::time::Duration::from_millis(config.credentials_cache_ms);
        Ok(AuthState {
            config,
            store: std::sync::Arc::new(TypedStore::<U>::new(ttl).remember_credentials(credentials)),
            user_type: TypeId::of::<U>(),
            site_name,
            #[cfg(feature = "rest")]
            check_turns: Default::default(),
        })
    }
}

#[rocket::async_trait]
impl<U: UserModel> Fairing for Auth<U> {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Auth",
            kind: Kind::Ignite | Kind::Liftoff | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(&rocket) {
            Ok(state) => {
                let prefix = state.config.prefix.clone();
                Ok(rocket
                    .manage(state)
                    .mount(prefix, crate::auth::views::routes())
                    .register("/", crate::auth::catchers::all()))
            }
            Err(e) => {
                rocket::error!("hangar auth: {e}");
                Err(rocket)
            }
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<rocket::Orbit>) {
        // revocations made by other instances, heard at once (PostgreSQL)
        if let (Some(state), Some(db)) = (rocket.state::<AuthState>(), rocket.state::<Db>()) {
            let store = state.store.clone();
            crate::auth::revocation::listen(db, move |user| match user {
                Some(id) => store.forget(id),
                None => store.forget_all(),
            });
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        let config = req.rocket().state::<AuthState>().map(|s| &s.config);
        if let Some(config) = config {
            if config.hsts_max_age > 0 && crate::auth::is_https(req) {
                res.set_header(Header::new(
                    "Strict-Transport-Security",
                    format!("max-age={}; includeSubDomains", config.hsts_max_age),
                ));
            }
            // the admin sets its own policy on its pages
            let html = res.content_type().is_some_and(|c| c.is_html());
            if html
                && !config.content_security_policy.is_empty()
                && !res.headers().contains("Content-Security-Policy")
            {
                res.set_header(Header::new(
                    "Content-Security-Policy",
                    config.content_security_policy.clone(),
                ));
            }
        }
        let prefix = config.map_or("/accounts", |c| c.prefix.as_str());
        if req.uri().path().as_str().starts_with(prefix) {
            res.set_header(Header::new("Cache-Control", "no-store"));
        }
    }
}
