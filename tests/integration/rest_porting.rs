//! What an app ported from flask-peewee or Flask-RESTy relies on: output
//! shaping that leaves writes alone, passwords hashed when written through
//! the API, the client's ordering first, `paginate_by` bounding `?limit=`,
//! cursor pages that refuse orders they cannot keep, and API keys that never
//! pass for users. On SQLite, PostgreSQL and MariaDB.

use crate::common;

use std::sync::Arc;

use base64::Engine as _;
use common::TestDb;
use hangar::auth::{Auth, AuthState, User};
use hangar::db::{Database, Db, Model as _, Op, Record, Select, SqlType, Value};
use hangar::rest::{
    APIKeyAuthentication, AdminAuthentication, ApiUser, DateFormat, Field, Fields, Filter, Marshal,
    Pagination, QueryParams, Resource, ResourceHooks, RestApi, Style, UserAuthentication,
    ALL_METHODS,
};
use hangar::Model;
use rocket::http::{Accept, ContentType, Header, Method, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value as Json};

#[derive(Model, Clone, Debug)]
pub struct Post {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub title: String,
}

#[derive(Model, Clone, Debug)]
pub struct Task {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub title: String,
    pub priority: Option<i32>,
}

#[derive(Model, Clone, Debug)]
pub struct Key {
    pub id: i64,
    #[model(unique, max_length = 64)]
    pub key: String,
    pub secret: String,
}

#[derive(Model, Clone, Debug)]
pub struct Doc {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub title: String,
    #[model(default = 0)]
    pub version: i64,
    #[model(default = false)]
    pub published: bool,
    #[model(default = false)]
    pub deleted: bool,
}

/// Write hooks that see the data: no spam in new docs, published titles are
/// frozen, each update must bump the version by one (checked against the
/// locked row), deletes are soft, admins may act on any doc.
struct Docs;

