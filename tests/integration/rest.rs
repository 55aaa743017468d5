//! The REST API's wire contract on every backend (flask-peewee's REST tests,
//! ported): envelope, filters, ordering, pagination, writes, owners, auth,
//! error shapes.

use crate::common;
use hangar::db::Table as _;
mod security;

use std::sync::Arc;

use base64::Engine as _;
use common::TestDb;
use hangar::auth::{Auth, AuthState, User};
use hangar::db::{Database, Db, Model as _, Op, Select};
use hangar::rest::{
    APIKeyAuthentication, AdminAuthentication, ApiUser, BearerAuthentication, Field, Fields,
    Pagination, Resource, ResourceHooks, RestApi, UserAuthentication, ALL_METHODS,
};
use hangar::Model;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::{json, Value as Json};
use time::OffsetDateTime;

#[derive(Model, Clone, Debug)]
#[model(table = "message")]
pub struct Message {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub content: String,
    #[model(default = "now")]
    pub pub_date: OffsetDateTime,
}

#[derive(Model, Clone, Debug)]
pub struct Relationship {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub from_user: i64,
    #[model(references = User, on_delete = "cascade")]
    pub to_user: i64,
}

#[derive(Model, Clone, Debug)]
pub struct Note {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub message: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
}

#[derive(Model, Clone, Debug)]
pub struct ApiKey {
    pub id: i64,
    #[model(unique, max_length = 64)]
    pub key: String,
    pub secret: String,
}

#[derive(Model, Clone, Debug)]
pub struct ApiToken {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub token: String,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
}

#[derive(Model, Clone, Debug)]
pub struct Tag {
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    #[model(default = 0)]
    pub uses: i64,
}

#[derive(Model, Clone, Debug)]
pub struct Bookmark {
    pub id: i64,
    #[model(references = Tag)]
    pub tag: i64,
    pub url: String,
}

struct NoNewTags;
impl ResourceHooks for NoNewTags {
    fn check_post(&self, _user: Option<&ApiUser>, _new: &hangar::db::Record) -> bool {
        false
    }
}

/// Upper-cases message text on the way in; refuses "forbidden words".
struct Shouty;
impl ResourceHooks for Shouty {
    fn before_save(
        &self,
        _user: Option<&ApiUser>,
        fields: &mut Vec<(&'static str, hangar::db::Value)>,
        _creating: bool,
    ) -> Result<(), hangar::rest::ApiError> {
        for (name, value) in fields.iter_mut() {
            if *name == "content" {
                let text = value.as_str().unwrap_or_default().to_uppercase();
                if text.contains("FORBIDDEN") {
                    return Err(hangar::rest::ApiError::bad_request("no forbidden words"));
                }
                *value = hangar::db::Value::Text(text);
            }
        }
        Ok(())
    }
}

#[rocket::get("/message/stats")]
async fn message_stats(db: Db) -> rocket::serde::json::Json<Json> {
    let n = Message::select().count(&db).await.unwrap_or(0);
    rocket::serde::json::Json(json!({ "messages": n }))
}

struct LiveNotes;
impl ResourceHooks for LiveNotes {
    fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
        select.filter("status", Op::Eq, 1).expect("status")
    }
}

app_cases!(
    list_envelope_and_detail,
    filters_follow_the_query_language,
    unexposed_and_unknown_filters,
    ordering_and_pagination,
    writes_need_credentials,
    create_from_json_form_and_data_field,
    bad_payloads_get_json_errors,
    owners_are_enforced,
    updates_and_deletes,
    admin_resources_and_readonly_fields,
    session_writes_need_the_csrf_header,
    basic_auth_failures_are_throttled,
    verified_credentials_are_remembered_until_revoked,
    a_burst_of_cold_credentials_checks_once,
    included_resources_nest_in_one_query,
    api_keys_and_bearer_tokens,
    cursor_and_offset_pagination,
    openapi_document_describes_the_api,
    testing_helpers_drive_the_api,
    output_fields_and_envelopes,
    nested_writes_respect_every_level,
    save_hooks_and_extra_endpoints,
);

fn app(tdb: &TestDb, extra: impl Fn(RestApi) -> RestApi) -> rocket::Rocket<rocket::Build> {
    let figment = tdb
        .figment()
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"),
        ))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.throttle_limit", 5))
        .merge(("limits.json", 4096));
    let api = RestApi::fairing()
        .default_auth(UserAuthentication::default())
        .register::<User>(
            Resource::new()
                .exclude(["password", "email"])
                .readonly(["admin", "active"])
                .auth(AdminAuthentication::default()),
        )
        .register::<Message>(Resource::new().restrict_owner("user").public_reads(true))
        .register::<Relationship>(
            Resource::new()
                .restrict_owner("from_user")
                .public_reads(true)
                .public_reads(true)
                .paginate_by(None),
        )
        .register::<Note>(
            Resource::new()
                .restrict_owner("user")
                .public_reads(true)
                .public_reads(true)
                .hooks(LiveNotes),
        );
    rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<Message>()
                .model::<Relationship>()
                .model::<Note>()
                .model::<ApiKey>()
                .model::<ApiToken>()
                .model::<Bookmark>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(extra(api))
        .mount("/api", rocket::routes![message_stats])
}

struct World {
    admin: i64,
    alice: i64,
    bob: i64,
}

