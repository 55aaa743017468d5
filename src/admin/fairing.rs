//! The [`Admin`] fairing: registrations at build time, the admin's state,
//! routes and templates at ignite, security headers on its responses.

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Rocket};

use crate::admin::access;
use crate::admin::config::AdminConfig;
use crate::admin::entry::AdminEntry;
use crate::admin::error::SetupError;
use crate::admin::model_admin::ModelAdmin;
use crate::admin::panel::Panel;
use crate::admin::state::AdminState;
use crate::auth::{AuthState, SessionUser};
use crate::db::{Db, Model, Schema};

/// The admin fairing.
///
/// Its work at ignite waits until every fairing attached at build time has
/// run (the user model's admin needs `Auth`), so it may be attached before
/// or after `Auth` and `RestApi`.
#[derive(Clone)]
pub struct Admin {
    registered: Vec<(&'static Schema, ModelAdmin)>,
    panels: Vec<Arc<dyn Panel>>,
    permission: access::PermissionFn,
    user_admin: Option<ModelAdmin>,
    /// Site-wide extra pages (mounted at the prefix) and menu links.
    routes: Vec<rocket::Route>,
    links: Vec<(String, String)>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field(
                "registered",
                &self
                    .registered
                    .iter()
                    .map(|(s, _)| s.type_name)
                    .collect::<Vec<_>>(),
            )
            .field("panels", &self.panels.len())
            .field("user_admin", &self.user_admin.is_some())
            .field("routes", &self.routes.len())
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

/// The admin's real ignite work, attached by [`Admin`]'s own `on_ignite`
/// so that it runs after every fairing attached at build time (Rocket runs
/// fairings attached during ignition after the others).
struct AdminIgnite(Admin);

impl Default for Admin {
    fn default() -> Self {
        Admin {
            registered: Vec::new(),
            panels: Vec::new(),
            permission: Arc::new(|u: &SessionUser| u.admin),
            user_admin: Some(ModelAdmin::for_users()),
            routes: Vec::new(),
            links: Vec::new(),
        }
    }
}

impl Admin {
    /// An admin with no models yet (the user model joins by itself when
    /// `Auth` is attached, before or after it).
    pub fn fairing() -> Admin {
        Admin::default()
    }

    /// Who may use the admin (flask-peewee's `check_user_permission`);
    /// default: users whose `admin` flag is set. Others get 403.
    ///
    /// ```
    /// # use hangar::admin::Admin;
    /// // staff accounts named `ops-*` may use it too
    /// let admin = Admin::fairing()
    ///     .check_user_permission(|u| u.admin || u.username.starts_with("ops-"));
    /// ```
    pub fn check_user_permission(
        mut self,
        check: impl Fn(&SessionUser) -> bool + Send + Sync + 'static,
    ) -> Admin {
        self.permission = Arc::new(check);
        self
    }

    /// Extra admin pages of the site (flask-peewee's `Admin.get_urls`),
    /// mounted at the admin prefix and protected like the admin's own:
    /// only users the admin lets in reach them. Add a menu entry with
    /// [`link`](Self::link).
    ///
    /// ```
    /// # use hangar::admin::Admin;
    /// #[rocket::get("/reports")]
    /// fn reports() -> &'static str { "reports" }
    ///
    /// let admin = Admin::fairing()
    ///     .routes(rocket::routes![reports])
    ///     .link("Reports", "/admin/reports");
    /// ```
    pub fn routes(mut self, routes: Vec<rocket::Route>) -> Admin {
        self.routes.extend(routes);
        self
    }

    /// A link in the admin's menu, after the models.
    pub fn link(mut self, title: impl Into<String>, url: impl Into<String>) -> Admin {
        self.links.push((title.into(), url.into()));
        self
    }

    /// How the auth user model shows (default [`ModelAdmin::for_users`]),
    /// or `None` to leave users out of the admin. Registering the user
    /// model yourself also replaces the default.
    pub fn user_admin(mut self, admin: Option<ModelAdmin>) -> Admin {
        self.user_admin = admin;
        self
    }

    /// Shows model `M` with these options.
    pub fn register<M: Model>(mut self, admin: ModelAdmin) -> Admin {
        self.registered.push((M::schema(), admin));
        self
    }

    /// Adds a dashboard panel; its routes mount at `<prefix>/panels/<slug>`.
    ///
    /// ```
    /// # use hangar::admin::{Admin, Panel};
    /// # use hangar::auth::SessionUser;
    /// # use hangar::db::{Db, Error};
    /// # struct Hello;
    /// # #[rocket::async_trait]
    /// # impl Panel for Hello {
    /// #     fn slug(&self) -> &str { "hello" }
    /// #     fn title(&self) -> &str { "Hello" }
    /// #     fn template(&self) -> &str { "panels/hello" }
    /// #     async fn get_context(&self, _: &Db, _: &SessionUser) -> Result<serde_json::Value, Error> {
    /// #         Ok(serde_json::json!({}))
    /// #     }
    /// # }
    /// let admin = Admin::fairing().panel(Hello);
    /// ```
    pub fn panel(mut self, panel: impl Panel) -> Admin {
        self.panels.push(Arc::new(panel));
        self
    }
}

#[rocket::async_trait]
impl Fairing for Admin {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Admin",
            kind: Kind::Ignite,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        Ok(rocket.attach(AdminIgnite(self.clone())))
    }
}

impl Admin {
    /// The configuration and the registered models, every option checked
    /// (before a database is needed, so a bad one is reported without one).
    fn prepare(
        &self,
        rocket: &Rocket<Build>,
    ) -> Result<(AdminConfig, Vec<AdminEntry>), SetupError> {
        let config: AdminConfig = crate::config::load(rocket.figment())?;
        let mut registered = self.registered.clone();
        if let (Some(auth), Some(users)) = (rocket.state::<AuthState>(), &self.user_admin) {
            let schema = auth.store().schema();
            if !registered.iter().any(|(s, _)| std::ptr::eq(*s, schema)) {
                registered.push((schema, users.clone().retain_known(schema)));
            }
        }
        for (schema, admin) in &registered {
            for (_, name) in &admin.templates {
                if !crate::templates::template_exists(rocket.figment(), name) {
                    return Err(SetupError::MissingTemplate {
                        model: schema.type_name,
                        template: name.clone(),
                    });
                }
            }
        }
        let mut models = Vec::new();
        for (schema, admin) in registered {
            if models.iter().any(|m: &AdminEntry| m.name == schema.name) {
                return Err(SetupError::RegisteredTwice(schema.type_name));
            }
            let entry = AdminEntry::new(schema, admin).map_err(|problem| SetupError::Model {
                model: schema.type_name,
                problem,
            })?;
            models.push(entry);
        }
        // a related field is exported only if the related model's own admin
        // (when registered) exports it too (flask-peewee defers to it)
        let allowed: Vec<(&'static str, Vec<String>)> = models
            .iter()
            .map(|m| {
                (
                    m.schema.table,
                    m.exports
                        .iter()
                        .filter(|p| p.depth() == 0)
                        .map(|p| p.dotted())
                        .collect(),
                )
            })
            .collect();
        for m in &mut models {
            m.exports.retain(|p| {
                p.depth() == 0
                    || allowed
                        .iter()
                        .find(|(table, _)| *table == p.schema.table)
                        .is_none_or(|(_, cols)| cols.iter().any(|c| c == p.column.field))
            });
        }
        for (i, p) in self.panels.iter().enumerate() {
            let slug = p.slug();
            let valid = !slug.is_empty()
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid || self.panels[..i].iter().any(|q| q.slug() == slug) {
                return Err(SetupError::PanelSlug(slug.to_owned()));
            }
        }
        Ok((config, models))
    }

    /// What ignite does, after every fairing attached at build time ran.
    #[expect(clippy::result_large_err, reason = "Rocket's own `fairing::Result`")]
    fn ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let (config, models) = match self.prepare(&rocket) {
            Ok(prepared) => prepared,
            Err(e) => {
                rocket::error!("hangar admin: {e}");
                return Err(rocket);
            }
        };
        let prefix = config.prefix.clone();
        let mut rocket = rocket;
        for m in &models {
            if !m.admin.routes.is_empty() {
                let routes = access::guarded(m.admin.routes.clone(), Some(&m.name));
                rocket = rocket.mount(format!("{prefix}/{}", m.name), routes);
            }
        }
        if !self.routes.is_empty() {
            rocket = rocket.mount(prefix.clone(), access::guarded(self.routes.clone(), None));
        }
        for p in &self.panels {
            let routes = p.routes();
            if !routes.is_empty() {
                rocket = rocket.mount(
                    format!("{prefix}/panels/{}", p.slug()),
                    access::guarded(routes, None),
                );
            }
        }
        if Db::fetch(&rocket).is_none() {
            return Err(rocket);
        }
        let panels = self.panels.clone();
        Ok(rocket
            .manage(AdminState {
                config,
                models,
                panels,
                links: self.links.clone(),
                permission: self.permission.clone(),
            })
            .mount(prefix, crate::admin::views::routes()))
    }
}

#[rocket::async_trait]
impl Fairing for AdminIgnite {
    fn info(&self) -> Info {
        Info {
            name: "hangar::Admin",
            kind: Kind::Ignite | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        self.0.ignite(rocket)
    }

    /// Admin pages, exports and lookups carry private data: `no-store`
    /// (the embedded stylesheet and script keep their own caching); pages
    /// get the configured content security policy.
    async fn on_response<'r>(&self, req: &'r rocket::Request<'_>, res: &mut rocket::Response<'r>) {
        let Some(state) = req.rocket().state::<AdminState>() else {
            return;
        };
        let (prefix, csp) = (&state.config.prefix, &state.config.content_security_policy);
        let path = req.uri().path();
        let Some(rest) = path.as_str().strip_prefix(prefix.as_str()) else {
            return;
        };
        if !(rest.is_empty() || rest.starts_with('/')) || rest.starts_with("/static/") {
            return;
        }
        res.set_header(rocket::http::Header::new("Cache-Control", "no-store"));
        if !csp.is_empty() && res.content_type().is_some_and(|c| c.is_html()) {
            res.set_header(rocket::http::Header::new(
                "Content-Security-Policy",
                csp.clone(),
            ));
        }
    }
}
