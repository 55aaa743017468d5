//! The auth battery through real Rocket instances on every backend: login,
//! sessions, CSRF, throttling, guards, redirects, headers (SECURITY.md rows).

use crate::common;
use hangar::db::Table as _;

use std::sync::Arc;

use common::TestDb;
use hangar::auth::{AdminUser, Auth, AuthConfig, AuthState, AuthUser, CsrfForm, User, UserModel};
use hangar::db::{Database, Db, Model as _, Op};
use rocket::http::{Accept, ContentType, Cookie, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, post, routes, Build, Rocket};

app_cases!(
    anonymous_browsers_are_sent_to_login_with_next,
    anonymous_api_clients_get_json_401,
    login_follows_a_local_next_only,
    unknown_user_and_wrong_password_look_the_same,
    failed_logins_are_throttled_even_for_the_right_password,
    success_resets_the_username_counter_only,
    logout_ends_the_session_for_replayed_cookies,
    password_change_ends_other_sessions,
    tampered_or_expired_cookies_are_anonymous,
    login_issues_a_fresh_session_and_csrf_token,
    csrf_is_required_on_every_unsafe_form,
    admin_guard_refuses_non_admins,
    deactivated_users_lose_their_session,
    password_rules_and_rehash_on_login,
    security_headers_on_every_response,
    sessions_work_across_instances,
    logout_on_one_instance_ends_the_session_on_others,
    an_outage_while_loading_the_user_is_503_not_anonymous,
);

#[get("/private?<x>")]
fn private(user: AuthUser, x: Option<&str>) -> String {
    format!("hello {}{}", user.username, x.unwrap_or_default())
}

#[get("/staff")]
fn staff(admin: AdminUser) -> String {
    format!("staff {}", admin.username)
}

#[get("/greet")]
fn greet(user: Option<AuthUser>) -> String {
    match user {
        Some(u) => format!("hi {}", u.username),
        None => "hi stranger".into(),
    }
}

#[get("/page")]
fn page(p: hangar::auth::Page) -> rocket_dyn_templates::Template {
    p.render("greeting", serde_json::json!({ "extra": "<b>escaped</b>" }))
}

#[derive(rocket::FromForm)]
struct NoteForm<'r> {
    text: &'r str,
}

#[post("/notes", data = "<form>")]
fn notes(_user: AuthUser, form: CsrfForm<'_, NoteForm<'_>>) -> String {
    format!("saved {}", form.value().map_or("", |f| f.text))
}

fn figment(tdb: &TestDb) -> rocket::figment::Figment {
    tdb.figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.throttle_limit", 3))
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
}

fn app(figment: rocket::figment::Figment) -> Rocket<Build> {
    rocket::custom(figment)
        .attach(Database::fairing().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .mount("/", routes![private, staff, greet, notes, page])
}

async fn client(tdb: &TestDb) -> Client {
    Client::tracked(app(figment(tdb))).await.expect("launch")
}

async fn make_user(client: &Client, name: &str, password: &str, admin: bool) -> User {
    let db = client.rocket().state::<Db>().expect("db");
    let state = client.rocket().state::<AuthState>().expect("auth");
    let su = state
        .store()
        .create(
            db,
            &state.config,
            name,
            &format!("{name}@example.com"),
            password,
            admin,
        )
        .await
        .expect("create user");
    User::get(db, su.id).await.expect("load user")
}

/// The CSRF token from a page's hidden field.
fn token_in(html: &str) -> String {
    hangar::testing::csrf_token_in(html).expect("csrf field")
}

async fn csrf(client: &Client) -> String {
    hangar::testing::csrf_token(client)
        .await
        .expect("login page")
}

async fn post_form<'c>(client: &'c Client, uri: &'c str, body: String) -> LocalResponse<'c> {
    client
        .post(uri)
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .await
}

async fn login<'c>(
    client: &'c Client,
    user: &str,
    password: &str,
    next: &str,
) -> LocalResponse<'c> {
    hangar::testing::submit_form(
        client,
        "/accounts/login/",
        &[("username", user), ("password", password), ("next", next)],
    )
    .await
}

fn location(res: &LocalResponse<'_>) -> String {
    res.headers()
        .get_one("Location")
        .unwrap_or_default()
        .to_owned()
}

