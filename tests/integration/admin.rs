//! The admin site over HTTP on every backend: permissions, dashboard, list
//! (sort, search across a join, filters, pages), add/edit with valid and
//! invalid input, delete with dependents, CSRF, escaping.

use crate::admin_site;
use crate::common;

use std::sync::Arc;

use admin_site::{login, page, post, seed, token_in, Message, Note};
use common::TestDb;
use hangar::admin::{Admin, ModelAdmin, Panel};
use hangar::auth::{AdminUser, Auth, SessionUser, User};
use hangar::db::{Database, Db, Error, Model as _, Op};
use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::Client;

app_cases!(
    only_admins_get_in,
    lists_sort_search_filter_and_page,
    add_and_edit_with_validation,
    delete_lists_dependents_then_deletes,
    forms_need_the_csrf_token_and_output_is_escaped,
    export_csv_and_json_with_filters,
    bulk_actions_over_the_selection,
    foreign_key_lookup_endpoint,
    dashboard_panels,
    attach_order_changes_nothing,
    saving_over_a_newer_row_is_a_conflict,
    re_activation_in_the_admin_revives_no_session,
    bulk_actions_respect_versions_and_limits,
);

/// `Admin`, `RestApi` and `Auth` in the opposite order of the other tests:
/// the user model still joins the admin, the API and the login work, and a
/// missing battery stops the launch naming it.
async fn attach_order_changes_nothing(tdb: Arc<TestDb>) {
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4));
    let rocket = rocket::custom(figment.clone())
        .attach(
            Database::fairing()
                .model::<Message>()
                .model::<Note>()
                .with(Auth::models()),
        )
        .attach(Admin::fairing().register::<Message>(ModelAdmin::new()))
        .attach(hangar::rest::RestApi::fairing().register::<Message>(hangar::rest::Resource::new()))
        .attach(hangar::templates::fairing())
        .attach(Auth::fairing());
    let client = Client::tracked(rocket).await.expect("launch");
    seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/user/").await;
    assert_eq!(
        status,
        Status::Ok,
        "the user admin joined after Auth: {html}"
    );
    assert!(html.contains("alice"));
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    // (tera escapes the prefix's `/`: `&#x2F;admin/user/`)
    let linked = |model: &str| {
        html.contains(&format!("admin/{model}/\" class=\"card\""))
            || html.contains(&format!("class=\"card\" href=\"&#x2F;admin/{model}/\""))
    };
    assert!(linked("user") && linked("message"), "{html}");
    let res = client.get("/api/message/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    // Auth without its models handed to the database: the launch stops
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Message>())
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing());
    let err = rocket.ignite().await.expect_err("User is not registered");
    assert!(
        matches!(err.kind(), rocket::error::ErrorKind::FailedFairings(f) if f[0].name == "hangar::Auth"),
        "{err}"
    );
}

async fn client(tdb: &TestDb) -> Client {
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.admin.paginate_by", 2));
    let rocket = rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<Message>()
                .model::<Note>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(
            Admin::fairing()
                .register::<Message>(
                    ModelAdmin::new()
                        .columns(["user", "content", "pub_date"])
                        .search_fields(["content", "user__username"])
                        .filter_fields(["user__username", "user"]),
                )
                .register::<Note>(ModelAdmin::new())
                .register::<User>(ModelAdmin::for_users())
                .panel(NoteCountPanel)
                .panel(BrokenPanel),
        );
    Client::tracked(rocket).await.expect("launch")
}

/// A panel counting notes, with one route of its own.
struct NoteCountPanel;

#[rocket::get("/ping")]
fn ping(_admin: AdminUser) -> &'static str {
    "pong"
}

#[rocket::async_trait]
impl Panel for NoteCountPanel {
    fn slug(&self) -> &str {
        "note-count"
    }
    fn title(&self) -> &str {
        "Note count"
    }
    fn template(&self) -> &str {
        "panels/note_count"
    }
    async fn get_context(&self, db: &Db, _: &SessionUser) -> Result<serde_json::Value, Error> {
        Ok(serde_json::json!({ "notes": Note::select().count(db).await? }))
    }
    fn routes(&self) -> Vec<rocket::Route> {
        rocket::routes![ping]
    }
}

/// A panel whose context always fails.
struct BrokenPanel;

