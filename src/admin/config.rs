//! `[default.hangar.admin]`.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Section};

/// The admin site's settings.
///
/// # Example
/// ```
/// let c = hangar::admin::AdminConfig::default();
/// assert_eq!((c.prefix.as_str(), c.paginate_by), ("/admin", 20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Where the admin lives.
    pub prefix: String,
    /// Rows per list page unless a model admin says otherwise.
    pub paginate_by: u64,
    /// The name in the header.
    pub branding: String,
    /// The `Content-Security-Policy` of admin pages (`""` sends none). The
    /// default allows only the admin's own script and stylesheet, inline
    /// styles, and `data:` images.
    pub content_security_policy: String,
    /// Stylesheets added after the admin's own (a theme): URLs, same-origin
    /// under the default content security policy.
    pub extra_css: Vec<String>,
    /// The most rows one bulk action may take (a larger selection is
    /// refused with a message, nothing done).
    pub max_bulk_selection: usize,
}

/// The default [`AdminConfig::content_security_policy`].
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            prefix: "/admin".into(),
            paginate_by: 20,
            branding: "Hangar admin".into(),
            content_security_policy: DEFAULT_CSP.into(),
            extra_css: Vec::new(),
            max_bulk_selection: 1000,
        }
    }
}

impl Section for AdminConfig {
    const KEY: &'static str = "hangar.admin";

    fn validate(&self) -> Result<(), ConfigError> {
        if !self.prefix.starts_with('/') || self.prefix.ends_with('/') {
            return Err(ConfigError::invalid(
                Self::KEY,
                "prefix",
                "must start with `/` and not end with one (`/` alone is not a prefix)",
            ));
        }
        if self.paginate_by == 0 {
            return Err(ConfigError::invalid(
                Self::KEY,
                "paginate_by",
                "must be positive",
            ));
        }
        Ok(())
    }
}
