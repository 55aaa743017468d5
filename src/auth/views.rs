//! The login, logout and password-change views (mounted at `prefix`).

use rocket::form::FromForm;
use rocket::http::{CookieJar, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{status::Custom, Flash, Redirect};
use rocket::{get, post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::auth::cookies::CookiePolicy;
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::error::AuthError;
use crate::auth::guards::client_ip;
use crate::auth::page::Page;
use crate::auth::session::Session;
use crate::auth::state::AuthState;
use crate::auth::throttle;
use crate::db::Db;

/// The routes, to mount at `prefix`.
pub(super) fn routes() -> Vec<Route> {
    routes![
        login_page,
        login,
        logout_page,
        logout,
        password_page,
        password_change
    ]
}

/// A `next` that stays on this site: a path starting with a single `/`;
/// anything else (absolute, protocol-relative, backslashes) gives `default`.
///
/// # Example
/// ```
/// use hangar::auth::safe_next;
/// assert_eq!(safe_next(Some("/private/?page=2"), "/"), "/private/?page=2");
/// assert_eq!(safe_next(Some("//evil.test"), "/"), "/");
/// assert_eq!(safe_next(Some("https://evil.test/"), "/"), "/");
/// assert_eq!(safe_next(Some("/\\evil.test"), "/"), "/");
/// ```
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

/// The client's IP as Hangar sees it.
#[derive(Debug)]
pub struct ClientIp(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientIp {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let ip = match req.rocket().state::<AuthState>() {
            Some(s) => client_ip(req, &s.config),
            None => req
                .remote()
                .map_or_else(|| "unknown".into(), |a| a.ip().to_string()),
        };
        Outcome::Success(ClientIp(ip))
    }
}

#[derive(Responder)]
enum Reply {
    Page(Custom<Template>),
    Throttled(Throttled),
    Done(Flash<Redirect>),
}

#[derive(Responder)]
#[response(status = 429)]
struct Throttled {
    page: Template,
    retry_after: Header<'static>,
}

#[get("/login?<next>")]
fn login_page(page: Page, next: Option<&str>) -> Template {
    page.render(
        "auth/login.html",
        json!({ "next": next.unwrap_or_default(), "username": "" }),
    )
}

#[derive(FromForm)]
struct LoginForm<'r> {
    username: &'r str,
    password: &'r str,
    next: Option<&'r str>,
}

#[post("/login", data = "<form>")]
async fn login(
    page: Page,
    form: CsrfForm<'_, LoginForm<'_>>,
    state: &State<AuthState>,
    db: Db,
    jar: &CookieJar<'_>,
    cookies: CookiePolicy,
    ip: ClientIp,
) -> Result<Reply, AuthError> {
    let config = &state.config;
    let next = form.field("next").unwrap_or_default();
    let Some(f) = form.value() else {
        let ctx = json!({ "next": next, "username": form.field("username").unwrap_or_default(),
                          "error": "Enter a username and a password." });
        return Ok(Reply::Page(Custom(
            Status::BadRequest,
            page.render("auth/login.html", ctx),
        )));
    };
    let ctx = |error: String| json!({ "next": next, "username": f.username, "error": error });
    match throttle::begin_attempt(&db, config, f.username, &ip.0).await {
        Ok(()) => {}
        Err(AuthError::Throttled { retry_after }) => {
            crate::auth::events::record(
                crate::auth::events::AuthEvent::Throttled,
                f.username,
                &ip.0,
            );
            let msg =
                format!("Too many failed login attempts. Try again in {retry_after} seconds.");
            return Ok(Reply::Throttled(Throttled {
                page: page.render("auth/login.html", ctx(msg)),
                retry_after: Header::new("Retry-After", retry_after.to_string()),
            }));
        }
        Err(e) => return Err(e),
    }
    // the user row on the primary: a lagging replica may still hold an
    // old password or an active flag since revoked
    match state
        .store
        .authenticate(&db.primary(), config, f.username, f.password)
        .await
    {
        Ok(user) => {
            throttle::record_success(&db, f.username, &ip.0).await?;
            crate::auth::events::record(
                crate::auth::events::AuthEvent::LoginSucceeded,
                &user.username,
                &ip.0,
            );
            Session::new(user.id, user.epoch).issue(jar, config, cookies);
            CsrfToken::rotate(jar, cookies);
            let to = safe_next(f.next, &config.default_next_url);
            Ok(Reply::Done(Flash::success(
                Redirect::to(to),
                format!("Welcome, {}.", user.username),
            )))
        }
        Err(AuthError::BadCredentials) => {
            crate::auth::events::record(
                crate::auth::events::AuthEvent::LoginFailed,
                f.username,
                &ip.0,
            );
            let msg = AuthError::BadCredentials.to_string();
            let msg = format!("{}{}", msg[..1].to_uppercase(), &msg[1..]);
            Ok(Reply::Page(Custom(
                Status::Ok,
                page.render("auth/login.html", ctx(msg + ".")),
            )))
        }
        Err(e) => Err(e),
    }
}

#[get("/logout")]
fn logout_page(page: Page) -> Template {
    page.render("auth/logout.html", json!({}))
}

#[derive(FromForm)]
struct LogoutForm<'r> {
    #[expect(
        dead_code,
        reason = "parsed so the form accepts it; the redirect reads the query"
    )]
    next: Option<&'r str>,
}

