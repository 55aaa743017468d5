//! The admin pages: dashboard, list, add, edit, delete, bulk actions.

mod context;
mod dashboard;
mod deletion;
mod edit;
mod export;
mod filters;
mod list;
mod password_field;

pub use export::csv_cell;

use rocket::response::{Flash, Redirect};
use rocket::{get, routes, Responder, Route};
use rocket_dyn_templates::Template;

/// The routes, to mount at the admin prefix.
pub(crate) fn routes() -> Vec<Route> {
    routes![
        dashboard::index,
        list::list,
        list::ajax_list,
        edit::add_page,
        edit::add,
        edit::edit_page,
        edit::edit,
        deletion::delete_page,
        deletion::delete_post,
        deletion::bulk_action,
        stylesheet,
        script,
        export::export
    ]
}

#[derive(Responder)]
enum PageOrRedirect {
    Page(rocket::response::status::Custom<Template>),
    Done(Flash<Redirect>),
    File(FileReply),
}

/// A download answered by a bulk action.
#[derive(Responder)]
struct FileReply {
    body: Vec<u8>,
    content_type: rocket::http::ContentType,
    disposition: rocket::http::Header<'static>,
}

impl FileReply {
    fn new(filename: &str, content_type: rocket::http::ContentType, body: Vec<u8>) -> FileReply {
        // a plain, quoted file name: no quotes, slashes or control characters
        let name: String = filename
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/'))
            .collect();
        let name = if name.trim().is_empty() {
            "download".to_owned()
        } else {
            name
        };
        FileReply {
            body,
            content_type,
            disposition: rocket::http::Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        }
    }
}

/// The admin's stylesheet, embedded in the binary.
#[derive(Responder)]
#[response(content_type = "text/css")]
struct Css(&'static str, rocket::http::Header<'static>);

#[get("/static/admin.css")]
fn stylesheet() -> Css {
    Css(
        include_str!("../../../static/admin/admin.css"),
        rocket::http::Header::new("Cache-Control", "public, max-age=86400"),
    )
}

/// The admin's script (select-all, type-ahead lookups, export picker),
/// embedded in the binary.
#[derive(Responder)]
#[response(content_type = "text/javascript")]
struct Js(&'static str, rocket::http::Header<'static>);

#[get("/static/admin.js")]
fn script() -> Js {
    Js(
        include_str!("../../../static/admin/admin.js"),
        rocket::http::Header::new("Cache-Control", "public, max-age=86400"),
    )
}

/// A row label cut for a flash message (which travels in a cookie).
pub(crate) fn short(label: &str) -> String {
    if label.chars().count() > 60 {
        format!("{}…", label.chars().take(60).collect::<String>())
    } else {
        label.to_owned()
    }
}
