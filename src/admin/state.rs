//! [`AdminState`]: what the `Admin` fairing manages — the configuration,
//! the registered models, the dashboard's panels and the menu's links.

use std::sync::Arc;

use rocket::Rocket;

use crate::admin::access;
use crate::admin::config::AdminConfig;
use crate::admin::entry::AdminEntry;
use crate::admin::panel::Panel;

/// What the `Admin` fairing manages.
pub struct AdminState {
    /// The configuration.
    pub config: AdminConfig,
    /// Registered models, in order.
    pub models: Vec<AdminEntry>,
    /// Dashboard panels, in order.
    pub panels: Vec<Arc<dyn Panel>>,
    /// Extra menu links `(title, url)`.
    pub links: Vec<(String, String)>,
    pub(crate) permission: access::PermissionFn,
}

impl AdminState {
    /// The registered model whose URL name is `name` (`"message"`).
    pub fn entry(&self, name: &str) -> Option<&AdminEntry> {
        self.models.iter().find(|m| m.name == name)
    }
}

impl std::fmt::Debug for AdminState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminState")
            .field("config", &self.config)
            .field(
                "models",
                &self.models.iter().map(|m| &m.name).collect::<Vec<_>>(),
            )
            .field("panels", &self.panels.len())
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

impl AdminState {
    /// The admin state of an ignited rocket: what a dependent fairing or an
    /// app's launch code fetches. `None` (with an error logged that says to
    /// attach `Admin::fairing()`) when it is missing.
    pub fn fetch<P: rocket::Phase>(rocket: &Rocket<P>) -> Option<&AdminState> {
        let state = rocket.state::<AdminState>();
        if state.is_none() {
            rocket::error!("hangar: no admin: attach `hangar::admin::Admin::fairing()`");
        }
        state
    }
}