#[rocket::async_trait]
impl Panel for BrokenPanel {
    fn slug(&self) -> &str {
        "broken"
    }
    fn title(&self) -> &str {
        "Broken"
    }
    fn template(&self) -> &str {
        "panels/note_count"
    }
    async fn get_context(&self, db: &Db, _: &SessionUser) -> Result<serde_json::Value, Error> {
        Note::select().filter("nope", Op::Eq, 1)?.count(db).await?;
        Ok(serde_json::json!({}))
    }
}

async fn dashboard_panels(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    assert_eq!(
        page(&client, "/admin/panels/note-count/ping").await.0,
        Status::SeeOther
    );
    login(&client, "alice").await;
    assert_eq!(
        page(&client, "/admin/panels/note-count/ping").await.0,
        Status::Forbidden
    );
    login(&client, "root").await;
    let notes = Note::select()
        .count(&client.rocket().state::<Db>().unwrap().clone())
        .await
        .unwrap();
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains(&format!("root sees {notes} notes")), "{html}");
    assert!(
        html.replace("&#x2F;", "/")
            .contains("href=\"/admin/panels/note-count/ping\""),
        "{html}"
    );
    let broken = html
        .find("id=\"panel-broken\"")
        .expect("broken panel section");
    assert!(html[broken..].contains("could not be shown"), "{html}");
    let (status, body) = page(&client, "/admin/panels/note-count/ping").await;
    assert_eq!((status, body.as_str()), (Status::Ok, "pong"));

    // slugs must be URL-safe and unique, or the rocket does not ignite
    for admin in [
        Admin::fairing().panel(BrokenPanel).panel(BrokenPanel),
        Admin::fairing().panel(BadSlug),
    ] {
        let rocket = rocket::custom(tdb.figment()).attach(admin);
        let err = rocket
            .ignite()
            .await
            .expect_err("the admin refuses the slugs");
        assert!(
            matches!(err.kind(), rocket::error::ErrorKind::FailedFairings(f) if f[0].name == "hangar::Admin"),
            "{err}"
        );
    }
}

/// A panel with a slug that is not a URL segment.
struct BadSlug;

#[rocket::async_trait]
impl Panel for BadSlug {
    fn slug(&self) -> &str {
        "a/b"
    }
    fn title(&self) -> &str {
        "Bad"
    }
    fn template(&self) -> &str {
        "panels/note_count"
    }
    async fn get_context(&self, _: &Db, _: &SessionUser) -> Result<serde_json::Value, Error> {
        Ok(serde_json::json!({}))
    }
}

async fn only_admins_get_in(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    let res = client.get("/admin/").header(Accept::HTML).dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    assert!(res
        .headers()
        .get_one("Location")
        .unwrap()
        .starts_with("/accounts/login/?next="));
    drop(res);
    login(&client, "alice").await;
    assert_eq!(page(&client, "/admin/").await.0, Status::Forbidden);
    assert_eq!(page(&client, "/admin/message/").await.0, Status::Forbidden);
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains(">5</div>"),
        "message count on the dashboard: {html}"
    );
    assert_eq!(page(&client, "/admin/nothing/").await.0, Status::NotFound);
    let res = client.get("/admin/static/admin.css").dispatch().await;
    assert_eq!(res.content_type(), Some(ContentType::CSS));
}

async fn lists_sort_search_filter_and_page(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/message/?ordering=-content").await;
    assert_eq!(status, Status::Ok);
    let zebra = html.find("zebra").expect("zebra first");
    let hello = html.find("hello world").expect("hello second");
    assert!(zebra < hello, "sorted by content descending");
    assert!(
        html.contains("5 in all") && html.contains("page=3"),
        "two per page: {html}"
    );
    assert!(
        html.contains(">alice<"),
        "foreign keys show their row's label"
    );
    // search across a join, case-insensitive
    let (_, html) = page(&client, "/admin/message/?q=BOB").await;
    assert!(html.contains("bob here") && html.contains("zebra") && !html.contains("hello world"));
    // filters
    let (_, html) = page(&client, "/admin/message/?user__username=alice").await;
    assert!(html.contains("2 in all") && html.contains("User Username is alice"));
    // the one query-string language: repeated matches OR, repeated exclusions AND
    let (_, html) = page(
        &client,
        "/admin/message/?user__username=alice&user__username=bob",
    )
    .await;
    assert!(html.contains("4 in all"), "{html}");
    let (_, html) = page(
        &client,
        "/admin/message/?user__username__ne=alice&user__username__ne=bob",
    )
    .await;
    assert!(
        html.contains("1 in all") && html.contains("admin note"),
        "{html}"
    );
    assert_eq!(
        page(&client, "/admin/message/?content__contains=x").await.0,
        Status::BadRequest,
        "not a filter field"
    );
    assert_eq!(
        page(&client, "/admin/message/?nope=1").await.0,
        Status::BadRequest
    );
    assert_eq!(
        page(&client, "/admin/message/?page=abc").await.0,
        Status::BadRequest
    );
    let (status, html) = page(&client, "/admin/message/?page=9").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Nothing here yet."));
    // users: the password hash is never a column
    let (_, html) = page(&client, "/admin/user/").await;
    assert!(!html.contains("$2b$") && !html.contains("$2y$"));
}

