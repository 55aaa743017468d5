//! The model admin's options over HTTP on every backend: computed and
//! related columns, typed filters with removable chips, hooks restricting
//! rows and saves, custom bulk actions, type-ahead lookups, fieldsets,
//! template overrides, extra URLs, the site permission check, the user
//! admin registered by itself, and options refused at ignite.

mod admin_site;
mod common;

use std::sync::Arc;

use admin_site::{login, page, post, seed, token_in, Message, Note};
use common::TestDb;
use hangar::admin::{store, Action, Admin, AdminAccess, AdminError, ModelAdmin, ModelAdminHooks};
use hangar::auth::{Auth, SessionUser, User};
use hangar::db::{Database, Db, Model as _, Op, Record, Schema, Select, Transaction, Value};
use rocket::http::Status;
use rocket::local::asynchronous::Client;

app_cases!(
    columns_filters_and_chips,
    hooks_restrict_rows_and_saves,
    actions_lookups_fieldsets_and_overrides,
    users_join_the_admin_by_themselves,
    an_app_template_replaces_an_admin_page,
    edges_pages_keys_caching_and_forms,
    bad_options_refuse_to_ignite,
);

/// Staff (not admin) users see and save only their own messages; two
/// contents show a refused save and a rolled-back one.
struct OwnMessages;

#[rocket::async_trait]
impl ModelAdminHooks for OwnMessages {
    fn get_query(&self, select: Select, user: &SessionUser) -> Select {
        if user.admin {
            select
        } else {
            select.filter("user", Op::Eq, user.id).expect("user field")
        }
    }

    async fn save_model(
        &self,
        tx: &mut Transaction,
        schema: &'static Schema,
        existing: Option<&Record>,
        mut values: Vec<(&'static str, Value)>,
        user: &SessionUser,
    ) -> Result<Value, AdminError> {
        if !user.admin {
            values.retain(|(f, _)| *f != "user");
            values.push(("user", Value::Int(user.id)));
        }
        let content = values
            .iter()
            .find(|(f, _)| *f == "content")
            .map(|(_, v)| v.to_string());
        if content.as_deref() == Some("forbidden") {
            return Err(AdminError::Field {
                field: "content".into(),
                message: "Not allowed here.".into(),
            });
        }
        if content.as_deref() == Some("elsewhere") {
            // a buggy hook hands the row to someone else
            values.retain(|(f, _)| *f != "user");
            let root = User::select()
                .filter("username", Op::Eq, "root")?
                .one(&mut *tx)
                .await?;
            values.push(("user", Value::Int(root.id)));
        }
        let pk = store(tx, schema, existing, values).await?;
        if content.as_deref() == Some("rollback") {
            return Err(AdminError::Invalid("Rolled back on purpose.".into()));
        }
        Ok(pk)
    }
}

/// Staff users see only their own user row.
struct OwnUser;

#[rocket::async_trait]
impl ModelAdminHooks for OwnUser {
    fn get_query(&self, select: Select, user: &SessionUser) -> Select {
        if user.admin {
            select
        } else {
            select.filter("id", Op::Eq, user.id).expect("id")
        }
    }
}

/// Upper-cases the selected messages.
struct Shout;

#[rocket::async_trait]
impl Action for Shout {
    fn name(&self) -> &str {
        "shout"
    }
    fn label(&self) -> &str {
        "Shout selected"
    }
    async fn run(&self, db: &Db, _: &SessionUser, pks: Vec<Value>) -> Result<String, AdminError> {
        let n = pks.len();
        for m in Message::select()
            .filter_values("id", Op::In, pks)?
            .all(db)
            .await?
        {
            Message::select()
                .filter("id", Op::Eq, m.id)?
                .update(db, vec![("content", Value::Text(m.content.to_uppercase()))])
                .await?;
        }
        Ok(format!("Shouted {n} message(s)."))
    }
}

#[rocket::get("/stats")]
async fn stats(_user: AdminAccess, db: Db) -> String {
    format!(
        "{} messages",
        Message::select().count(&db).await.unwrap_or(0)
    )
}

fn message_admin() -> ModelAdmin {
    ModelAdmin::new()
        .columns(["user", "user__email", "content", "word_count", "pub_date"])
        .computed_column("word_count", |row| {
            let text = row
                .get("content")
                .map(ToString::to_string)
                .unwrap_or_default();
            if text.contains('<') {
                return text; // shows that computed cells are escaped
            }
            text.split_whitespace().count().to_string()
        })
        .search_fields(["content"])
        .max_filter_depth(1)
        .filter_exclude(["user__email", "user__join_date"])
        .foreign_key_lookups([("user", "username")])
        .fieldsets([
            ("Message", vec!["user", "content"]),
            ("Dates", vec!["pub_date"]),
        ])
        .export_exclude(["user__email"])
        .hooks(OwnMessages)
        .action(Shout)
        .template("index", "custom/message_list")
        .routes(rocket::routes![stats])
}

async fn client_with(tdb: &TestDb, admin: Admin) -> Client {
    client_in(
        tdb,
        admin,
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
    )
    .await
}

async fn client_in(tdb: &TestDb, admin: Admin, template_dir: &str) -> Client {
    let figment = tdb
        .figment()
        .merge(("template_dir", template_dir))
        .merge(("hangar.auth.bcrypt_cost", 4));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Message>().model::<Note>())
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(admin);
    Client::tracked(rocket).await.expect("launch")
}

