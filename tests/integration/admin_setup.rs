//! The admin site's set-up over HTTP on every backend: the user admin
//! registered by itself, a site-wide template override, edges (huge pages,
//! keys not offered, caching headers, forms past 500 related rows) and
//! options refused at ignite.

use crate::admin_site;
use crate::common;

use std::sync::Arc;

use admin_site::options::{client, client_figment, client_in, client_with};
use admin_site::{login, page, post, seed, token_in, Message, Note};
use common::TestDb;
use hangar::admin::{
    Action, ActionOutcome, Admin, AdminError, ModelAdmin, ModelAdminHooks, Permission,
};
use hangar::auth::{SessionUser, User};
use hangar::db::{Database, Db, Model as _, Value};
use rocket::http::Status;

app_cases!(
    users_join_the_admin_by_themselves,
    an_app_template_replaces_an_admin_page,
    edges_pages_keys_caching_and_forms,
    permissions_per_model,
    bad_options_refuse_to_ignite,
);

/// Staff users may look at messages only, and not see notes at all.
struct StaffLooksOnly;

#[rocket::async_trait]
impl ModelAdminHooks for StaffLooksOnly {
    fn has_permission(&self, user: &SessionUser, what: Permission) -> bool {
        user.admin || what == Permission::View
    }
}

struct AdminsOnly;

#[rocket::async_trait]
impl ModelAdminHooks for AdminsOnly {
    fn has_permission(&self, user: &SessionUser, _what: Permission) -> bool {
        user.admin
    }
}

#[rocket::get("/reports")]
fn reports() -> &'static str {
    "reports"
}

#[rocket::get("/summary")]
fn note_summary() -> &'static str {
    "note summary"
}

async fn permissions_per_model(tdb: Arc<TestDb>) {
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.admin.extra_css", ["/static/theme.css"]));
    let client = client_figment(
        figment,
        Admin::fairing()
            .check_user_permission(|u| u.admin || u.username == "bob")
            .register::<Message>(ModelAdmin::new().hooks(StaffLooksOnly))
            .register::<Note>(
                ModelAdmin::new()
                    .hooks(AdminsOnly)
                    .routes(rocket::routes![note_summary]),
            )
            .routes(rocket::routes![reports])
            .link("Reports", "/admin/reports"),
    )
    .await;
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let message = Message::select().one(&db).await.unwrap();
    let note = Note::select().one(&db).await.unwrap();
    // the site's extra page is protected like the admin
    assert_eq!(page(&client, "/admin/reports").await.0, Status::SeeOther);
    login(&client, "alice").await;
    assert_eq!(page(&client, "/admin/reports").await.0, Status::Forbidden);
    login(&client, "bob").await;
    assert_eq!(
        page(&client, "/admin/reports").await,
        (Status::Ok, "reports".into())
    );
    // a model's extra page needs the view permission on that model
    assert_eq!(
        page(&client, "/admin/note/summary").await.0,
        Status::Forbidden
    );
    // no view permission: gone from the menu and dashboard, 403 everywhere
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.replace("&#x2F;", "/")
            .contains("<a href=\"/admin/reports\" class=\"extra\">Reports</a>"),
        "{html}"
    );
    assert!(
        html.replace("&#x2F;", "/")
            .contains("<link rel=\"stylesheet\" href=\"/static/theme.css\">"),
        "{html}"
    );
    assert!(
        html.contains(">Message</a>") && !html.contains(">Note</a>"),
        "{html}"
    );
    for uri in [
        "/admin/note/".to_owned(),
        format!("/admin/note/{}/", note.id),
        "/admin/note/export/?format=csv".to_owned(),
    ] {
        assert_eq!(page(&client, &uri).await.0, Status::Forbidden, "{uri}");
    }
    // view only: the list without add/export/delete, a read-only form
    let (status, html) = page(&client, "/admin/message/").await;
    assert_eq!(status, Status::Ok);
    assert!(!html.contains("Add Message") && !html.contains(">Export</a>"));
    assert!(!html.contains("value=\"delete\"") && !html.contains("/delete/"));
    let token = token_in(&html);
    let (status, html) = page(&client, &format!("/admin/message/{}/", message.id)).await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("You may look at this row but not change it.")
            && !html.contains("name=\"_save\"")
    );
    assert!(html.contains("readonly"), "{html}");
    assert_eq!(
        page(&client, "/admin/message/add/").await.0,
        Status::Forbidden
    );
    for (uri, body) in [
        (
            format!("/admin/message/{}/", message.id),
            format!("csrf_token={token}&content=changed&user={}", message.user),
        ),
        (
            "/admin/message/add/".to_owned(),
            format!("csrf_token={token}&content=new&user={}", message.user),
        ),
        (
            format!("/admin/message/{}/delete/", message.id),
            format!("csrf_token={token}"),
        ),
        (
            "/admin/message/action/".to_owned(),
            format!(
                "csrf_token={token}&action=delete&confirm=1&pk={}",
                message.id
            ),
        ),
        (
            "/admin/message/action/".to_owned(),
            format!("csrf_token={token}&action=export&pk={}", message.id),
        ),
        // no existence oracle: a row that does not exist is refused alike
        (
            "/admin/message/action/".to_owned(),
            format!("csrf_token={token}&action=delete&confirm=1&pk=999999"),
        ),
    ] {
        let (status, _, _) = post(&client, &uri, body).await;
        assert_eq!(status, Status::Forbidden, "{uri}");
    }
    assert_eq!(
        Message::select().count(&db).await.unwrap(),
        5,
        "nothing changed"
    );
    let unchanged = Message::select()
        .filter("id", hangar::db::Op::Eq, message.id)
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    assert_eq!(unchanged.content, message.content);
    // admins keep everything
    login(&client, "root").await;
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Add Message") && html.contains("value=\"delete\""));
    assert_eq!(page(&client, "/admin/note/").await.0, Status::Ok);
    assert_eq!(
        page(&client, "/admin/note/summary").await,
        (Status::Ok, "note summary".into())
    );
}