async fn add_and_edit_with_validation(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/message/add/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("<select id=\"f-user\"") && html.contains("type=\"datetime-local\""));
    let token = token_in(&html);
    // invalid: missing content, bad date; the input is kept
    let (status, _, html) = post(
        &client,
        "/admin/message/add/",
        format!("csrf_token={token}&user={}&content=&pub_date=nope", w.alice),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("This field is required."), "{html}");
    assert!(html.contains("value=\"nope\""), "input kept");
    // valid
    let (status, to, _) = post(&client, "/admin/message/add/", format!("csrf_token={token}&user={}&content=from+the+admin&pub_date=2024-05-01T12%3A00%3A00&_save=1", w.alice)).await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/admin/message/"));
    let db = client.rocket().state::<Db>().unwrap();
    let m = Message::select()
        .filter("content", Op::Eq, "from the admin")
        .unwrap()
        .one(db)
        .await
        .unwrap();
    assert_eq!(m.user, w.alice);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("was added"), "flash shown");
    // edit, continue editing
    let uri = format!("/admin/message/{}/", m.id);
    let (status, html) = page(&client, &uri).await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("value=\"2024-05-01T12:00:00\""));
    let (status, to, _) = post(&client, &uri, format!("csrf_token={token}&user={}&content=edited&pub_date=2024-05-01T12%3A00%3A00&_continue=1", w.alice)).await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, uri.as_str()));
    assert_eq!(Message::get(db, m.id).await.unwrap().content, "edited");
    // a unique violation is a form message, not a 500
    let (status, _, html) = post(
        &client,
        "/admin/user/add/",
        format!("csrf_token={token}&username=alice&email=a%40b&active=true"),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        html.contains("already exists") || html.contains("required"),
        "{html}"
    );
    // a required field the form does not show is reported on top
    let (status, _, html) = post(
        &client,
        "/admin/user/add/",
        format!("csrf_token={token}&username=newcomer&email=n%40b&active=true"),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        html.contains("type=\"password\"") && html.contains("This field is required."),
        "{html}"
    );
    // with a password the user is created, the password hashed, and they can log in
    let (status, _, _) = post(
        &client,
        "/admin/user/add/",
        format!("csrf_token={token}&username=newcomer&email=n%40b&active=true&password=short"),
    )
    .await;
    assert_eq!(status, Status::BadRequest, "too short");
    let (status, _, html) = post(
        &client,
        "/admin/user/add/",
        format!("csrf_token={token}&username=newcomer&email=n%40b&active=true&password=newcomer-password"),
    )
    .await;
    assert_eq!(status, Status::SeeOther, "{html}");
    let newcomer = User::select()
        .filter("username", Op::Eq, "newcomer")
        .unwrap()
        .one(db)
        .await
        .unwrap();
    assert!(newcomer.password.starts_with("$2"), "hashed");
    // editing without a password keeps the hash
    let uri = format!("/admin/user/{}/", newcomer.id);
    let (status, _, _) = post(
        &client,
        &uri,
        format!("csrf_token={token}&username=newcomer&email=new%40b&active=true"),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let again = User::get(db, newcomer.id).await.unwrap();
    assert_eq!(
        (again.password.as_str(), again.email.as_str()),
        (newcomer.password.as_str(), "new@b")
    );
    let (_, html) = page(&client, &uri).await;
    assert!(
        !html.contains(&newcomer.password),
        "the hash is never shown"
    );
}

