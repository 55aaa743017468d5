//! Writing views: join, follow/unfollow, create a message. Every form is
//! CSRF-checked (`CsrfForm`).

use hangar::auth::{AuthError, AuthState, AuthUser, CookiePolicy, CsrfForm, Page, Session};
use hangar::db::{Db, DeleteMode, Error, Model as _, Op};
use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::response::{status::Custom, Flash, Redirect};
use rocket::{get, post, Responder, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::models::{Message, Relationship, User};

/// A form page again (with a message), or a redirect after success.
#[derive(Responder)]
pub enum FormReply {
    Page(Custom<Template>),
    Done(Flash<Redirect>),
}

/// The sign-up form.
#[get("/join")]
pub fn join_page(p: Page) -> Template {
    p.render("join", json!({ "username": "", "email": "" }))
}

#[derive(FromForm)]
pub struct JoinForm<'r> {
    username: &'r str,
    email: &'r str,
    password: &'r str,
}

/// Creates the account and logs it in (flask-peewee's `join`).
#[post("/join", data = "<form>")]
pub async fn join(
    p: Page,
    form: CsrfForm<'_, JoinForm<'_>>,
    state: &State<AuthState>,
    db: Db,
    jar: &CookieJar<'_>,
    cookies: CookiePolicy,
    ip: hangar::auth::ClientIp,
) -> Result<FormReply, Status> {
    let again = |error: String| {
        let ctx = json!({
            "error": error,
            "username": form.field("username").unwrap_or_default(),
            "email": form.field("email").unwrap_or_default(),
        });
        FormReply::Page(Custom(Status::BadRequest, p.render("join", ctx)))
    };
    let Some(f) = form.value() else {
        return Ok(again("Fill in a username, an email and a password.".into()));
    };
    let username = f.username.trim();
    if username.is_empty()
        || username.len() > 80
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || "_.-".contains(c))
    {
        return Ok(again(
            "Pick a username of letters, digits, `_`, `.` or `-` (at most 80).".into(),
        ));
    }
    if !f.email.contains('@') {
        return Ok(again("Enter a valid email address.".into()));
    }
    // each sign-up hashes a password: a client gets throttle_limit of them per window
    match hangar::auth::throttle::limit_client_action(&db, &state.config, "join", &ip.0).await {
        Ok(()) => {}
        Err(AuthError::Throttled { retry_after }) => {
            return Ok(again(format!(
                "Too many sign-ups from here. Try again in {retry_after} seconds."
            )))
        }
        Err(e) => return Err(e.status()),
    }
    match state
        .store()
        .create(
            &db,
            &state.config,
            username,
            f.email.trim(),
            f.password,
            false,
        )
        .await
    {
        Ok(user) => {
            Session::new(user.id, user.epoch).issue(jar, &state.config, cookies);
            Ok(FormReply::Done(Flash::success(
                Redirect::to("/private"),
                "Welcome! You are signed up and logged in.",
            )))
        }
        Err(AuthError::Database(Error::Unique { .. })) => {
            Ok(again("That username is already taken.".into()))
        }
        Err(AuthError::Password(e)) => Ok(again(format!("Password: {e}."))),
        Err(e) => Err(e.status()),
    }
}

#[derive(FromForm)]
pub struct Empty<'r> {
    #[allow(dead_code)]
    next: Option<&'r str>,
}

/// Follows a user.
#[post("/users/<username>/follow", data = "<_form>")]
pub async fn follow(
    user: AuthUser,
    _form: CsrfForm<'_, Empty<'_>>,
    db: Db,
    username: &str,
) -> Result<Flash<Redirect>, Error> {
    let other = User::select()
        .filter("username", Op::Eq, username)?
        .one(&db)
        .await?;
    let exists = Relationship::select()
        .filter("from_user", Op::Eq, user.id)?
        .filter("to_user", Op::Eq, other.id)?
        .exists(&db)
        .await?;
    if !exists && other.id != user.id {
        Relationship {
            id: 0,
            from_user: user.id,
            to_user: other.id,
        }
        .insert(&db)
        .await?;
    }
    Ok(Flash::success(
        Redirect::to(format!("/users/{username}/")),
        format!("You are following {username}."),
    ))
}

/// Stops following a user.
#[post("/users/<username>/unfollow", data = "<_form>")]
pub async fn unfollow(
    user: AuthUser,
    _form: CsrfForm<'_, Empty<'_>>,
    db: Db,
    username: &str,
) -> Result<Flash<Redirect>, Error> {
    let other = User::select()
        .filter("username", Op::Eq, username)?
        .one(&db)
        .await?;
    Relationship::select()
        .filter("from_user", Op::Eq, user.id)?
        .filter("to_user", Op::Eq, other.id)?
        .delete(&db, DeleteMode::Recursive)
        .await?;
    Ok(Flash::success(
        Redirect::to(format!("/users/{username}/")),
        format!("You stopped following {username}."),
    ))
}

/// The new-message form.
#[get("/create")]
pub fn create_page(_user: AuthUser, p: Page) -> Template {
    p.render("create", json!({ "content": "" }))
}

#[derive(FromForm)]
pub struct MessageForm<'r> {
    content: &'r str,
}

/// Posts a message as the logged-in user.
#[post("/create", data = "<form>")]
pub async fn create(
    user: AuthUser,
    p: Page,
    form: CsrfForm<'_, MessageForm<'_>>,
    db: Db,
) -> Result<FormReply, Error> {
    let content = form.value().map(|f| f.content.trim()).unwrap_or_default();
    if content.is_empty() || content.chars().count() > 1000 {
        let ctx = json!({ "error": "Write something (at most 1000 characters).", "content": form.field("content").unwrap_or_default() });
        return Ok(FormReply::Page(Custom(
            Status::BadRequest,
            p.render("create", ctx),
        )));
    }
    Message {
        id: 0,
        user: user.id,
        content: content.into(),
        pub_date: hangar::db::now(),
    }
    .insert(&db)
    .await?;
    Ok(FormReply::Done(Flash::success(
        Redirect::to("/private"),
        "Your message has been created.",
    )))
}
