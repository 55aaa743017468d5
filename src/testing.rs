//! Test helpers for apps built on Hangar (Flask-RESTy's `ApiClient`,
//! `assert_shape`, `assert_response`): a client that prefixes the API path,
//! sends JSON, logs in with Basic auth, and assertions on the shape of bodies;
//! for HTML pages, [`login`] and [`submit_form`] post forms with the
//! session's CSRF token as a browser does.
//!
//! ```no_run
//! # async fn demo(rocket: rocket::Rocket<rocket::Build>) {
//! use hangar::testing::{assert_response, assert_shape, ApiClient, ANY};
//! use serde_json::json;
//!
//! let api = ApiClient::new(rocket).await.unwrap().login("huey", "password123");
//! let res = api.post("/message/", json!({"content": "hi"})).await;
//! assert_response(&res, 201, Some(&json!({"content": "hi", "id": ANY})));
//! let list = api.get("/message/?ordering=-id").await;
//! assert_shape(&list.body["meta"], &json!({"page": 1, "next": ANY}));
//! # }
//! ```

use base64::Engine as _;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Rocket};
use serde_json::Value as Json;

/// In an expected shape, matches any value.
pub const ANY: &str = "<<any>>";

/// The CSRF token from a rendered form's hidden field (`name="csrf_token"`),
/// to post forms from tests; `None` when the page has no such field.
///
/// ```
/// let html = r#"<form><input type="hidden" name="csrf_token" value="abc123"></form>"#;
/// assert_eq!(hangar::testing::csrf_token_in(html).as_deref(), Some("abc123"));
/// assert_eq!(hangar::testing::csrf_token_in("<p>no form</p>"), None);
/// ```
pub fn csrf_token_in(html: &str) -> Option<String> {
    let marker = format!("name=\"{}\" value=\"", crate::auth::CSRF_FIELD);
    let rest = &html[html.find(&marker)? + marker.len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The session's CSRF token, as the login form renders it (fetching the
/// form also starts the session's CSRF cookie). `None` without the `Auth`
/// fairing's login page.
///
/// ```no_run
/// # async fn demo(client: &rocket::local::asynchronous::Client) {
/// let token = hangar::testing::csrf_token(client).await.expect("the login form");
/// # }
/// ```
pub async fn csrf_token(client: &Client) -> Option<String> {
    let html = client
        .get(login_url(client))
        .dispatch()
        .await
        .into_string()
        .await?;
    csrf_token_in(&html)
}

fn login_url(client: &Client) -> String {
    let prefix = client
        .rocket()
        .state::<crate::auth::AuthState>()
        .map_or("/accounts", |s| s.config.prefix.as_str());
    format!("{prefix}/login/")
}

/// Posts `fields` as a form to `uri` with the session's CSRF token added
/// (see [`csrf_token`]), as a browser submitting a Hangar form does.
///
/// ```no_run
/// # async fn demo(client: &rocket::local::asynchronous::Client) {
/// let res = hangar::testing::submit_form(client, "/admin/note/add/", &[("message", "hi")]).await;
/// assert_eq!(res.status().code, 303);
/// # }
/// ```
pub async fn submit_form<'c>(
    client: &'c Client,
    uri: &str,
    fields: &[(&str, &str)],
) -> LocalResponse<'c> {
    let token = csrf_token(client).await.unwrap_or_default();
    let mut pairs = vec![(crate::auth::CSRF_FIELD, token.as_str())];
    pairs.extend_from_slice(fields);
    client
        .post(uri.to_owned())
        .header(ContentType::Form)
        .body(crate::text::form_urlencoded(&pairs))
        .dispatch()
        .await
}

/// Logs the client's session in through the login form (the client must
/// track cookies: `Client::tracked`). Returns the form's answer: 303 when
/// the credentials are accepted; otherwise the form comes back with its
/// message (200 for wrong credentials, 429 when throttled).
///
/// ```no_run
/// # async fn demo(client: &rocket::local::asynchronous::Client) {
/// let status = hangar::testing::login(client, "huey", "password123").await;
/// assert_eq!(status.code, 303);
/// # }
/// ```
pub async fn login(client: &Client, username: &str, password: &str) -> Status {
    let uri = login_url(client);
    submit_form(
        client,
        &uri,
        &[("username", username), ("password", password)],
    )
    .await
    .status()
}

/// A response as the helpers see it.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// The status.
    pub status: Status,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when there is none or it is not JSON).
    pub body: Json,
}

impl ApiResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local client for the REST API: paths are relative to the API prefix,
/// bodies are JSON, and `login` adds Basic credentials to every request.
pub struct ApiClient {
    client: Client,
    prefix: String,
    auth: Option<String>,
}

impl ApiClient {
    /// Launches `rocket` locally (cookies tracked).
    ///
    /// # Errors
    /// The launch error.
    pub async fn new(rocket: Rocket<Build>) -> Result<ApiClient, rocket::Error> {
        let client = Client::tracked(rocket).await?;
        #[cfg(feature = "rest")]
        let prefix = client
            .rocket()
            .state::<crate::rest::RestState>()
            .map_or_else(|| "/api".to_owned(), |s| s.config.prefix.clone());
        #[cfg(not(feature = "rest"))]
        let prefix = "/api".to_owned();
        Ok(ApiClient {
            client,
            prefix: prefix.trim_end_matches('/').to_owned(),
            auth: None,
        })
    }

