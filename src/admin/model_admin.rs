//! How a model shows in the admin: `ModelAdmin` options.

use crate::utils::strings;

/// The options of one model in the admin (flask-peewee's `ModelAdmin`).
///
/// # Example
/// ```
/// use hangar::admin::ModelAdmin;
/// let messages = ModelAdmin::new()
///     .columns(["user", "content", "pub_date"])
///     .search_fields(["content", "user__username"])
///     .filter_fields(["user__username", "pub_date"])
///     .exclude(["pub_date"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ModelAdmin {
    pub(crate) columns: Option<Vec<String>>,
    pub(crate) paginate_by: Option<u64>,
    pub(crate) search_fields: Vec<String>,
    pub(crate) filter_fields: Option<Vec<String>>,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) exclude: Vec<String>,
    pub(crate) readonly: Vec<String>,
    pub(crate) delete_recursive: bool,
    pub(crate) password_field: Option<String>,
}

impl ModelAdmin {
    /// Every default: all columns listed, every field in the form.
    pub fn new() -> ModelAdmin {
        ModelAdmin {
            delete_recursive: true,
            ..ModelAdmin::default()
        }
    }

    /// The list's columns (field names; a foreign key shows its row's label).
    pub fn columns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, columns: I) -> Self {
        self.columns = Some(strings(columns));
        self
    }

    /// Rows per page.
    pub fn paginate_by(mut self, n: u64) -> Self {
        self.paginate_by = Some(n.max(1));
        self
    }

    /// Text searched by the list's box (case-insensitive, `user__username` crosses keys).
    pub fn search_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.search_fields = strings(fields);
        self
    }

    /// The paths the list may be filtered on (default: every local field).
    pub fn filter_fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, paths: I) -> Self {
        self.filter_fields = Some(strings(paths));
        self
    }

    /// Only these fields in the forms.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields = Some(strings(fields));
        self
    }

    /// These fields are left out of the forms.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.exclude = strings(fields);
        self
    }

    /// Shown in the form but not editable.
    pub fn readonly<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.readonly = strings(fields);
        self
    }

    /// A password column (secret, so never shown): the form gets an empty
    /// password input; a value typed there is checked against the auth
    /// rules, hashed with bcrypt and stored (ending the user's sessions when
    /// the model has a `session_epoch`), an empty one keeps the old hash —
    /// flask-peewee's `UserAdmin.save_model`.
    pub fn password_field(mut self, field: impl Into<String>) -> Self {
        self.password_field = Some(field.into());
        self
    }

    /// flask-peewee's `UserAdmin` for the built-in user model: columns,
    /// search on username and email, the password handled as above.
    pub fn for_users() -> ModelAdmin {
        ModelAdmin::new()
            .columns(["username", "email", "active", "admin", "join_date"])
            .search_fields(["username", "email"])
            .exclude(["session_epoch", "join_date"])
            .password_field("password")
    }

    /// Delete dependents too (default) or refuse while they exist.
    pub fn delete_recursive(mut self, on: bool) -> Self {
        self.delete_recursive = on;
        self
    }
}
