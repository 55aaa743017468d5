//! The `RestApi` fairing.

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{catch, catchers, get, routes, Build, Request, Rocket};

use crate::db::{Db, Model, Schema};
use crate::rest::authn::{Authentication, Authenticator};
use crate::rest::config::ApiConfig;
use crate::rest::error::{ApiError, SetupError};
use crate::rest::resource::Resource;
use crate::rest::state::{Entry, Peer, RestState};

/// The REST API fairing: JSON CRUD under `/api/<name>/` for registered models.
///
/// # Example
/// ```no_run
/// # use hangar::Model;
/// # #[derive(Model)] struct Note { id: i64, text: String }
/// use hangar::rest::{Resource, RestApi, UserAuthentication};
/// let rocket = rocket::build()
///     .attach(hangar::db::Database::fairing().model::<Note>().with(hangar::auth::Auth::models()))
///     .attach(hangar::auth::Auth::fairing())
///     .attach(RestApi::fairing()
///         .default_auth(UserAuthentication::default())
///         .register::<Note>(Resource::new().readonly(["text"])));
/// ```
pub struct RestApi {
    default_auth: Arc<dyn Authenticator>,
    style: crate::rest::Style,
    registered: Vec<(&'static Schema, Resource)>,
}

impl RestApi {
    /// An API with no resources; reads open, writes refused until an
    /// authentication that accepts callers is set.
    pub fn fairing() -> RestApi {
        RestApi {
            default_auth: Arc::new(Authentication::default()),
            style: crate::rest::Style::default(),
            registered: Vec::new(),
        }
    }

    /// The authentication of resources that do not set their own.
    pub fn default_auth(mut self, auth: impl Authenticator) -> RestApi {
        self.default_auth = Arc::new(auth);
        self
    }

    /// The wire style of every resource that does not choose its own
    /// (default: flask-peewee's).
    pub fn style(mut self, style: crate::rest::Style) -> RestApi {
        self.style = style;
        self
    }

    /// Exposes model `M` with these options.
    pub fn register<M: Model>(mut self, resource: Resource) -> RestApi {
        self.registered.push((M::schema(), resource));
        self
    }

    fn state(&self, config: ApiConfig) -> Result<RestState, SetupError> {
        let mut entries: Vec<Arc<Entry>> = Vec::new();
        let mut peers: Vec<Peer> = Vec::new();
        for (schema, resource) in &self.registered {
            if !peers.iter().any(|p| std::ptr::eq(p.schema, *schema)) {
                peers.push(Peer {
                    schema,
                    resource: resource.clone(),
                    auth: resource
                        .auth
                        .clone()
                        .unwrap_or_else(|| self.default_auth.clone()),
                });
            }
        }
        let peers = Arc::new(peers);
        for (schema, resource) in &self.registered {
            let name = resource
                .name
                .clone()
                .unwrap_or_else(|| schema.name.to_owned());
            if entries.iter().any(|e| e.name == name) {
                return Err(SetupError::DuplicateName(name));
            }
            for f in resource
                .fields
                .iter()
                .flatten()
                .chain(&resource.exclude)
                .chain(&resource.readonly)
            {
                if schema.column(f).is_none() {
                    return Err(SetupError::resource(
                        &name,
                        format!("{} has no field {f:?}", schema.type_name),
                    ));
                }
            }
            crate::rest::marshal::check_includes(schema, resource, &name)?;
            crate::rest::writes::check_nested(schema, resource, &name, &peers)?;
            for filter in &resource.filters {
                filter
                    .check(schema)
                    .map_err(|e| SetupError::resource(&name, e))?;
            }
            for (key, specs) in &resource.sort_keys {
                for spec in specs {
                    crate::db::FieldPath::resolve(schema, spec.trim_start_matches('-')).map_err(
                        |e| SetupError::resource(&name, format!("sort key {key:?}: {e}")),
                    )?;
                }
            }
            if resource.paginate_by == Some(Some(0)) {
                return Err(SetupError::resource(&name, "paginate_by must be positive"));
            }
            if let Some(owner) = &resource.owner_field {
                if schema.column(owner).is_none_or(|c| c.references.is_none()) {
                    return Err(SetupError::resource(
                        &name,
                        format!("owner field {owner:?} is not a foreign key"),
                    ));
                }
            }
            entries.push(Arc::new(Entry {
                name,
                schema,
                auth: resource
                    .auth
                    .clone()
                    .unwrap_or_else(|| self.default_auth.clone()),
                resource: resource.clone(),
                base_url: config.base_url.trim_end_matches('/').to_owned(),
                style: resource.style.unwrap_or(self.style),
                peers: peers.clone(),
            }));
        }
        Ok(RestState {
            config,
            entries,
            default_auth: self.default_auth.clone(),
            style: self.style,
        })
    }
}

#[catch(default)]
fn json_catcher(status: Status, req: &Request<'_>) -> ApiError {
    let message = match status.code {
        404 => "Not found".to_owned(),
        401 => "Authentication failed".to_owned(),
        403 => "Forbidden".to_owned(),
        413 => "Payload too large".to_owned(),
        _ => status.reason().unwrap_or("Error").to_owned(),
    };
    let style = req.rocket().state::<RestState>().map(|s| s.style);
    ApiError::new(status, message).in_style(style.unwrap_or_default())
}

#[get("/openapi.json")]
fn openapi(state: &rocket::State<RestState>, auth: AuthIfAttached<'_>) -> Json<serde_json::Value> {
    Json(crate::rest::openapi::document(state, auth.0))
}

/// The auth battery's state when it is attached (the API works without it;
/// `Option<&State<_>>` would still make Rocket's sentinel demand it).
struct AuthIfAttached<'r>(Option<&'r crate::auth::AuthState>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for AuthIfAttached<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(AuthIfAttached(req.rocket().state()))
    }
}

