//! The API's wire styles: flask-peewee's (the default) and Flask-RESTy's,
//! chosen per API ([`RestApi::style`](crate::rest::RestApi::style)) or per
//! resource ([`Resource::style`](crate::rest::Resource::style)).
//!
//! The handlers speak flask-peewee's shapes; this module translates at the
//! edges for Flask-RESTy: query parameters on the way in (`sort` for
//! `ordering`, 0-based `page`), request bodies (`{"data": {...}}`, with
//! `validate_request_id`), and responses and errors on the way out
//! (`{"data": ..., "meta": {...}}`, 204 on delete, `{"errors": [...]}`).

use serde_json::{json, Map, Value as Json};

use crate::rest::error::ApiError;

/// How requests and responses look on the wire.
///
/// ```
/// use hangar::rest::{Resource, RestApi, Style};
/// let api = RestApi::fairing().style(Style::Resty);              // every resource
/// let legacy = Resource::new().style(Style::Peewee);             // but this one
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// flask-peewee's: `{"meta": {...}, "objects": [...]}` lists, bare
    /// objects, `{"deleted": 1}`, `ordering`, 1-based `page`, errors as
    /// `{"error": "...", "errors": [...]}`.
    #[default]
    Peewee,
    /// Flask-RESTy's: `{"data": ...}` bodies both ways, `meta` with
    /// `has_next_page` (and `cursors`), `sort`, 0-based `page`, 204 on
    /// delete, errors as `{"errors": [{"code", "detail", "source": {"pointer":
    /// "/data/<field>"} | {"parameter": "<name>"}}]}`; a body `id` must match
    /// the URL's (409) and a create may not send one (403).
    Resty,
}

impl Style {
    /// The query parameters as the handlers read them (flask-peewee's names).
    ///
    /// # Errors
    /// A 400 naming `page` when it is no non-negative integer.
    pub(crate) fn request_pairs(
        self,
        pairs: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, ApiError> {
        if self == Style::Peewee {
            return Ok(pairs);
        }
        pairs
            .into_iter()
            .filter(|(k, _)| k != "ordering")
            .map(|(k, v)| match k.as_str() {
                "sort" => Ok(("ordering".to_owned(), v)),
                "page" => match v.trim().parse::<u64>() {
                    Ok(n) => Ok((k, (n + 1).to_string())),
                    Err(_) => Err(
                        ApiError::bad_request("`page` must be a non-negative integer")
                            .with_parameter("invalid_parameter", "page", "a non-negative integer"),
                    ),
                },
                _ => Ok((k, v)),
            })
            .collect()
    }

    /// The name of the sorting parameter.
    pub fn sort_param(self) -> &'static str {
        match self {
            Style::Peewee => "ordering",
            Style::Resty => "sort",
        }
    }

    /// The payload the handlers write from. Flask-RESTy's is under `data`,
    /// and its `id` must be absent on a create (`expected_id` `None`) and the
    /// URL's on an update.
    ///
    /// # Errors
    /// 400 without `data`; 403 for an id on a create; 422 without one and
    /// 409 for another one on an update.
    pub(crate) fn payload(
        self,
        mut body: Map<String, Json>,
        pk_field: &str,
        expected_id: Option<&str>,
    ) -> Result<Map<String, Json>, ApiError> {
        if self == Style::Peewee {
            return Ok(body);
        }
        let Some(Json::Object(data)) = body.remove("data") else {
            return Err(
                ApiError::bad_request("The body must be an object under `data`").with_field(
                    "invalid_body",
                    "",
                    "expected {\"data\": {...}}",
                ),
            );
        };
        let given = data.get(pk_field).filter(|v| !v.is_null());
        let text = |v: &Json| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        match (expected_id, given) {
            (None, Some(_)) => Err(ApiError::forbidden().with_field(
                "invalid_id.forbidden",
                pk_field,
                "a create may not choose the id",
            )),
            (Some(_), None) => Err(ApiError::new(
                rocket::http::Status::UnprocessableEntity,
                format!("The body must give `{pk_field}`"),
            )
            .with_field("invalid_id.missing", pk_field, "required on an update")),
            (Some(url), Some(body_id)) if text(body_id) != url => Err(ApiError::new(
                rocket::http::Status::Conflict,
                format!("The body's `{pk_field}` is not the URL's"),
            )
            .with_field("invalid_id.mismatch", pk_field, "must match the URL")),
            _ => Ok(data),
        }
    }

    /// A single object's response body.
    pub(crate) fn item(self, object: Json) -> Json {
        match self {
            Style::Peewee => object,
            Style::Resty => json!({ "data": object }),
        }
    }

    /// A list's response body, from flask-peewee's `{"meta", "objects"}`.
    pub(crate) fn list(self, body: Json) -> Json {
        if self == Style::Peewee {
            return body;
        }
        let meta = &body["meta"];
        let has_next = match meta.get("has_next_page") {
            Some(b) => b.as_bool().unwrap_or(false),
            None => meta["next"].as_str().is_some_and(|n| !n.is_empty()),
        };
        let mut out_meta = json!({ "has_next_page": has_next });
        if let Some(cursors) = meta.get("cursors") {
            out_meta["cursors"] = cursors.clone();
        }
        if let Some(count) = meta.get("object_count") {
            out_meta["count"] = count.clone();
        }
        if let Some(kind) = meta.get("count_kind") {
            out_meta["count_kind"] = kind.clone();
        }
        json!({ "data": body["objects"], "meta": out_meta })
    }
}