async fn delete_lists_dependents_then_deletes(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let uri = format!("/admin/user/{}/delete/", w.alice);
    let (status, html) = page(&client, &uri).await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("2 × Message")
            && html.contains("1 × Note")
            && html.contains("<li>hello world</li>")
            && html.contains("<li>alice again</li>"),
        "{html}"
    );
    let token = token_in(&html);
    let (status, to, _) = post(&client, &uri, format!("csrf_token={token}")).await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/admin/user/"));
    let db = client.rocket().state::<Db>().unwrap();
    assert!(User::select()
        .filter_pk(w.alice)
        .first(db)
        .await
        .unwrap()
        .is_none());
    assert_eq!(Message::select().count(db).await.unwrap(), 3);
}

async fn forms_need_the_csrf_token_and_output_is_escaped(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let before = Message::select().count(&db).await.unwrap();
    let (status, _, _) = post(
        &client,
        "/admin/message/add/",
        format!("user={}&content=forged", w.alice),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    let (status, _, _) = post(
        &client,
        &format!("/admin/user/{}/delete/", w.alice),
        "csrf_token=bogus".into(),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    // a body that is no form is refused as such, not as a CSRF failure
    let token = hangar::testing::csrf_token(&client).await.unwrap();
    let res = client
        .post("/admin/message/add/")
        .header(ContentType::JSON)
        .body(format!(r#"{{"csrf_token": "{token}", "content": "json"}}"#))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::UnsupportedMediaType);
    drop(res);
    // over the `form` limit (32 KiB): 413, nothing written
    let big = format!(
        "csrf_token={token}&user={}&content={}",
        w.alice,
        "x".repeat(40 * 1024)
    );
    let (status, _, _) = post(&client, "/admin/message/add/", big).await;
    assert_eq!(status, Status::PayloadTooLarge);
    // the same form with the token and within the limit is saved
    let res = hangar::testing::submit_form(
        &client,
        "/admin/message/add/",
        &[("user", &w.alice.to_string()), ("content", "fine & dandy")],
    )
    .await;
    assert_eq!(res.status(), Status::SeeOther);
    drop(res);
    assert_eq!(Message::select().count(&db).await.unwrap(), before + 1);
    let saved = Message::select()
        .filter("content", Op::Eq, "fine & dandy")
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(saved, 1, "the form body is decoded");
    Message {
        id: 0,
        user: w.alice,
        content: "<script>alert(1)</script>".into(),
        pub_date: hangar::db::now(),
    }
    .insert(&db)
    .await
    .unwrap();
    let (_, html) = page(&client, "/admin/message/?q=alert").await;
    assert!(!html.contains("<script>alert"), "escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"));
}

async fn export_csv_and_json_with_filters(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    Message {
        id: 0,
        user: w.alice,
        content: "=1+1, \"quoted\"".into(),
        pub_date: hangar::db::now(),
    }
    .insert(&db)
    .await
    .unwrap();
    let (status, html) = page(&client, "/admin/message/export/?user__username=alice").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("value=\"user__username\"")
            && html.contains("name=\"user__username\" value=\"alice\"")
    );
    let res = client
        .get("/admin/message/export/?format=csv&fields=content,user__username&user__username=alice&q=again")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.content_type(), Some(ContentType::CSV));
    assert!(res
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .contains("message.csv"));
    let csv = res.into_string().await.unwrap();
    assert_eq!(csv, "content,user__username\r\nalice again,alice\r\n");
    let res = client
        .get("/admin/message/export/?format=csv&fields=content&user__username=alice")
        .dispatch()
        .await;
    let csv = res.into_string().await.unwrap();
    assert!(
        csv.contains("\"'=1+1, \"\"quoted\"\"\""),
        "formula neutralised and quoted: {csv}"
    );
    let res = client
        .get("/admin/message/export/?format=json&fields=id,content,user__username&ordering=id")
        .dispatch()
        .await;
    let rows: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 6);
    assert_eq!(rows[0]["user__username"], "alice");
    assert_eq!(
        page(
            &client,
            "/admin/message/export/?format=csv&fields=user__password"
        )
        .await
        .0,
        Status::BadRequest
    );
    assert_eq!(
        page(&client, "/admin/message/export/?format=xml").await.0,
        Status::BadRequest
    );
}

