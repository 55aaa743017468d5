//! The admin pages: dashboard, list, add, edit, delete, bulk actions.

mod dashboard;
mod deletion;
mod edit;
mod filters;
mod list;

pub(crate) use list::filtered_select;

use rocket::data::{Data, FromData, Outcome as DataOutcome, ToByteUnit};
use rocket::http::uri::Origin;
use rocket::http::{RawStr, Status};
use rocket::request::Request;
use rocket::response::{Flash, Redirect};
use rocket::{get, routes, Responder, Route};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::admin::{AdminEntry, AdminState, Permission};
use crate::auth::{check_origin, check_token, AuthError, SessionUser, CSRF_FIELD};
use crate::db::{Db, Record, Select, Value};

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
        crate::admin::export::export
    ]
}

/// A CSRF-checked form body as `(name, value)` pairs, in order (repeats
/// kept). Take it in panel and extra admin routes that accept posts.
///
/// ```
/// # use hangar::admin::AdminForm;
/// let form = AdminForm(vec![("message".into(), "hi".into()), ("tag".into(), "a".into()), ("tag".into(), "b".into())]);
/// assert_eq!(form.get("message"), Some("hi"));
/// assert_eq!(form.get_all("tag"), ["a", "b"]);
/// assert_eq!(form.get("nope"), None);
/// ```
#[derive(Debug)]
pub struct AdminForm(pub Vec<(String, String)>);

impl AdminForm {
    /// The last value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        last_param(&self.0, name)
    }

    /// Every value given for `name`, in order.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for AdminForm {
    type Error = AuthError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self> {
        if let Err(e) = check_origin(req) {
            return DataOutcome::Error((Status::Forbidden, e));
        }
        if !req.content_type().is_some_and(|c| c.is_form()) {
            return DataOutcome::Error((
                Status::UnsupportedMediaType,
                AuthError::Csrf("not a form"),
            ));
        }
        let limit = req.limits().get("form").unwrap_or(32.kibibytes());
        let body = match data.open(limit).into_string().await {
            Ok(b) if b.is_complete() => b.into_inner(),
            Ok(_) => {
                return DataOutcome::Error((
                    Status::PayloadTooLarge,
                    AuthError::Csrf("form too large"),
                ))
            }
            Err(_) => {
                return DataOutcome::Error((Status::BadRequest, AuthError::Csrf("unreadable form")))
            }
        };
        let pairs: Vec<(String, String)> = body
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    RawStr::new(k).url_decode_lossy().into_owned(),
                    RawStr::new(v).url_decode_lossy().into_owned(),
                )
            })
            .collect();
        let token = pairs
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str());
        match check_token(req, token) {
            Ok(()) => DataOutcome::Success(AdminForm(pairs)),
            Err(e) => DataOutcome::Error((Status::Forbidden, e)),
        }
    }
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

/// The registered model named `model`, or 404.
pub(crate) fn entry<'a>(state: &'a AdminState, model: &str) -> Result<&'a AdminEntry, Status> {
    state.entry(model).ok_or(Status::NotFound)
}

/// The menu: the models `user` may view.
pub(crate) fn models_ctx(state: &AdminState, user: &SessionUser) -> serde_json::Value {
    json!(state
        .models
        .iter()
        .filter(|m| m.allows(user, Permission::View))
        .map(|m| json!({ "name": m.name, "title": crate::text::title_case(m.schema.name) }))
        .collect::<Vec<_>>())
}

pub(crate) fn base_ctx(state: &AdminState, user: &SessionUser) -> serde_json::Value {
    json!({ "prefix": state.config.prefix, "branding": state.config.branding,
            "models": models_ctx(state, user), "model": "", "links": state.links,
            "extra_css": state.config.extra_css })
}

/// The registered model named `model` if `user` may do `what` with it:
/// 404 for no such model, 403 for a refusal.
pub(crate) fn entry_for<'a>(
    state: &'a AdminState,
    model: &str,
    user: &SessionUser,
    what: Permission,
) -> Result<&'a AdminEntry, Status> {
    let e = entry(state, model)?;
    if e.allows(user, what) {
        Ok(e)
    } else {
        Err(Status::Forbidden)
    }
}

pub(crate) fn merge(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
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

/// After the admin changed or deleted rows of the auth user model: drops
/// them from the session cache, so a deactivation, demotion or new password
/// counts at once on this instance.
pub(crate) fn forget_user(
    auth: Option<&rocket::State<crate::auth::AuthState>>,
    e: &AdminEntry,
    pk: &Value,
) {
    if let (Some(auth), Value::Int(id)) = (auth, pk) {
        if auth.store().schema().table == e.schema.table {
            auth.store().forget(*id);
        }
    }
}

/// The rows of `target` an admin may pick through a foreign key: those its
/// own model admin's `get_query` shows when it is registered, else all.
pub(crate) fn target_select(
    state: &AdminState,
    target: &'static crate::db::Schema,
    user: &SessionUser,
) -> Select {
    match state.models.iter().find(|m| m.schema.table == target.table) {
        Some(t) => t.select_for(user),
        None => Select::new(target),
    }
}

/// The row with primary key `pk`, through the model admin's `get_object`,
/// or 404.
pub(super) async fn load(
    e: &AdminEntry,
    db: &Db,
    pk: &str,
    user: &SessionUser,
) -> Result<Record, Status> {
    let pk = Value::parse(e.schema.pk().sql_type, pk).map_err(|_| Status::NotFound)?;
    e.admin
        .hooks
        .get_object(e.select_for(user), pk, user)
        .map_err(|_| Status::NotFound)?
        .first_record(db)
        .await
        .map_err(|e| e.status())?
        .ok_or(Status::NotFound)
}

/// The query string as `(name, value)` pairs, in order (repeats kept).
pub(crate) fn query_pairs(uri: &Origin<'_>) -> Vec<(String, String)> {
    uri.query()
        .map(|q| {
            q.segments()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The last value given for `name` in `pairs`.
pub(crate) fn last_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
