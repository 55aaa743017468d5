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
mod views;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Rocket};

pub use config::AdminConfig;
pub use export::csv_cell;
pub use forms::FormField;
pub use model_admin::ModelAdmin;
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
}

/// The admin fairing.
#[derive(Default)]
pub struct Admin {
    registered: Vec<(&'static Schema, ModelAdmin)>,
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
        Ok(rocket
            .manage(AdminState { config, models })
            .mount(prefix, views::routes()))
    }
}
