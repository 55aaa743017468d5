//! The model admin's options over HTTP on every backend: computed and
//! related columns, typed filters with removable chips, hooks restricting
//! rows and saves, custom bulk actions, type-ahead lookups, fieldsets,
//! per-model template overrides and extra URLs.

use crate::admin_site;
use crate::common;

use std::sync::Arc;

use admin_site::options::{client, count_in};
use admin_site::{login, page, post, seed, token_in, Message, Note};
use common::TestDb;
use hangar::auth::User;
use hangar::db::{Db, Model as _, Op};
use rocket::http::Status;

app_cases!(
    columns_filters_and_chips,
    hooks_restrict_rows_and_saves,
    actions_lookups_fieldsets_and_overrides,
);

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
    // a field validator refuses: the message next to the field, nothing written
    let (status, _, html) = post(
        &client,
        "/admin/message/add/",
        format!(
            "csrf_token={token}&user={}&content=buy+spam+now&pub_date=2026-01-02T03:04:05",
            world.alice
        ),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        html.contains("<div class=\"error\">No spam, please.</div>"),
        "{html}"
    );
    assert!(
        html.contains(">buy spam now</textarea>"),
        "the input is kept"
    );
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
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
    // an extra route without a guard of its own is protected by the admin
    assert_eq!(
        page(&client, "/admin/message/unguarded").await.0,
        Status::SeeOther
    );
    login(&client, "alice").await;
    assert_eq!(
        page(&client, "/admin/message/unguarded").await.0,
        Status::Forbidden
    );
    login(&client, "root").await;
    assert_eq!(
        page(&client, "/admin/message/unguarded").await,
        (Status::Ok, "protected anyway".into())
    );
    // template override and extra URL
    let (_, html) = page(&client, "/admin/message/").await;
    assert!(html.contains("<p id=\"custom-list\">Custom message list for root</p>"));
    // an app template is served as HTML, like rocket_dyn_templates serves it
    let res = client.get("/admin/message/").dispatch().await;
    assert_eq!(res.content_type(), Some(rocket::http::ContentType::HTML));
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
    // an action answering a download
    let res = client
        .post("/admin/message/action/")
        .header(rocket::http::ContentType::Form)
        .body(format!(
            "csrf_token={token}&action=contents&pk={}&pk={}",
            ids[0], ids[1]
        ))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.content_type(), Some(rocket::http::ContentType::Plain));
    assert_eq!(
        res.headers().get_one("Content-Disposition"),
        Some("attachment; filename=\"contents.txt\""),
        "quotes stripped from the name"
    );
    assert_eq!(
        res.into_string().await.unwrap(),
        "HELLO WORLD\nALICE AGAIN\n"
    );
    // an action answering a redirect: on this site only
    let (status, to, _) = post(
        &client,
        "/admin/message/action/",
        format!("csrf_token={token}&action=stats&pk={}", ids[0]),
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (Status::SeeOther, "/admin/message/stats")
    );
    let (status, to, _) = post(
        &client,
        "/admin/message/action/",
        format!("csrf_token={token}&action=away&pk={}", ids[0]),
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (Status::SeeOther, "/admin/message/"),
        "no off-site redirect"
    );
    // fieldsets and the type-ahead lookup instead of a select
    let (_, html) = page(&client, &format!("/admin/message/{}/", ids[0])).await;
    assert!(
        html.contains("<legend>Message</legend>")
            && html.contains("<details><summary>Dates</summary>")
    );
    // a computed value shown read-only on the edit page
    assert!(
        html.contains("<div class=\"static\" id=\"f-word_count\">2</div>"),
        "{html}"
    );
    // labels and help texts
    assert!(
        html.contains(">Published</label>")
            && html.contains("<div class=\"muted help\">What is on your mind?</div>"),
        "{html}"
    );
    let message_set = html.find("<legend>Message</legend>").unwrap();
    let dates_set = html.find("<summary>Dates</summary>").unwrap();
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
    // lookups page by lookup_page_size (2 here): three users make two pages
    let res = client
        .get("/admin/message/ajax_list?field=user")
        .dispatch()
        .await;
    let first: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(
        (
            first["objects"].as_array().unwrap().len(),
            first["has_next"].as_bool()
        ),
        (2, Some(true))
    );
    let res = client
        .get("/admin/message/ajax_list?field=user&page=2")
        .dispatch()
        .await;
    let second: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(
        (
            second["objects"].as_array().unwrap().len(),
            second["has_next"].as_bool()
        ),
        (1, Some(false))
    );
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
