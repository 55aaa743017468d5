//! How auth failures reach the client, in one place: browsers get a redirect
//! to the login page (401) or an HTML page (403, 429); API clients get JSON.

use rocket::http::{uri::fmt::Query, uri::fmt::UriDisplay, MediaType, Status};
use rocket::request::Request;
use rocket::response::{self, Redirect, Responder};
use rocket::serde::json::Json;
use rocket::{catch, catchers, Catcher};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::auth::error::AuthError;
use crate::auth::state::AuthState;

/// The catchers the `Auth` fairing registers at `/`.
pub(super) fn all() -> Vec<Catcher> {
    catchers![unauthorized, forbidden, too_many, unavailable]
}

/// Whether the client wants JSON rather than HTML.
pub fn wants_json(req: &Request<'_>) -> bool {
    if let Some(accept) = req.accept() {
        let preferred = accept.preferred().media_type();
        if preferred.is_json() {
            return true;
        }
        if preferred == &MediaType::HTML {
            return false;
        }
    }
    req.content_type().is_some_and(|c| c.is_json())
}

/// Errors answer with their status; the catchers below render it.
impl<'r> Responder<'r, 'static> for AuthError {
    fn respond_to(self, _req: &'r Request<'_>) -> response::Result<'static> {
        if self.status().code >= 500 {
            rocket::error!("hangar auth: {self}");
        }
        Err(self.status())
    }
}

#[derive(rocket::Responder)]
enum CaughtReply {
    Json(response::status::Custom<Json<serde_json::Value>>),
    Html(response::status::Custom<Template>),
    Redirect(Redirect),
}

fn json_error(status: Status, message: &str) -> CaughtReply {
    CaughtReply::Json(response::status::Custom(
        status,
        Json(json!({ "error": message })),
    ))
}

fn html_error(status: Status, title: &str, message: &str) -> CaughtReply {
    CaughtReply::Html(response::status::Custom(
        status,
        Template::render(
            "hangar/error.html",
            json!({ "status": status.code, "title": title, "message": message }),
        ),
    ))
}

#[catch(401)]
fn unauthorized(req: &Request<'_>) -> CaughtReply {
    if wants_json(req) {
        return json_error(Status::Unauthorized, "authentication required");
    }
    let login = req
        .rocket()
        .state::<AuthState>()
        .map_or_else(|| "/accounts/login/".to_owned(), |s| s.config.login_url());
    let next = req.uri().to_string();
    let next = format!("{}", &next as &dyn UriDisplay<Query>);
    CaughtReply::Redirect(Redirect::to(format!("{login}?next={next}")))
}

#[catch(403)]
fn forbidden(req: &Request<'_>) -> CaughtReply {
    if wants_json(req) {
        return json_error(Status::Forbidden, "permission denied");
    }
    html_error(
        Status::Forbidden,
        "Forbidden",
        "You do not have permission to do this, or the form expired: go back, reload the page and try again.",
    )
}

#[catch(429)]
fn too_many(req: &Request<'_>) -> CaughtReply {
    if wants_json(req) {
        return json_error(Status::TooManyRequests, "too many requests");
    }
    html_error(
        Status::TooManyRequests,
        "Too many requests",
        "Slow down and try again shortly.",
    )
}

/// A guard that could not reach the database (the session's user, say):
/// the client hears that it is the database, and to try again.
#[catch(503)]
fn unavailable(req: &Request<'_>) -> CaughtReply {
    if wants_json(req) {
        return json_error(
            Status::ServiceUnavailable,
            "database unavailable, try again shortly",
        );
    }
    html_error(
        Status::ServiceUnavailable,
        "Service unavailable",
        "The database cannot be reached right now. Try again shortly.",
    )
}
