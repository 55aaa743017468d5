//! Write payloads: a JSON object body, a form field `data` holding JSON, or
//! plain form fields (one per column). Anything else is 415.

use rocket::data::{Data, ToByteUnit};
use rocket::http::{RawStr, Status};
use rocket::request::Request;
use serde_json::{Map, Value as Json};

use crate::rest::error::ApiError;

/// Reads and parses a write payload into a JSON object.
///
/// # Errors
/// 400 for malformed JSON or a non-object body, 413 past the size limit
/// (`limits.json`, `limits.form`), 415 for other content types.
pub(crate) async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Map<String, Json>, ApiError> {
    let ct = req.content_type().cloned();
    let is_json = ct.as_ref().is_some_and(|c| c.is_json());
    let is_form = ct.as_ref().is_some_and(|c| c.is_form());
    if ct.is_some() && !is_json && !is_form {
        return Err(ApiError::new(
            Status::UnsupportedMediaType,
            "Unsupported content type: send application/json or a form",
        ));
    }
    let limit = if is_json {
        req.limits().get("json").unwrap_or(1.mebibytes())
    } else {
        req.limits().get("form").unwrap_or(32.kibibytes())
    };
    let body = data
        .open(limit)
        .into_string()
        .await
        .map_err(|e| ApiError::bad_request(format!("Unreadable body: {e}")))?;
    if !body.is_complete() {
        return Err(ApiError::new(Status::PayloadTooLarge, "Payload too large"));
    }
    let kind = if is_json {
        BodyKind::Json
    } else if is_form {
        BodyKind::Form
    } else {
        BodyKind::Unnamed
    };
    decode(kind, &body.into_inner())
}

/// How a body says what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// No `Content-Type` (only an empty body is taken).
    Unnamed,
}

/// A read body as a payload object (see [`read`]).
pub(crate) fn decode(kind: BodyKind, body: &str) -> Result<Map<String, Json>, ApiError> {
    match kind {
        BodyKind::Json => parse_object(body),
        BodyKind::Form => {
            let mut map = Map::new();
            for pair in body.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = RawStr::new(name).url_decode_lossy();
                let value = RawStr::new(value).url_decode_lossy();
                if name == "data" {
                    return parse_object(&value);
                }
                map.insert(name.into_owned(), Json::String(value.into_owned()));
            }
            Ok(map)
        }
        BodyKind::Unnamed if body.trim().is_empty() => Ok(Map::new()),
        BodyKind::Unnamed => Err(ApiError::new(
            Status::UnsupportedMediaType,
            "Unsupported content type: send application/json or a form",
        )),
    }
}

fn parse_object(text: &str) -> Result<Map<String, Json>, ApiError> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("Expected a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("Invalid JSON: {e}"))),
    }
}