async fn bulk_actions_over_the_selection(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    login(&client, "root").await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("id=\"select-all\"") && html.contains("name=\"pk\""));
    let token = token_in(&html);
    let ids: Vec<i64> = Message::select()
        .order_by("id")
        .unwrap()
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    // nothing selected: a warning, nothing changes
    let (status, to, _) = post(
        &client,
        "/admin/message/action/",
        format!("csrf_token={token}&action=delete"),
    )
    .await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/admin/message/"));
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Select some rows first."));
    // export the selection
    let (status, to, _) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=export&pk={}&pk={}",
            ids[0], ids[1]
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let csv = client
        .get(format!("{to}&format=csv&fields=id"))
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert_eq!(csv, format!("id\r\n{}\r\n{}\r\n", ids[0], ids[1]));
    // delete the selection: first a confirmation naming the rows, nothing deleted yet
    let (status, _, html) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&pk={}&pk={}",
            ids[0], ids[1]
        ),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("Delete 2 selected Message row(s)?"), "{html}");
    assert!(html.contains("<li>hello world</li>") && html.contains("<li>alice again</li>"));
    assert!(html.contains("name=\"confirm\""));
    assert_eq!(Message::select().count(&db).await.unwrap(), 5);
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&confirm=1&pk={}&pk={}",
            ids[0], ids[1]
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(Message::select().count(&db).await.unwrap(), 3);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Deleted 2 row(s)."));
    // the CSRF token is needed here too
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!("action=delete&pk={}", ids[2]),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    assert_eq!(Message::select().count(&db).await.unwrap(), 3);
}

async fn foreign_key_lookup_endpoint(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let res = client
        .get("/admin/message/ajax_list?field=user&q=ALI")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let body: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(
        body["objects"],
        serde_json::json!([{"id": w.alice, "label": "alice"}])
    );
    assert_eq!(body["has_next"], false);
    let res = client
        .get("/admin/message/ajax_list?field=content")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest, "not a foreign key");
    drop(res);
    login(&client, "alice").await;
    let res = client
        .get("/admin/message/ajax_list?field=user")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
}

/// The value of the hidden input `name` in a page, unescaped.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let raw = &html[start..start + html[start..].find('"').unwrap()];
    raw.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `application/x-www-form-urlencoded` of one value.
