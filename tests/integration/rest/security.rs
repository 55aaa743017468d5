//! The security review's findings (issue 18), each as a user would meet it
//! through HTTP, on every backend: nested writes, CSRF through HTTP Basic,
//! throttling that cannot lock another person out, query-string caps,
//! session epochs, private owner rows, filter paths, keys and tokens.

use hangar::db::Table as _;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use hangar::auth::{AuthState, User, UserModel as _};
use hangar::db::{Db, Model as _};
use hangar::rest::{
    hash_secret, APIKeyAuthentication, BearerAuthentication, Resource, RestApi, ALL_METHODS,
};
use hangar::Model;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value as Json};
use time::OffsetDateTime;

use super::{app, basic, get_json, seed, send, status_json, Bookmark, Message, Note, Tag};
use crate::common::TestDb;

/// A key with an expiry: `expires_at` ends it.
#[derive(Model, Clone, Debug)]
pub struct ExpiringToken {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub token: String,
    pub expires_at: Option<OffsetDateTime>,
}

/// Whether the client's session cookie still logs it in (a private owner
/// resource needs a user to read).
async fn signed_in(client: &Client) -> bool {
    client.get("/api/private/").dispatch().await.status() == Status::Ok
}

/// A wiki page with a version column (`#[model(version)]`).
#[derive(Model, Clone, Debug)]
pub struct WikiPage {
    pub id: i64,
    pub title: String,
    #[model(version)]
    pub version: i64,
}

fn from(ip: [u8; 4]) -> SocketAddr {
    SocketAddr::from((ip, 40_000))
}

fn basic_with(user: &str, password: &str) -> Header<'static> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Header::new("Authorization", format!("Basic {token}"))
}

/// Whether `user`'s stored password still is `password` (no request made).
async fn password_is(client: &Client, user: &str, password: &str) -> bool {
    let db = client.rocket().state::<Db>().unwrap();
    let state = client.rocket().state::<AuthState>().unwrap();
    state
        .store()
        .authenticate(db, &state.config, user, password)
        .await
        .is_ok()
}