async fn seed(client: &Client) -> World {
    let db = client.rocket().state::<Db>().unwrap();
    let state = client.rocket().state::<AuthState>().unwrap();
    let mut ids = Vec::new();
    for (name, admin) in [("admin", true), ("alice", false), ("bob", false)] {
        let u = state
            .store()
            .create(
                db,
                &state.config,
                name,
                &format!("{name}@x.io"),
                &format!("{name}-password"),
                admin,
            )
            .await
            .unwrap();
        ids.push(u.id);
    }
    let base = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    for (i, (user, text)) in [
        (1, "alice one"),
        (1, "alice two"),
        (2, "bob one"),
        (0, "admin says"),
        (2, "Bob TWO"),
    ]
    .into_iter()
    .enumerate()
    {
        Message {
            id: 0,
            user: ids[user],
            content: text.into(),
            pub_date: base + time::Duration::minutes(i as i64),
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (a, b) in [(1, 2), (2, 1), (0, 1)] {
        Relationship {
            id: 0,
            from_user: ids[a],
            to_user: ids[b],
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (user, text, status) in [
        (1, "alice live", Some(1)),
        (1, "alice gone", Some(2)),
        (2, "bob live", Some(1)),
    ] {
        Note {
            id: 0,
            user: ids[user],
            message: text.into(),
            status,
        }
        .insert(db)
        .await
        .unwrap();
    }
    World {
        admin: ids[0],
        alice: ids[1],
        bob: ids[2],
    }
}

fn basic(user: &str) -> Header<'static> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user}-password"));
    Header::new("Authorization", format!("Basic {token}"))
}

async fn get_json(client: &Client, uri: &str) -> (Status, Json) {
    let res = client.get(uri.to_owned()).dispatch().await;
    let status = res.status();
    (status, res.into_json().await.unwrap_or(Json::Null))
}

async fn send<'c>(
    client: &'c Client,
    method: rocket::http::Method,
    uri: &str,
    auth: Option<&str>,
    body: Option<Json>,
) -> LocalResponse<'c> {
    let mut req = client.req(method, uri.to_owned());
    if let Some(user) = auth {
        req = req.header(basic(user));
    }
    if let Some(body) = body {
        req = req.header(ContentType::JSON).body(body.to_string());
    }
    req.dispatch().await
}

async fn status_json(res: LocalResponse<'_>) -> (Status, Json) {
    let status = res.status();
    (status, res.into_json().await.unwrap_or(Json::Null))
}

fn contents(body: &Json) -> Vec<String> {
    let mut v: Vec<String> = body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    v.sort();
    v
}

async fn list_envelope_and_detail(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let (status, body) = get_json(&client, "/api/message/").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        body["meta"],
        json!({"model": "message", "page": 1, "page_count": 1, "object_count": 5, "count_kind": "exact", "next": "", "previous": ""})
    );
    let first = &body["objects"][0];
    assert_eq!(first["content"], "alice one");
    assert_eq!(first["user"], w.alice);
    assert_eq!(first["pub_date"], "2023-11-14T22:13:20.000000Z");
    let id = first["id"].as_i64().unwrap();
    let (status, one) = get_json(&client, &format!("/api/message/{id}/")).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(&one, first);
    for missing in [
        "/api/message/999/",
        "/api/message/abc/",
        "/api/nothing/",
        "/api/nothing/1/",
    ] {
        let (status, body) = get_json(&client, missing).await;
        assert_eq!(status, Status::NotFound, "{missing}");
        assert_eq!(body, json!({"error": "Not found"}), "{missing}");
    }
    // users never show the password or email
    let (_, users) = get_json(&client, "/api/user/").await;
    let u = &users["objects"][0];
    assert!(
        u.get("password").is_none() && u.get("email").is_none() && u.get("session_epoch").is_none()
    );
    assert_eq!(u["username"], "admin");
    // the note resource only shows live notes
    let (_, notes) = get_json(&client, "/api/note/").await;
    assert_eq!(notes["meta"]["object_count"], 2);
    let hidden = Note::select()
        .filter("status", Op::Eq, 2)
        .unwrap()
        .one(client.rocket().state::<Db>().unwrap())
        .await
        .unwrap();
    assert_eq!(
        get_json(&client, &format!("/api/note/{}/", hidden.id))
            .await
            .0,
        Status::NotFound
    );
    // health
    assert_eq!(get_json(&client, "/ping").await.1, json!({"status": "ok"}));
}

async fn filters_follow_the_query_language(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let q = |uri: String| {
        let client = &client;
        async move {
            let (status, body) = get_json(client, &uri).await;
            assert_eq!(status, Status::Ok, "{uri}: {body}");
            contents(&body)
        }
    };
    assert_eq!(
        q(format!("/api/message/?user={}", w.bob)).await,
        ["Bob TWO", "bob one"]
    );
    assert_eq!(
        q("/api/message/?user__username=alice".into()).await,
        ["alice one", "alice two"]
    );
    assert_eq!(
        q("/api/message/?user__username=alice&user__username=bob".into())
            .await
            .len(),
        4
    );
    assert_eq!(
        q("/api/message/?-user__username=alice&-user__username=bob".into()).await,
        ["admin says"]
    );
    assert_eq!(
        q("/api/message/?user__username__in=admin,bob".into())
            .await
            .len(),
        3
    );
    assert_eq!(
        q("/api/message/?user__username__not_in=admin,bob".into())
            .await
            .len(),
        2
    );
    assert_eq!(
        q("/api/message/?content__contains=BOB".into()).await,
        ["Bob TWO", "bob one"]
    );
    assert_eq!(
        q("/api/message/?content__like=bob%25".into()).await,
        ["bob one"]
    );
    assert_eq!(
        q("/api/message/?content__ilike=bob%25".into()).await,
        ["Bob TWO", "bob one"]
    );
    assert_eq!(
        q("/api/message/?content__startswith=ALICE".into())
            .await
            .len(),
        2
    );
    assert_eq!(
        q("/api/message/?id__between=2,3".into()).await,
        ["alice two", "bob one"]
    );
    assert_eq!(
        q("/api/message/?id__lt=3&id__gte=2".into()).await,
        ["alice two"]
    );
    assert_eq!(q("/api/message/?-id__lt=5".into()).await, ["Bob TWO"]);
    // repeated exclusions AND together (flask-peewee): both rows are left out
    assert_eq!(
        q("/api/message/?id__ne=1&id__ne=2&id__ne=3".into()).await,
        ["Bob TWO", "admin says"]
    );
    assert_eq!(
        q("/api/message/?id__not_in=1,2&id__not_in=3".into()).await,
        ["Bob TWO", "admin says"]
    );
    // repeated matches OR together
    assert_eq!(
        q("/api/message/?id=2&id=3".into()).await,
        ["alice two", "bob one"]
    );
    assert_eq!(
        q("/api/message/?user__admin=true".into()).await,
        ["admin says"]
    );
    assert_eq!(q("/api/message/?user__admin=false".into()).await.len(), 4);
    // two foreign keys to one table filter independently
    let (_, rels) = get_json(
        &client,
        "/api/relationship/?from_user__username=alice&to_user__username=bob",
    )
    .await;
    assert_eq!(rels["meta"]["object_count"], 1);
    let (_, rels) = get_json(&client, "/api/relationship/?to_user__username=alice").await;
    assert_eq!(rels["meta"]["object_count"], 2);
    // NULL and the special constants
    let (_, notes) = get_json(&client, "/api/note/?status__is_null=false").await;
    assert_eq!(notes["meta"]["object_count"], 2);
    // bad values are a 400 naming the field
    let (status, body) = get_json(&client, "/api/message/?id__lt=abc").await;
    assert_eq!(status, Status::BadRequest);
    assert!(body["error"].as_str().unwrap().contains("id__lt"), "{body}");
    assert_eq!(body["errors"][0]["source"]["pointer"], "/id");
    let (status, _) = get_json(&client, "/api/message/?id__between=1").await;
    assert_eq!(status, Status::BadRequest);
    let (status, _) = get_json(&client, "/api/message/?pub_date__gt=not-a-date").await;
    assert_eq!(status, Status::BadRequest);
    // injection attempts are values
    assert!(q("/api/message/?content=%27%20OR%201=1--".into())
        .await
        .is_empty());
}

