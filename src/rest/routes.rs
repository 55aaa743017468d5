//! The API's routes: one dynamic handler per URL shape and method, looking
//! the resource up by name.

use rocket::http::{Header, Method, Status};
use rocket::route::{Handler, Outcome, Route};
use rocket::serde::json::Json;
use rocket::{Data, Request};

use crate::auth::AuthState;
use crate::db::Db;
use crate::rest::error::ApiError;
use crate::rest::handlers;
use crate::rest::paging::Listing;
use crate::rest::payload;
use crate::rest::state::{Entry, RestState};
use crate::rest::style::Style;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    List,
    Create,
    Detail,
    Update,
    Delete,
    NotAllowed,
}

#[derive(Clone)]
struct ApiHandler(Endpoint);

/// A created object with its `Location`.
struct Created(String, serde_json::Value, String);

impl<'r> rocket::response::Responder<'r, 'static> for Created {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut res =
            rocket::response::status::Custom(Status::Created, Json(self.1)).respond_to(req)?;
        res.set_header(Header::new("Location", self.0));
        res.set_header(etag(&self.2));
        Ok(res)
    }
}

/// What an endpoint answers, before the wire style shapes it.
enum Answer {
    Json(serde_json::Value),
    /// A finished JSON body.
    Raw(String),
    /// One object and its row's version.
    Object(Body, String),
    Created(String, serde_json::Value, String),
    Deleted(serde_json::Value),
    /// `If-None-Match` named the current version.
    NotModified(String),
}

/// A JSON body as a tree or finished.
enum Body {
    Tree(serde_json::Value),
    Raw(String),
}

/// The `ETag` header of a version.
fn etag(version: &str) -> Header<'static> {
    Header::new("ETag", format!("\"{version}\""))
}

/// `304 Not Modified`: no body, the current `ETag`.
struct NotModified(String);

impl<'r> rocket::response::Responder<'r, 'static> for NotModified {
    fn respond_to(self, _req: &'r Request<'_>) -> rocket::response::Result<'static> {
        Ok(rocket::Response::build()
            .status(Status::NotModified)
            .header(etag(&self.0))
            .finalize())
    }
}

/// A response with an `ETag` header added.
struct Tagged<R>(R, String);

impl<'r, R: rocket::response::Responder<'r, 'static>> rocket::response::Responder<'r, 'static>
    for Tagged<R>
{
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut res = self.0.respond_to(req)?;
        res.set_header(etag(&self.1));
        Ok(res)
    }
}

/// The query string as `(name, value)` pairs, decoded; past `max` pairs a
/// 400 naming the limit (before anything is grouped or parsed).
fn query_pairs(
    req: &Request<'_>,
    config: &crate::rest::ApiConfig,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(query) = req.uri().query() else {
        return Ok(Vec::new());
    };
    let (max, longest) = (config.max_query_params, config.max_value_length);
    let mut pairs = Vec::new();
    for (k, v) in query.segments() {
        if pairs.len() == max {
            return Err(ApiError::bad_request(format!(
                "Too many query parameters: at most {max} (hangar.api.max_query_params)"
            )));
        }
        if k.len() > longest || v.len() > longest {
            return Err(ApiError::bad_request(format!(
                "Query parameter `{}` is too long: at most {longest} bytes \
                 (hangar.api.max_value_length)",
                k.chars().take(40).collect::<String>()
            ))
            .with_parameter("too_long", k, format!("at most {longest} bytes")));
        }
        pairs.push((k.to_owned(), v.to_owned()));
    }
    Ok(pairs)
}

async fn run<'r>(
    endpoint: Endpoint,
    req: &'r Request<'_>,
    data: Data<'r>,
) -> Result<(Style, Answer), (Style, ApiError)> {
    let (Some(state), Some(db)) = (
        req.rocket().state::<RestState>(),
        req.rocket().state::<Db>(),
    ) else {
        let e = ApiError::new(
            Status::InternalServerError,
            "the RestApi fairing is not ready",
        );
        return Err((Style::default(), e));
    };
    let db = &db.for_request(req);
    let name = req
        .param::<&str>(0)
        .and_then(Result::ok)
        .unwrap_or_default();
    let entry = state
        .entry(name)
        .ok_or_else(|| (state.style, ApiError::not_found()))?;
    let style = entry.style;
    serve(endpoint, req, data, state, db, entry)
        .await
        .map(|answer| (style, answer))
        .map_err(|e| (style, e))
}