async fn users_join_the_admin_by_themselves(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/user/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("alice@x.io") && !html.contains("$2"),
        "no hash: {html}"
    );
    let res = client
        .get("/admin/user/export/?format=json&fields=username,password")
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::BadRequest,
        "the hash is never exported"
    );
    drop(res);
    drop(client);
    let client = client_with(
        &tdb,
        Admin::fairing()
            .user_admin(None)
            .register::<Message>(ModelAdmin::new()),
    )
    .await;
    login(&client, "root").await;
    assert_eq!(page(&client, "/admin/user/").await.0, Status::NotFound);
}

async fn edges_pages_keys_caching_and_forms(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    seed(&client).await;
    login(&client, "root").await;
    // a page number past any offset SQL takes: an empty page, not a 500
    for uri in [
        "/admin/message/?page=18446744073709551615",
        "/admin/message/?page=500000000000000000",
    ] {
        let (status, html) = page(&client, uri).await;
        assert_eq!(status, Status::Ok, "{uri}");
        assert!(html.contains("Nothing here yet.") && html.contains("5 in all"));
    }
    let res = client
        .get("/admin/message/ajax_list?field=user&page=18446744073709551615")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    // admin pages are never cached; the embedded assets are
    let res = client.get("/admin/message/").dispatch().await;
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-store"));
    assert_eq!(
        res.headers().get_one("Content-Security-Policy"),
        Some(hangar::admin::DEFAULT_CSP)
    );
    let res = client
        .get("/admin/message/export/?format=csv")
        .dispatch()
        .await;
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-store"));
    let res = client.get("/admin/static/admin.js").dispatch().await;
    assert_eq!(
        res.headers().get_one("Cache-Control"),
        Some("public, max-age=86400")
    );
    // the search box resubmits filters and sort; "clear filters" keeps search and sort
    let (_, html) = page(
        &client,
        "/admin/message/?user__username__icontains=al&ordering=-content&q=a",
    )
    .await;
    assert!(
        html.contains("<input type=\"hidden\" name=\"user__username__icontains\" value=\"al\">"),
        "{html}"
    );
    assert!(html.contains("<input type=\"hidden\" name=\"ordering\" value=\"-content\">"));
    assert!(
        html.contains("href=\"/admin/message/?ordering=-content&amp;q=a\">Clear filters</a>")
            || html
                .replace("&#x2F;", "/")
                .contains("href=\"/admin/message/?ordering=-content&amp;q=a\">Clear filters</a>"),
        "{html}"
    );
    // a doubled minus in the ordering is ignored, not a 400
    assert_eq!(
        page(&client, "/admin/message/?ordering=--content").await.0,
        Status::Ok
    );
    // export fields may repeat (the picker's checkboxes)
    let res = client
        .get("/admin/message/export/?format=csv&fields=content&fields=user__username&content__icontains=zeb")
        .dispatch()
        .await;
    assert_eq!(
        res.into_string().await.unwrap(),
        "content,user__username\r\nzebra,bob\r\n"
    );
    // a related field the related model's admin does not export is not exported here
    let res = client
        .get("/admin/message/export/?format=csv&fields=user__session_epoch")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    // a key the admin does not offer (no lookup, not in the form, not a filter)
    let res = client
        .get("/admin/note/ajax_list?field=nope")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    // a foreign key with more than 500 rows to pick from becomes a lookup
    let db = client.rocket().state::<Db>().unwrap().clone();
    let (_, html) = page(&client, "/admin/note/add/").await;
    assert!(html.contains("<select id=\"f-user\""), "3 users: a select");
    let mut tx = db.begin().await.unwrap();
    for i in 0..500 {
        let mut u =
            <User as hangar::auth::UserModel>::new_user(&format!("u{i}"), "", "!".into(), false);
        u.insert(&mut tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (_, html) = page(&client, "/admin/note/add/").await;
    assert!(
        !html.contains("<select id=\"f-user\"") && html.contains("class=\"lookup\""),
        "{html}"
    );
    let note = Note::select().one(&db).await.unwrap();
    let (_, html) = page(&client, &format!("/admin/note/{}/", note.id)).await;
    assert!(
        html.contains("id=\"f-user-label\">alice</span>"),
        "the current row's label"
    );
}

/// `<template_dir>/admin/index.html.tera` replaces the embedded dashboard.
async fn an_app_template_replaces_an_admin_page(tdb: Arc<TestDb>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates_override");
    let client = client_in(
        &tdb,
        Admin::fairing().register::<Message>(ModelAdmin::new()),
        dir,
    )
    .await;
    seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("<h1 id=\"our-dashboard\">Our own dashboard, root</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<li>Message: 5</li>") && html.contains("<li>User: 3</li>"),
        "{html}"
    );
    // the other pages are still Hangar's
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("5 in all"));
}

