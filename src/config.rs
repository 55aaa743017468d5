//! Configuration read from `Rocket.toml`: one generic loader for every
//! battery's section (`[default.hangar.*]`), each section a serde struct
//! with `Default` that names its key and checks its values.
//!
//! This module is the bottom layer: it knows no battery. Each battery
//! implements [`Section`] for its config struct.
//!
//! # Example
//! ```
//! use hangar::config::{self, HangarConfig};
//! let figment = rocket::figment::Figment::from(("hangar.site_name", "Notes"));
//! let c: HangarConfig = config::load(&figment).unwrap();
//! assert_eq!(c.site_name, "Notes");
//! ```

use rocket::figment::Figment;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A config section: where it lives and what values it accepts.
///
/// # Example
/// ```
/// use hangar::config::{self, ConfigError, Section};
///
/// #[derive(serde::Deserialize, Default, Debug)]
/// #[serde(default)]
/// struct Mailer { port: u16 }
///
/// impl Section for Mailer {
///     const KEY: &'static str = "myapp.mailer";
///     fn validate(&self) -> Result<(), ConfigError> {
///         if self.port == 0 {
///             return Err(ConfigError::invalid(Self::KEY, "port", "must not be 0"));
///         }
///         Ok(())
///     }
/// }
///
/// let f = rocket::figment::Figment::from(("myapp.mailer.port", 0));
/// let err = config::load::<Mailer>(&f).unwrap_err();
/// assert_eq!(err.to_string(), "[myapp.mailer] port: must not be 0");
/// ```
pub trait Section: DeserializeOwned + Default {
    /// The dotted key of the section (`hangar.auth`).
    const KEY: &'static str;

    /// Checks the values once parsed.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the key.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// A section that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value of the wrong type or an unknown key; figment's error keeps
    /// the key's full path.
    #[error("[{section}]: {source}")]
    Parse {
        /// The section.
        section: &'static str,
        /// figment's error (with the key path).
        #[source]
        source: Box<figment::Error>,
    },
    /// A value of the right type that is not allowed.
    #[error("[{section}] {key}: {message}")]
    Invalid {
        /// The section.
        section: &'static str,
        /// The key within the section.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// An [`ConfigError::Invalid`] error.
    pub fn invalid(section: &'static str, key: &'static str, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            section,
            key,
            message: message.into(),
        }
    }
}

/// Reads section `S` (defaults for missing keys and for a missing section)
/// and validates it.
///
/// # Errors
/// [`ConfigError`] naming the section and key.
pub fn load<S: Section>(figment: &Figment) -> Result<S, ConfigError> {
    let section: S = match figment.find_value(S::KEY) {
        Ok(_) => figment
            .extract_inner(S::KEY)
            .map_err(|e| ConfigError::Parse {
                section: S::KEY,
                source: Box::new(e),
            })?,
        Err(_) => S::default(),
    };
    section.validate()?;
    Ok(section)
}

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

impl Section for HangarConfig {
    const KEY: &'static str = "hangar";
}