async fn unexposed_and_unknown_filters(tdb: Arc<TestDb>) {
    let strict = |a: RestApi| {
        a.register::<Message>(Resource::new().name("strict").reject_unknown_filters(true))
            .register::<Message>(Resource::new().name("rx").allow_regexp(true))
    };
    let client = Client::tracked(app(&tdb, strict)).await.unwrap();
    seed(&client).await;
    let (_, all) = get_json(&client, "/api/message/").await;
    for ignored in [
        "/api/message/?user__email__startswith=a",
        "/api/message/?user__password__startswith=%242b",
        "/api/message/?nope=1",
        "/api/message/?id__regex=1",
        "/api/message/?user__session_epoch=0",
    ] {
        let (status, body) = get_json(&client, ignored).await;
        assert_eq!(status, Status::Ok, "{ignored}");
        assert_eq!(
            body, all,
            "ignored filter {ignored} gives the unfiltered list"
        );
    }
    // a field the resource excludes is not a filter (nor an ordering)
    let (_, users) = get_json(&client, "/api/user/").await;
    let (_, body) = get_json(&client, "/api/user/?email__startswith=zzz").await;
    assert_eq!(body, users, "email is excluded from the user resource");
    let (_, body) = get_json(&client, "/api/message/?user__username=alice").await;
    assert_eq!(
        body["meta"]["object_count"], 2,
        "exposed related fields still filter"
    );
    // regular expressions need the resource's consent
    let (_, body) = get_json(&client, "/api/message/?content__regexp=%5Ebob").await;
    assert_eq!(body, all, "ignored where not allowed");
    let (status, body) = get_json(&client, "/api/rx/?content__regexp=%5Ebob").await;
    assert_eq!(
        (status, body["meta"]["object_count"].as_i64()),
        (Status::Ok, Some(1))
    );
    let (status, _) = get_json(&client, "/api/rx/?content__regexp=%28unclosed").await;
    assert_eq!(status, Status::BadRequest);
    let (status, body) = get_json(&client, "/api/strict/?user__password__startswith=%242b").await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("user__password__startswith"),
        "{body}"
    );
    let (status, _) = get_json(&client, "/api/strict/?user__username=alice").await;
    assert_eq!(status, Status::Ok);
}

async fn ordering_and_pagination(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let ids = |body: &Json| -> Vec<i64> {
        body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    let (_, body) = get_json(&client, "/api/message/?ordering=-id").await;
    assert_eq!(ids(&body), [5, 4, 3, 2, 1]);
    let (_, body) = get_json(&client, "/api/message/?ordering=user__username,-id").await;
    assert_eq!(ids(&body), [4, 2, 1, 5, 3]);
    for ignored in ["nope", "user__password", "id%3BDROP%20TABLE%20message"] {
        let (status, body) = get_json(&client, &format!("/api/message/?ordering={ignored}")).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(ids(&body), [1, 2, 3, 4, 5], "{ignored}");
    }
    let (_, body) = get_json(
        &client,
        "/api/message/?limit=2&user__username=alice&user__username=bob",
    )
    .await;
    assert_eq!(body["meta"]["page_count"], 2);
    assert_eq!(
        body["meta"]["next"],
        "/api/message/?limit=2&user__username=alice&user__username=bob&page=2"
    );
    assert_eq!(body["meta"]["previous"], "");
    let (_, body) = get_json(&client, "/api/message/?limit=2&page=3").await;
    assert_eq!(ids(&body), [5]);
    assert_eq!(body["meta"]["next"], "");
    assert_eq!(body["meta"]["previous"], "/api/message/?limit=2&page=2");
    let (status, body) = get_json(&client, "/api/message/?limit=2&page=9").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["objects"], json!([]));
    for bad in ["page=0", "page=-1", "page=abc", "limit=0", "limit=abc"] {
        let (status, body) = get_json(&client, &format!("/api/message/?{bad}")).await;
        assert_eq!(status, Status::BadRequest, "{bad}");
        assert!(body["error"].is_string());
    }
    let (_, body) = get_json(&client, "/api/message/?limit=1000").await;
    assert_eq!(
        body["objects"].as_array().unwrap().len(),
        5,
        "capped, not refused"
    );
    // paginate_by = None: everything on one page, same envelope
    let (_, rels) = get_json(&client, "/api/relationship/").await;
    assert_eq!(rels["meta"]["page_count"], 1);
    assert_eq!(rels["objects"].as_array().unwrap().len(), 3);
    // an empty list
    let (_, empty) = get_json(&client, "/api/message/?user__username=nobody").await;
    assert_eq!(
        empty["meta"],
        json!({"model": "message", "page": 1, "page_count": 0, "object_count": 0, "count_kind": "exact", "next": "", "previous": ""})
    );
}