async fn body_of(client: &Client, uri: &str) -> (Status, String) {
    let res = client
        .get(uri.to_owned())
        .header(Accept::HTML)
        .dispatch()
        .await;
    let status = res.status();
    (status, res.into_string().await.unwrap_or_default())
}

async fn anonymous_browsers_are_sent_to_login_with_next(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let res = client
        .get("/private?x=1")
        .header(Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    let to = location(&res);
    assert!(to.starts_with("/accounts/login/?next="), "{to}");
    assert!(
        to.contains("%2Fprivate%3Fx%3D1") || to.contains("/private%3Fx%3D1"),
        "{to}"
    );
    drop(res);
    let (status, html) = body_of(&client, &to).await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("name=\"next\" value=\"&#x2F;private?x=1\""),
        "next survives: {html}"
    );
    make_user(&client, "alice", "alice-password", false).await;
    let res = login(&client, "alice", "alice-password", "/private?x=1").await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(location(&res), "/private?x=1");
    drop(res);
    let (status, body) = body_of(&client, "/private?x=1").await;
    assert_eq!((status, body.as_str()), (Status::Ok, "hello alice1"));
    assert_eq!(body_of(&client, "/greet").await.1, "hi alice");
    // app templates rendered through `Page` get the user, the token and a flash
    let (_, html) = body_of(&client, "/page").await;
    assert!(html.contains("signed in as alice"), "{html}");
    assert!(
        html.contains("&lt;b&gt;escaped&lt;&#x2F;b&gt;"),
        "autoescaped: {html}"
    );
    assert!(html.contains(&csrf(&client).await));
}

async fn an_outage_while_loading_the_user_is_503_not_anonymous(tdb: Arc<TestDb>) {
    // no session cache: every request reads the user row
    let figment = figment(&tdb).merge(("hangar.auth.session_cache_ms", 0));
    let client = Client::tracked(app(figment)).await.expect("launch");
    make_user(&client, "alice", "alice-password", false).await;
    let res = login(&client, "alice", "alice-password", "/private").await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    assert_eq!(body_of(&client, "/private").await.0, Status::Ok);
    // the database goes away with the session still valid
    client
        .rocket()
        .state::<Db>()
        .expect("db")
        .pool()
        .close()
        .await;
    let res = client.get("/private").header(Accept::JSON).dispatch().await;
    assert_eq!(res.status(), Status::ServiceUnavailable);
    let body = res.into_string().await.unwrap_or_default();
    assert!(body.contains("database unavailable"), "{body}");
    // a browser gets the page that says so, not the login form
    let (status, html) = body_of(&client, "/private").await;
    assert_eq!(status, Status::ServiceUnavailable);
    assert!(html.contains("database cannot be reached"), "{html}");
    // `Option<AuthUser>` is Rocket's "whatever went wrong, none"
    let (status, body) = body_of(&client, "/greet").await;
    assert_eq!((status, body.as_str()), (Status::Ok, "hi stranger"));
}

async fn anonymous_api_clients_get_json_401(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let res = client.get("/private").header(Accept::JSON).dispatch().await;
    assert_eq!(res.status(), Status::Unauthorized);
    assert_eq!(res.content_type(), Some(ContentType::JSON));
    let body: serde_json::Value = res.into_json().await.expect("json");
    assert_eq!(body["error"], "authentication required");
    assert_eq!(body_of(&client, "/greet").await.1, "hi stranger");
}

async fn login_follows_a_local_next_only(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "bob", "bob-password", false).await;
    for (next, expected) in [
        ("/private", "/private"),
        ("//evil.test/x", "/"),
        ("https://evil.test/", "/"),
        ("/\\evil.test", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ] {
        let res = login(&client, "bob", "bob-password", next).await;
        assert_eq!(res.status(), Status::SeeOther, "{next}");
        assert_eq!(location(&res), expected, "next={next}");
    }
}

fn error_paragraph(html: &str) -> String {
    let start = html.find("<p class=\"error\"").expect("an error message");
    let end = html[start..].find("</p>").expect("end") + start;
    html[start..end].to_owned()
}

