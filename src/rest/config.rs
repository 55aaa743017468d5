//! `[default.hangar.api]`.

use serde::{Deserialize, Serialize};

/// The REST API's settings, every one with a default.
///
/// # Example
/// ```
/// let c = hangar::rest::ApiConfig::default();
/// assert_eq!((c.prefix.as_str(), c.paginate_by, c.max_paginate_by), ("/api", 20, 100));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Where the resources are mounted (`/api/<name>/`).
    pub prefix: String,
    /// Objects per page unless a resource says otherwise.
    pub paginate_by: u64,
    /// The largest `?limit=` honoured.
    pub max_paginate_by: u64,
    /// A health endpoint answering `{"status": "ok"}` (outside the prefix); empty for none.
    pub ping_path: String,
    /// `scheme://host` put in front of absolute URL fields (`Field::absolute_url`).
    pub base_url: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            prefix: "/api".into(),
            paginate_by: 20,
            max_paginate_by: 100,
            ping_path: "/ping".into(),
            base_url: String::new(),
        }
    }
}

impl ApiConfig {
    /// Reads `hangar.api` (defaults for missing keys) and checks the values.
    ///
    /// # Errors
    /// A message naming the bad key.
    pub fn from_figment(figment: &rocket::figment::Figment) -> Result<Self, String> {
        let c: ApiConfig = match figment.find_value("hangar.api") {
            Ok(_) => figment
                .extract_inner("hangar.api")
                .map_err(|e| format!("[hangar.api]: {e}"))?,
            Err(_) => ApiConfig::default(),
        };
        if !c.prefix.starts_with('/') || c.prefix.len() > 1 && c.prefix.ends_with('/') {
            return Err("[hangar.api] prefix must start with `/` and not end with one".into());
        }
        if c.paginate_by == 0 || c.max_paginate_by == 0 {
            return Err("[hangar.api] paginate_by and max_paginate_by must be positive".into());
        }
        Ok(c)
    }
}
