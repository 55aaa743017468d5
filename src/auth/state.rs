//! [`AuthState`]: what the `Auth` fairing manages and the other batteries
//! fetch — the configuration, the type-erased user store and the site name.

use std::any::TypeId;
use std::sync::Arc;

use rocket::Rocket;

use crate::auth::store::UserStore;
use crate::auth::AuthConfig;
use crate::db::Db;

/// What the `Auth` fairing manages.
pub struct AuthState {
    /// The configuration in force.
    pub config: AuthConfig,
    pub(crate) store: Arc<dyn UserStore>,
    pub(crate) user_type: TypeId,
    pub(crate) site_name: String,
    /// One credential check at a time per username (see `CheckTurns`).
    #[cfg(feature = "rest")]
    pub(crate) check_turns: crate::auth::credentials::CheckTurns,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("config", &self.config)
            .field("user_model", &self.store.schema().type_name)
            .field("site_name", &self.site_name)
            .finish()
    }
}

impl AuthState {
    /// The auth state of an ignited (or igniting) rocket: what a dependent
    /// fairing fetches. `None` (with an error logged that says to attach
    /// `Auth::fairing()`) when it is missing.
    ///
    /// ```
    /// let rocket = rocket::build();
    /// assert!(hangar::auth::AuthState::fetch(&rocket).is_none());
    /// ```
    pub fn fetch<P: rocket::Phase>(rocket: &Rocket<P>) -> Option<&AuthState> {
        let state = rocket.state::<AuthState>();
        if state.is_none() {
            rocket::error!("hangar: no users: attach `hangar::auth::Auth::fairing()`");
        }
        state
    }

    /// The type-erased user operations.
    pub fn store(&self) -> &dyn UserStore {
        &*self.store
    }

    /// Before another battery writes `values` to the row `old` of `schema`:
    /// when that is the user model and its active flag changes (either way),
    /// a new session epoch joins the values, so no cookie issued before the
    /// change comes back to life after a re-activation.
    ///
    /// ```no_run
    /// # rocket::async_test(async {
    /// use hangar::auth::{Auth, AuthState, User};
    /// use hangar::db::{Database, Model as _, Table as _, Value};
    /// let rocket = rocket::build()
    ///     .attach(Database::fairing().with(Auth::models()))
    ///     .attach(Auth::fairing())
    ///     .ignite()
    ///     .await
    ///     .expect("a database in Rocket.toml");
    /// let auth = rocket.state::<AuthState>().unwrap();
    /// let mut old = hangar::db::Record::new(User::schema());
    /// old.set("active", Value::Bool(false)).unwrap();
    /// let mut values = vec![("active", Value::Bool(true))];
    /// auth.revoke_on_change(User::schema(), &old, &mut values);
    /// assert!(values.iter().any(|(f, _)| *f == "session_epoch"));
    /// # });
    /// ```
    pub fn revoke_on_change(
        &self,
        schema: &crate::db::Schema,
        old: &crate::db::Record,
        values: &mut Vec<(&'static str, crate::db::Value)>,
    ) {
        if !std::ptr::eq(self.store.schema(), schema) {
            return;
        }
        let (epoch, active) = self.store.session_fields();
        let Some(active) = active else { return };
        let changed = values
            .iter()
            .any(|(f, v)| *f == active && old.get(active) != Some(v));
        if changed && !values.iter().any(|(f, _)| *f == epoch) {
            values.push((epoch, crate::auth::user::new_epoch().into()));
        }
    }

    /// After another battery wrote or deleted the row `pk` of `schema`:
    /// when that is the user model, drops the cached row, so a new password,
    /// a deactivation, a demotion or a deletion counts at once on this
    /// instance — and, on PostgreSQL, on every other (see `revocation`).
    pub async fn forget_row(&self, db: &Db, schema: &crate::db::Schema, pk: &crate::db::Value) {
        if let crate::db::Value::Int(id) = pk {
            if std::ptr::eq(self.store.schema(), schema) {
                self.store.forget(*id);
                crate::auth::revocation::announce(db, *id).await;
            }
        }
    }
}