async fn unknown_user_and_wrong_password_look_the_same(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "carol", "carol-password", false).await;
    let res = login(&client, "carol", "not-her-password", "").await;
    let (s1, b1) = (res.status(), res.into_string().await.unwrap());
    let res = login(&client, "nobody-here", "not-her-password", "").await;
    let (s2, b2) = (res.status(), res.into_string().await.unwrap());
    assert_eq!(s1, s2);
    assert_eq!(error_paragraph(&b1), error_paragraph(&b2));
    assert!(
        b1.contains("Please enter a correct username and password."),
        "{b1}"
    );
    assert_eq!(body_of(&client, "/greet").await.1, "hi stranger");
}

async fn failed_logins_are_throttled_even_for_the_right_password(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "dave", "dave-password", false).await;
    for _ in 0..3 {
        let res = login(&client, "dave", "wrong-password", "").await;
        assert_eq!(res.status(), Status::Ok);
    }
    let res = login(&client, "dave", "dave-password", "").await;
    assert_eq!(res.status(), Status::TooManyRequests);
    let retry: i64 = res
        .headers()
        .get_one("Retry-After")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=180).contains(&retry), "{retry}");
    let html = res.into_string().await.unwrap();
    assert!(html.contains("Too many failed login attempts"), "{html}");
    assert_eq!(
        body_of(&client, "/greet").await.1,
        "hi stranger",
        "not logged in"
    );
    // the IP is throttled too: another username from the same client
    make_user(&client, "erin", "erin-password", false).await;
    let res = login(&client, "erin", "erin-password", "").await;
    assert_eq!(res.status(), Status::TooManyRequests, "per-IP limit");
}

async fn success_resets_the_username_counter_only(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "frank", "frank-password", false).await;
    for _ in 0..2 {
        login(&client, "frank", "wrong-password", "").await;
    }
    assert_eq!(
        login(&client, "frank", "frank-password", "").await.status(),
        Status::SeeOther
    );
    let db = client.rocket().state::<Db>().unwrap();
    let user_count = hangar::db::counter::get(db, "login:user:frank", 180)
        .await
        .unwrap();
    assert!(user_count.is_none(), "username counter reset");
    let ip_counts = hangar::db::Select::new(hangar::db::counter::Counter::schema())
        .filter("name", Op::StartsWith, "login:ip:")
        .unwrap()
        .records(db)
        .await
        .unwrap();
    assert_eq!(ip_counts.len(), 1);
    assert_eq!(
        ip_counts[0].get("hits"),
        Some(&hangar::db::Value::Int(2)),
        "the IP's failures stay"
    );
}

async fn logout_ends_the_session_for_replayed_cookies(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "gina", "gina-password", false).await;
    login(&client, "gina", "gina-password", "").await;
    let stolen = client
        .cookies()
        .get("hangar_session")
        .expect("session cookie")
        .value()
        .to_owned();
    // GET only shows a confirmation
    let (status, html) = body_of(&client, "/accounts/logout/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("You are logged in as <strong>gina</strong>"),
        "{html}"
    );
    assert_eq!(body_of(&client, "/greet").await.1, "hi gina");
    let token = token_in(&html);
    let res = post_form(&client, "/accounts/logout/", format!("csrf_token={token}")).await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    assert_eq!(body_of(&client, "/greet").await.1, "hi stranger");
    let replay = client
        .get("/private")
        .header(Accept::JSON)
        .cookie(Cookie::new("hangar_session", stolen))
        .dispatch()
        .await;
    assert_eq!(
        replay.status(),
        Status::Unauthorized,
        "replayed cookie after logout"
    );
}