async fn serve<'r>(
    endpoint: Endpoint,
    req: &'r Request<'_>,
    data: Data<'r>,
    state: &RestState,
    db: &Db,
    entry: &Entry,
) -> Result<Answer, ApiError> {
    let style = entry.style;
    let pk = req
        .param::<&str>(1)
        .and_then(Result::ok)
        .unwrap_or_default();
    if endpoint == Endpoint::NotAllowed {
        return Err(handlers::not_allowed());
    }
    let method = match endpoint {
        Endpoint::List | Endpoint::Detail => Method::Get,
        Endpoint::Create => Method::Post,
        Endpoint::Delete => Method::Delete,
        _ if req.method() == Method::Patch => Method::Patch,
        _ => Method::Put,
    };
    let user = handlers::gate(entry, req, method).await?;
    let user = user.as_ref();
    let auth = req.rocket().state::<AuthState>();
    let pk_field = entry.schema.pk().field;
    let base = entry.base_for(req)?;
    Ok(match endpoint {
        Endpoint::List => {
            let pairs = style.request_pairs(query_pairs(req, &state.config)?)?;
            match handlers::list(state, entry, req, pairs, db, user).await? {
                Listing::Tree(body) => Answer::Json(style.list(body)),
                Listing::Ready(body) => Answer::Raw(body),
            }
        }
        Endpoint::Detail => {
            let shown = handlers::detail(entry, db, &base, pk, user).await?;
            let fresh = req
                .headers()
                .get_one("If-None-Match")
                .is_some_and(|tags| crate::db::version::matches(tags, &shown.version));
            if fresh {
                return Ok(Answer::NotModified(shown.version));
            }
            let body = match shown.body {
                Listing::Tree(object) => Body::Tree(style.item(object)),
                Listing::Ready(body) => Body::Raw(body),
            };
            Answer::Object(body, shown.version)
        }
        Endpoint::Create => {
            let body = style.payload(payload::read(req, data).await?, pk_field, None)?;
            let (location, shown) =
                handlers::create(state, entry, req, db, &base, auth, body, user).await?;
            Answer::Created(location, style.item(shown.body), shown.version)
        }
        Endpoint::Update => {
            let body = style.payload(payload::read(req, data).await?, pk_field, Some(pk))?;
            let shown = handlers::update(entry, req, db, &base, auth, pk, body, user).await?;
            Answer::Object(Body::Tree(style.item(shown.body)), shown.version)
        }
        Endpoint::Delete => {
            Answer::Deleted(handlers::delete(entry, req, db, auth, pk, user).await?)
        }
        Endpoint::NotAllowed => unreachable!("answered above"),
    })
}

#[rocket::async_trait]
impl Handler for ApiHandler {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        match run(self.0, req, data).await {
            Ok((_, Answer::Json(body))) => Outcome::from(req, Json(body)),
            Ok((_, Answer::Raw(body))) => {
                Outcome::from(req, rocket::response::content::RawJson(body))
            }
            Ok((_, Answer::Object(Body::Tree(body), version))) => {
                Outcome::from(req, Tagged(Json(body), version))
            }
            Ok((_, Answer::Object(Body::Raw(body), version))) => Outcome::from(
                req,
                Tagged(rocket::response::content::RawJson(body), version),
            ),
            Ok((_, Answer::NotModified(version))) => Outcome::from(req, NotModified(version)),
            Ok((_, Answer::Created(location, body, version))) => {
                Outcome::from(req, Created(location, body, version))
            }
            // Flask-RESTy answers a delete with 204 and no body
            Ok((Style::Resty, Answer::Deleted(_))) => Outcome::from(req, Status::NoContent),
            Ok((Style::Peewee, Answer::Deleted(body))) => Outcome::from(req, Json(body)),
            Err((style, e)) => Outcome::from(req, e.in_style(style)),
        }
    }
}

/// The routes, to mount at the API prefix.
pub(crate) fn all() -> Vec<Route> {
    use Endpoint::*;
    let table: &[(Method, &str, Endpoint)] = &[
        (Method::Get, "/<name>", List),
        (Method::Post, "/<name>", Create),
        (Method::Put, "/<name>", NotAllowed),
        (Method::Patch, "/<name>", NotAllowed),
        (Method::Delete, "/<name>", NotAllowed),
        (Method::Get, "/<name>/<pk>", Detail),
        (Method::Put, "/<name>/<pk>", Update),
        (Method::Patch, "/<name>/<pk>", Update),
        (Method::Post, "/<name>/<pk>", Update),
        (Method::Delete, "/<name>/<pk>", Delete),
        (Method::Post, "/<name>/<pk>/delete", Delete),
        (Method::Get, "/<name>/<pk>/delete", NotAllowed),
        (Method::Options, "/<name>", NotAllowed),
        (Method::Trace, "/<name>", NotAllowed),
        (Method::Options, "/<name>/<pk>", NotAllowed),
        (Method::Trace, "/<name>/<pk>", NotAllowed),
    ];
    table
        .iter()
        .map(|(method, path, endpoint)| Route::new(*method, path, ApiHandler(*endpoint)))
        .collect()
}