async fn writes_need_credentials(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    for (method, uri) in [
        (Post, "/api/message/"),
        (Put, "/api/message/1/"),
        (Patch, "/api/message/1/"),
        (Delete, "/api/message/1/"),
        (Post, "/api/message/1/delete/"),
    ] {
        let res = send(&client, method, uri, None, Some(json!({"content": "x"}))).await;
        assert_eq!(res.status(), Status::Unauthorized, "{method} {uri}");
        assert_eq!(
            res.headers().get_one("WWW-Authenticate"),
            Some("Basic realm=\"Login Required\"")
        );
        assert_eq!(
            res.into_json::<Json>().await.unwrap(),
            json!({"error": "Authentication failed"})
        );
    }
    let wrong = base64::engine::general_purpose::STANDARD.encode("alice:wrong");
    let res = client
        .post("/api/message/")
        .header(Header::new("Authorization", format!("Basic {wrong}")))
        .header(ContentType::JSON)
        .body("{}")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    let res = send(&client, Delete, "/api/message/", Some("alice"), None).await;
    assert_eq!(res.status(), Status::MethodNotAllowed);
    assert!(res.into_json::<Json>().await.unwrap()["error"].is_string());
    assert_eq!(
        Message::select()
            .count(client.rocket().state::<Db>().unwrap())
            .await
            .unwrap(),
        5
    );
}

async fn create_from_json_form_and_data_field(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    // the owner is the caller, whatever the body says
    let res = send(
        &client,
        Post,
        "/api/message/",
        Some("alice"),
        Some(json!({"content": "hello api", "user": w.bob})),
    )
    .await;
    assert_eq!(res.status(), Status::Created);
    let location = res.headers().get_one("Location").unwrap().to_owned();
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(body["user"], w.alice);
    assert_eq!(body["content"], "hello api");
    assert_eq!(location, format!("/api/message/{}/", body["id"]));
    assert_eq!(get_json(&client, &location).await.1, body);
    // a form field `data` holding JSON
    let res = client
        .post("/api/message/")
        .header(basic("bob"))
        .header(ContentType::Form)
        .body("data=%7B%22content%22%3A%22from%20data%22%7D")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    assert_eq!(res.into_json::<Json>().await.unwrap()["user"], w.bob);
    // plain form fields
    let res = client
        .post("/api/message/")
        .header(basic("bob"))
        .header(ContentType::Form)
        .body("content=plain+form&pub_date=2024-01-02T03%3A04%3A05Z")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(body["pub_date"], "2024-01-02T03:04:05.000000Z");
    // unknown keys are ignored by default
    let res = send(
        &client,
        Post,
        "/api/message/",
        Some("alice"),
        Some(json!({"content": "x", "contnet": "typo"})),
    )
    .await;
    assert_eq!(res.status(), Status::Created);
}