async fn password_change_ends_other_sessions(tdb: Arc<TestDb>) {
    // two browsers on two instances that read session rows on every request
    // (bounded caching across instances is covered below)
    let strict = || figment(&tdb).merge(("hangar.auth.session_cache_ms", 0));
    let a = Client::tracked(app(strict())).await.expect("first client");
    let b = Client::tracked(app(strict())).await.expect("second client");
    make_user(&a, "hank", "old-password", false).await;
    login(&a, "hank", "old-password", "").await;
    login(&b, "hank", "old-password", "").await;
    let old_cookie = a
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    assert_eq!(body_of(&b, "/greet").await.1, "hi hank");
    let (_, html) = body_of(&a, "/accounts/password/").await;
    let token = token_in(&html);
    // wrong old password, mismatch, too short: refused with messages
    for (body, message) in [
        (format!("csrf_token={token}&old_password=nope&new_password1=new-password&new_password2=new-password"), "old password was entered incorrectly"),
        (format!("csrf_token={token}&old_password=old-password&new_password1=new-password&new_password2=other-password"), "do not match"),
        (format!("csrf_token={token}&old_password=old-password&new_password1=short&new_password2=short"), "at least 8 characters"),
    ] {
        let res = post_form(&a, "/accounts/password/", body).await;
        assert_eq!(res.status(), Status::BadRequest);
        assert!(res.into_string().await.unwrap().contains(message), "{message}");
    }
    let body = format!("csrf_token={token}&old_password=old-password&new_password1=new-password&new_password2=new-password");
    let res = post_form(&a, "/accounts/password/", body).await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    assert_eq!(
        body_of(&a, "/greet").await.1,
        "hi hank",
        "this session goes on"
    );
    assert_eq!(
        body_of(&b, "/greet").await.1,
        "hi stranger",
        "the other session ended"
    );
    let replay = a
        .get("/greet")
        .cookie(Cookie::new("hangar_session", old_cookie))
        .dispatch()
        .await;
    assert_eq!(replay.into_string().await.unwrap(), "hi stranger");
    assert_eq!(
        login(&b, "hank", "old-password", "").await.status(),
        Status::Ok,
        "old password refused"
    );
    assert_eq!(
        login(&b, "hank", "new-password", "").await.status(),
        Status::SeeOther
    );
}

async fn tampered_or_expired_cookies_are_anonymous(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "ivy", "ivy-password", false).await;
    login(&client, "ivy", "ivy-password", "").await;
    let good = client
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    let mut bad = good.clone().into_bytes();
    let mid = bad.len() / 2;
    bad[mid] = if bad[mid] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bad).unwrap();
    let anon = Client::untracked(app(figment(&tdb))).await.unwrap();
    let res = anon
        .get("/greet")
        .cookie(Cookie::new("hangar_session", bad))
        .dispatch()
        .await;
    assert_eq!(res.into_string().await.unwrap(), "hi stranger");
    let res = anon
        .get("/greet")
        .cookie(Cookie::new("hangar_session", good))
        .dispatch()
        .await;
    assert_eq!(
        res.into_string().await.unwrap(),
        "hi ivy",
        "the untampered cookie works"
    );
    // an absolute max age of one second
    let short = Client::tracked(app(figment(&tdb).merge(("hangar.auth.session_max_age", 1))))
        .await
        .unwrap();
    login(&short, "ivy", "ivy-password", "").await;
    assert_eq!(body_of(&short, "/greet").await.1, "hi ivy");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(body_of(&short, "/greet").await.1, "hi stranger", "expired");
}

async fn login_issues_a_fresh_session_and_csrf_token(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "mallory", "mallory-password", false).await;
    make_user(&client, "jane", "jane-password", false).await;
    // an attacker plants their own session in the victim's browser
    login(&client, "mallory", "mallory-password", "").await;
    let planted = client
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    let csrf_before = csrf(&client).await;
    login(&client, "jane", "jane-password", "").await;
    let after = client
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    assert_ne!(planted, after);
    assert_eq!(body_of(&client, "/greet").await.1, "hi jane");
    let csrf_after = csrf(&client).await;
    assert_ne!(csrf_before, csrf_after, "the CSRF token rotates at login");
    let res = post_form(
        &client,
        "/notes",
        format!("csrf_token={csrf_before}&text=x"),
    )
    .await;
    assert_eq!(
        res.status(),
        Status::Forbidden,
        "the pre-login token is dead"
    );
}