async fn bad_options_refuse_to_ignite(tdb: Arc<TestDb>) {
    struct Named(&'static str);
    #[rocket::async_trait]
    impl Action for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn label(&self) -> &str {
            "x"
        }
        async fn run(
            &self,
            _: &Db,
            _: &SessionUser,
            _: Vec<Value>,
        ) -> Result<ActionOutcome, AdminError> {
            Ok("".into())
        }
    }
    let cases: Vec<(&str, ModelAdmin)> = vec![
        ("no column", ModelAdmin::new().columns(["nope"])),
        (
            "no search field",
            ModelAdmin::new().search_fields(["user__nope"]),
        ),
        ("no filter field", ModelAdmin::new().filter_fields(["nope"])),
        (
            "no fieldset field",
            ModelAdmin::new().fieldsets([("A", vec!["nope"])]),
        ),
        (
            "lookup on a non-key",
            ModelAdmin::new().foreign_key_lookups([("content", "id")]),
        ),
        (
            "lookup on a secret",
            ModelAdmin::new().foreign_key_lookups([("user", "password")]),
        ),
        ("unknown view", ModelAdmin::new().template("list", "x")),
        (
            "missing template",
            ModelAdmin::new().template("index", "custom/nope"),
        ),
        (
            "collapsed unknown fieldset",
            ModelAdmin::new().collapsed(["Nope"]),
        ),
        (
            "label for no field",
            ModelAdmin::new().label("nope", "Nope"),
        ),
        (
            "built-in action name",
            ModelAdmin::new().action(Named("delete")),
        ),
        ("bad action name", ModelAdmin::new().action(Named("a b"))),
        (
            "no export field",
            ModelAdmin::new().export_fields(["user__nope"]),
        ),
    ];
    for (why, admin) in cases {
        let rocket = rocket::custom(tdb.figment())
            .attach(Database::fairing().model::<Message>())
            .attach(Admin::fairing().register::<Message>(admin));
        let err = rocket.ignite().await.expect_err(why);
        assert!(
            matches!(err.kind(), rocket::error::ErrorKind::FailedFairings(f) if f[0].name == "hangar::Admin"),
            "{why}: {err}"
        );
    }
    let err = rocket::custom(tdb.figment().merge(("hangar.admin.prefix", "/")))
        .attach(Admin::fairing())
        .ignite()
        .await
        .expect_err("`/` is no prefix");
    assert!(matches!(
        err.kind(),
        rocket::error::ErrorKind::FailedFairings(_)
    ));
    let twice = Admin::fairing()
        .register::<Message>(ModelAdmin::new())
        .register::<Message>(ModelAdmin::new());
    let err = rocket::custom(tdb.figment())
        .attach(twice)
        .ignite()
        .await
        .expect_err("twice");
    assert!(matches!(
        err.kind(),
        rocket::error::ErrorKind::FailedFairings(_)
    ));
}