#[rocket::async_trait]
impl ResourceHooks for Docs {
    fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
        select
            .filter("deleted", hangar::db::Op::Eq, false)
            .expect("deleted")
    }

    fn check_post(&self, _user: Option<&ApiUser>, new: &Record) -> bool {
        !new.get("title")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("spam"))
    }

    fn check_put(
        &self,
        _user: Option<&ApiUser>,
        old: &Record,
        changes: &[(&'static str, Value)],
    ) -> bool {
        let changed = |f: &str| changes.iter().find(|(n, _)| *n == f).map(|(_, v)| v);
        if old.get("published") == Some(&Value::Bool(true)) && changed("title").is_some() {
            return false;
        }
        let old_version = old.get("version").and_then(Value::as_i64).unwrap_or(0);
        changed("version").and_then(Value::as_i64) == Some(old_version + 1)
    }

    fn validate_owner(&self, user: &ApiUser, record: &Record, owner_field: &str) -> bool {
        user.is_admin() || user.user_id().map(Value::Int).as_ref() == record.get(owner_field)
    }

    async fn delete_object(
        &self,
        tx: &mut hangar::db::Transaction<'_>,
        record: &Record,
        _mode: hangar::db::DeleteMode,
    ) -> Result<(), hangar::rest::ApiError> {
        let soft = vec![("deleted", Value::Bool(true))];
        hangar::db::write::update_fields(&mut *tx, record.schema(), record.pk().clone(), soft)
            .await?;
        Ok(())
    }
}

/// `?max_id=` read through the app's own `FromForm` type (absent: no bound;
/// a value that is no number: 400).
#[derive(rocket::FromForm)]
struct Window {
    #[field(default = i64::MAX)]
    max_id: i64,
}

struct Windowed;
impl ResourceHooks for Windowed {
    fn list_query(
        &self,
        select: Select,
        _user: Option<&ApiUser>,
        params: QueryParams<'_>,
    ) -> Result<Select, hangar::rest::ApiError> {
        let window: Window = params.parse()?;
        Ok(select.filter("id", Op::Lte, window.max_id)?)
    }
}

/// Newest first, as an app's `get_query` often orders.
struct NewestFirst;
impl ResourceHooks for NewestFirst {
    fn get_query(&self, select: Select, _user: Option<&ApiUser>) -> Select {
        select.order_by("-id").expect("id")
    }
}

/// An app's own owner check, written against the caller's user id.
struct OwnerOnly;
impl ResourceHooks for OwnerOnly {
    fn check_put(
        &self,
        user: Option<&ApiUser>,
        record: &Record,
        _changes: &[(&'static str, Value)],
    ) -> bool {
        let owner = record.get("user").and_then(Value::as_i64);
        user.and_then(ApiUser::user_id).is_some() && user.and_then(ApiUser::user_id) == owner
    }
}

/// An app's own endpoint under the API prefix, with the API's credentials.
#[rocket::get("/whoami")]
fn whoami(user: ApiUser) -> String {
    user.name()
}

/// An app's own handler marshalled through Flask-RESTful style fields.
#[rocket::get("/report")]
fn report() -> Marshal {
    #[derive(serde::Serialize)]
    struct Line {
        name: &'static str,
        count: f64,
        at: &'static str,
    }
    let fields = Fields::new()
        .field("name", Field::string("name"))
        .field("count", Field::integer("count"))
        .field("at", Field::datetime("at", DateFormat::Rfc822));
    let lines = vec![Line {
        name: "posts",
        count: 3.0,
        at: "2026-12-02T07:33:00Z",
    }];
    Marshal::new(&lines, &fields).envelope("lines")
}

/// Anonymous callers welcome.
#[rocket::get("/hello")]
fn hello(user: Option<ApiUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.name())
}

fn app(tdb: &TestDb) -> rocket::Rocket<rocket::Build> {
    let figment = tdb
        .figment()
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.api.max_paginate_by", 3))
        .merge(("hangar.api.allowed_hosts", ["api.example.org"]));
    let api = RestApi::fairing()
        .default_auth(UserAuthentication::default())
        .register::<User>(
            // flask-peewee's admin-only user resource
            Resource::new()
                .exclude(["password", "email"])
                .readonly(["admin", "active"])
                .auth(AdminAuthentication::default()),
        )
        .register::<Post>(Resource::new().hooks(NewestFirst).paginate_by(Some(2)))
        .register::<Post>(Resource::new().name("allposts").hooks(NewestFirst))
        .register::<Task>(Resource::new().pagination(Pagination::Cursor))
        .register::<Doc>(
            Resource::new()
                .restrict_owner("user")
                .public_reads(true)
                .hooks(Docs),
        )
        .register::<Post>(
            Resource::new()
                .name("filtered")
                .hooks(Windowed)
                .filter(Filter::field("author", "user__username", Op::Eq))
                .filter(Filter::field("ids", "id", Op::In).separator(';'))
                .filter(Filter::custom(
                    "min_id",
                    SqlType::BigInt,
                    |select, values| {
                        let min = values.first().and_then(Value::as_i64).unwrap_or(0);
                        Ok(select.filter("id", Op::Gte, min)?)
                    },
                ))
                .sort_key("author", ["user__username", "-id"]),
        )
        .register::<Post>(
            Resource::new()
                .name("resty")
                .style(Style::Resty)
                .paginate_by(Some(2))
                .filter(Filter::custom(
                    "min_id",
                    SqlType::BigInt,
                    |select, values| {
                        let min = values.first().and_then(Value::as_i64).unwrap_or(0);
                        Ok(select.filter("id", Op::Gte, min)?)
                    },
                )),
        )
        .register::<Post>(
            Resource::new()
                .name("typed")
                .include(
                    "user",
                    Resource::new().fields(["id", "username", "join_date"]),
                )
                .output(
                    Fields::new()
                        .field("id", Field::string("id"))
                        .field("title", Field::attr("title"))
                        .field(
                            "author",
                            Field::nested(
                                "user",
                                Fields::new()
                                    .field("name", Field::string("username"))
                                    .field(
                                        "since",
                                        Field::datetime("join_date", DateFormat::Peewee),
                                    ),
                            ),
                        )
                        .field(
                            "editor",
                            Field::nested("editor", Fields::new()).allow_null(),
                        )
                        .field(
                            "loud",
                            Field::format("title", |v| {
                                json!(v.as_str().unwrap_or_default().to_uppercase())
                            }),
                        ),
                ),
        )
        .register::<User>(
            Resource::new()
                .name("people")
                .fields(["id", "username"])
                .include_many::<Post>("posts", "user", Resource::new().fields(["id", "title"]))
                .output(
                    Fields::new()
                        .field("name", Field::string("username"))
                        .field("link", Field::absolute_url("/api/people/{id}/"))
                        .field(
                            "posts",
                            Field::list(
                                "posts",
                                Field::nested(
                                    "item",
                                    Fields::new().field("title", Field::string("title")),
                                ),
                            ),
                        ),
                ),
        )
        .register::<Post>(
            Resource::new()
                .name("needs")
                .filter(Filter::field("owner", "user", Op::Eq).required()),
        )
        .register::<Post>(
            Resource::new()
                .name("keyed")
                .hooks(OwnerOnly)
                .auth(APIKeyAuthentication::new::<Key>().protect(ALL_METHODS)),
        )
        .register::<Post>(
            Resource::new()
                .name("owned")
                .restrict_owner("user")
                .public_reads(true)
                .auth(APIKeyAuthentication::new::<Key>().protect(ALL_METHODS)),
        );
    rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<Post>()
                .model::<Task>()
                .model::<Doc>()
                .model::<Key>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(api)
        .mount("/api", rocket::routes![whoami, hello, report])
}

/// Users admin and alice; alice's posts "b", "a", "c" (ids in that order);
/// alice's tasks with priorities 2, none, 1.
async fn seed(client: &Client) -> (i64, i64) {
    let db = client.rocket().state::<Db>().unwrap();
    let auth = client.rocket().state::<AuthState>().unwrap();
    let mut ids = Vec::new();
    for (name, admin) in [("admin", true), ("alice", false)] {
        let password = format!("{name}-password");
        let u = auth
            .store()
            .create(
                db,
                &auth.config,
                name,
                &format!("{name}@x.io"),
                &password,
                admin,
            )
            .await
            .unwrap();
        ids.push(u.id);
    }
    for title in ["b", "a", "c"] {
        Post {
            id: 0,
            user: ids[1],
            title: title.into(),
        }
        .insert(db)
        .await
        .unwrap();
    }
    for (title, priority) in [("t1", Some(2)), ("t2", None), ("t3", Some(1))] {
        Task {
            id: 0,
            user: ids[1],
            title: title.into(),
            priority,
        }
        .insert(db)
        .await
        .unwrap();
    }
    (ids[0], ids[1])
}

fn basic(user: &str, password: &str) -> Header<'static> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Header::new("Authorization", format!("Basic {token}"))
}

async fn call(
    client: &Client,
    method: Method,
    uri: &str,
    auth: Option<Header<'static>>,
    body: Option<Json>,
) -> (Status, Json) {
    let mut req = client.req(method, uri.to_owned());
    if let Some(h) = auth {
        req = req.header(h);
    }
    if let Some(b) = body {
        req = req.header(ContentType::JSON).body(b.to_string());
    }
    let res = req.dispatch().await;
    let status = res.status();
    (status, res.into_json().await.unwrap_or(Json::Null))
}

fn titles(body: &Json) -> Vec<&str> {
    body["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["title"].as_str().unwrap_or_default())
        .collect()
}

app_cases!(
    exclude_shapes_output_only,
    passwords_written_through_the_api_are_hashed,
    client_ordering_comes_before_get_query,
    paginate_by_bounds_limit,
    cursor_pages_refuse_orders_they_cannot_keep,
    api_keys_are_never_users,
    app_routes_take_the_api_caller,
    write_hooks_see_the_data,
    concurrent_checked_updates_do_not_interleave,
    named_filters_and_sort_keys,
    flask_resty_wire_style,
    ping_status_is_configurable,
    flask_restful_fields,
);

/// Typed output fields, nested scopes, formatters on a resource, and
/// `Marshal` in an app's own handler.
async fn flask_restful_fields(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let (status, body) = call(&client, Method::Get, "/api/typed/?ordering=id", None, None).await;
    assert_eq!(status, Status::Ok, "{body}");
    let first = &body["objects"][0];
    assert_eq!(first["id"], "1", "String coerces: {first}");
    assert_eq!(first["title"], "b");
    assert_eq!(first["loud"], "B");
    assert_eq!(first["author"]["name"], "alice");
    let since = first["author"]["since"].as_str().unwrap();
    assert_eq!(since.len(), 19, "flask-peewee's old timestamp: {since}");
    assert_eq!(&since[10..11], " ");
    assert_eq!(first["editor"], Json::Null, "allow_null");
    // to-many: each user's posts, as List(Nested(...)); absolute URLs from
    // the request's host when no base_url is set
    let (status, body) = call(&client, Method::Get, "/api/people/?ordering=id", None, None).await;
    assert_eq!(status, Status::Ok, "{body}");
    let people = body["objects"].as_array().unwrap();
    assert_eq!(people[0]["name"], "admin");
    assert_eq!(people[0]["posts"], json!([]));
    let alices: Vec<&str> = people[1]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(alices, ["b", "a", "c"]);
    assert_eq!(
        people[1]["link"], "/api/people/2/",
        "no Host: a relative link"
    );
    let res = client
        .get("/api/people/?ordering=id")
        .header(Header::new("Host", "api.example.org"))
        .header(Header::new("X-Forwarded-Proto", "https"))
        .dispatch()
        .await;
    let body: Json = res.into_json().await.unwrap();
    let link = body["objects"][1]["link"].as_str().unwrap();
    assert!(link == "https://api.example.org/api/people/2/", "{link}");
    // a Host the API does not serve never makes a link (allowed_hosts)
    let res = client
        .get("/api/people/?ordering=id")
        .header(Header::new("Host", "evil.test"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    let body: Json = res.into_json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("evil.test"),
        "{body}"
    );
    let res = client.get("/api/report").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        res.into_json::<Json>().await.unwrap(),
        json!({"lines": [{"name": "posts", "count": 3, "at": "Wed, 02 Dec 2026 07:33:00 -0000"}]})
    );
}

/// Flask-RESTy's wire style on one resource: `data` both ways, `meta` with
/// `has_next_page`, `sort`, 0-based pages, 204 on delete, `errors` with
/// pointers under `/data` and query `parameter`s, `validate_request_id`.
async fn flask_resty_wire_style(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let (_, alice) = seed(&client).await;
    let as_alice = || Some(basic("alice", "alice-password"));
    let (status, body) = call(&client, Method::Get, "/api/resty/?sort=title", None, None).await;
    assert_eq!(status, Status::Ok);
    let titles_of = |b: &Json| -> Vec<String> {
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles_of(&body), ["a", "b"], "{body}");
    assert_eq!(body["meta"]["has_next_page"], true);
    assert!(body.get("objects").is_none());
    let (_, body) = call(
        &client,
        Method::Get,
        "/api/resty/?sort=title&page=1",
        None,
        None,
    )
    .await;
    assert_eq!(titles_of(&body), ["c"], "pages count from 0: {body}");
    assert_eq!(body["meta"]["has_next_page"], false);
    let (_, body) = call(
        &client,
        Method::Get,
        "/api/resty/?sort=-title&ordering=title",
        None,
        None,
    )
    .await;
    assert_eq!(titles_of(&body), ["c", "b"], "`sort`, not `ordering`");
    // errors: query parameters by name
    let (status, body) = call(&client, Method::Get, "/api/resty/?min_id=x", None, None).await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["errors"][0]["source"]["parameter"], "min_id", "{body}");
    assert!(body.get("error").is_none());
    let (status, body) = call(&client, Method::Get, "/api/resty/?page=-1", None, None).await;
    assert_eq!(
        (status, body["errors"][0]["source"]["parameter"].as_str()),
        (Status::BadRequest, Some("page"))
    );
    // create: `data` in and out; no client id; a bare object is refused
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/resty/",
        as_alice(),
        Some(json!({"title": "bare", "user": alice})),
    )
    .await;
    assert_eq!(status, Status::BadRequest, "{body}");
    assert_eq!(body["errors"][0]["code"], "invalid_body");
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/resty/",
        as_alice(),
        Some(json!({"data": {"id": 99, "title": "x", "user": alice}})),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (Status::Forbidden, Some("invalid_id.forbidden")),
        "{body}"
    );
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/resty/",
        as_alice(),
        Some(json!({"data": {"title": "new", "user": "nobody"}})),
    )
    .await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(
        body["errors"][0]["source"]["pointer"], "/data/user",
        "{body}"
    );
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/resty/",
        as_alice(),
        Some(json!({"data": {"title": "new", "user": alice}})),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["data"]["title"], "new");
    let id = body["data"]["id"].as_i64().unwrap();
    let uri = format!("/api/resty/{id}/");
    let (status, body) = call(&client, Method::Get, &uri, None, None).await;
    assert_eq!(
        (status, body["data"]["id"].as_i64()),
        (Status::Ok, Some(id))
    );
    // update: the body's id must be the URL's
    let (status, body) = call(
        &client,
        Method::Patch,
        &uri,
        as_alice(),
        Some(json!({"data": {"title": "no id"}})),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (Status::UnprocessableEntity, Some("invalid_id.missing"))
    );
    let (status, body) = call(
        &client,
        Method::Patch,
        &uri,
        as_alice(),
        Some(json!({"data": {"id": id + 1, "title": "other"}})),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (Status::Conflict, Some("invalid_id.mismatch"))
    );
    let (status, body) = call(
        &client,
        Method::Patch,
        &uri,
        as_alice(),
        Some(json!({"data": {"id": id, "title": "renamed"}})),
    )
    .await;
    assert_eq!(
        (status, body["data"]["title"].as_str()),
        (Status::Ok, Some("renamed")),
        "{body}"
    );
    // delete: 204, no body
    let res = client
        .delete(uri.clone())
        .header(basic("alice", "alice-password"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(res.into_string().await.unwrap_or_default(), "");
    let (status, body) = call(&client, Method::Get, &uri, None, None).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (Status::NotFound, Some("not_found"))
    );
    // flask-peewee's style stays the default elsewhere
    let (_, body) = call(&client, Method::Get, "/api/allposts/", None, None).await;
    assert!(body["objects"].is_array() && body.get("data").is_none());
    // the OpenAPI document describes the style
    let (_, doc) = call(&client, Method::Get, "/api/openapi.json", None, None).await;
    let list = &doc["paths"]["/api/resty/"]["get"];
    assert!(list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "sort"));
    let ok = &list["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["required"], json!(["data", "meta"]), "{ok}");
    assert!(doc["paths"]["/api/resty/{pk}/"]["delete"]["responses"]["204"].is_object());
    let put = &doc["paths"]["/api/resty/{pk}/"]["put"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(put["required"], json!(["data"]), "{put}");
}

/// `[hangar.api] ping_status`: Flask-RESTy's `add_ping(status_code=...)`.
async fn ping_status_is_configurable(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let res = client.get("/ping").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.into_json::<Json>().await.unwrap()["status"], "ok");
    let rocket = app(&tdb).configure(tdb.figment().merge(("hangar.api.ping_status", 204)));
    let client = Client::tracked(rocket).await.unwrap();
    let res = client.get("/ping").dispatch().await;
    assert_eq!(res.status(), Status::NoContent);
}

