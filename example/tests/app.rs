//! The example app through Rocket's local client on a temp-file SQLite database.

use example::{Message, User, DEMO_PASSWORD};
use hangar::db::{Db, Model as _, Op};
use rocket::http::Status;
use rocket::local::asynchronous::Client;

async fn client() -> (Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = Client::tracked(example::build(rocket::custom(figment(&dir))))
        .await
        .expect("example launches");
    (client, dir)
}

/// The example's configuration over a database in `dir`.
fn figment(dir: &tempfile::TempDir) -> rocket::figment::Figment {
    rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
        ))
        .merge((
            "databases.main.url",
            format!("sqlite://{}", dir.path().join("ex.db").display()),
        ))
        .merge((
            "hangar.database.migrations_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"),
        ))
}

#[rocket::async_test]
async fn first_run_seeds_demo_data_and_shows_the_timeline() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    assert_eq!(User::select().count(&db).await.unwrap(), 4);
    let admin = User::select()
        .filter("username", Op::Eq, "admin")
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    assert!(admin.admin);
    let res = client.get("/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    // app templates (`public_timeline.html.tera`) are served as HTML
    assert_eq!(res.content_type(), Some(rocket::http::ContentType::HTML));
    let html = res.into_string().await.unwrap();
    assert!(html.contains("Public timeline"));
    assert!(html.contains("mickey found a box"));
    assert!(
        html.contains("href=\"/users/huey/\">huey<"),
        "usernames link to their pages"
    );
    // newest first
    let newest = html.find("the admin site is at").unwrap();
    let oldest = html.find("Welcome to the Hangar example").unwrap();
    assert!(newest < oldest);
    // the seed runs once: a restart over the same database adds nothing
    drop(client);
}

#[rocket::async_test]
async fn the_timeline_paginates_and_escapes() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    let user = User::select().one(&db).await.unwrap();
    for i in 0..30 {
        Message {
            id: 0,
            user: user.id,
            content: format!("<script>alert({i})</script>"),
            pub_date: hangar::db::now(),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let html = client
        .get("/")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert_eq!(html.matches("<li id=\"message-").count(), 20);
    assert!(!html.contains("<script>alert"), "content is escaped");
    assert!(html.contains("&lt;script&gt;alert(29)"));
    assert!(html.contains("rel=\"next\" href=\"?page=2\""));
    assert!(html.contains("37 in all"));
    let html = client
        .get("/?page=2")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert_eq!(html.matches("<li id=\"message-").count(), 17);
    assert!(html.contains("rel=\"prev\" href=\"?page=1\""));
    let html = client
        .get("/?page=9")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(html.contains("No messages yet."));
    assert_eq!(
        client.get("/?page=abc").dispatch().await.status(),
        Status::BadRequest
    );
    assert_eq!(
        client.get("/?page=0").dispatch().await.status(),
        Status::BadRequest
    );
}

#[rocket::async_test]
async fn the_example_migration_is_applied() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    let m = hangar::db::Migrations::load(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")),
        "hangar_migrations",
    )
    .await
    .unwrap();
    let status = m.status(&db).await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|s| s.applied));
}

