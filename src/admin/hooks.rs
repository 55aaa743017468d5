//! What an app plugs into a model admin: hooks over its queries and saves
//! ([`ModelAdminHooks`]) and bulk actions ([`Action`]).

use crate::admin::AdminError;
use crate::auth::SessionUser;
use crate::db::{write, Db, Error as DbError, Record, Select, Transaction, Value};

/// What a user may do with a model in the admin
/// ([`ModelAdminHooks::has_permission`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See the list and the rows (the model shows in the menu and dashboard).
    View,
    /// Add rows.
    Add,
    /// Change rows and run custom bulk actions.
    Change,
    /// Delete rows (one or a selection).
    Delete,
    /// Export rows.
    Export,
}

impl Permission {
    /// Every permission, in order.
    pub const ALL: [Permission; 5] = [
        Permission::View,
        Permission::Add,
        Permission::Change,
        Permission::Delete,
        Permission::Export,
    ];

    /// The lower-case name (`"view"`), as templates see it in `perms`.
    pub fn name(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::Add => "add",
            Permission::Change => "change",
            Permission::Delete => "delete",
            Permission::Export => "export",
        }
    }
}

/// Hooks of a model admin (flask-peewee's overridable `ModelAdmin`
/// methods). Every method has a default; implement the ones you need and
/// pass the value to [`ModelAdmin::hooks`](crate::admin::ModelAdmin::hooks).
///
/// # Example
/// ```
/// use hangar::admin::ModelAdminHooks;
/// use hangar::auth::SessionUser;
/// use hangar::db::{Op, Select};
///
/// /// Admins only see and touch their own notes.
/// struct OwnNotes;
///
/// #[rocket::async_trait]
/// impl ModelAdminHooks for OwnNotes {
///     fn get_query(&self, select: Select, user: &SessionUser) -> Select {
///         select.filter("user", Op::Eq, user.id).expect("notes have a user")
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait ModelAdminHooks: Send + Sync + 'static {
    /// May `user` (already let into the admin) do `what` with this model?
    /// Default: yes. A refusal answers 403 and hides the matching links
    /// and buttons; without [`Permission::View`] the model leaves the menu
    /// and the dashboard.
    fn has_permission(&self, _user: &SessionUser, _what: Permission) -> bool {
        true
    }

    /// The rows this admin shows and acts on (list, counts, forms, deletes,
    /// bulk actions, export): restrict it to hide rows. A row outside it
    /// answers 404.
    fn get_query(&self, select: Select, _user: &SessionUser) -> Select {
        select
    }

    /// The query that loads the row with primary key `pk` (from
    /// [`get_query`](Self::get_query)'s rows).
    ///
    /// # Errors
    /// A lookup error (the page answers 404).
    fn get_object(
        &self,
        select: Select,
        pk: Value,
        _user: &SessionUser,
    ) -> Result<Select, DbError> {
        Ok(select.filter_pk(pk))
    }

    /// Writes the form's values (flask-peewee's `save_model`): inserts when
    /// `existing` is `None`, updates otherwise ([`store`]), and returns the
    /// row's primary key. Runs inside the save's transaction: anything it writes
    /// through `tx` commits or rolls back with the row. Change `values` (stamp
    /// the current user, say) or refuse with [`AdminError::Field`].
    ///
    /// # Errors
    /// [`AdminError`]s come back as form messages; database errors naming a
    /// field go next to that field.
    async fn save_model(
        &self,
        tx: &mut Transaction<'_>,
        schema: &'static crate::db::Schema,
        existing: Option<&Record>,
        values: Vec<(&'static str, Value)>,
        _user: &SessionUser,
    ) -> Result<Value, AdminError> {
        store(tx, schema, existing, values).await
    }
}

/// What [`ModelAdminHooks::save_model`] does by default: inserts the values
/// (no `existing` row) or updates the row, returning its primary key. Call
/// it from your own `save_model` around what you add.
///
/// # Errors
/// The database's refusal (a unique value taken, a missing row, ...).
pub async fn store(
    tx: &mut Transaction<'_>,
    schema: &'static crate::db::Schema,
    existing: Option<&Record>,
    values: Vec<(&'static str, Value)>,
) -> Result<Value, AdminError> {
    Ok(match existing {
        None => write::insert_fields(&mut *tx, schema, values).await?,
        Some(r) => {
            let changed = write::update_fields(&mut *tx, schema, r.pk().clone(), values).await?;
            if changed == 0 {
                // deleted meanwhile
                return Err(DbError::NotFound { model: schema.name }.into());
            }
            r.pk().clone()
        }
    })
}

/// The default hooks: every row, stored as typed.
pub(crate) struct NoHooks;
impl ModelAdminHooks for NoHooks {}

/// A bulk action in the list's dropdown, run over the ticked rows (only
/// those the model admin's `get_query` shows).
///
/// # Example
/// ```
/// use hangar::admin::{Action, ActionOutcome, AdminError};
/// use hangar::auth::SessionUser;
/// use hangar::db::{Db, Value};
///
/// struct Deactivate;
///
/// #[rocket::async_trait]
/// impl Action for Deactivate {
///     fn name(&self) -> &str { "deactivate" }
///     fn label(&self) -> &str { "Deactivate selected" }
///     async fn run(&self, db: &Db, _user: &SessionUser, pks: Vec<Value>) -> Result<ActionOutcome, AdminError> {
///         let n = pks.len();
///         // ... update the rows through `db` ...
///         Ok(format!("Deactivated {n} user(s).").into())
///     }
/// }
/// ```
#[rocket::async_trait]
pub trait Action: Send + Sync + 'static {
    /// The form value (letters, digits, `_`, `-`; not `delete` or `export`).
    fn name(&self) -> &str;
    /// The text in the dropdown.
    fn label(&self) -> &str;
    /// Runs over the selected primary keys.
    ///
    /// # Errors
    /// The message of an [`AdminError`] is flashed as an error.
    async fn run(
        &self,
        db: &Db,
        user: &SessionUser,
        pks: Vec<Value>,
    ) -> Result<ActionOutcome, AdminError>;
}

/// What a bulk [`Action`] answers.
///
/// ```
/// use hangar::admin::ActionOutcome;
/// let done: ActionOutcome = "Archived 3 rows.".into();
/// let file = ActionOutcome::Download {
///     filename: "labels.txt".into(),
///     content_type: rocket::http::ContentType::Plain,
///     body: b"huey\nmickey\n".to_vec(),
/// };
/// ```
#[derive(Debug)]
pub enum ActionOutcome {
    /// Back to the list, flashing this message.
    Message(String),
    /// To `url` (a path on this site, starting with one `/`), flashing
    /// `message` when there is one.
    Redirect {
        /// Where to.
        url: String,
        /// The success message.
        message: Option<String>,
    },
    /// A file to download.
    Download {
        /// The suggested file name.
        filename: String,
        /// Its type.
        content_type: rocket::http::ContentType,
        /// Its bytes.
        body: Vec<u8>,
    },
}

impl From<String> for ActionOutcome {
    fn from(message: String) -> Self {
        ActionOutcome::Message(message)
    }
}

impl From<&str> for ActionOutcome {
    fn from(message: &str) -> Self {
        ActionOutcome::Message(message.to_owned())
    }
}
