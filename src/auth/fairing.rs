//! The `Auth` fairing.

use std::any::TypeId;
use std::marker::PhantomData;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Build, Request, Response, Rocket};

use crate::auth::config::AuthConfig;
use crate::auth::guards::AuthState;
use crate::auth::store::TypedStore;
use crate::auth::user::{configure_table, User, UserModel};
use crate::db::{counter::Counter, ddl, DatabaseConfig, Db, Model as _};

/// The auth fairing: users, login/logout/password views, sessions, CSRF,
/// throttling, the 401/403/429 catchers and security headers.
///
/// Attach it after `Database` (whose pool it uses) and with
/// `hangar::templates::fairing()` (its pages are templates).
///
/// # Example
/// ```no_run
/// use hangar::{auth::Auth, db::Database};
/// let rocket = rocket::build()
///     .attach(Database::fairing())
///     .attach(Auth::fairing())
///     .attach(hangar::templates::fairing());
/// ```
pub struct Auth<U: UserModel = User> {
    _user: PhantomData<fn() -> U>,
}

impl Auth<User> {
    /// Auth over the built-in [`User`] model.
    pub fn fairing() -> Auth<User> {
        Auth { _user: PhantomData }
    }
}

impl Auth<User> {
    /// Auth over an app's own user model.
    pub fn fairing_for<U: UserModel>() -> Auth<U> {
        Auth { _user: PhantomData }
    }
}

impl<U: UserModel> Auth<U> {
    async fn prepare(&self, rocket: &Rocket<Build>) -> Result<AuthState, String> {
        let figment = rocket.figment();
        let config = AuthConfig::from_figment(figment)?;
        if TypeId::of::<U>() == TypeId::of::<User>() {
            configure_table(&config.user_table)?;
        }
        let db = rocket.state::<Db>().ok_or(
            "the Auth fairing needs the Database fairing: attach `Database::fairing()` first",
        )?;
        let schemas = vec![U::schema(), Counter::schema()];
        for s in &schemas {
            db.registry().register(s);
        }
        let db_config = DatabaseConfig::from_figment(figment)?;
        if db_config.auto_create {
            ddl::create_tables(db, &schemas)
                .await
                .map_err(|e| format!("creating the user table: {e}"))?;
        }
        let site_name = crate::config::HangarConfig::from_figment(figment)?.site_name;
        let ttl = std::time::Duration::from_millis(config.session_cache_ms);
        Ok(AuthState {
            config,
            store: Box::new(TypedStore::<U>::new(ttl)),
            user_type: TypeId::of::<U>(),
            site_name,
        })
    }
}

#[rocket::async_trait]
impl<U: UserModel> Fairing for Auth<U> {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Auth",
            kind: Kind::Ignite | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(&rocket).await {
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

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        let prefix = req
            .rocket()
            .state::<AuthState>()
            .map(|s| s.config.prefix.as_str())
            .unwrap_or("/accounts");
        if req.uri().path().as_str().starts_with(prefix) {
            res.set_header(Header::new("Cache-Control", "no-store"));
        }
    }
}
