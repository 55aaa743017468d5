//! The example's dashboard panels (flask-peewee's example `NotePanel` and
//! `UserStatsPanel`): a quick note form that posts to the panel's own route,
//! and a few counts.

use hangar::admin::{AdminAccess, AdminForm, AdminState, Panel};
use hangar::auth::SessionUser;
use hangar::db::{Db, Error, Model as _, Op};
use rocket::response::{Flash, Redirect};
use rocket::{post, routes, Route, State};
use serde_json::{json, Value};
use time::Duration;

use crate::models::{Message, Note, User};

/// Shows the admin's latest notes and a form to add one.
pub struct NotePanel;

#[rocket::async_trait]
impl Panel for NotePanel {
    fn slug(&self) -> &str {
        "notes"
    }
    fn title(&self) -> &str {
        "Notes"
    }
    fn template(&self) -> &str {
        "panels/notes"
    }
    async fn get_context(&self, db: &Db, user: &SessionUser) -> Result<Value, Error> {
        let notes = Note::select()
            .filter("user", Op::Eq, user.id)?
            .order_by("-id")?
            .limit(5)
            .all(db)
            .await?;
        let notes: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
        Ok(json!({ "notes": notes }))
    }
    fn routes(&self) -> Vec<Route> {
        routes![create_note]
    }
}

/// Adds a note for the logged-in admin, then goes back to the dashboard.
#[post("/create", data = "<form>")]
async fn create_note(
    admin: AdminAccess,
    form: AdminForm,
    db: Db,
    state: &State<AdminState>,
) -> Result<Flash<Redirect>, Error> {
    let back = Redirect::to(format!("{}/", state.config.prefix));
    let message = form
        .0
        .iter()
        .find(|(k, _)| k == "message")
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    if message.is_empty() || message.chars().count() > 1000 {
        return Ok(Flash::error(
            back,
            "Write a note (at most 1000 characters).",
        ));
    }
    Note {
        id: 0,
        user: admin.id,
        message: message.to_owned(),
        status: Some(1),
        created_date: hangar::db::now(),
    }
    .insert(&db)
    .await?;
    Ok(Flash::success(back, "Note created."))
}

/// Counts users and the week's messages.
pub struct UserStatsPanel;

#[rocket::async_trait]
impl Panel for UserStatsPanel {
    fn slug(&self) -> &str {
        "user-stats"
    }
    fn title(&self) -> &str {
        "User stats"
    }
    fn template(&self) -> &str {
        "panels/user_stats"
    }
    async fn get_context(&self, db: &Db, _user: &SessionUser) -> Result<Value, Error> {
        let week_ago = hangar::db::now() - Duration::days(7);
        let users = User::select().count(db).await?;
        let active = User::select()
            .filter("active", Op::Eq, true)?
            .count(db)
            .await?;
        let messages = Message::select()
            .filter("pub_date", Op::Gte, week_ago)?
            .count(db)
            .await?;
        Ok(json!({ "users": users, "active": active, "messages": messages }))
    }
}