async fn bad_payloads_get_json_errors(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let strict = |a: RestApi| {
        a.register::<Message>(
            Resource::new()
                .name("strict")
                .restrict_owner("user")
                .public_reads(true)
                .reject_unknown_fields(true),
        )
    };
    let client = Client::tracked(app(&tdb, strict)).await.unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let before = Message::select().count(&db).await.unwrap();
    let raw = |body: &'static str, ct: ContentType| {
        let client = &client;
        async move {
            let res = client
                .post("/api/message/")
                .header(basic("alice"))
                .header(ct)
                .body(body)
                .dispatch()
                .await;
            status_json(res).await
        }
    };
    let (status, body) = raw("{not json", ContentType::JSON).await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"].as_str().unwrap().starts_with("Invalid JSON"),
        "{body}"
    );
    let (status, body) = raw("[1, 2]", ContentType::JSON).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (Status::BadRequest, Some("Expected a JSON object"))
    );
    let (status, _) = raw("content=x", ContentType::Plain).await;
    assert_eq!(status, Status::UnsupportedMediaType);
    let big = Box::leak(format!("{{\"content\": \"{}\"}}", "x".repeat(5000)).into_boxed_str());
    let (status, body) = raw(big, ContentType::JSON).await;
    assert_eq!(status, Status::PayloadTooLarge);
    assert!(body["error"].is_string());
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/message/",
            Some("alice"),
            Some(json!({"content": "x", "pub_date": "not-a-date"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(body["error"].as_str().unwrap().contains("pub_date"));
    assert_eq!(body["errors"][0]["source"]["pointer"], "/pub_date");
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/message/",
            Some("alice"),
            Some(json!({"content": 5.5})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest, "a number is not text: {body}");
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/message/",
            Some("alice"),
            Some(json!({})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        body["error"].as_str().unwrap().contains("content"),
        "{body}"
    );
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/strict/",
            Some("alice"),
            Some(json!({"content": "x", "contnet": "y"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["error"], "Unrecognized field(s): contnet");
    // a foreign key to nothing is a conflict naming the field
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/relationship/",
            Some("alice"),
            Some(json!({"to_user": 999})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("to_user"),
        "{body}"
    );
    // nothing half-written
    assert_eq!(Message::select().count(&db).await.unwrap(), before);
}

async fn owners_are_enforced(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let bobs = Message::select()
        .filter("user", Op::Eq, w.bob)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let uri = format!("/api/message/{}/", bobs.id);
    for method in [Put, Patch, Post, Delete] {
        let res = send(
            &client,
            method,
            &uri,
            Some("alice"),
            Some(json!({"content": "haxed you, bro"})),
        )
        .await;
        assert_eq!(res.status(), Status::Forbidden, "{method}");
        assert_eq!(
            res.into_json::<Json>().await.unwrap(),
            json!({"error": "Forbidden"})
        );
    }
    let res = send(&client, Post, &format!("{uri}delete/"), Some("alice"), None).await;
    assert_eq!(res.status(), Status::Forbidden);
    drop(res);
    let again = Message::get(&db, bobs.id).await.unwrap();
    assert_eq!(again.content, bobs.content, "unchanged");
    // the owner cannot be moved either
    let res = send(
        &client,
        Put,
        &uri,
        Some("bob"),
        Some(json!({"user": w.alice, "content": "mine"})),
    )
    .await;
    assert_eq!(res.status(), Status::Ok);
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(
        (body["user"].as_i64(), body["content"].as_str()),
        (Some(w.bob), Some("mine"))
    );
    let _ = w.admin;
}

async fn updates_and_deletes(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let mine = Message::select()
        .filter("user", Op::Eq, w.alice)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let uri = format!("/api/message/{}/", mine.id);
    // PATCH changes only what is given
    let (status, body) = status_json(
        send(
            &client,
            Patch,
            &uri,
            Some("alice"),
            Some(json!({"content": "patched"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["content"], "patched");
    assert_eq!(body["pub_date"], "2023-11-14T22:13:20.000000Z");
    // PUT is partial too (flask-peewee clients send partial PUTs); the pk is stripped
    let (status, body) = status_json(
        send(
            &client,
            Put,
            &uri,
            Some("alice"),
            Some(json!({"id": 999, "content": "put"})),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["id"].as_i64()), (Status::Ok, Some(mine.id)));
    // POST to the detail URL updates
    let (status, body) = status_json(
        send(
            &client,
            Post,
            &uri,
            Some("alice"),
            Some(json!({"content": "posted"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["content"].as_str()),
        (Status::Ok, Some("posted"))
    );
    // bad values change nothing
    let (status, _) = status_json(
        send(
            &client,
            Patch,
            &uri,
            Some("alice"),
            Some(json!({"pub_date": "nope"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(Message::get(&db, mine.id).await.unwrap().content, "posted");
    // delete
    let (status, body) = status_json(send(&client, Delete, &uri, Some("alice"), None).await).await;
    assert_eq!((status, body), (Status::Ok, json!({"deleted": 1})));
    assert_eq!(get_json(&client, &uri).await.0, Status::NotFound);
    let other = Message::select()
        .filter("user", Op::Eq, w.alice)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let (status, body) = status_json(
        send(
            &client,
            Post,
            &format!("/api/message/{}/delete/", other.id),
            Some("alice"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (Status::Ok, json!({"deleted": 1})));
}

async fn admin_resources_and_readonly_fields(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let uri = format!("/api/user/{}/", w.alice);
    // non-admin credentials on an admin resource: 401 (flask-peewee)
    let res = send(
        &client,
        Put,
        &uri,
        Some("alice"),
        Some(json!({"username": "queen"})),
    )
    .await;
    assert_eq!(res.status(), Status::Unauthorized);
    drop(res);
    // admins write; read-only fields are stripped (a password is hashed:
    // tests/rest_porting.rs)
    let res = send(
        &client,
        Put,
        &uri,
        Some("admin"),
        Some(json!({"username": "alicia", "admin": true, "active": false})),
    )
    .await;
    assert_eq!(res.status(), Status::Ok);
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(
        (
            body["username"].as_str(),
            body["admin"].as_bool(),
            body["active"].as_bool()
        ),
        (Some("alicia"), Some(false), Some(true))
    );
    let alice = User::get(&db, w.alice).await.unwrap();
    assert!(alice.password.starts_with("$2"), "hash untouched");
    // deleting a user deletes their messages too (delete_recursive)
    let (status, _) = status_json(send(&client, Delete, &uri, Some("admin"), None).await).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        Message::select()
            .filter("user", Op::Eq, w.alice)
            .unwrap()
            .count(&db)
            .await
            .unwrap(),
        0
    );
    // unique violations are a conflict naming the field
    let (status, body) = status_json(
        send(
            &client,
            Put,
            &format!("/api/user/{}/", w.bob),
            Some("admin"),
            Some(json!({"username": "admin"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Conflict);
    assert_eq!(body["errors"][0]["source"]["pointer"], "/username");
}

async fn session_writes_need_the_csrf_header(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let status = hangar::testing::login(&client, "alice", "alice-password").await;
    assert_eq!(status, Status::SeeOther);
    let token = hangar::testing::csrf_token(&client).await.unwrap();
    let res = client
        .post("/api/message/")
        .header(ContentType::JSON)
        .body(r#"{"content": "cookie"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden, "no CSRF header");
    drop(res);
    let res = client
        .post("/api/message/")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", token))
        .body(r#"{"content": "cookie"}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
}

async fn basic_auth_failures_are_throttled(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let wrong = base64::engine::general_purpose::STANDARD.encode("bob:wrong");
    for _ in 0..5 {
        let res = client
            .post("/api/message/")
            .header(Header::new("Authorization", format!("Basic {wrong}")))
            .header(ContentType::JSON)
            .body("{}")
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Unauthorized);
    }
    let res = send(
        &client,
        rocket::http::Method::Post,
        "/api/message/",
        Some("bob"),
        Some(json!({"content": "x"})),
    )
    .await;
    assert_eq!(res.status(), Status::TooManyRequests);
    assert!(res.headers().get_one("Retry-After").is_some());
    assert!(res.into_json::<Json>().await.unwrap()["error"].is_string());
}

/// HTTP Basic on every request pays bcrypt once: the instance remembers
/// the verified credentials (an HMAC, never the password) until the user's
/// password, activity or session epoch changes; wrong passwords are never
/// remembered and are still throttled.
async fn verified_credentials_are_remembered_until_revoked(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let w = seed(&client).await;
    let state = client.rocket().state::<AuthState>().unwrap();
    let db = client.rocket().state::<Db>().unwrap();
    let stats = || state.store().credential_stats();
    let post = |header: Header<'static>| {
        client
            .post("/api/message/")
            .header(header)
            .header(ContentType::JSON)
            .body(json!({"content": "hi"}).to_string())
            .dispatch()
    };
    let with = |user: &str, password: &str| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Header::new("Authorization", format!("Basic {token}"))
    };

    let start = stats();
    assert_eq!(post(basic("alice")).await.status(), Status::Created);
    assert_eq!(
        stats().misses,
        start.misses + 1,
        "the first check is a full one"
    );
    for _ in 0..3 {
        assert_eq!(post(basic("alice")).await.status(), Status::Created);
    }
    assert_eq!(stats().hits, start.hits + 3, "then remembered: no bcrypt");

    // a wrong password is never taken for the remembered one, and counts
    let hits = stats().hits;
    assert_eq!(
        post(with("alice", "alice-passwor")).await.status(),
        Status::Unauthorized
    );
    assert_eq!(stats().hits, hits);
    assert_eq!(post(basic("alice")).await.status(), Status::Created);

    // a password change ends the remembered credentials at once
    state
        .store()
        .set_password(db, &state.config, "alice", "brand-new-password")
        .await
        .unwrap();
    assert_eq!(post(basic("alice")).await.status(), Status::Unauthorized);
    assert_eq!(
        post(with("alice", "brand-new-password")).await.status(),
        Status::Created
    );
    // so does a deactivation
    state.store().set_active(db, w.alice, false).await.unwrap();
    assert_eq!(
        post(with("alice", "brand-new-password")).await.status(),
        Status::Unauthorized
    );
    state.store().set_active(db, w.alice, true).await.unwrap();
    assert_eq!(
        post(with("alice", "brand-new-password")).await.status(),
        Status::Created
    );
    // and a logout everywhere: the next request takes the full check again
    assert_eq!(
        post(with("alice", "brand-new-password")).await.status(),
        Status::Created
    );
    state.store().bump_epoch(db, w.alice).await.unwrap();
    let misses = stats().misses;
    assert_eq!(
        post(with("alice", "brand-new-password")).await.status(),
        Status::Created
    );
    assert_eq!(stats().misses, misses + 1);
}

/// A client opening many connections at once with the same credentials
/// (wrk, a worker pool) is checked once: the others wait for that check and
/// are answered from the cache — none is throttled (the limit here is 5)
/// and the account is not locked afterwards.
async fn a_burst_of_cold_credentials_checks_once(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    seed(&client).await;
    let state = client.rocket().state::<AuthState>().unwrap();
    let start = state.store().credential_stats();
    let burst = (0..12).map(|i| {
        client
            .post("/api/message/")
            .header(basic("alice"))
            .header(ContentType::JSON)
            .body(json!({ "content": format!("burst {i}") }).to_string())
            .dispatch()
    });
    for res in futures::future::join_all(burst).await {
        assert_eq!(res.status(), Status::Created);
    }
    let stats = state.store().credential_stats();
    assert!(
        stats.hits >= start.hits + 11,
        "one full check, the rest remembered: {stats:?}"
    );
    // nothing was counted against alice or this client
    let res = client
        .get("/api/message/")
        .header(basic("alice"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
}

async fn included_resources_nest_in_one_query(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let users = || Resource::new().exclude(["password", "email"]);
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("message_full")
                .restrict_owner("user")
                .public_reads(true)
                .include("user", users()),
        )
        .register::<Relationship>(
            Resource::new()
                .name("follows")
                .restrict_owner("from_user")
                .public_reads(true)
                .include("from_user", users())
                .include("to_user", users().fields(["id", "username"])),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let (status, body) =
        get_json(&client, "/api/message_full/?user__username=bob&ordering=id").await;
    assert_eq!(status, Status::Ok);
    let first = &body["objects"][0];
    assert_eq!(first["user"]["username"], "bob");
    assert_eq!(first["user"]["id"], w.bob);
    assert!(first["user"].get("password").is_none() && first["user"].get("email").is_none());
    assert_eq!(body["meta"]["object_count"], 2);
    let (_, rel) = get_json(&client, "/api/follows/?from_user__username=alice").await;
    let r = &rel["objects"][0];
    assert_eq!(
        (
            r["from_user"]["username"].as_str(),
            r["to_user"]["username"].as_str()
        ),
        (Some("alice"), Some("bob"))
    );
    assert_eq!(
        r["to_user"].as_object().unwrap().len(),
        2,
        "the child's own fields apply"
    );
    // the detail and the write answers nest too
    let id = first["id"].as_i64().unwrap();
    let (_, one) = get_json(&client, &format!("/api/message_full/{id}/")).await;
    assert_eq!(one["user"]["username"], "bob");
    // an object fetched and PUT back whole keeps working; a nested object sets the key
    let rel_id = r["id"].as_i64().unwrap();
    let mut back = r.clone();
    back["to_user"] = json!({"id": w.admin});
    let (status, body) = status_json(
        send(
            &client,
            Put,
            &format!("/api/follows/{rel_id}/"),
            Some("alice"),
            Some(back),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["to_user"]["username"], "admin");
    let sql = Select::new(Relationship::schema())
        .include("from_user")
        .unwrap()
        .include("to_user")
        .unwrap()
        .to_statement(hangar::db::Backend::Postgres)
        .sql;
    assert_eq!(sql.matches("LEFT JOIN").count(), 2, "{sql}");
}

async fn api_keys_and_bearer_tokens(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("keyed")
                .auth(APIKeyAuthentication::new::<ApiKey>().protect(ALL_METHODS)),
        )
        .register::<Message>(
            Resource::new()
                .name("tokened")
                .restrict_owner("user")
                .public_reads(true)
                .auth(BearerAuthentication::for_users::<ApiToken>()),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    ApiKey {
        id: 0,
        key: "k1".into(),
        secret: hangar::rest::hash_secret("s3cret"),
    }
    .insert(&db)
    .await
    .unwrap();
    ApiToken {
        id: 0,
        token: hangar::rest::hash_secret("tok-alice"),
        user: w.alice,
    }
    .insert(&db)
    .await
    .unwrap();

    assert_eq!(
        get_json(&client, "/api/keyed/").await.0,
        Status::Unauthorized,
        "reads are protected"
    );
    let (status, body) = get_json(&client, "/api/keyed/?key=k1&secret=s3cret").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(
        body["meta"]["object_count"], 5,
        "credentials are not filters"
    );
    assert!(
        !body["meta"]["next"].as_str().unwrap().contains("secret") || body["meta"]["next"] == ""
    );
    assert_eq!(
        get_json(&client, "/api/keyed/?key=k1&secret=wrong").await.0,
        Status::Unauthorized
    );
    let res = client
        .get("/api/keyed/")
        .header(Header::new("X-API-Key", "k1"))
        .header(Header::new("X-API-Secret", "s3cret"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    drop(res);

    let bearer = |t: &str| Header::new("Authorization", format!("Bearer {t}"));
    let res = client
        .post("/api/tokened/")
        .header(bearer("tok-alice"))
        .header(ContentType::JSON)
        .body(r#"{"content": "by token", "user": 999}"#)
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Created);
    let body: Json = res.into_json().await.unwrap();
    assert_eq!(body["user"], w.alice, "the token acts as its user");
    let bobs = Message::select()
        .filter("user", Op::Eq, w.bob)
        .unwrap()
        .first(&db)
        .await
        .unwrap()
        .unwrap();
    let res = client
        .delete(format!("/api/tokened/{}/", bobs.id))
        .header(bearer("tok-alice"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    drop(res);
    let res = client
        .post("/api/tokened/")
        .header(bearer("nope"))
        .header(ContentType::JSON)
        .body("{}")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    let _ = Put;
}

async fn cursor_and_offset_pagination(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("cursored")
                .pagination(Pagination::Cursor),
        )
        .register::<Message>(
            Resource::new()
                .name("offset")
                .pagination(Pagination::LimitOffset),
        )
    }))
    .await
    .unwrap();
    let w = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let ids = |body: &Json| -> Vec<i64> {
        body["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    // walk newest first, two at a time
    let (status, page1) = get_json(&client, "/api/cursored/?ordering=-pub_date&limit=2").await;
    assert_eq!(status, Status::Ok, "{page1}");
    assert_eq!(ids(&page1), [5, 4]);
    assert_eq!(page1["meta"]["has_next_page"], true);
    assert_eq!(page1["meta"]["cursors"].as_array().unwrap().len(), 2);
    assert_eq!(page1["meta"]["previous"], "");
    // a new row arriving meanwhile does not shift the next page
    Message {
        id: 0,
        user: w.alice,
        content: "late".into(),
        pub_date: hangar::db::now(),
    }
    .insert(&db)
    .await
    .unwrap();
    let next = page1["meta"]["next"].as_str().unwrap().to_owned();
    assert!(
        next.contains("ordering=-pub_date") && next.contains("cursor="),
        "{next}"
    );
    let (_, page2) = get_json(&client, &next).await;
    assert_eq!(ids(&page2), [3, 2]);
    let (_, page3) = get_json(&client, page2["meta"]["next"].as_str().unwrap()).await;
    assert_eq!(ids(&page3), [1]);
    assert_eq!(page3["meta"]["has_next_page"], false);
    assert_eq!(page3["meta"]["next"], "");
    // and back
    let (_, back) = get_json(&client, page2["meta"]["previous"].as_str().unwrap()).await;
    assert_eq!(ids(&back), [5, 4]);
    // filters still apply; bad cursors are a 400
    let (_, alice) = get_json(&client, "/api/cursored/?user__username=alice&limit=1").await;
    assert_eq!(ids(&alice), [1]);
    let (status, body) = get_json(&client, "/api/cursored/?cursor=garbage").await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["error"], "Invalid cursor");
    // limit/offset
    let (_, off) = get_json(&client, "/api/offset/?limit=2&offset=2").await;
    assert_eq!(ids(&off), [3, 4]);
    assert_eq!(off["meta"]["object_count"], 6);
    assert_eq!(off["meta"]["next"], "/api/offset/?limit=2&offset=4");
    assert_eq!(off["meta"]["previous"], "/api/offset/?limit=2&offset=0");
    assert_eq!(
        get_json(&client, "/api/offset/?offset=-1").await.0,
        Status::BadRequest
    );
}

async fn openapi_document_describes_the_api(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb, |a| a)).await.unwrap();
    let (status, doc) = get_json(&client, "/api/openapi.json").await;
    assert_eq!(status, Status::Ok);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/message/",
        "/api/message/{pk}/",
        "/api/user/",
        "/api/note/{pk}/",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    let user = &doc["components"]["schemas"]["user"]["properties"];
    assert!(
        user.get("password").is_none() && user.get("email").is_none(),
        "excluded fields are not described"
    );
    let list = &paths["/api/message/"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"user__in")
            && names.contains(&"content__contains")
            && names.contains(&"ordering")
    );
    assert!(!names.iter().any(|n| n.starts_with("password")));
    assert_eq!(list["security"], json!([{}]), "reads are open");
    assert!(!paths["/api/message/"]["post"]["security"]
        .as_array()
        .unwrap()
        .is_empty());
    let write =
        &paths["/api/message/"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert!(
        write["properties"].get("user").is_none(),
        "the owner is not written by clients"
    );
    assert_eq!(write["required"], json!(["content"]));
    assert!(doc["components"]["securitySchemes"]["basicAuth"].is_object());
}

async fn testing_helpers_drive_the_api(tdb: Arc<TestDb>) {
    use hangar::testing::{assert_response, assert_shape, ApiClient, ANY};
    let api = ApiClient::new(app(&tdb, |a| a)).await.unwrap();
    let w = seed(api.inner()).await;
    let res = api.get("/message/?user__username=bob").await;
    assert_response(
        &res,
        200,
        Some(&json!({"meta": {"object_count": 2, "next": ""}, "objects": [ANY, ANY]})),
    );
    let anon = api.post("/message/", json!({"content": "x"})).await;
    assert_response(&anon, 401, Some(&json!({"error": "Authentication failed"})));
    assert!(anon.header("www-authenticate").is_some());
    let api = api.login("bob", "bob-password");
    let res = api
        .post("/message/", json!({"content": "from the helper"}))
        .await;
    assert_response(
        &res,
        201,
        Some(&json!({"content": "from the helper", "user": w.bob, "id": ANY})),
    );
    let id = res.body["id"].as_i64().unwrap();
    assert_response(
        &api.patch(&format!("/message/{id}/"), json!({"content": "edited"}))
            .await,
        200,
        None,
    );
    assert_response(
        &api.delete(&format!("/message/{id}/")).await,
        200,
        Some(&json!({"deleted": 1})),
    );
    assert_shape(
        &api.get(&format!("/message/{id}/")).await.body,
        &json!({"error": "Not found"}),
    );
}

async fn output_fields_and_envelopes(tdb: Arc<TestDb>) {
    let figment_app = app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("shaped")
                .include("user", Resource::new().fields(["id", "username"]))
                .output(
                    Fields::new()
                        .field("id", Field::attr("id"))
                        .field("text", Field::attr("content"))
                        .field("author", Field::attr("user.username"))
                        .field("mood", Field::attr("missing").or(json!("calm")))
                        .field(
                            "words",
                            Field::computed(|rec, _| {
                                json!(rec
                                    .get("content")
                                    .and_then(|v| v.as_str())
                                    .map_or(0, |s| s.split_whitespace().count()))
                            }),
                        )
                        .field("self", Field::url("/api/shaped/{id}/"))
                        .field("link", Field::absolute_url("/api/shaped/{id}/"))
                        .field(
                            "headline",
                            Field::Formatted("{user.username}: {content}".into()),
                        )
                        .nest(
                            "when",
                            Fields::new().field("posted", Field::attr("pub_date")),
                        ),
                )
                .envelope("message"),
        )
    });
    let figment = figment_app
        .figment()
        .clone()
        .merge(("hangar.api.base_url", "https://api.example.com/"));
    let client = Client::tracked(figment_app.configure(figment))
        .await
        .unwrap();
    seed(&client).await;
    let (status, list) = get_json(&client, "/api/shaped/?ordering=id&limit=1").await;
    assert_eq!(status, Status::Ok);
    let first = &list["objects"][0];
    assert_eq!(
        first,
        &json!({
            "id": 1, "text": "alice one", "author": "alice", "mood": "calm", "words": 2,
            "self": "/api/shaped/1/", "link": "https://api.example.com/api/shaped/1/",
            "headline": "alice: alice one", "when": {"posted": "2023-11-14T22:13:20.000000Z"}
        })
    );
    let (_, one) = get_json(&client, "/api/shaped/1/").await;
    assert_eq!(&one["message"], first, "single objects are enveloped");
}

async fn nested_writes_respect_every_level(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| {
        // nested rows go through Tag's registered resource too
        a.register::<Tag>(Resource::new().name("tags"))
            .register::<Bookmark>(
                Resource::new()
                    .name("bookmarks")
                    .reject_unknown_fields(true)
                    .include("tag", Resource::new().readonly(["uses"]))
                    .nested_writes(true),
            )
            .register::<Bookmark>(
                Resource::new()
                    .name("guarded")
                    .include("tag", Resource::new().hooks(NoNewTags))
                    .nested_writes(true),
            )
            .register::<Bookmark>(
                Resource::new()
                    .name("linking")
                    .include("tag", Resource::new())
                    .nested_writes(false),
            )
    }))
    .await
    .unwrap();
    seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    // create the tag and the bookmark in one request; the child's read-only field is stripped
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/bookmarks/",
            Some("alice"),
            Some(json!({"url": "https://a", "tag": {"name": "rust", "uses": 99}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["tag"]["name"], "rust");
    assert_eq!(body["tag"]["uses"], 0, "read-only at the nested level too");
    let tag_id = body["tag"]["id"].as_i64().unwrap();
    let id = body["id"].as_i64().unwrap();
    // update the nested row through the parent
    let (status, body) = status_json(
        send(
            &client,
            Patch,
            &format!("/api/bookmarks/{id}/"),
            Some("alice"),
            Some(json!({"tag": {"id": tag_id, "name": "rustlang"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    assert_eq!(body["tag"]["name"], "rustlang");
    assert_eq!(Tag::get(&db, tag_id).await.unwrap().name, "rustlang");
    // unknown nested keys are reported with their path
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/bookmarks/",
            Some("alice"),
            Some(json!({"url": "u", "tag": {"nmae": "x"}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (Status::BadRequest, Some("Unrecognized field(s): tag__nmae"))
    );
    // a nested key naming no row
    let (status, _) = status_json(
        send(
            &client,
            Post,
            "/api/bookmarks/",
            Some("alice"),
            Some(json!({"url": "u", "tag": {"id": 999, "name": "x"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    // the child's own check refuses: nothing at all is written
    let tags_before = Tag::select().count(&db).await.unwrap();
    let marks_before = Bookmark::select().count(&db).await.unwrap();
    let (status, _) = status_json(
        send(
            &client,
            Post,
            "/api/guarded/",
            Some("alice"),
            Some(json!({"url": "u", "tag": {"name": "sneaky"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    // a duplicate nested name rolls the whole request back
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/bookmarks/",
            Some("alice"),
            Some(json!({"url": "u", "tag": {"name": "rustlang"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Conflict, "{body}");
    assert_eq!(Tag::select().count(&db).await.unwrap(), tags_before);
    assert_eq!(Bookmark::select().count(&db).await.unwrap(), marks_before);
    // nested writes off: the object only names its row
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/linking/",
            Some("alice"),
            Some(json!({"url": "u", "tag": {"id": tag_id, "name": "ignored"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(Tag::get(&db, tag_id).await.unwrap().name, "rustlang");
}

async fn save_hooks_and_extra_endpoints(tdb: Arc<TestDb>) {
    use rocket::http::Method::*;
    let client = Client::tracked(app(&tdb, |a| {
        a.register::<Message>(
            Resource::new()
                .name("shouty")
                .restrict_owner("user")
                .public_reads(true)
                .hooks(Shouty),
        )
    }))
    .await
    .unwrap();
    seed(&client).await;
    let (status, body) = status_json(
        send(
            &client,
            Post,
            "/api/shouty/",
            Some("alice"),
            Some(json!({"content": "quiet please"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["content"].as_str()),
        (Status::Created, Some("QUIET PLEASE"))
    );
    let id = body["id"].as_i64().unwrap();
    let (status, body) = status_json(
        send(
            &client,
            Patch,
            &format!("/api/shouty/{id}/"),
            Some("alice"),
            Some(json!({"content": "a forbidden thing"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (Status::BadRequest, Some("no forbidden words"))
    );
    // an app's own endpoint under the API prefix wins over `/<name>/<pk>`
    let (status, body) = get_json(&client, "/api/message/stats").await;
    assert_eq!((status, body["messages"].as_i64()), (Status::Ok, Some(6)));
}