#[rocket::async_test]
async fn user_list_and_detail_pages() {
    let (client, _dir) = client().await;
    let res = client.get("/users/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    let order: Vec<usize> = ["admin", "huey", "mickey", "zaizee"]
        .iter()
        .map(|n| html.find(&format!("href=\"/users/{n}/\"")).expect(n))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted by username");
    let res = client.get("/users/huey/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    assert!(html.contains("<h1>huey</h1>"));
    assert!(html.contains("following 1 · followers 2"), "{html}");
    assert!(html.contains("mickey found a box"));
    assert!(!html.contains("zaizee is sleeping"), "only huey's messages");
    assert_eq!(
        client.get("/users/nobody/").dispatch().await.status(),
        Status::NotFound
    );
    assert_eq!(client.get("/public/").dispatch().await.status(), Status::Ok);
}

fn token_in(html: &str) -> String {
    hangar::testing::csrf_token_in(html).expect("csrf field")
}

async fn page(client: &Client, uri: &str) -> (Status, String) {
    let res = client
        .get(uri.to_owned())
        .header(rocket::http::Accept::HTML)
        .dispatch()
        .await;
    (res.status(), res.into_string().await.unwrap_or_default())
}

async fn post(client: &Client, uri: &str, token: &str, fields: &str) -> (Status, String, String) {
    let res = client
        .post(uri.to_owned())
        .header(rocket::http::ContentType::Form)
        .body(format!("csrf_token={token}&{fields}"))
        .dispatch()
        .await;
    let location = res
        .headers()
        .get_one("Location")
        .unwrap_or_default()
        .to_owned();
    (
        res.status(),
        location,
        res.into_string().await.unwrap_or_default(),
    )
}

#[rocket::async_test]
async fn join_login_follow_and_post() {
    let (client, _dir) = client().await;
    // the private timeline needs a login
    let res = client
        .get("/private/")
        .header(rocket::http::Accept::HTML)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert!(res
        .headers()
        .get_one("Location")
        .unwrap()
        .starts_with("/accounts/login/?next="));
    drop(res);

    // join: a taken username and a short password are refused with messages
    let (_, html) = page(&client, "/join/").await;
    let token = token_in(&html);
    let (status, _, html) = post(
        &client,
        "/join/",
        &token,
        "username=huey&email=h@x.io&password=long-enough-pw",
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("already taken"));
    let (status, _, html) = post(
        &client,
        "/join/",
        &token,
        "username=newbie&email=n@x.io&password=short",
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("at least 8 characters"), "{html}");
    let (status, to, _) = post(
        &client,
        "/join/",
        &token,
        "username=newbie&email=n@x.io&password=newbie-password",
    )
    .await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/private"));
    let (status, html) = page(&client, "/private/").await;
    assert_eq!(status, Status::Ok);
    assert!(
        html.contains("Welcome! You are signed up"),
        "flash shown once"
    );
    assert!(html.contains("No messages yet."), "follows nobody yet");

    // follow huey: his messages appear on the private timeline
    let (_, html) = page(&client, "/users/huey/").await;
    assert!(html.contains(">Follow<"));
    let token = token_in(&html);
    let (status, _, _) = post(&client, "/users/huey/follow/", &token, "").await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/private/").await;
    assert!(html.contains("mickey found a box"), "{html}");
    assert!(!html.contains("zaizee is sleeping"));
    let (_, html) = page(&client, "/users/huey/").await;
    assert!(
        html.contains(">Unfollow<") && html.contains("followers 3"),
        "{html}"
    );

    // post a message; it shows on the public timeline
    let (_, html) = page(&client, "/create/").await;
    let token = token_in(&html);
    let (status, _, _) = post(&client, "/create/", &token, "content=").await;
    assert_eq!(status, Status::BadRequest);
    let (status, to, _) = post(&client, "/create/", &token, "content=hello+from+newbie").await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/private"));
    let (_, html) = page(&client, "/public/").await;
    assert!(html.contains("hello from newbie"));
    // without the token nothing is posted
    let (status, _, _) = post(&client, "/create/", "bogus", "content=forged").await;
    assert_eq!(status, Status::Forbidden);
    let db = client.rocket().state::<Db>().unwrap();
    assert_eq!(
        Message::select()
            .filter("content", Op::Eq, "forged")
            .unwrap()
            .count(db)
            .await
            .unwrap(),
        0
    );

    // unfollow, log out, log back in as a seeded user
    let (_, html) = page(&client, "/users/huey/").await;
    let token = token_in(&html);
    post(&client, "/users/huey/unfollow/", &token, "").await;
    let (_, html) = page(&client, "/users/huey/").await;
    assert!(html.contains(">Follow<"));
    let (status, _, _) = post(&client, "/accounts/logout/", &token, "").await;
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&client, "/").await;
    assert!(
        html.contains("Public timeline") && html.contains(">log in<"),
        "logged out: {html}"
    );
    let (_, html) = page(&client, "/accounts/login/").await;
    let token = token_in(&html);
    let fields = format!("username=mickey&password={DEMO_PASSWORD}&next=%2F");
    let (status, to, _) = post(&client, "/accounts/login/", &token, &fields).await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/"));
    let (_, html) = page(&client, "/").await;
    assert!(
        html.contains("Private timeline"),
        "the home page is the private timeline when logged in"
    );
    assert!(
        html.contains("zaizee is sleeping in the sun"),
        "mickey follows zaizee"
    );
}

#[rocket::async_test]
async fn the_json_api_serves_the_example_models() {
    let (client, _dir) = client().await;
    let res = client
        .get("/api/message/?user__username=huey&ordering=-id")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let body: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(body["meta"]["object_count"], 2);
    assert_eq!(body["objects"][0]["content"], "mickey found a box");
    let res = client.get("/api/user/").dispatch().await;
    let users: serde_json::Value = res.into_json().await.unwrap();
    assert!(users["objects"][0].get("password").is_none());
    use base64::Engine as _;
    // notes are private: nobody anonymous reads them, each user their own
    let res = client.get("/api/note/").dispatch().await;
    assert_eq!(res.status(), Status::Unauthorized);
    let as_user = |name: &str| {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{name}:{DEMO_PASSWORD}"));
        rocket::http::Header::new("Authorization", format!("Basic {token}"))
    };
    let res = client
        .get("/api/note/")
        .header(as_user("admin"))
        .dispatch()
        .await;
    let notes: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(notes["meta"]["object_count"], 1, "only live notes");
    assert_eq!(
        notes["objects"][0]["message"],
        "remember to rotate the secret key"
    );
    let res = client
        .get("/api/note/")
        .header(as_user("huey"))
        .dispatch()
        .await;
    let notes: serde_json::Value = res.into_json().await.unwrap();
    assert_eq!(
        notes["meta"]["object_count"], 0,
        "huey's one note is not live; admin's is not his"
    );
    let token = base64::engine::general_purpose::STANDARD.encode(format!("zaizee:{DEMO_PASSWORD}"));
    let res = client
        .post("/api/message/")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Basic {token}"),
        ))
        .header(rocket::http::ContentType::JSON)
        .body(r#"{"content": "via the api"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let created: serde_json::Value = res.into_json().await.unwrap();
    let db = client.rocket().state::<Db>().unwrap();
    let zaizee = User::select()
        .filter("username", Op::Eq, "zaizee")
        .unwrap()
        .one(db)
        .await
        .unwrap();
    assert_eq!(created["user"]["id"], zaizee.id, "{created}");
    assert_eq!(created["user"]["username"], "zaizee");
}