/// Filters and sort keys of the resource's own, typed, in the OpenAPI
/// document; `list_query` reads the parameters as the app's `FromForm` type.
async fn named_filters_and_sort_keys(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let (_, alice) = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    Post {
        id: 0,
        user: 1,
        title: "by admin".into(),
    }
    .insert(&db)
    .await
    .unwrap();
    let get = |uri: String| {
        let client = &client;
        async move { call(client, Method::Get, &uri, None, None).await }
    };
    let (_, body) = get("/api/filtered/?author=alice".into()).await;
    assert_eq!(body["meta"]["object_count"], 3, "{body}");
    let (_, body) = get("/api/filtered/?author=alice&author=admin".into()).await;
    assert_eq!(body["meta"]["object_count"], 4, "repeated values OR");
    let ids: Vec<i64> = Post::select()
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    let (_, body) = get(format!("/api/filtered/?ids={};{}", ids[0], ids[2])).await;
    assert_eq!(body["meta"]["object_count"], 2, "{body}");
    let (_, body) = get(format!("/api/filtered/?min_id={}", ids[2])).await;
    assert_eq!(body["meta"]["object_count"], 2, "{body}");
    let (status, body) = get("/api/filtered/?min_id=many".into()).await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["errors"][0]["source"]["pointer"], "/min_id", "{body}");
    assert!(body["error"].as_str().unwrap().contains("min_id"), "{body}");
    // `author` is the filter's name now, not a lookup on a column
    let (status, _) = get("/api/filtered/?ids=1;x".into()).await;
    assert_eq!(status, Status::BadRequest);
    // a required filter
    let (status, body) = get("/api/needs/".into()).await;
    assert_eq!(status, Status::BadRequest);
    assert_eq!(body["errors"][0]["source"]["pointer"], "/owner", "{body}");
    let (status, body) = get(format!("/api/needs/?owner={alice}")).await;
    assert_eq!(
        (status, body["meta"]["object_count"].as_i64()),
        (Status::Ok, Some(3))
    );
    // a sort key: username, then newest first; `-author` reverses both
    // (pages of 3: the API's max_paginate_by here)
    let (_, body) = get("/api/filtered/?ordering=author".into()).await;
    assert_eq!(titles(&body), ["by admin", "c", "a"]);
    let (_, body) = get("/api/filtered/?ordering=-author".into()).await;
    assert_eq!(titles(&body), ["b", "a", "c"]);
    // the hook's own typed parameter
    let (_, body) = get(format!("/api/filtered/?max_id={}", ids[1])).await;
    assert_eq!(body["meta"]["object_count"], 2, "{body}");
    let (status, body) = get("/api/filtered/?max_id=lots".into()).await;
    assert_eq!(status, Status::BadRequest, "{body}");
    // the OpenAPI document lists them
    let (_, doc) = get("/api/openapi.json".into()).await;
    let params = doc["paths"]["/api/filtered/"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let named = |n: &str| {
        params
            .iter()
            .find(|p| p["name"] == n)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(named("min_id")["schema"]["type"], "integer");
    assert_eq!(named("author")["schema"]["type"], "string");
    assert!(named("ordering")["description"]
        .as_str()
        .unwrap()
        .contains("author"));
    let needs = doc["paths"]["/api/needs/"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let owner = needs.iter().find(|p| p["name"] == "owner").unwrap();
    assert_eq!(owner["required"], true);
}

/// `check_post` sees the new row, `check_put` the locked old row and the
/// changes, `delete_object` replaces the delete, `validate_owner` decides
/// who owns.
async fn write_hooks_see_the_data(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let (_, alice) = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let as_alice = || Some(basic("alice", "alice-password"));
    let as_admin = || Some(basic("admin", "admin-password"));
    let (status, _) = call(
        &client,
        Method::Post,
        "/api/doc/",
        as_alice(),
        Some(json!({"title": "buy spam"})),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "check_post saw the title");
    assert_eq!(
        Doc::select().count(&db).await.unwrap(),
        0,
        "nothing written"
    );
    let (status, doc) = call(
        &client,
        Method::Post,
        "/api/doc/",
        as_alice(),
        Some(json!({"title": "draft", "user": 999})),
    )
    .await;
    assert_eq!(status, Status::Created, "{doc}");
    assert_eq!(doc["user"], alice, "set_owner: the caller owns it");
    let uri = format!("/api/doc/{}/", doc["id"]);
    // the version must move by one from the stored row
    let (status, _) = call(
        &client,
        Method::Put,
        &uri,
        as_alice(),
        Some(json!({"title": "v?", "version": 5})),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    let (status, body) = call(
        &client,
        Method::Put,
        &uri,
        as_alice(),
        Some(json!({"title": "v1", "version": 1, "published": true})),
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    // published: the title is frozen, other fields are not
    let (status, _) = call(
        &client,
        Method::Put,
        &uri,
        as_alice(),
        Some(json!({"title": "v2", "version": 2})),
    )
    .await;
    assert_eq!(status, Status::Forbidden);
    // validate_owner: an admin may act on alice's doc
    let (status, body) = call(
        &client,
        Method::Patch,
        &uri,
        as_admin(),
        Some(json!({"version": 2})),
    )
    .await;
    assert_eq!(status, Status::Ok, "{body}");
    // a soft delete: the row stays, marked, and leaves the resource
    let (status, _) = call(&client, Method::Delete, &uri, as_alice(), None).await;
    assert_eq!(status, Status::Ok);
    let id = doc["id"].as_i64().unwrap();
    let kept = Doc::get(&db, id).await.unwrap();
    assert!(
        kept.deleted && kept.title == "v1" && kept.version == 2,
        "{kept:?}"
    );
    let (status, _) = call(&client, Method::Get, &uri, None, None).await;
    assert_eq!(status, Status::NotFound);
}

/// Two `PUT`s at once, each checked against the row it read: the row is
/// read locked, so the second sees the first's write and its check fails.
async fn concurrent_checked_updates_do_not_interleave(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let as_alice = || Some(basic("alice", "alice-password"));
    let (_, doc) = call(
        &client,
        Method::Post,
        "/api/doc/",
        as_alice(),
        Some(json!({"title": "race"})),
    )
    .await;
    let uri = format!("/api/doc/{}/", doc["id"]);
    for round in 1..=3 {
        let put = || {
            call(
                &client,
                Method::Put,
                &uri,
                as_alice(),
                Some(json!({"version": round})),
            )
        };
        let (a, b) = tokio::join!(put(), put());
        let mut statuses = [a.0, b.0];
        statuses.sort_by_key(|s| s.code);
        assert_eq!(
            statuses,
            [Status::Ok, Status::Forbidden],
            "round {round}: {a:?} {b:?}"
        );
    }
    let db = client.rocket().state::<Db>().unwrap();
    assert_eq!(
        Doc::get(db, doc["id"].as_i64().unwrap())
            .await
            .unwrap()
            .version,
        3
    );
}

/// `ApiUser` guards an app's own route with the API's authentication: 401
/// JSON with a Basic challenge without credentials or with wrong ones.
async fn app_routes_take_the_api_caller(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let res = client.get("/api/whoami").dispatch().await;
    assert_eq!(res.status(), Status::Unauthorized);
    assert_eq!(
        res.headers().get_one("WWW-Authenticate"),
        Some("Basic realm=\"Login Required\"")
    );
    let body: Json = res.into_json().await.expect("a JSON error");
    assert!(body["error"].is_string(), "{body}");
    let res = client
        .get("/api/whoami")
        .header(basic("alice", "wrong-password"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    drop(res);
    let res = client
        .get("/api/whoami")
        .header(basic("alice", "alice-password"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.into_string().await.unwrap(), "alice");
    let res = client.get("/api/hello").dispatch().await;
    assert_eq!(res.into_string().await.unwrap(), "anonymous");
    // the session cookie counts too, as on the resources
    let status = hangar::testing::login(&client, "alice", "alice-password").await;
    assert_eq!(status, Status::SeeOther);
    let res = client.get("/api/hello").dispatch().await;
    assert_eq!(res.into_string().await.unwrap(), "alice");
}

/// `exclude` hides fields from the output; writes still take them, and
/// `readonly` is what refuses a field.
async fn exclude_shapes_output_only(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let admin = || Some(basic("admin", "admin-password"));
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/user/",
        admin(),
        Some(json!({"username": "carol", "email": "carol@x.io", "password": "carol-password", "admin": true})),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
    assert_eq!(body["username"], "carol");
    assert!(
        body.get("email").is_none() && body.get("password").is_none(),
        "{body}"
    );
    assert_eq!(
        body["admin"], false,
        "readonly fields are stripped from writes"
    );
    let db = client.rocket().state::<Db>().unwrap();
    let carol = User::get(db, body["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(carol.email, "carol@x.io", "the hidden field was written");
    // the OpenAPI document says the same: hidden in objects, accepted in writes
    let (_, doc) = call(&client, Method::Get, "/api/openapi.json", None, None).await;
    let shown = &doc["components"]["schemas"]["user"]["properties"];
    assert!(
        shown.get("email").is_none() && shown.get("password").is_none(),
        "{shown}"
    );
    let create =
        &doc["paths"]["/api/user/"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(create["properties"]["email"]["type"], "string", "{create}");
    assert_eq!(
        create["properties"]["password"]["writeOnly"], true,
        "{create}"
    );
    assert!(
        create["properties"].get("admin").is_none(),
        "readonly: {create}"
    );
    assert!(
        create["properties"].get("session_epoch").is_none(),
        "{create}"
    );
    // the new user's credentials work for a protected write
    let (status, body) = call(
        &client,
        Method::Post,
        "/api/allposts/",
        Some(basic("carol", "carol-password")),
        Some(json!({"title": "by carol", "user": carol.id})),
    )
    .await;
    assert_eq!(status, Status::Created, "{body}");
}

/// A password written to the auth user model through the API is hashed by
/// the auth battery's rules and ends the user's sessions.
async fn passwords_written_through_the_api_are_hashed(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let (_, alice) = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    let admin = || Some(basic("admin", "admin-password"));
    let uri = format!("/api/user/{alice}/");
    // alice has a browser session
    let status = hangar::testing::login(&client, "alice", "alice-password").await;
    assert_eq!(status, Status::SeeOther);
    async fn password_page(client: &Client) -> Status {
        let res = client
            .get("/accounts/password/")
            .header(Accept::HTML)
            .dispatch()
            .await;
        res.status()
    }
    assert_eq!(password_page(&client).await, Status::Ok, "logged in");
    for method in [Method::Put, Method::Patch] {
        let new = format!("new-{method}-password");
        let (status, body) = call(
            &client,
            method,
            &uri,
            admin(),
            Some(json!({ "password": new })),
        )
        .await;
        assert_eq!(status, Status::Ok, "{body}");
        assert!(body.get("password").is_none());
        let stored = User::get(&db, alice).await.unwrap().password;
        assert_ne!(stored, new, "never stored as given");
        assert!(
            hangar::auth::password::check_password(&new, &stored)
                .await
                .unwrap(),
            "the stored hash verifies"
        );
        let (status, _) = call(
            &client,
            Method::Get,
            "/api/allposts/",
            Some(basic("alice", &new)),
            None,
        )
        .await;
        assert_eq!(status, Status::Ok, "the new password works");
    }
    assert_ne!(
        password_page(&client).await,
        Status::Ok,
        "the old session has ended"
    );
    let (status, _) = call(
        &client,
        Method::Post,
        "/api/allposts/",
        Some(basic("alice", "alice-password")),
        Some(json!({"title": "x", "user": alice})),
    )
    .await;
    assert_eq!(status, Status::Unauthorized, "the old password is gone");
    // the auth battery's rules apply: too short, or over bcrypt's 72 bytes
    let before = User::get(&db, alice).await.unwrap().password;
    for bad in ["short".to_owned(), "x".repeat(73)] {
        let (status, body) = call(
            &client,
            Method::Put,
            &uri,
            admin(),
            Some(json!({ "password": bad, "username": "renamed" })),
        )
        .await;
        assert_eq!(status, Status::BadRequest, "{body}");
        assert_eq!(
            body["errors"][0]["source"]["pointer"], "/password",
            "{body}"
        );
    }
    let after = User::get(&db, alice).await.unwrap();
    assert_eq!(
        (after.password, after.username.as_str()),
        (before, "alice"),
        "nothing written"
    );
    // the session epoch is never written as given
    let (status, _) = call(
        &client,
        Method::Put,
        &uri,
        admin(),
        Some(json!({ "session_epoch": 7 })),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_ne!(User::get(&db, alice).await.unwrap().session_epoch, 7);
}

/// `?ordering=` sorts first; `get_query`'s order only breaks its ties.
async fn client_ordering_comes_before_get_query(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let (_, body) = call(&client, Method::Get, "/api/allposts/", None, None).await;
    assert_eq!(titles(&body), ["c", "a", "b"], "get_query: newest first");
    let (_, body) = call(
        &client,
        Method::Get,
        "/api/allposts/?ordering=title",
        None,
        None,
    )
    .await;
    assert_eq!(titles(&body), ["a", "b", "c"]);
    let (_, body) = call(
        &client,
        Method::Get,
        "/api/allposts/?ordering=-title",
        None,
        None,
    )
    .await;
    assert_eq!(titles(&body), ["c", "b", "a"]);
}

/// A resource's `paginate_by` is the most `?limit=` may ask; the API's
/// `max_paginate_by` caps every resource.
async fn paginate_by_bounds_limit(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let (_, body) = call(&client, Method::Get, "/api/post/?limit=10", None, None).await;
    assert_eq!(titles(&body).len(), 2, "{body}");
    assert_eq!(body["meta"]["page_count"], 2);
    let (_, body) = call(&client, Method::Get, "/api/post/?limit=1", None, None).await;
    assert_eq!(titles(&body).len(), 1, "a smaller limit is kept");
    // no paginate_by on the resource: the API's max (3 here) caps `?limit=`
    let db = client.rocket().state::<Db>().unwrap();
    Post {
        id: 0,
        user: 1,
        title: "d".into(),
    }
    .insert(db)
    .await
    .ok();
    let (_, body) = call(&client, Method::Get, "/api/allposts/?limit=50", None, None).await;
    assert_eq!(titles(&body).len(), 3, "{body}");
}

/// Cursor pages order by non-null local fields: a nullable or related
/// ordering is refused by name, never replaced by another order.
async fn cursor_pages_refuse_orders_they_cannot_keep(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    seed(&client).await;
    let (status, body) = call(
        &client,
        Method::Get,
        "/api/task/?ordering=-title",
        None,
        None,
    )
    .await;
    assert_eq!(status, Status::Ok);
    let got: Vec<&str> = body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["t3", "t2", "t1"]);
    for (ordering, column) in [
        ("priority", "priority"),
        ("-user__username", "user__username"),
    ] {
        let (status, body) = call(
            &client,
            Method::Get,
            &format!("/api/task/?ordering={ordering}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, Status::BadRequest, "{ordering}: {body}");
        assert!(body["error"].as_str().unwrap().contains(column), "{body}");
        assert_eq!(body["errors"][0]["source"]["pointer"], "/ordering");
    }
}

/// A key whose row id equals a user's id is still no user: owner checks in
/// hooks and `restrict_owner` never take it for that user.
async fn api_keys_are_never_users(tdb: Arc<TestDb>) {
    let client = Client::tracked(app(&tdb)).await.unwrap();
    let (_, alice) = seed(&client).await;
    let db = client.rocket().state::<Db>().unwrap().clone();
    // keys until one has alice's id
    let mut name = String::new();
    let mut key_id = 0;
    while key_id < alice {
        name = format!("k{key_id}");
        let pk = Key {
            id: 0,
            key: name.clone(),
            secret: hangar::rest::hash_secret("s"),
        }
        .insert(&db)
        .await
        .unwrap();
        key_id = pk.as_i64().unwrap();
    }
    assert_eq!(key_id, alice, "the key's row id is alice's user id");
    let with_key = |uri: &str| format!("{uri}?key={name}&secret=s");
    let post = Post::select().first(&db).await.unwrap().unwrap();
    assert_eq!(post.user, alice);
    let (status, body) = call(
        &client,
        Method::Put,
        &with_key(&format!("/api/keyed/{}/", post.id)),
        None,
        Some(json!({"title": "by key"})),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "a hook's owner check: {body}");
    let (status, _) = call(
        &client,
        Method::Put,
        &with_key(&format!("/api/owned/{}/", post.id)),
        None,
        Some(json!({"title": "by key"})),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "restrict_owner");
    let (status, _) = call(
        &client,
        Method::Post,
        &with_key("/api/owned/"),
        None,
        Some(json!({"title": "by key", "user": alice})),
    )
    .await;
    assert_eq!(status, Status::Forbidden, "keys own nothing");
    assert_eq!(Post::get(&db, post.id).await.unwrap().title, post.title);
}