async fn client(tdb: &TestDb) -> Client {
    client_with(
        tdb,
        Admin::fairing()
            .check_user_permission(|u| u.admin || u.username == "bob")
            .register::<Message>(message_admin())
            .register::<Note>(
                ModelAdmin::new()
                    .delete_collect_objects(false)
                    .template("edit", "custom/note_edit"),
            )
            .register::<User>(ModelAdmin::for_users().hooks(OwnUser)),
    )
    .await
}

fn count_in(html: &str) -> u64 {
    let end = html.find(" in all").expect("a count");
    let start = html[..end].rfind('>').expect("count element") + 1;
    html[start..end].trim().parse().expect("a number")
}

async fn columns_filters_and_chips(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let world = seed(&client).await;
    login(&client, "root").await;
    let (status, html) = page(&client, "/admin/message/").await;
    assert_eq!(status, Status::Ok);
    // related and computed columns; computed headers are not links
    assert!(html.contains(">User Email</a>"), "{html}");
    assert!(html.contains("<th class=\"\">Word Count</th>"), "{html}");
    assert!(html.contains("<td>alice@x.io</td>") && html.contains("<td>2</td>"));
    // sort through the foreign key: root@, bob@, alice@ descending
    let (_, html) = page(&client, "/admin/message/?ordering=-user__email").await;
    let (r, b, a) = (
        html.find("admin note").unwrap(),
        html.find("bob here").unwrap(),
        html.find("hello world").unwrap(),
    );
    assert!(r < b && b < a, "descending by user email");
    // one widget per filter path, by type; excluded paths offer none
    for name in [
        "name=\"content__icontains\"",
        "name=\"pub_date__gte\"",
        "name=\"pub_date__lt\"",
        "name=\"user__username__icontains\"",
        "name=\"user__active\"",
        "name=\"user\"",
    ] {
        assert!(html.contains(name), "filter input {name}");
    }
    assert!(!html.contains("name=\"user__email__icontains\""));
    assert_eq!(
        page(&client, "/admin/message/?user__email__icontains=x")
            .await
            .0,
        Status::BadRequest,
        "excluded from filters"
    );
    // text: contains, case-insensitive; a chip with a link that removes it
    let (_, html) = page(
        &client,
        "/admin/message/?content__icontains=ZEB&ordering=content",
    )
    .await;
    assert_eq!(count_in(&html), 1);
    assert!(html.contains("Content contains ZEB"), "{html}");
    assert!(
        html.contains("href=\"?ordering=content\" aria-label=\"Remove filter"),
        "the chip's link keeps the rest: {html}"
    );
    assert!(
        html.contains("?content__icontains=ZEB&amp;ordering=-content"),
        "sort links keep the filters: {html}"
    );
    // empty values are no filter (an untouched filter form)
    let (_, html) = page(
        &client,
        "/admin/message/?content__icontains=&pub_date__gte=&user=",
    )
    .await;
    assert_eq!(count_in(&html), 5);
    // ranges on timestamps
    let (_, html) = page(&client, "/admin/message/?pub_date__gte=2000-01-01").await;
    assert_eq!(count_in(&html), 5);
    let (_, html) = page(&client, "/admin/message/?pub_date__lt=2000-01-01").await;
    assert_eq!(count_in(&html), 0);
    assert_eq!(
        page(&client, "/admin/message/?pub_date__gte=yesterday")
            .await
            .0,
        Status::BadRequest
    );
    // a filter one key deep and a boolean on the related row
    let (_, html) = page(&client, "/admin/message/?user__username__icontains=ALI").await;
    assert_eq!(count_in(&html), 2);
    let (_, html) = page(&client, "/admin/message/?user__admin=true").await;
    assert_eq!(count_in(&html), 1);
    // a key filter reads as the row it points at, in the chip and the bar
    let (_, html) = page(&client, &format!("/admin/message/?user={}", world.alice)).await;
    assert_eq!(count_in(&html), 2);
    assert!(html.contains("User is alice"), "{html}");
    assert!(
        html.contains("<span class=\"lookup-label\">alice</span>"),
        "{html}"
    );
    // booleans and choices as dropdowns, with readable chips
    let (_, html) = page(&client, "/admin/user/?admin=false").await;
    assert_eq!(count_in(&html), 2);
    assert!(html.contains("Admin is no"), "{html}");
    let (_, html) = page(&client, "/admin/note/").await;
    assert!(html.contains("<option value=\"1\">live</option>"), "{html}");
    assert!(
        html.contains("name=\"status__isnull\""),
        "nullable: is empty"
    );
    let (_, html) = page(&client, "/admin/note/?status=1").await;
    assert!(count_in(&html) == 1 && html.contains("Status is live"));
    let (_, html) = page(&client, "/admin/note/?status__isnull=true").await;
    assert!(count_in(&html) == 0 && html.contains("Status is empty"));
    // user input is escaped in chips and computed cells
    let (_, html) = page(&client, "/admin/message/?content__icontains=%3Cb%3Ex").await;
    assert!(html.contains("contains &lt;b&gt;x") && !html.contains("<b>x"));
    let db = client.rocket().state::<Db>().unwrap();
    let bob = User::select()
        .filter("username", Op::Eq, "bob")
        .unwrap()
        .one(db)
        .await
        .unwrap();
    Message {
        id: 0,
        user: bob.id,
        content: "<script>alert(1)</script>".into(),
        pub_date: hangar::db::now(),
    }
    .insert(db)
    .await
    .unwrap();
    let (_, html) = page(&client, "/admin/message/?q=alert").await;
    assert!(!html.contains("<script>alert(1)") && html.contains("&lt;script&gt;alert(1)"));
}

