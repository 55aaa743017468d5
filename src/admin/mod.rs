//! The admin battery: a server-rendered site over registered models at
//! `/admin/`: a dashboard with row counts, lists with sorting, filters,
//! search and pagination, generated add/edit forms with validation, and
//! delete with a confirmation listing the dependent rows. Every page needs
//! a user who passes the site's permission check ([`AdminAccess`]; by
//! default the `admin` flag); every form is CSRF-checked. The options of
//! each model live on [`ModelAdmin`]; app code plugs in through
//! [`ModelAdminHooks`], [`Action`] and [`Panel`].
//!
//! ```no_run
//! # use hangar::Model;
//! # #[derive(Model)] struct Note { id: i64, message: String }
//! use hangar::admin::{Admin, ModelAdmin};
//! let rocket = rocket::build()
//!     .attach(hangar::db::Database::fairing().model::<Note>().with(hangar::auth::Auth::models()))
//!     .attach(hangar::auth::Auth::fairing())
//!     .attach(hangar::templates::fairing())
//!     .attach(Admin::fairing().register::<Note>(ModelAdmin::new().search_fields(["message"])));
//! ```

mod access;
mod change_list;
mod config;
mod entry;
mod error;
mod fairing;
pub(crate) mod forms;
mod hooks;
mod model_admin;
mod panel;
pub(crate) mod request;
mod state;
mod views;

pub use access::AdminAccess;
pub use config::{AdminConfig, DEFAULT_CSP};
pub use entry::AdminEntry;
pub use error::{AdminError, SetupError};
pub use fairing::Admin;
pub use forms::FormField;
pub use hooks::{store, Action, ActionOutcome, ModelAdminHooks, Permission};
pub use model_admin::{ModelAdmin, TEMPLATE_VIEWS};
pub use panel::Panel;
pub use request::AdminForm;
pub use state::AdminState;
pub use views::csv_cell;