#[get("/")]
fn ping(state: &rocket::State<RestState>) -> Ping {
    match state.config.ping_status {
        200 => Ping::Ok(Json(serde_json::json!({ "status": "ok" }))),
        code => Ping::Status(Status::new(code)),
    }
}

/// The ping's answer: `{"status": "ok"}`, or only the configured status.
#[derive(rocket::Responder)]
enum Ping {
    Ok(Json<serde_json::Value>),
    Status(Status),
}

#[rocket::async_trait]
impl Fairing for RestApi {
    fn info(&self) -> Info {
        Info {
            name: "hangar::RestApi",
            kind: Kind::Ignite | Kind::Response,
        }
    }

    /// API answers are never stored by shared caches: one sent with
    /// credentials (an `Authorization` header or cookies) is not stored at
    /// all, a public one is revalidated (its `ETag` makes that cheap).
    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut rocket::Response<'r>) {
        let Some(state) = req.rocket().state::<RestState>() else {
            return;
        };
        let prefix = state.config.prefix.trim_end_matches('/');
        let path = req.uri().path();
        let under = path
            .as_str()
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if !under || res.headers().contains("Cache-Control") {
            return;
        }
        let credentials =
            req.headers().contains("Authorization") || req.headers().contains("Cookie");
        let policy = if credentials { "no-store" } else { "no-cache" };
        res.set_header(rocket::http::Header::new("Cache-Control", policy));
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let config: ApiConfig = match crate::config::load(rocket.figment()) {
            Ok(c) => c,
            Err(e) => {
                rocket::error!("hangar api: {e}");
                return Err(rocket);
            }
        };
        if Db::fetch(&rocket).is_none() {
            return Err(rocket);
        }
        let state = match self.state(config.clone()) {
            Ok(s) => s,
            Err(e) => {
                rocket::error!("hangar api: {e}");
                return Err(rocket);
            }
        };
        let mut rocket = rocket
            .manage(state)
            .mount(config.prefix.clone(), crate::rest::routes::all())
            .mount(config.prefix.clone(), routes![openapi])
            .register(config.prefix.clone(), catchers![json_catcher]);
        if !config.ping_path.is_empty() {
            rocket = rocket.mount(config.ping_path.clone(), routes![ping]);
        }
        Ok(rocket)
    }
}

impl std::fmt::Debug for RestApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let models: Vec<&str> = self.registered.iter().map(|(s, _)| s.type_name).collect();
        f.debug_struct("RestApi")
            .field("registered", &models)
            .finish_non_exhaustive()
    }
}
