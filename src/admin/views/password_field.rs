//! The password field of an add or edit form: hashed by the auth
//! battery's rules (and a new session epoch) on its user model, by the same
//! rules on any other model's password field.

use crate::admin::AdminEntry;
use crate::auth::AuthState;
use crate::db::Value;

/// The hashed password to store, when the form has a password field and a
/// value was typed; `(field, message)` when it breaks the rules.
pub(super) async fn password_values(
    auth: Option<&AuthState>,
    e: &AdminEntry,
    form: &[(String, String)],
    adding: bool,
) -> Result<Vec<(&'static str, Value)>, (String, String)> {
    let Some(field) = e.admin.password_field.as_deref() else {
        return Ok(Vec::new());
    };
    let Some(col) = e.schema.column(field) else {
        return Ok(Vec::new());
    };
    let raw = crate::admin::request::last_value(form, field).unwrap_or_default();
    if raw.is_empty() {
        return if adding {
            Err((field.to_owned(), "This field is required.".into()))
        } else {
            Ok(Vec::new())
        };
    }
    // "password must be ..." as a form message: "Password must be ...."
    let message = |m: String| {
        let mut chars = m.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        (
            field.to_owned(),
            format!("{}{}.", first.unwrap_or_default(), chars.as_str()),
        )
    };
    match auth {
        // the auth battery's user model: its rules, and a new session epoch
        Some(auth) if std::ptr::eq(auth.store().schema(), e.schema) => auth
            .store()
            .password_values(&auth.config, raw, !adding)
            .await
            .map_err(|err| match err {
                crate::auth::AuthError::Password(p) => message(p.to_string()),
                other => (field.to_owned(), other.to_string()),
            }),
        // a password field on another model: hashed by the same rules
        _ => {
            let (min, cost) = auth.map_or((8, 12), |s| {
                (s.config.min_password_length, s.config.bcrypt_cost)
            });
            crate::auth::password::validate(raw, min).map_err(|m| message(m.to_string()))?;
            let hash = crate::auth::password::make_password(raw, cost)
                .await
                .map_err(|m| (field.to_owned(), m.to_string()))?;
            Ok(vec![(col.field, Value::Text(hash))])
        }
    }
}