async fn csrf_is_required_on_every_unsafe_form(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let other = Client::tracked(app(figment(&tdb))).await.unwrap();
    make_user(&client, "kim", "kim-password", false).await;
    login(&client, "kim", "kim-password", "").await;
    let token = csrf(&client).await;
    let foreign = csrf(&other).await;
    let res = post_form(&client, "/notes", format!("csrf_token={token}&text=hello")).await;
    assert_eq!(
        (res.status(), res.into_string().await.unwrap()),
        (Status::Ok, "saved hello".into())
    );
    for (body, origin) in [
        ("text=x".to_owned(), None),
        (format!("csrf_token={foreign}&text=x"), None),
        (
            format!("csrf_token={token}&text=x"),
            Some("https://evil.test"),
        ),
        (format!("csrf_token={token}&text=x"), Some("null")),
    ] {
        let mut req = client
            .post("/notes")
            .header(ContentType::Form)
            .body(body.clone());
        if let Some(o) = origin {
            req = req.header(Header::new("Origin", o));
        }
        let res = req.dispatch().await;
        assert_eq!(res.status(), Status::Forbidden, "{body} {origin:?}");
        assert!(
            res.into_string().await.unwrap().contains("403"),
            "an HTML 403 page"
        );
    }
    // same-origin requests pass
    let res = client
        .post("/notes")
        .header(ContentType::Form)
        .header(Header::new("Origin", "http://localhost"))
        .header(Header::new("Host", "localhost"))
        .body(format!("csrf_token={token}&text=ok"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    // logout without a token changes nothing
    let res = post_form(&client, "/accounts/logout/", String::new()).await;
    assert_eq!(res.status(), Status::Forbidden);
    drop(res);
    assert_eq!(body_of(&client, "/greet").await.1, "hi kim");
    // login without a token is refused too
    let res = post_form(
        &other,
        "/accounts/login/",
        "username=kim&password=kim-password".into(),
    )
    .await;
    assert_eq!(res.status(), Status::Forbidden);
}

async fn admin_guard_refuses_non_admins(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    make_user(&client, "leo", "leo-password", false).await;
    make_user(&client, "root", "root-password", true).await;
    let res = client.get("/staff").header(Accept::HTML).dispatch().await;
    assert_eq!(res.status(), Status::SeeOther, "anonymous: to login");
    drop(res);
    login(&client, "leo", "leo-password", "").await;
    let (status, html) = body_of(&client, "/staff").await;
    assert_eq!(status, Status::Forbidden);
    assert!(html.contains("Forbidden"));
    let res = client.get("/staff").header(Accept::JSON).dispatch().await;
    assert_eq!(res.status(), Status::Forbidden);
    let body: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(body["error"], "permission denied");
    login(&client, "root", "root-password", "").await;
    assert_eq!(
        body_of(&client, "/staff").await,
        (Status::Ok, "staff root".into())
    );
}

async fn deactivated_users_lose_their_session(tdb: Arc<TestDb>) {
    // the row is changed behind Hangar's back: read it on every request
    let client = Client::tracked(app(figment(&tdb).merge(("hangar.auth.session_cache_ms", 0))))
        .await
        .unwrap();
    let mona = make_user(&client, "mona", "mona-password", false).await;
    login(&client, "mona", "mona-password", "").await;
    assert_eq!(body_of(&client, "/greet").await.1, "hi mona");
    let db = client.rocket().state::<Db>().unwrap();
    User::select()
        .filter_pk(mona.id)
        .update(db, vec![("active", false.into())])
        .await
        .unwrap();
    assert_eq!(body_of(&client, "/greet").await.1, "hi stranger");
    let res = login(&client, "mona", "mona-password", "").await;
    assert_eq!(res.status(), Status::Ok, "inactive users cannot log in");
    drop(res);
    // through Hangar's own path the session ends at once, cache or not
    let cached = client_with_cache(&tdb).await;
    let state = cached.rocket().state::<AuthState>().unwrap();
    let db = cached.rocket().state::<Db>().unwrap();
    state.store().set_active(db, mona.id, true).await.unwrap();
    login(&cached, "mona", "mona-password", "").await;
    assert_eq!(body_of(&cached, "/greet").await.1, "hi mona");
    state.store().set_active(db, mona.id, false).await.unwrap();
    assert_eq!(body_of(&cached, "/greet").await.1, "hi stranger");
    state.store().set_active(db, mona.id, true).await.unwrap();
    assert_eq!(
        body_of(&cached, "/greet").await.1,
        "hi stranger",
        "the old session stays ended"
    );
}

async fn client_with_cache(tdb: &TestDb) -> Client {
    Client::tracked(app(
        figment(tdb).merge(("hangar.auth.session_cache_ms", 60_000))
    ))
    .await
    .expect("launch")
}

async fn password_rules_and_rehash_on_login(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let db = client.rocket().state::<Db>().unwrap();
    let state = client.rocket().state::<AuthState>().unwrap();
    let cfg = &state.config;
    let too_short = state
        .store()
        .create(db, cfg, "ned", "n@x", "seven77", false)
        .await;
    assert!(too_short.unwrap_err().to_string().contains("at least 8"));
    let long = "x".repeat(73);
    let too_long = state
        .store()
        .create(db, cfg, "ned", "n@x", &long, false)
        .await;
    assert!(too_long
        .unwrap_err()
        .to_string()
        .contains("at most 72 bytes"));
    assert_eq!(
        User::select().count(db).await.unwrap(),
        0,
        "nothing written"
    );
    // a hash made at a lower cost is upgraded at the next login; a higher one is kept
    let stronger = Client::tracked(app(figment(&tdb).merge(("hangar.auth.bcrypt_cost", 5))))
        .await
        .unwrap();
    let mut ned = User::new_user("ned", "n@x", String::new(), false);
    ned.set_password("ned-password", 4).await.unwrap();
    ned.insert(db).await.unwrap();
    assert_eq!(
        login(&stronger, "ned", "ned-password", "").await.status(),
        Status::SeeOther
    );
    let after = User::get(db, ned.id).await.unwrap();
    assert_eq!(hangar::auth::password::hash_cost(&after.password), Some(5));
    assert!(after.check_password("ned-password").await.unwrap());
    let mut pat = User::new_user("pat", "p@x", String::new(), false);
    pat.set_password("pat-password", 6).await.unwrap();
    pat.insert(db).await.unwrap();
    assert_eq!(
        login(&stronger, "pat", "pat-password", "").await.status(),
        Status::SeeOther
    );
    let after = User::get(db, pat.id).await.unwrap();
    assert_eq!(
        hangar::auth::password::hash_cost(&after.password),
        Some(6),
        "never downgraded"
    );
    // 72 bytes exactly is fine and the 73rd byte matters (no truncation)
    let exact = "y".repeat(72);
    let mut olga = User::new_user("olga", "o@x", String::new(), false);
    olga.set_password(&exact, 4).await.unwrap();
    assert!(olga.check_password(&exact).await.unwrap());
    assert!(!olga.check_password(&format!("{exact}z")).await.unwrap());
}

async fn security_headers_on_every_response(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    for uri in ["/accounts/login/", "/greet", "/private"] {
        let res = client.get(uri).dispatch().await;
        let h = res.headers();
        assert_eq!(
            h.get_one("X-Content-Type-Options"),
            Some("nosniff"),
            "{uri}"
        );
        assert_eq!(h.get_one("X-Frame-Options"), Some("DENY"), "{uri}");
        assert_eq!(h.get_one("Referrer-Policy"), Some("same-origin"), "{uri}");
    }
    let fresh = Client::untracked(app(figment(&tdb))).await.unwrap();
    let res = fresh.get("/accounts/login/").dispatch().await;
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-store"));
    let cookie = res.cookies().get("hangar_csrf").expect("csrf cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(rocket::http::SameSite::Lax));
}

async fn sessions_work_across_instances(tdb: Arc<TestDb>) {
    let one = client(&tdb).await;
    let two = Client::untracked(app(figment(&tdb))).await.unwrap();
    make_user(&one, "pia", "pia-password", false).await;
    login(&one, "pia", "pia-password", "").await;
    let cookie = one
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    let res = two
        .get("/greet")
        .cookie(Cookie::new("hangar_session", cookie.clone()))
        .dispatch()
        .await;
    assert_eq!(res.into_string().await.unwrap(), "hi pia");
    // an instance with another secret key cannot read it
    let other_key =
        figment(&tdb).merge(("secret_key", "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="));
    let three = Client::untracked(app(other_key)).await.unwrap();
    let res = three
        .get("/greet")
        .cookie(Cookie::new("hangar_session", cookie))
        .dispatch()
        .await;
    assert_eq!(res.into_string().await.unwrap(), "hi stranger");
}

#[test]
fn auth_config_defaults() {
    let c = AuthConfig::default();
    assert_eq!(c.prefix, "/accounts");
    assert_eq!(c.user_table, "user");
    assert_eq!(c.default_next_url, "/");
    assert_eq!(c.session_max_age, 1_209_600);
    assert_eq!(c.bcrypt_cost, 12);
    assert_eq!(c.min_password_length, 8);
    assert_eq!((c.throttle_limit, c.throttle_window), (10, 180));
    assert!(!c.secure_cookies);
    assert_eq!(c.session_cache_ms, 2000);
    assert_eq!(c.trusted_proxy_header, None);
    let f = rocket::figment::Figment::new().merge(("hangar.auth.bcrypt_cost", 3));
    assert!(hangar::config::load::<AuthConfig>(&f)
        .unwrap_err()
        .to_string()
        .contains("bcrypt_cost"));
    let f = rocket::figment::Figment::new().merge(("hangar.auth.prefx", "/a"));
    assert!(hangar::config::load::<AuthConfig>(&f)
        .unwrap_err()
        .to_string()
        .contains("prefx"));
}

fn failed<T>(r: Result<T, rocket::Error>) -> bool {
    match r {
        Ok(_) => false,
        Err(e) => {
            let _ = e.kind();
            true
        }
    }
}

#[rocket::async_test]
async fn launch_needs_the_fairings_and_a_release_secret_key() {
    let base =
        rocket::figment::Figment::from(rocket::Config::debug_default()).merge(("log_level", "off"));
    let no_auth = rocket::custom(base.clone()).mount("/", routes![private]);
    assert!(failed(Client::tracked(no_auth).await), "AuthUser sentinel");
    let tdb = TestDb::new(hangar::db::Backend::Sqlite).await.unwrap();
    let release = rocket::figment::Figment::from(rocket::Config::release_default())
        .merge(("log_level", "off"))
        .merge(("databases.main.url", tdb.url.clone()))
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ));
    let rocket = rocket::custom(release)
        .attach(Database::fairing().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing());
    assert!(failed(rocket.ignite().await), "release without secret_key");
    let db_missing = rocket::custom(base).attach(Auth::fairing());
    assert!(failed(db_missing.ignite().await), "Auth needs Database");
}

#[rocket::async_test]
async fn user_lookup_by_username_is_exact() {
    let tdb = TestDb::new(hangar::db::Backend::Sqlite).await.unwrap();
    let client = client(&tdb).await;
    make_user(&client, "Quinn", "quinn-password", false).await;
    let db = client.rocket().state::<Db>().unwrap();
    assert!(User::by_username(db, "Quinn").await.unwrap().is_some());
    assert!(User::by_username(db, "quinn").await.unwrap().is_none());
    assert_eq!(
        User::select()
            .filter("username", Op::Eq, "Quinn")
            .unwrap()
            .count(db)
            .await
            .unwrap(),
        1
    );
}

async fn logout_on_one_instance_ends_the_session_on_others(tdb: Arc<TestDb>) {
    // instance two caches session rows for 300 ms
    let one = client(&tdb).await;
    let two = Client::untracked(app(
        figment(&tdb).merge(("hangar.auth.session_cache_ms", 300))
    ))
    .await
    .unwrap();
    make_user(&one, "quin", "quin-password", false).await;
    login(&one, "quin", "quin-password", "").await;
    let cookie = one
        .cookies()
        .get("hangar_session")
        .unwrap()
        .value()
        .to_owned();
    let res = two
        .get("/greet")
        .cookie(Cookie::new("hangar_session", cookie.clone()))
        .dispatch()
        .await;
    assert_eq!(res.into_string().await.unwrap(), "hi quin");
    let token = csrf(&one).await;
    post_form(&one, "/accounts/logout/", format!("csrf_token={token}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let res = two
        .get("/greet")
        .cookie(Cookie::new("hangar_session", cookie))
        .dispatch()
        .await;
    assert_eq!(
        res.into_string().await.unwrap(),
        "hi stranger",
        "revoked on the other instance"
    );
}