async fn login_as(client: &Client, username: &str) {
    let (_, html) = page(client, "/accounts/login/").await;
    let token = token_in(&html);
    let fields = format!("username={username}&password={DEMO_PASSWORD}&next=%2F");
    let (status, _, _) = post(client, "/accounts/login/", &token, &fields).await;
    assert_eq!(status, Status::SeeOther, "{username} logs in");
}

#[rocket::async_test]
async fn dashboard_panels_show_notes_and_stats_and_take_a_note() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    let notes_now = || async { example::Note::select().count(&db).await.unwrap() };

    // a non-admin cannot use the panel's route
    login_as(&client, "huey").await;
    let (_, html) = page(&client, "/").await;
    let token = token_in(&html);
    let (status, _, _) = post(
        &client,
        "/admin/panels/notes/create",
        &token,
        "message=sneaky",
    )
    .await;
    assert!(
        status == Status::Forbidden || status == Status::SeeOther,
        "{status}"
    );
    assert_eq!(notes_now().await, 2, "no note from a non-admin");
    let (_, html) = page(&client, "/").await;
    post(&client, "/accounts/logout/", &token_in(&html), "").await;

    login_as(&client, "admin").await;
    let (status, html) = page(&client, "/admin/").await;
    assert_eq!(status, Status::Ok);
    assert!(html.contains("id=\"panel-notes\""), "{html}");
    assert!(
        html.contains("remember to rotate the secret key"),
        "the admin's own note"
    );
    assert!(
        !html.contains("old note"),
        "another user's note is not listed"
    );
    let users = User::select().count(&db).await.unwrap();
    assert!(
        html.contains(&format!("<dd class=\"stat-users\">{users}</dd>")),
        "{html}"
    );
    let week_ago = hangar::db::now() - time::Duration::days(7);
    let week = Message::select()
        .filter("pub_date", Op::Gte, week_ago)
        .unwrap()
        .count(&db)
        .await
        .unwrap();
    assert!(week > 0, "the seed has recent messages");
    assert!(
        html.contains(&format!("<dd class=\"stat-messages\">{week}</dd>")),
        "{html}"
    );

    // the panel's form posts to its own route and comes back to the dashboard
    let token = token_in(&html);
    let (status, to, _) = post(
        &client,
        "/admin/panels/notes/create",
        &token,
        "message=buy+milk",
    )
    .await;
    assert_eq!((status, to.as_str()), (Status::SeeOther, "/admin/"));
    assert_eq!(notes_now().await, 3);
    let (_, html) = page(&client, "/admin/").await;
    assert!(html.contains("Note created."));
    assert!(html.contains("<li>buy milk</li>"), "{html}");

    // an empty note is refused with a message and nothing written
    let (status, _, _) = post(&client, "/admin/panels/notes/create", &token, "message=+++").await;
    assert_eq!(status, Status::SeeOther);
    assert_eq!(notes_now().await, 3);
    let (_, html) = page(&client, "/admin/").await;
    assert!(html.contains("Write a note"), "{html}");

    // without the CSRF token the post is refused
    let res = client
        .post("/admin/panels/notes/create")
        .header(rocket::http::ContentType::Form)
        .body("message=forged")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    assert_eq!(notes_now().await, 3);
}

