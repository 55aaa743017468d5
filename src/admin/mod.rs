//! The admin battery: a server-rendered site over registered models at
//! `/admin/`: a dashboard with row counts, lists with sorting, filters,
//! search and pagination, generated add/edit forms with validation, and
//! delete with a confirmation listing the dependent rows. Every page needs
//! an admin user (`AdminUser`); every form is CSRF-checked.
//!
//! ```no_run
//! # use hangar::Model;
//! # #[derive(Model)] struct Note { id: i64, message: String }
//! use hangar::admin::{Admin, ModelAdmin};
//! let rocket = rocket::build()
//!     .attach(hangar::db::Database::fairing().model::<Note>())
//!     .attach(hangar::auth::Auth::fairing())
//!     .attach(hangar::templates::fairing())
//!     .attach(Admin::fairing().register::<Note>(ModelAdmin::new().search_fields(["message"])));
//! ```

mod config;
mod export;
mod forms;
mod model_admin;
mod panel;
mod views;

use std::sync::Arc;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Rocket};

pub use config::AdminConfig;
pub use export::csv_cell;
pub use forms::FormField;
pub use model_admin::ModelAdmin;
pub use panel::Panel;
pub use views::AdminForm;

use crate::db::{Model, Schema};

/// One registered model.
pub struct AdminEntry {
    /// The URL name (the model's snake_case name).
    pub name: String,
    /// The model's schema.
    pub schema: &'static Schema,
    /// Its options.
    pub admin: ModelAdmin,
}

/// What the `Admin` fairing manages.
pub struct AdminState {
    /// The configuration.
    pub config: AdminConfig,
    /// Registered models, in order.
    pub models: Vec<AdminEntry>,
    /// Dashboard panels, in order.
    pub panels: Vec<Arc<dyn Panel>>,
}

/// The admin fairing.
#[derive(Default)]
pub struct Admin {
    registered: Vec<(&'static Schema, ModelAdmin)>,
    panels: Vec<Arc<dyn Panel>>,
}

impl Admin {
    /// An admin with no models yet.
    pub fn fairing() -> Admin {
        Admin::default()
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
        let config = match AdminConfig::from_figment(rocket.figment()) {
            Ok(c) => c,
            Err(e) => {
                rocket::error!("hangar admin: {e}");
                return Err(rocket);
            }
        };
        let mut models = Vec::new();
        for (schema, admin) in &self.registered {
            for f in admin
                .columns
                .iter()
                .flatten()
                .chain(&admin.exclude)
                .chain(&admin.readonly)
            {
                if schema.column(f).is_none() {
                    rocket::error!("hangar admin: {} has no field {f:?}", schema.type_name);
                    return Err(rocket);
                }
            }
            models.push(AdminEntry {
                name: schema.name.to_owned(),
                schema,
                admin: admin.clone(),
            });
        }
        let prefix = config.prefix.clone();
        let mut rocket = rocket;
        for (i, p) in self.panels.iter().enumerate() {
            let slug = p.slug();
            let valid = !slug.is_empty()
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid || self.panels[..i].iter().any(|q| q.slug() == slug) {
                rocket::error!("hangar admin: panel slug {slug:?} is empty, invalid or taken");
                return Err(rocket);
            }
            let routes = p.routes();
            if !routes.is_empty() {
                rocket = rocket.mount(format!("{prefix}/panels/{slug}"), routes);
            }
        }
        let panels = self.panels.clone();
        Ok(rocket
            .manage(AdminState {
                config,
                models,
                panels,
            })
            .mount(prefix, views::routes()))
    }
}