fn form_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn saving_over_a_newer_row_is_a_conflict(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let w = seed(&client).await;
    login(&client, "root").await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let m = Message::select()
        .order_by("id")
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let uri = format!("/admin/message/{}/", m.id);
    let (_, html) = page(&client, &uri).await;
    let (token, version, original) = (
        token_in(&html),
        hidden(&html, "_version"),
        hidden(&html, "_original"),
    );
    assert!(original.contains("hello world"), "{original}");
    // someone else saves first
    let mut theirs = Message::get(&db, m.id).await.unwrap();
    theirs.content = "their edit".into();
    theirs.update(&db).await.unwrap();
    let body = |version: &str, original: &str| {
        format!(
            "csrf_token={token}&_version={}&_original={}&user={}&content=my+edit&pub_date=2024-05-01T12%3A00%3A00&_save=1",
            form_encode(version),
            form_encode(original),
            w.alice
        )
    };
    let (status, _, html) = post(&client, &uri, body(&version, &original)).await;
    assert_eq!(status, Status::Conflict, "{html}");
    assert!(html.contains("Someone else changed this row"), "{html}");
    assert!(html.contains("class=\"theirs\">their edit<"), "{html}");
    assert!(html.contains("class=\"yours\">my edit<"), "{html}");
    assert!(
        html.contains("hello world"),
        "the value the form was opened with"
    );
    assert!(
        !html.contains("Pub Date</th>"),
        "unchanged fields are not listed"
    );
    assert_eq!(
        Message::get(&db, m.id).await.unwrap().content,
        "their edit",
        "nothing saved"
    );
    // the conflict page is based on the row as it is now: saving it keeps mine
    let (version, original) = (hidden(&html, "_version"), hidden(&html, "_original"));
    assert!(
        html.contains(">my edit</textarea>"),
        "the form keeps what I typed"
    );
    let (status, _, _) = post(&client, &uri, body(&version, &original)).await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(Message::get(&db, m.id).await.unwrap().content, "my edit");
    // a validation error re-shows the form on the version it was based on
    let (_, html) = page(&client, &uri).await;
    let (version, original) = (hidden(&html, "_version"), hidden(&html, "_original"));
    let (status, _, html) = post(
        &client,
        &uri,
        format!(
            "csrf_token={token}&_version={}&_original={}&user=&content=x&pub_date=2024-05-01T12%3A00%3A00",
            form_encode(&version),
            form_encode(&original)
        ),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(hidden(&html, "_version"), version);
}

async fn re_activation_in_the_admin_revives_no_session(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let bob_client = Client::tracked(
        // another instance that reads the session row on every request
        rocket::custom(
            client
                .rocket()
                .figment()
                .clone()
                .merge(("hangar.auth.session_cache_ms", 0)),
        )
        .attach(
            Database::fairing()
                .model::<Message>()
                .model::<Note>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .mount("/", rocket::routes![whoami]),
    )
    .await
    .unwrap();
    login(&bob_client, "bob").await;
    let me = || async {
        bob_client
            .get("/whoami")
            .dispatch()
            .await
            .into_string()
            .await
            .unwrap()
    };
    assert_eq!(me().await, "bob");
    login(&client, "root").await;
    use hangar::auth::UserModel as _;
    let bob = User::by_username(&db, "bob").await.unwrap().unwrap();
    let uri = format!("/admin/user/{}/", bob.id);
    for active in ["", "&active=true"] {
        let (_, html) = page(&client, &uri).await;
        let body = format!(
            "csrf_token={}&_version={}&_original={}&username=bob&email=bob%40x.io{active}&_save=1",
            token_in(&html),
            form_encode(&hidden(&html, "_version")),
            form_encode(&hidden(&html, "_original")),
        );
        let (status, _, html) = post(&client, &uri, body).await;
        assert_eq!(status, Status::SeeOther, "{html}");
    }
    assert!(User::get(&db, bob.id).await.unwrap().active, "re-activated");
    assert_eq!(me().await, "anonymous", "the old cookie stays dead");
}

#[rocket::get("/whoami")]
fn whoami(user: Option<hangar::auth::AuthUser>) -> String {
    user.map_or_else(|| "anonymous".into(), |u| u.username.clone())
}

async fn bulk_actions_respect_versions_and_limits(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    login(&client, "root").await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let (_, html) = page(&client, "/admin/message/?ordering=id").await;
    let token = token_in(&html);
    let first = Message::select()
        .order_by("id")
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let version = hidden(&html, &format!("version:{}", first.id));
    // the row changes after the list was shown: the delete does nothing
    let mut m = Message::get(&db, first.id).await.unwrap();
    m.content = "changed meanwhile".into();
    m.update(&db).await.unwrap();
    let before = Message::select().count(&db).await.unwrap();
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&confirm=1&pk={id}&version%3A{id}={}",
            form_encode(&version),
            id = first.id
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("changed since the list was shown"), "{html}");
    assert_eq!(
        Message::select().count(&db).await.unwrap(),
        before,
        "nothing deleted"
    );
    // the confirmation page carries each row's version on
    let (_, html) = page(&client, "/admin/message/?ordering=id").await;
    let version = hidden(&html, &format!("version:{}", first.id));
    let (status, _, html) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&pk={id}&version%3A{id}={}",
            form_encode(&version),
            id = first.id
        ),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(hidden(&html, &format!("version:{}", first.id)), version);
    // a selection past max_bulk_selection is refused whole
    let many: String = (1..=1001).map(|i| format!("&pk={i}")).collect();
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!("csrf_token={token}&action=delete&confirm=1{many}"),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Select at most 1000 rows"), "{html}");
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
    // filter paths take the plain lookups, never a regular expression
    let (status, _) = page(&client, "/admin/message/?user__username__startswith=al").await;
    assert_eq!(status, Status::Ok);
    let (status, _) = page(&client, "/admin/message/?user__username__regexp=%5Ea").await;
    assert_eq!(status, Status::BadRequest);
    // thousands of parameters are no list's
    let keys: String = (0..2500).map(|i| format!("&user={i}")).collect();
    let (status, _) = page(&client, &format!("/admin/message/?q=x{keys}")).await;
    assert_eq!(status, Status::BadRequest);
}