/// Each sign-up hashes a password: one client gets `throttle_limit` of them
/// per window, so nobody makes the server burn bcrypt at will.
#[rocket::async_test]
async fn sign_ups_are_throttled_per_client() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = Client::tracked(example::build(rocket::custom(
        figment(&dir)
            .merge(("hangar.auth.throttle_limit", 3))
            .merge(("hangar.auth.bcrypt_cost", 4)),
    )))
    .await
    .expect("example launches");
    let (_, html) = page(&client, "/join/").await;
    let token = token_in(&html);
    for i in 0..3 {
        let (status, to, _) = post(
            &client,
            "/join/",
            &token,
            &format!("username=joiner{i}&email=j{i}@x.io&password=joiner-password"),
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (Status::SeeOther, "/private"),
            "join {i}"
        );
    }
    let (status, _, html) = post(
        &client,
        "/join/",
        &token,
        "username=joiner9&email=j9@x.io&password=joiner-password",
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(html.contains("Too many sign-ups"), "{html}");
}

/// Demo accounts (with their published password) are seeded in debug
/// builds only, or when asked for; `seed_demo_data = false` seeds none.
#[rocket::async_test]
async fn demo_data_is_seeded_only_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let figment = figment(&dir).merge(("seed_demo_data", false));
    let client = Client::tracked(example::build(rocket::custom(figment)))
        .await
        .expect("example launches");
    let db = client.rocket().state::<hangar::db::Db>().unwrap();
    use hangar::auth::UserModel as _;
    assert!(hangar::auth::User::by_username(db, "admin")
        .await
        .unwrap()
        .is_none());
}