    /// Sends Basic credentials from now on.
    pub fn login(mut self, username: &str, password: &str) -> ApiClient {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        self.auth = Some(format!("Basic {token}"));
        self
    }

    /// Sends a bearer token from now on.
    pub fn bearer(mut self, token: &str) -> ApiClient {
        self.auth = Some(format!("Bearer {token}"));
        self
    }

    /// Stops sending credentials.
    pub fn logout(mut self) -> ApiClient {
        self.auth = None;
        self
    }

    /// The underlying Rocket client.
    pub fn inner(&self) -> &Client {
        &self.client
    }

    /// Sends a request to `<prefix><path>`.
    pub async fn request(&self, method: Method, path: &str, body: Option<Json>) -> ApiResponse {
        let mut req = self.client.req(method, format!("{}{path}", self.prefix));
        if let Some(auth) = &self.auth {
            req = req.header(Header::new("Authorization", auth.clone()));
        }
        if let Some(body) = body {
            req = req.header(ContentType::JSON).body(body.to_string());
        }
        let res = req.dispatch().await;
        let status = res.status();
        let headers = res
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_owned()))
            .collect();
        let text = res.into_string().await.unwrap_or_default();
        ApiResponse {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Json::Null),
        }
    }

    /// `GET`.
    pub async fn get(&self, path: &str) -> ApiResponse {
        self.request(Method::Get, path, None).await
    }

    /// `POST` a JSON body.
    pub async fn post(&self, path: &str, body: Json) -> ApiResponse {
        self.request(Method::Post, path, Some(body)).await
    }

    /// `PUT` a JSON body.
    pub async fn put(&self, path: &str, body: Json) -> ApiResponse {
        self.request(Method::Put, path, Some(body)).await
    }

    /// `PATCH` a JSON body.
    pub async fn patch(&self, path: &str, body: Json) -> ApiResponse {
        self.request(Method::Patch, path, Some(body)).await
    }

    /// `DELETE`.
    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.request(Method::Delete, path, None).await
    }
}

fn shape_mismatch(actual: &Json, expected: &Json, key: &str) -> Option<String> {
    match expected {
        Json::String(s) if s == ANY => None,
        Json::Object(exp) => {
            let Json::Object(act) = actual else {
                return Some(format!("{key}: expected an object, got {actual}"));
            };
            exp.iter().find_map(|(k, v)| {
                let path = format!("{key}.{k}");
                match act.get(k) {
                    Some(a) => shape_mismatch(a, v, &path),
                    None => Some(format!("{path}: missing")),
                }
            })
        }
        Json::Array(exp) => {
            let Json::Array(act) = actual else {
                return Some(format!("{key}: expected an array, got {actual}"));
            };
            if act.len() != exp.len() {
                return Some(format!(
                    "{key}: expected {} items, got {}",
                    exp.len(),
                    act.len()
                ));
            }
            act.iter()
                .zip(exp)
                .enumerate()
                .find_map(|(i, (a, e))| shape_mismatch(a, e, &format!("{key}[{i}]")))
        }
        e if e == actual => None,
        e => Some(format!("{key}: expected {e}, got {actual}")),
    }
}

/// Asserts `actual` has the shape of `expected`: every key of an expected
/// object is present with a matching shape (extra keys are fine), arrays
/// match item by item, scalars are equal, and [`ANY`] matches anything.
///
/// # Panics
/// With the path of the first mismatch.
///
/// # Example
/// ```
/// use hangar::testing::{assert_shape, ANY};
/// use serde_json::json;
/// assert_shape(&json!({"id": 3, "name": "x", "extra": true}), &json!({"id": ANY, "name": "x"}));
/// ```
pub fn assert_shape(actual: &Json, expected: &Json) {
    if let Some(m) = shape_mismatch(actual, expected, "$") {
        panic!("shape mismatch at {m}\nactual: {actual}");
    }
}

/// Asserts the status and, when given, the shape of the body.
///
/// # Panics
/// On a different status or shape.
pub fn assert_response(res: &ApiResponse, status: u16, expected: Option<&Json>) {
    assert_eq!(
        res.status.code, status,
        "unexpected status; body: {}",
        res.body
    );
    if let Some(expected) = expected {
        assert_shape(&res.body, expected);
    }
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("prefix", &self.prefix)
            .field("logged_in", &self.auth.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_match_subsets_and_any() {
        assert!(shape_mismatch(
            &json!({"a": [1, {"b": 2}]}),
            &json!({"a": [ANY, {"b": 2}]}),
            "$"
        )
        .is_none());
        assert!(shape_mismatch(&json!({"a": 1}), &json!({"b": 1}), "$")
            .unwrap()
            .contains("$.b: missing"));
        assert!(shape_mismatch(&json!([1, 2]), &json!([1]), "$").is_some());
        assert!(shape_mismatch(&json!("x"), &json!("y"), "$").is_some());
    }
}