#[post("/logout", data = "<_form>")]
async fn logout(
    page: Page,
    _form: CsrfForm<'_, LogoutForm<'_>>,
    state: &State<AuthState>,
    db: Db,
    jar: &CookieJar<'_>,
    cookies: CookiePolicy,
) -> Result<Flash<Redirect>, AuthError> {
    if let Some(user) = page.user() {
        state.store.bump_epoch(&db, user.id).await?;
        crate::auth::events::record(crate::auth::events::AuthEvent::Logout, &user.username, "");
    }
    Session::clear(jar);
    CsrfToken::rotate(jar, cookies);
    Ok(Flash::success(
        Redirect::to(state.config.default_next_url.clone()),
        "You are logged out.",
    ))
}

#[get("/password")]
fn password_page(page: Page) -> Result<Template, Status> {
    if page.user().is_none() {
        return Err(Status::Unauthorized);
    }
    Ok(page.render("auth/password_change.html", json!({})))
}

#[derive(FromForm)]
struct PasswordForm<'r> {
    old_password: &'r str,
    new_password1: &'r str,
    new_password2: &'r str,
}

#[post("/password", data = "<form>")]
async fn password_change(
    page: Page,
    form: CsrfForm<'_, PasswordForm<'_>>,
    state: &State<AuthState>,
    db: Db,
    jar: &CookieJar<'_>,
    cookies: CookiePolicy,
    ip: ClientIp,
) -> Result<Reply, Status> {
    let config = &state.config;
    let Some(user) = page.user() else {
        return Err(Status::Unauthorized);
    };
    let render = |error: &str, status: Status| {
        Reply::Page(Custom(
            status,
            page.render("auth/password_change.html", json!({ "error": error })),
        ))
    };
    let Some(f) = form.value() else {
        return Ok(render("Fill in every field.", Status::BadRequest));
    };
    // the old password is checked like a login: guesses are throttled
    match throttle::begin_attempt(&db, config, &user.username, &ip.0).await {
        Ok(()) => {}
        Err(AuthError::Throttled { retry_after }) => {
            return Ok(render(
                &format!("Too many failed attempts. Try again in {retry_after} seconds."),
                Status::TooManyRequests,
            ))
        }
        Err(e) => return Err(e.status()),
    }
    match state
        .store
        .authenticate(&db.primary(), config, &user.username, f.old_password)
        .await
    {
        Ok(_) => {
            throttle::record_success(&db, &user.username, &ip.0)
                .await
                .map_err(|e| e.status())?;
        }
        Err(AuthError::BadCredentials) => {
            return Ok(render(
                "Your old password was entered incorrectly.",
                Status::BadRequest,
            ))
        }
        Err(e) => return Err(e.status()),
    }
    if f.new_password1 != f.new_password2 {
        return Ok(render(
            "The two new passwords do not match.",
            Status::BadRequest,
        ));
    }
    match state
        .store
        .set_password(&db, config, &user.username, f.new_password1)
        .await
    {
        Ok(updated) => {
            crate::auth::events::record(
                crate::auth::events::AuthEvent::PasswordChanged,
                &updated.username,
                &ip.0,
            );
            Session::new(updated.id, updated.epoch).issue(jar, config, cookies);
            Ok(Reply::Done(Flash::success(
                Redirect::to(config.default_next_url.clone()),
                "Your password was changed.",
            )))
        }
        Err(AuthError::Password(e)) if !matches!(e, crate::auth::PasswordError::Internal(_)) => {
            let msg = e.to_string();
            let msg = format!("{}{}.", msg[..1].to_uppercase(), &msg[1..]);
            Ok(render(&msg, Status::BadRequest))
        }
        Err(e) => Err(e.status()),
    }
}
