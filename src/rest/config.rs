//! `[default.hangar.api]`.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Section};

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
    /// The ping's status (Flask-RESTy's `add_ping(status_code=...)`): 200,
    /// or 204 for an empty answer.
    pub ping_status: u16,
    /// `scheme://host` put in front of absolute URL fields (`Field::absolute_url`).
    pub base_url: String,
    /// Without `base_url`, the `Host` values an absolute URL may be built
    /// from (`"api.example.com"`, `".example.com"` for it and its
    /// subdomains, `"*"` for any). Empty: loopback names only (`localhost`,
    /// `127.0.0.1`, `[::1]`). Another host is answered 400, so a forged
    /// `Host` never reaches a link a client follows.
    pub allowed_hosts: Vec<String>,
    /// The most query-string parameters a request may carry (400 past it).
    pub max_query_params: usize,
    /// The most values one filter may take, repeats and `in` lists together
    /// (400 past it): what bounds the bound parameters of a query.
    pub max_filter_values: usize,
    /// The longest query-string value taken, in bytes (400 past it).
    pub max_value_length: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            prefix: "/api".into(),
            paginate_by: 20,
            max_paginate_by: 100,
            ping_path: "/ping".into(),
            ping_status: 200,
            base_url: String::new(),
            allowed_hosts: Vec::new(),
            max_query_params: 100,
            max_filter_values: 100,
            max_value_length: 16 * 1024,
        }
    }
}

impl Section for ApiConfig {
    const KEY: &'static str = "hangar.api";

    fn validate(&self) -> Result<(), ConfigError> {
        if !self.prefix.starts_with('/') || self.prefix.len() > 1 && self.prefix.ends_with('/') {
            return Err(ConfigError::invalid(
                Self::KEY,
                "prefix",
                "must start with `/` and not end with one",
            ));
        }
        for (key, value) in [
            ("paginate_by", self.paginate_by),
            ("max_paginate_by", self.max_paginate_by),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(Self::KEY, key, "must be positive"));
            }
        }
        for (key, value) in [
            ("max_query_params", self.max_query_params),
            ("max_filter_values", self.max_filter_values),
            ("max_value_length", self.max_value_length),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(Self::KEY, key, "must be positive"));
            }
        }
        if !(200..300).contains(&self.ping_status) {
            return Err(ConfigError::invalid(
                Self::KEY,
                "ping_status",
                "must be a 2xx status",
            ));
        }
        Ok(())
    }
}

impl ApiConfig {
    /// Whether `host` (with or without a port) may be used for absolute URLs.
    ///
    /// ```
    /// let mut c = hangar::rest::ApiConfig::default();
    /// assert!(c.host_allowed("localhost:8000") && !c.host_allowed("evil.test"));
    /// c.allowed_hosts = vec![".example.com".into()];
    /// assert!(c.host_allowed("api.example.com") && c.host_allowed("example.com"));
    /// assert!(!c.host_allowed("example.com.evil.test"));
    /// ```
    pub fn host_allowed(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            // [::1]:8000
            Some(v6) => v6
                .split(']')
                .next()
                .map_or(host.to_owned(), |h| format!("[{h}]")),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned(),
        }
        .to_ascii_lowercase();
        if self.allowed_hosts.is_empty() {
            return matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]");
        }
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            allowed == "*"
                || allowed == name
                || allowed
                    .strip_prefix('.')
                    .is_some_and(|domain| name == domain || name.ends_with(&format!(".{domain}")))
        })
    }
}