async fn hooks_restrict_rows_and_saves(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let world = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    // the permission check: bob is let in, alice is not
    login(&client, "alice").await;
    assert_eq!(page(&client, "/admin/").await.0, Status::Forbidden);
    login(&client, "bob").await;
    assert_eq!(page(&client, "/admin/").await.0, Status::Ok);
    // get_query: bob's own messages only, everywhere
    let (_, html) = page(&client, "/admin/message/").await;
    assert_eq!(count_in(&html), 2);
    assert!(html.contains("zebra") && !html.contains("hello world"));
    let alices = Message::select()
        .filter("user", Op::Eq, world.alice)
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    let hidden = alices[0].id;
    assert_eq!(
        page(&client, &format!("/admin/message/{hidden}/")).await.0,
        Status::NotFound
    );
    assert_eq!(
        page(&client, &format!("/admin/message/{hidden}/delete/"))
            .await
            .0,
        Status::NotFound
    );
    let (_, html) = page(&client, "/admin/message/").await;
    let token = token_in(&html);
    let (status, _, _) = post(
        &client,
        &format!("/admin/message/{hidden}/delete/"),
        format!("csrf_token={token}"),
    )
    .await;
    assert_eq!(status, Status::NotFound);
    let bobs = Message::select()
        .filter("content", Op::Eq, "zebra")
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    let (status, _, html) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&pk={hidden}&pk={}",
            bobs.id
        ),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("Delete 1 selected") && html.contains("<li>zebra</li>"),
        "{html}"
    );
    assert!(
        !html.contains(&format!("name=\"pk\" value=\"{hidden}\"")),
        "the hidden row is not offered"
    );
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=delete&confirm=1&pk={hidden}&pk={}",
            bobs.id
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(
        html.contains("Deleted 1 row(s)."),
        "only the visible row: {html}"
    );
    assert!(Message::select()
        .filter("id", Op::Eq, hidden)
        .unwrap()
        .exists(&db)
        .await
        .unwrap());
    let res = client
        .get("/admin/message/export/?format=csv&fields=content")
        .dispatch()
        .await;
    let csv = res.into_string().await.unwrap();
    assert_eq!(csv, "content\r\nbob here\r\n", "export honours get_query");
    let (_, html) = page(&client, "/admin/").await;
    assert!(
        html.contains(">1</div>"),
        "dashboard counts bob's rows: {html}"
    );
    // save_model stamps the user: bob cannot post as alice
    let (_, html) = page(&client, "/admin/message/add/").await;
    let token = token_in(&html);
    let (status, _, _) = post(
        &client,
        "/admin/message/add/",
        format!(
            "csrf_token={token}&user={}&content=mine&pub_date=2026-01-02T03:04:05",
            world.alice
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let mine = Message::select()
        .filter("content", Op::Eq, "mine")
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    assert_ne!(mine.user, world.alice);
    // refused by the hook: a message on the field, nothing written
    let before = Message::select().count(&db).await.unwrap();
    let (status, _, html) = post(
        &client,
        "/admin/message/add/",
        format!(
            "csrf_token={token}&user={}&content=forbidden&pub_date=2026-01-02T03:04:05",
            world.alice
        ),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        html.contains("<div class=\"error\">Not allowed here.</div>"),
        "{html}"
    );
    // the hook fails after writing: the transaction rolls the row back
    let (status, _, html) = post(
        &client,
        "/admin/message/add/",
        format!(
            "csrf_token={token}&user={}&content=rollback&pub_date=2026-01-02T03:04:05",
            world.alice
        ),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("Rolled back on purpose."), "{html}");
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
    // a save may not move a row out of what get_query shows: refused, rolled back
    let (status, _, html) = post(
        &client,
        "/admin/message/add/",
        format!(
            "csrf_token={token}&user={}&content=elsewhere&pub_date=2026-01-02T03:04:05",
            world.alice
        ),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("outside what you may see"), "{html}");
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
    // lookups offer only the target rows its own admin shows bob: bob himself
    let res = client
        .get("/admin/message/ajax_list?field=user")
        .dispatch()
        .await;
    let found: serde_json::Value = res.into_json().await.unwrap();
    let labels: Vec<&str> = found["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["bob"]);
}

async fn actions_lookups_fieldsets_and_overrides(tdb: Arc<TestDb>) {
    let client = client(&tdb).await;
    let world = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    assert_eq!(
        page(&client, "/admin/message/stats").await.0,
        Status::SeeOther
    );
    login(&client, "root").await;
    // template override and extra URL
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("<p id=\"custom-list\">Custom message list for root</p>"));
    assert!(html.contains("<option value=\"shout\">Shout selected</option>"));
    assert_eq!(
        page(&client, "/admin/message/stats").await,
        (Status::Ok, "5 messages".into())
    );
    // a custom action over the selection
    let ids: Vec<i64> = Message::select()
        .filter("user", Op::Eq, world.alice)
        .unwrap()
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let token = token_in(&html);
    let (status, _, _) = post(
        &client,
        "/admin/message/action/",
        format!(
            "csrf_token={token}&action=shout&pk={}&pk={}",
            ids[0], ids[1]
        ),
    )
    .await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Shouted 2 message(s)."), "{html}");
    assert!(html.contains("HELLO WORLD") && html.contains("ALICE AGAIN"));
    post(
        &client,
        "/admin/message/action/",
        format!("csrf_token={token}&action=nope&pk={}", ids[0]),
    )
    .await;
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("Choose an action."));
    // fieldsets and the type-ahead lookup instead of a select
    let (_, html) = page(&client, &format!("/admin/message/{}/", ids[0])).await;
    assert!(html.contains("<legend>Message</legend>") && html.contains("<legend>Dates</legend>"));
    let message_set = html.find("<legend>Message</legend>").unwrap();
    let dates_set = html.find("<legend>Dates</legend>").unwrap();
    let content_at = html.find("name=\"content\"").unwrap();
    assert!(message_set < content_at && content_at < dates_set);
    assert!(
        !html.contains("<select id=\"f-user\""),
        "no select for a looked-up key"
    );
    assert!(
        html.contains("class=\"lookup-label\" id=\"f-user-label\">alice</span>"),
        "{html}"
    );
    assert!(html
        .replace("&#x2F;", "/")
        .contains("data-url=\"/admin/message/ajax_list?field=user\""));
    let res = client
        .get("/admin/message/ajax_list?field=user&q=AL")
        .dispatch()
        .await;
    let found: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(found["objects"].as_array().unwrap().len(), 1);
    assert_eq!(found["objects"][0]["label"], "alice");
    assert_eq!(
        client
            .get("/admin/message/ajax_list?field=content")
            .dispatch()
            .await
            .status(),
        Status::BadRequest
    );
    // another view's override, and a delete page without collected rows
    let note = Note::select().one(&db).await.unwrap();
    let (_, html) = page(&client, &format!("/admin/note/{}/", note.id)).await;
    assert!(html.contains(&format!(
        "<p id=\"custom-edit\">Editing note {}</p>",
        note.id
    )));
    let (_, html) = page(&client, &format!("/admin/note/{}/delete/", note.id)).await;
    assert!(
        html.contains("Rows that refer to it will be deleted too."),
        "{html}"
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
        async fn run(&self, _: &Db, _: &SessionUser, _: Vec<Value>) -> Result<String, AdminError> {
            Ok(String::new())
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
