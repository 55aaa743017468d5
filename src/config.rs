//! Configuration read from `Rocket.toml` (`[default.hangar.*]`), one struct per battery.

use serde::{Deserialize, Serialize};

pub use crate::db::DatabaseConfig;

/// `[default.hangar]`: settings shared by the batteries.
///
/// # Example
/// ```
/// assert_eq!(hangar::config::HangarConfig::default().site_name, "Hangar");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HangarConfig {
    /// The site's name, shown in page titles.
    pub site_name: String,
}

impl Default for HangarConfig {
    fn default() -> Self {
        HangarConfig {
            site_name: "Hangar".into(),
        }
    }
}

impl HangarConfig {
    /// Reads `[hangar]` (defaults for missing keys).
    ///
    /// # Errors
    /// A message naming the bad key.
    pub fn from_figment(figment: &rocket::figment::Figment) -> Result<Self, String> {
        match figment.find_value("hangar") {
            Ok(_) => figment
                .extract_inner::<HangarConfig>("hangar")
                .map_err(|e| format!("[hangar]: {e}")),
            Err(_) => Ok(HangarConfig::default()),
        }
    }
}
