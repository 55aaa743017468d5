//! The registered resources, looked up by URL name.

use std::sync::Arc;

use crate::db::Schema;
use crate::rest::authn::Authenticator;
use crate::rest::config::ApiConfig;
use crate::rest::resource::Resource;

/// One registered model with its options.
pub struct Entry {
    /// The URL name.
    pub name: String,
    /// The model's schema.
    pub schema: &'static Schema,
    /// The options.
    pub resource: Resource,
    /// The authentication in force (the resource's or the API's default).
    pub auth: Arc<dyn Authenticator>,
    /// `hangar.api.base_url`, for absolute URL fields.
    pub base_url: String,
    /// The wire style (the resource's, else the API's).
    pub style: crate::rest::Style,
    /// The first registered resource of every model: what a filter path
    /// through a foreign key may see of the row behind it, and the rules a
    /// nested write to that model goes through.
    pub peers: Arc<Vec<Peer>>,
}

/// A model's first registered resource with the authentication in force.
pub struct Peer {
    /// The model.
    pub schema: &'static Schema,
    /// Its registered options.
    pub resource: Resource,
    /// Its authentication (the resource's or the API's default).
    pub auth: Arc<dyn Authenticator>,
}

impl Entry {
    /// The registered resource of `schema`, if the API exposes that model.
    pub(crate) fn peer(&self, schema: &'static Schema) -> Option<&Peer> {
        self.peers.iter().find(|p| std::ptr::eq(p.schema, schema))
    }
}

/// What the `RestApi` fairing manages.
pub struct RestState {
    /// The configuration.
    pub config: ApiConfig,
    /// Resources in registration order.
    pub entries: Vec<Arc<Entry>>,
    /// The API's default authentication: what the [`ApiUser`](crate::rest::ApiUser)
    /// request guard of an app's own routes checks.
    pub default_auth: Arc<dyn Authenticator>,
    /// The API's wire style (resources may choose their own).
    pub style: crate::rest::Style,
}

impl RestState {
    /// The resource with this URL name.
    pub fn entry(&self, name: &str) -> Option<&Arc<Entry>> {
        self.entries.iter().find(|e| e.name == name)
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("model", &self.schema.type_name)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RestState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestState")
            .field("config", &self.config)
            .field("entries", &self.entries)
            .finish()
    }
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("model", &self.schema.type_name)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}