async fn nested_objects_only_name_rows_by_default(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("posts")
                .restrict_owner("user")
                .include("user", Resource::new().exclude(["password", "email"])),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    // the review's payload: alice tries to take over the admin's account
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/posts/",
            Some("alice"),
            Some(json!({"content": "hi", "user": {"id": w.admin, "password": "pwned-password", "admin": false}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["user"]["id"], w.alice, "the owner is the caller");
    assert!(password_is(&client, "admin", "admin-password").await);
    assert!(!password_is(&client, "admin", "pwned-password").await);
    let admin = User::get(client.rocket().state::<Db>().unwrap(), w.admin)
        .await
        .unwrap();
    assert!(admin.admin, "nothing of the admin's row changed");
}

async fn nested_writes_go_through_the_registered_resource(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    // the included user resource is permissive; the registered one (admins
    // only, `admin`/`active` read-only) is what governs the nested row
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("posts")
                .include("user", Resource::new())
                .nested_writes(true),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let (status, _) = status_json(
        send(
            &client,
            Post,
            "/api/posts/",
            Some("alice"),
            Some(json!({"content": "x", "user": {"id": w.bob, "password": "pwned-password"}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        Status::Unauthorized,
        "User's resource needs an admin"
    );
    assert!(password_is(&client, "bob", "bob-password").await);
    let before = Message::select().count(&db).await.unwrap();
    let (status, _) = status_json(
        send(
            &client,
            Post,
            "/api/posts/",
            Some("alice"),
            Some(json!({"content": "x", "user": {"username": "mallory", "password": "mallory-password", "admin": true}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        status,
        Status::Unauthorized,
        "no admin created through nesting"
    );
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
    assert!(User::by_username(&db, "mallory").await.unwrap().is_none());
    // an admin may update a user through nesting, but not past `readonly`
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/posts/",
            Some("admin"),
            Some(
                json!({"content": "x", "user": {"id": w.bob, "admin": true, "username": "robert"}}),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    let bob = User::get(&db, w.bob).await.unwrap();
    assert_eq!(bob.username, "robert");
    assert!(
        !bob.admin,
        "`admin` is read-only on User's registered resource"
    );
}

async fn nested_writes_to_an_unregistered_model_fail_ignite(tdb: Arc<TestDb>) {
    let Err(err) = Client::tracked(app(&tdb, |a| {
        a.register::<Bookmark>(
            Resource::new()
                .include("tag", Resource::new())
                .nested_writes(true),
        )
    }))
    .await
    else {
        panic!("ignite should fail");
    };
    assert!(
        matches!(err.kind(), rocket::error::ErrorKind::FailedFairings(f) if f.iter().any(|f| f.name == "hangar::RestApi")),
        "{err:?}"
    );
    // the same resource without nested writes ignites
    assert!(Client::tracked(app(&tdb, |a| {
        a.register::<Bookmark>(Resource::new().include("tag", Resource::new()))
    }))
    .await
    .is_ok());
}

async fn basic_writes_from_other_sites_are_refused(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let before = Message::select().count(&db).await.unwrap();
    let form = |extra: Vec<Header<'static>>| {
        let mut req = client
            .post("/api/message/")
            .header(basic("alice"))
            .header(ContentType::Form)
            .header(Header::new("Host", "localhost"))
            .body("content=from+a+form");
        for h in extra {
            req = req.header(h);
        }
        req.dispatch()
    };
    // the review's reproduction: a form on evil.test posting with the
    // browser's remembered Basic credentials
    let res = form(vec![Header::new("Origin", "http://evil.test")]).await;
    assert_eq!(res.status(), Status::Forbidden);
    let res = form(vec![Header::new("Sec-Fetch-Site", "cross-site")]).await;
    assert_eq!(res.status(), Status::Forbidden);
    let res = form(vec![Header::new("Sec-Fetch-Site", "same-site")]).await;
    assert_eq!(
        res.status(),
        Status::Forbidden,
        "a sibling subdomain is another site"
    );
    assert_eq!(
        Message::select().count(&db).await.unwrap(),
        before,
        "nothing written"
    );
    // our own pages, and clients that are no browser, keep working
    let res = form(vec![
        Header::new("Origin", "http://localhost"),
        Header::new("Sec-Fetch-Site", "same-origin"),
    ])
    .await;
    assert_eq!(res.status(), Status::Created);
    let res = form(vec![]).await;
    assert_eq!(
        res.status(),
        Status::Created,
        "flask-peewee's clients send no Origin"
    );
    // no Basic challenge for a script or another site's request
    let res = client
        .post("/api/message/")
        .header(Header::new("Sec-Fetch-Site", "cross-site"))
        .header(Header::new("Sec-Fetch-Mode", "no-cors"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    assert!(res.headers().get_one("WWW-Authenticate").is_none());
    let res = client
        .post("/api/message/")
        .header(Header::new("Sec-Fetch-Site", "same-origin"))
        .header(Header::new("Sec-Fetch-Mode", "cors"))
        .dispatch()
        .await;
    assert!(res.headers().get_one("WWW-Authenticate").is_none());
    let res = client.post("/api/message/").dispatch().await;
    assert_eq!(
        res.headers().get_one("WWW-Authenticate"),
        Some("Basic realm=\"Login Required\""),
        "curl still gets the challenge"
    );
}

async fn nobody_can_lock_another_person_out(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let attempt = |ip: [u8; 4], user: &'static str, password: &'static str| {
        client
            .post("/api/message/")
            .header(basic_with(user, password))
            .remote(from(ip))
            .header(ContentType::JSON)
            .body(r#"{"content": "guess"}"#)
            .dispatch()
    };
    // throttle_limit is 5 here: 15 wrong passwords for bob from three clients
    for ip in [[127, 0, 0, 5], [127, 0, 0, 6], [127, 0, 0, 7]] {
        for _ in 0..5 {
            let res = attempt(ip, "bob", "wrong").await;
            assert_eq!(res.status(), Status::Unauthorized);
        }
    }
    // the guessing client is locked out, for bob and for other accounts
    let res = attempt([127, 0, 0, 5], "bob", "bob-password").await;
    assert_eq!(res.status(), Status::TooManyRequests);
    assert!(res.headers().get_one("Retry-After").is_some());
    let res = attempt([127, 0, 0, 5], "admin", "admin-password").await;
    assert_eq!(
        res.status(),
        Status::TooManyRequests,
        "the client across usernames"
    );
    // bob, from his own client, still gets in (after the username's delay)
    let res = client
        .post("/api/message/")
        .header(basic("bob"))
        .remote(from([127, 0, 0, 3]))
        .header(ContentType::JSON)
        .body(r#"{"content": "still mine"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
}

async fn query_strings_are_capped(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let repeated = |n: usize| {
        let q: Vec<String> = (1..=n).map(|i| format!("id={i}")).collect();
        format!("/api/message/?{}", q.join("&"))
    };
    // at the limit: answered
    let (status, body) = get_json(&client, &repeated(100)).await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["meta"]["object_count"], 5);
    // past it: the review's 1,001 repeated ids are a 400 naming the limit
    for uri in [repeated(101), repeated(1001)] {
        let (status, body) = get_json(&client, &uri).await;
        assert_eq!(status, Status::BadRequest, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("at most 100"),
            "{body}"
        );
    }
    let ids: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let (status, body) =
        get_json(&client, &format!("/api/message/?id__in={}", ids.join(","))).await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("hangar.api.max_filter_values"),
        "{body}"
    );
    let ids: Vec<String> = (1..=100).map(|i| i.to_string()).collect();
    let (status, _) = get_json(&client, &format!("/api/message/?id__in={}", ids.join(","))).await;
    assert_eq!(status, Status::Ok);
    // many distinct keys: refused before any grouping
    let keys: Vec<String> = (0..5000).map(|i| format!("k{i}=1")).collect();
    let (status, body) = get_json(&client, &format!("/api/message/?{}", keys.join("&"))).await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("hangar.api.max_query_params"),
        "{body}"
    );
}

async fn activity_and_password_changes_end_sessions(tdb: Arc<TestDb>) {
    let private = |a: RestApi| {
        a.register::<Note>(Resource::new().name("private").restrict_owner("user"))
            .register::<User>(Resource::new().name("accounts").exclude(["password"]))
    };
    let client = Client::tracked(app(&tdb, private)).await.unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let state = client.rocket().state::<AuthState>().unwrap();
    // deactivated and re-activated: the old cookie stays dead
    hangar::testing::login(&client, "bob", "bob-password").await;
    assert!(signed_in(&client).await);
    let stolen = client
        .cookies()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect::<Vec<_>>();
    state.store().set_active(&db, w.bob, false).await.unwrap();
    assert!(!signed_in(&client).await);
    state.store().set_active(&db, w.bob, true).await.unwrap();
    for c in &stolen {
        client.cookies().add(c.clone());
    }
    assert!(
        !signed_in(&client).await,
        "re-activation revives no session"
    );
    // UserModel::set_password gives a new epoch: saving it ends sessions
    hangar::testing::login(&client, "alice", "alice-password").await;
    assert!(signed_in(&client).await);
    let mut alice = User::get(&db, w.alice).await.unwrap();
    let before = alice.session_epoch;
    alice.set_password("a-new-password", 4).await.unwrap();
    assert_ne!(alice.session_epoch, before);
    alice.update(&db).await.unwrap();
    state
        .forget_row(&db, User::schema(), &alice.id.into())
        .await;
    assert!(!signed_in(&client).await, "a new password ends the session");
    // an admin's REST write that flips `active` bumps the epoch too
    let client2 = Client::tracked(app(&tdb, private)).await.unwrap();
    hangar::testing::login(&client2, "bob", "bob-password").await;
    assert!(signed_in(&client2).await);
    let stolen = client2
        .cookies()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect::<Vec<_>>();
    for active in [false, true] {
        let res = client2
            .patch(format!("/api/accounts/{}/", w.bob))
            .header(basic("admin"))
            .header(ContentType::JSON)
            .body(json!({ "active": active }).to_string())
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok);
    }
    for c in &stolen {
        client2.cookies().add(c.clone());
    }
    assert!(!signed_in(&client2).await);
}

async fn owner_rows_are_private_by_default(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Note>(Resource::new().name("private").restrict_owner("user"))
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let (status, _) = get_json(&client, "/api/private/").await;
    assert_eq!(
        status,
        Status::Unauthorized,
        "anonymous readers get nothing"
    );
    let list = |user: &'static str| {
        let client = &client;
        async move {
            let res = client
                .get("/api/private/")
                .header(basic(user))
                .dispatch()
                .await;
            let body: Json = res.into_json().await.unwrap();
            let mut owners: Vec<i64> = body["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["user"].as_i64().unwrap())
                .collect();
            owners.dedup();
            owners
        }
    };
    assert_eq!(list("alice").await, vec![w.alice]);
    assert_eq!(list("bob").await, vec![w.bob]);
    assert_eq!(
        list("admin").await,
        Vec::<i64>::new(),
        "an admin is no exception"
    );
    let db = client.rocket().state::<Db>().unwrap().clone();
    let bobs = Note::select()
        .filter("user", hangar::db::Op::Eq, w.bob)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let res = client
        .get(format!("/api/private/{}/", bobs.id))
        .header(basic("alice"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotFound);
    // the public timeline is an explicit choice
    let (status, body) = get_json(&client, "/api/note/").await;
    assert_eq!(status, Status::Ok);
    assert!(body["meta"]["object_count"].as_i64().unwrap() >= 2);
}

async fn filters_cross_only_into_registered_models(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Bookmark>(Resource::new().reject_unknown_filters(true))
            .register::<Note>(Resource::new().name("private").restrict_owner("user"))
    }))
    .await
    .unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let mut tag = Tag {
        id: 0,
        name: "secret-tag".into(),
        uses: 0,
    };
    tag.insert(&db).await.unwrap();
    Bookmark {
        id: 0,
        tag: tag.id,
        url: "https://x".into(),
    }
    .insert(&db)
    .await
    .unwrap();
    // Tag is not registered with the API: its columns cannot be probed
    let (status, body) = get_json(&client, "/api/bookmark/?tag__name__startswith=s").await;
    assert_eq!(status, Status::BadRequest, "{body}");
    let (status, _) = get_json(&client, "/api/bookmark/?tag=1").await;
    assert_eq!(
        status,
        Status::Ok,
        "the key itself is the bookmark's own column"
    );
    // a user's email is excluded by User's registered resource
    let (status, _) = get_json(&client, "/api/message/?user__email__startswith=a").await;
    assert_eq!(
        status,
        Status::Ok,
        "ignored (the message resource does not reject)"
    );
    let (_, all) = get_json(&client, "/api/message/").await;
    let (_, probed) = get_json(&client, "/api/message/?user__email__startswith=zzz").await;
    assert_eq!(all["meta"]["object_count"], probed["meta"]["object_count"]);
}

async fn keys_and_tokens_are_hashed_expire_and_are_throttled(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("keyed")
                .auth(APIKeyAuthentication::new::<super::ApiKey>().protect(ALL_METHODS)),
        )
        .register::<Message>(
            Resource::new().name("legacy").auth(
                APIKeyAuthentication::new::<super::ApiKey>()
                    .plaintext_secrets(true)
                    .protect(ALL_METHODS),
            ),
        )
        .register::<Message>(
            Resource::new()
                .name("tokened")
                .auth(BearerAuthentication::new::<ExpiringToken>().protect(ALL_METHODS)),
        )
    }))
    .await
    .unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    hangar::db::ddl::create_tables(&db, &[ExpiringToken::schema()])
        .await
        .unwrap();
    for (key, secret) in [
        ("empty", String::new()),
        ("plain", "p1".into()),
        ("hashed", hash_secret("h1")),
    ] {
        super::ApiKey {
            id: 0,
            key: key.into(),
            secret,
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let now = OffsetDateTime::now_utc();
    for (token, expires_at) in [
        ("live", Some(now + time::Duration::hours(1))),
        ("forever", None),
        ("old", Some(now - time::Duration::hours(1))),
    ] {
        ExpiringToken {
            id: 0,
            token: hash_secret(token),
            expires_at,
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let get = |uri: String, ip: u8| {
        let client = &client;
        async move {
            client
                .get(uri)
                .remote(from([127, 0, 1, ip]))
                .dispatch()
                .await
                .status()
        }
    };
    assert_eq!(
        get("/api/keyed/?key=hashed&secret=h1".into(), 1).await,
        Status::Ok
    );
    assert_eq!(
        get("/api/keyed/?key=plain&secret=p1".into(), 1).await,
        Status::Unauthorized,
        "plain text is an opt-in"
    );
    assert_eq!(
        get("/api/legacy/?key=plain&secret=p1".into(), 1).await,
        Status::Ok
    );
    assert_eq!(
        get("/api/legacy/?key=empty&secret=".into(), 2).await,
        Status::Unauthorized,
        "an empty secret matches nothing"
    );
    let bearer = |t: &str, ip: u8| {
        let client = &client;
        let t = t.to_owned();
        async move {
            client
                .get("/api/tokened/")
                .header(Header::new("Authorization", format!("Bearer {t}")))
                .remote(from([127, 0, 1, ip]))
                .dispatch()
                .await
                .status()
        }
    };
    assert_eq!(bearer("live", 3).await, Status::Ok);
    assert_eq!(bearer("forever", 3).await, Status::Ok);
    assert_eq!(bearer("old", 3).await, Status::Unauthorized, "expired");
    assert_eq!(
        bearer(&hash_secret("live"), 3).await,
        Status::Unauthorized,
        "the stored digest is no token"
    );
    // revoked: the row deleted
    let forever = hangar::db::Select::new(ExpiringToken::schema())
        .filter("token", hangar::db::Op::Eq, hash_secret("forever"))
        .unwrap();
    hangar::db::delete::delete_select(&db, &forever, hangar::db::DeleteMode::Restrict)
        .await
        .unwrap();
    assert_eq!(bearer("forever", 3).await, Status::Unauthorized, "revoked");
    // guessing tokens is throttled like guessing passwords (limit 5)
    for i in 0..5 {
        assert_eq!(bearer(&format!("guess-{i}"), 4).await, Status::Unauthorized);
    }
    assert_eq!(bearer("live", 4).await, Status::TooManyRequests);
    assert_eq!(
        get("/api/keyed/?key=hashed&secret=h1".into(), 4).await,
        Status::TooManyRequests
    );
    assert_eq!(
        bearer("live", 5).await,
        Status::Ok,
        "other clients are not affected"
    );
}

async fn etags_and_preconditions_prevent_lost_updates(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<WikiPage>(Resource::new().auth(crate::common::OpenWrites))
            .register::<Message>(
                Resource::new()
                    .name("strict")
                    .require_if_match(true)
                    .auth(crate::common::OpenWrites),
            )
    }))
    .await
    .unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    hangar::db::ddl::create_tables(&db, &[WikiPage::schema()])
        .await
        .unwrap();
    let tag = |res: &rocket::local::asynchronous::LocalResponse<'_>| {
        res.headers().get_one("ETag").map(str::to_owned)
    };
    // a version column: the ETag is its value, every update adds one
    let res = client
        .post("/api/wiki_page/")
        .header(ContentType::JSON)
        .body(r#"{"title": "draft"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    assert_eq!(tag(&res).as_deref(), Some("\"v0\""));
    let body: Json = res.into_json().await.unwrap();
    let id = body["id"].as_i64().unwrap();
    let uri = format!("/api/wiki_page/{id}/");
    let res = client.get(uri.clone()).dispatch().await;
    assert_eq!(tag(&res).as_deref(), Some("\"v0\""));
    drop(res);
    let res = client
        .get(uri.clone())
        .header(Header::new("If-None-Match", "\"v0\""))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotModified);
    assert_eq!(tag(&res).as_deref(), Some("\"v0\""));
    assert!(res.into_string().await.unwrap_or_default().is_empty());
    let res = client
        .get(uri.clone())
        .header(Header::new("If-None-Match", "W/\"v7\""))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    drop(res);
    let patch = |if_match: Option<&'static str>, title: &'static str| {
        let mut req = client
            .patch(uri.clone())
            .header(ContentType::JSON)
            .body(json!({ "title": title }).to_string());
        if let Some(t) = if_match {
            req = req.header(Header::new("If-Match", t));
        }
        req.dispatch()
    };
    // two editors read v0; the first save wins, the second is refused
    let res = patch(Some("\"v0\""), "alice's").await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(tag(&res).as_deref(), Some("\"v1\""));
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(body["version"], 1);
    let res = patch(Some("\"v0\""), "bob's").await;
    assert_eq!(res.status(), Status::PreconditionFailed);
    let body: Json = res.into_json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("changed"),
        "{body}"
    );
    assert_eq!(
        WikiPage::get(&db, id).await.unwrap().title,
        "alice's",
        "nothing written"
    );
    let res = client
        .delete(uri.clone())
        .header(Header::new("If-Match", "\"v0\""))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PreconditionFailed);
    assert!(WikiPage::get(&db, id).await.is_ok(), "not deleted");
    // a write outside the API counts too
    let mut page = WikiPage::get(&db, id).await.unwrap();
    page.title = "by a script".into();
    page.update(&db).await.unwrap();
    assert_eq!(WikiPage::get(&db, id).await.unwrap().version, 2);
    assert_eq!(
        patch(Some("\"v1\""), "stale").await.status(),
        Status::PreconditionFailed
    );
    assert_eq!(patch(Some("*"), "any version").await.status(), Status::Ok);
    // no version column: the ETag is a digest of the row, and a resource
    // may require If-Match
    let res = client.get("/api/strict/1/").dispatch().await;
    let first = tag(&res).expect("an ETag");
    drop(res);
    let res = client
        .patch("/api/strict/1/")
        .header(ContentType::JSON)
        .body(r#"{"content": "no precondition"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PreconditionRequired);
    drop(res);
    let res = client
        .patch("/api/strict/1/")
        .header(ContentType::JSON)
        .header(Header::new("If-Match", first.clone()))
        .body(r#"{"content": "edited"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let second = tag(&res).expect("an ETag");
    assert_ne!(first, second, "the digest follows the row");
    drop(res);
    let res = client
        .delete("/api/strict/1/")
        .header(Header::new("If-Match", first))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::PreconditionFailed);
    drop(res);
    let res = client
        .delete("/api/strict/1/")
        .header(Header::new("If-Match", second))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
}

/// The login form's CSRF token and a posted login, with `extra` headers on
/// both requests; answers the login response's status.
async fn form_login(client: &Client, user: &str, extra: &[(&'static str, &'static str)]) -> Status {
    let mut get = client.get("/accounts/login/");
    for (k, v) in extra {
        get = get.header(Header::new(*k, *v));
    }
    let html = get.dispatch().await.into_string().await.unwrap();
    let token = hangar::testing::csrf_token_in(&html).expect("a csrf field");
    let mut post = client
        .post("/accounts/login/")
        .header(ContentType::Form)
        .body(format!(
            "csrf_token={token}&username={user}&password={user}-password"
        ));
    for (k, v) in extra {
        post = post.header(Header::new(*k, *v));
    }
    post.dispatch().await.status()
}

async fn cookies_are_secure_with_host_names_under_https(tdb: Arc<TestDb>) {
    let private =
        |a: RestApi| a.register::<Note>(Resource::new().name("private").restrict_owner("user"));
    let https = [("X-Forwarded-Proto", "https")];
    // behind an HTTPS proxy: Secure, __Host- names, no secure_cookies needed
    let client = Client::tracked(app(&tdb, private)).await.unwrap();
    seed(&client).await;
    assert_eq!(form_login(&client, "alice", &https).await, Status::SeeOther);
    let session = client
        .cookies()
        .get_private("__Host-hangar_session")
        .expect("__Host- session");
    assert_eq!(session.secure(), Some(true));
    assert_eq!(session.path(), Some("/"));
    assert!(client.cookies().get_private("__Host-hangar_csrf").is_some());
    assert!(client.cookies().get_private("hangar_session").is_none());
    let read = |proto: Option<&'static str>| {
        let mut req = client.get("/api/private/");
        if let Some(p) = proto {
            req = req.header(Header::new("X-Forwarded-Proto", p));
        }
        req.dispatch()
    };
    assert_eq!(read(Some("https")).await.status(), Status::Ok);
    assert_eq!(
        read(None).await.status(),
        Status::Unauthorized,
        "not read over plain HTTP"
    );
    // an HTTPS site's writes never come from a plain-HTTP page of its host
    let token = hangar::testing::csrf_token(&client).await;
    let write = |origin: &'static str| {
        let mut req = client
            .post("/api/private/")
            .header(Header::new("X-Forwarded-Proto", "https"))
            .header(Header::new("Host", "localhost"))
            .header(Header::new("Origin", origin))
            .header(ContentType::JSON)
            .body(r#"{"message": "m"}"#);
        if let Some(t) = &token {
            req = req.header(Header::new("X-CSRF-Token", t.clone()));
        }
        req.dispatch()
    };
    assert_eq!(write("http://localhost").await.status(), Status::Forbidden);
    // plain HTTP: the plain names, not Secure
    let plain = Client::tracked(app(&tdb, private)).await.unwrap();
    assert_eq!(form_login(&plain, "bob", &[]).await, Status::SeeOther);
    let session = plain
        .cookies()
        .get_private("hangar_session")
        .expect("plain session");
    assert_ne!(session.secure(), Some(true));
}

async fn security_and_cache_headers(tdb: Arc<TestDb>) {
    let rocket = app(&tdb, |a| a);
    let figment = rocket
        .figment()
        .clone()
        .merge(("hangar.auth.hsts_max_age", 31_536_000));
    let client = Client::tracked(rocket.configure(figment)).await.unwrap();
    seed(&client).await;
    let res = client.get("/api/message/").dispatch().await;
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-cache"));
    assert!(
        res.headers().get_one("Strict-Transport-Security").is_none(),
        "not over HTTP"
    );
    let res = client
        .get("/api/message/")
        .header(basic("alice"))
        .dispatch()
        .await;
    assert_eq!(
        res.headers().get_one("Cache-Control"),
        Some("no-store"),
        "credentials"
    );
    let res = client
        .get("/accounts/login/")
        .header(Header::new("X-Forwarded-Proto", "https"))
        .dispatch()
        .await;
    assert_eq!(
        res.headers().get_one("Strict-Transport-Security"),
        Some("max-age=31536000; includeSubDomains")
    );
    let csp = res
        .headers()
        .get_one("Content-Security-Policy")
        .expect("a CSP");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
}

async fn to_many_lists_show_only_visible_rows(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<User>(
            Resource::new()
                .name("people")
                .fields(["id", "username"])
                .include_many::<Note>("notes", "user", Resource::new().fields(["id", "message"])),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let notes_of = |body: &Json, id: i64| -> Vec<String> {
        body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["message"].as_str().unwrap().to_owned())
            .collect()
    };
    // Note's registered resource (the first) shows live notes only: the
    // lists follow its get_query, so alice's deleted note stays hidden
    let (_, anonymous) = get_json(&client, "/api/people/").await;
    assert_eq!(notes_of(&anonymous, w.alice), ["alice live"], "{anonymous}");
    assert_eq!(notes_of(&anonymous, w.bob), ["bob live"]);
}

async fn limits_answer_400_naming_them(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("offsets")
                .pagination(hangar::rest::Pagination::LimitOffset),
        )
    }))
    .await
    .unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let before = Message::select().count(&db).await.unwrap();
    // JSON nested 100k deep: refused in linear time, nothing written
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let res = client
        .post("/api/message/")
        .header(basic("alice"))
        .header(ContentType::JSON)
        .body(format!(r#"{{"content": {deep}}}"#))
        .dispatch()
        .await;
    assert!(
        matches!(res.status(), Status::BadRequest | Status::PayloadTooLarge),
        "{}",
        res.status()
    );
    let body: Json = res.into_json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    let res = client
        .post("/api/message/")
        .header(basic("alice"))
        .header(ContentType::JSON)
        .body(format!(
            r#"{{"content": "x", "extra": {}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        ))
        .dispatch()
        .await;
    assert_eq!(
        res.status(),
        Status::BadRequest,
        "deeper than serde's 128 levels"
    );
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
    // a page or offset no database can skip to
    for uri in [
        "/api/message/?page=4611686018427387904",
        "/api/message/?page=18446744073709551615",
        "/api/offsets/?offset=18446744073709551615",
    ] {
        let (status, body) = get_json(&client, uri).await;
        assert_eq!(status, Status::BadRequest, "{uri}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("out of range"),
            "{body}"
        );
    }
    let (status, body) = get_json(&client, "/api/message/?page=1000000").await;
    assert_eq!(status, Status::Ok, "far but possible: an empty page");
    assert_eq!(body["objects"], json!([]));
    // a 10 kB filter value is bound as a value; past 16 KiB it is refused
    let (status, body) = get_json(
        &client,
        &format!("/api/message/?content={}", "x".repeat(10_000)),
    )
    .await;
    assert_eq!(
        (status, body["meta"]["object_count"].clone()),
        (Status::Ok, json!(0))
    );
    let (status, body) = get_json(
        &client,
        &format!("/api/message/?content={}", "x".repeat(17_000)),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"].as_str().unwrap().contains("max_value_length"),
        "{body}"
    );
}

async fn passwords_are_checked_like_logins(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    // a common password is refused wherever a password is set
    let res = client
        .post("/api/user/")
        .header(basic("admin"))
        .header(ContentType::JSON)
        .body(r#"{"username": "carol", "email": "c@x.io", "password": "Password123"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    let body: Json = res.into_json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("too common"),
        "{body}"
    );
    // the password-change form is no unthrottled oracle for the old one
    hangar::testing::login(&client, "alice", "alice-password").await;
    let change = |old: &str| {
        let client = &client;
        let old = old.to_owned();
        async move {
            let html = client
                .get("/accounts/password/")
                .dispatch()
                .await
                .into_string()
                .await
                .unwrap();
            let token = hangar::testing::csrf_token_in(&html).unwrap();
            client
                .post("/accounts/password/")
                .header(ContentType::Form)
                .body(format!(
                    "csrf_token={token}&old_password={old}&new_password1=brand-new-pass&new_password2=brand-new-pass"
                ))
                .dispatch()
                .await
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(change("guess").await, Status::BadRequest);
    }
    assert_eq!(change("alice-password").await, Status::TooManyRequests);
    assert!(
        password_is(&client, "alice", "alice-password").await,
        "unchanged"
    );
}

async fn idle_sessions_end(tdb: Arc<TestDb>) {
    let rocket = app(&tdb, |a| {
        a.register::<Note>(Resource::new().name("private").restrict_owner("user"))
    });
    let figment = rocket
        .figment()
        .clone()
        .merge(("hangar.auth.session_idle_timeout", 2));
    let client = Client::tracked(rocket.configure(figment)).await.unwrap();
    seed(&client).await;
    hangar::testing::login(&client, "alice", "alice-password").await;
    assert!(signed_in(&client).await);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(
        !signed_in(&client).await,
        "unused for longer than session_idle_timeout"
    );
}

crate::app_cases!(
    cookies_are_secure_with_host_names_under_https,
    security_and_cache_headers,
    to_many_lists_show_only_visible_rows,
    limits_answer_400_naming_them,
    passwords_are_checked_like_logins,
    idle_sessions_end,
    etags_and_preconditions_prevent_lost_updates,
    nested_objects_only_name_rows_by_default,
    nested_writes_go_through_the_registered_resource,
    nested_writes_to_an_unregistered_model_fail_ignite,
    basic_writes_from_other_sites_are_refused,
    nobody_can_lock_another_person_out,
    query_strings_are_capped,
    activity_and_password_changes_end_sessions,
    owner_rows_are_private_by_default,
    filters_cross_only_into_registered_models,
    keys_and_tokens_are_hashed_expire_and_are_throttled,
);
