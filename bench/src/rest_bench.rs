//! REST benchmark server: Hangar's API under `/api/` and a hand-written
//! Rocket + sqlx handler serving the same URLs under `/raw/` (rows decoded
//! into structs, serialised by serde, exact `COUNT(*)`), on one SQLite or
//! PostgreSQL database (`BENCH_URL`) with 1k users, 100k messages and a
//! 1M-row `bpost` table. `bench/rest.sh` drives it with wrk.
//! `/api/amessage/` is the same resource behind HTTP Basic (user `bench`,
//! password `bench-password`, bcrypt at the default cost 12), for the cost
//! of authenticated writes.

use hangar::admin::{Admin, ModelAdmin};
use hangar::auth::{Auth, AuthState};
use hangar::db::Table as _;
use hangar::db::{Backend, Count, Database, Db, Executor as _, Model as _, Pool};
use hangar::rest::{
    ApiError, ApiUser, Authenticator, Resource, RestApi, UserAuthentication, ALL_METHODS,
};
use hangar::Model;
use rocket::http::{Method, Status};
use rocket::serde::json::Json;
use rocket::{get, post, routes, Request};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Model, Clone, Debug, Serialize)]
#[model(table = "buser")]
struct BUser {
    id: i64,
    #[model(unique, max_length = 80)]
    username: String,
    email: String,
}

#[derive(Model, Clone, Debug, Serialize)]
#[model(table = "bmessage")]
struct BMessage {
    id: i64,
    #[model(references = BUser, on_delete = "cascade")]
    user: i64,
    content: String,
    #[model(default = "now")]
    #[serde(serialize_with = "iso")]
    pub_date: time::OffsetDateTime,
}

fn iso<S: serde::Serializer>(t: &time::OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hangar::db::Value::DateTime(*t).to_string())
}

/// Writes open to all: the benchmark measures the framework, not bcrypt.
struct Open;

#[rocket::async_trait]
impl Authenticator for Open {
    fn protected_methods(&self) -> &[Method] {
        &[]
    }
    async fn authenticate(&self, _req: &Request<'_>) -> Result<Option<ApiUser>, ApiError> {
        Ok(None)
    }
}

#[derive(Model, Clone, Debug, Serialize)]
#[model(table = "bpost")]
struct BPost {
    id: i64,
    title: String,
    score: i64,
}

const USERS: i64 = 1_000;
const MESSAGES: i64 = 100_000;
const POSTS: i64 = 1_000_000;

/// 1k users, 100k messages and 1M posts, written by SQL on the server
/// (seeding is not what is measured); statistics gathered after.
async fn seed(db: &Db) {
    if BUser::select().exists(db).await.expect("exists") {
        return;
    }
    let (series, text) = match db.backend() {
        Backend::Sqlite => (
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {N})",
            "CAST(n AS TEXT)",
        ),
        _ => ("WITH s(n) AS (SELECT generate_series(1, {N}))", "n::text"),
    };
    let now = hangar::db::Value::DateTime(hangar::db::now());
    let now = match db.backend() {
        Backend::Sqlite => format!("'{now}'"),
        _ => "now()".to_owned(),
    };
    let script = [
        format!(
            "{} INSERT INTO buser (username, email) SELECT 'user' || {text}, 'u' || {text} || '@example.com' FROM s",
            series.replace("{N}", &USERS.to_string())
        ),
        format!(
            "{} INSERT INTO bmessage (\"user\", content, pub_date) SELECT (n - 1) % {USERS} + 1, \
             'message ' || {text} || ': a line of text of a typical length for a short post', {now} FROM s",
            series.replace("{N}", &MESSAGES.to_string())
        ),
        format!(
            "{} INSERT INTO bpost (title, score) SELECT 'post ' || {text}, n % 1000 FROM s",
            series.replace("{N}", &POSTS.to_string())
        ),
        "ANALYZE".to_owned(),
    ];
    let mut ex = db;
    for sql in script {
        ex.run_script(&sql).await.expect("seed");
    }
}

/// What the hand-written handlers send: rows decoded into a struct and
/// serialised by serde (no JSON value trees), as a lean handler would.
#[derive(Serialize)]
struct Msg {
    id: i64,
    user: i64,
    content: String,
    pub_date: String,
}

#[derive(Serialize)]
struct Post {
    id: i64,
    title: String,
    score: i64,
}

#[derive(Serialize)]
struct Meta {
    model: &'static str,
    page: i64,
    page_count: i64,
    object_count: i64,
    next: String,
    previous: String,
}

#[derive(Serialize)]
struct Page<T> {
    meta: Meta,
    objects: Vec<T>,
}

/// Decoding a row the backend's way (SQLite keeps datetimes as text).
trait Decode {
    fn msg(&self) -> Msg;
    fn post(&self) -> Post;
}

impl Decode for sqlx::sqlite::SqliteRow {
    fn msg(&self) -> Msg {
        Msg {
            id: self.get(0),
            user: self.get(1),
            content: self.get(2),
            pub_date: self.get(3),
        }
    }
    fn post(&self) -> Post {
        Post {
            id: self.get(0),
            title: self.get(1),
            score: self.get(2),
        }
    }
}

impl Decode for sqlx::postgres::PgRow {
    fn msg(&self) -> Msg {
        Msg {
            id: self.get(0),
            user: self.get(1),
            content: self.get(2),
            pub_date: hangar::db::Value::DateTime(self.get(3)).to_string(),
        }
    }
    fn post(&self) -> Post {
        Post {
            id: self.get(0),
            title: self.get(1),
            score: self.get(2),
        }
    }
}

/// Runs `$body` with `$p` bound to the sqlx pool of either backend (the
/// SQL is written with `$n` placeholders, which both accept).
macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db.pool() {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
            _ => panic!("the REST benchmark runs on SQLite or PostgreSQL"),
        }
    };
}

const COLS: &str = "m.id, m.\"user\", m.content, m.pub_date";

fn meta(model: &'static str, page: i64, count: i64, path: &str) -> Meta {
    let pages = (count + 19) / 20;
    Meta {
        model,
        page,
        page_count: pages,
        object_count: count,
        next: if page < pages {
            format!("{path}?page={}", page + 1)
        } else {
            String::new()
        },
        previous: if page > 1 {
            format!("{path}?page={}", page - 1)
        } else {
            String::new()
        },
    }
}

#[derive(rocket::FromForm)]
struct ListQuery<'r> {
    user: Option<i64>,
    #[field(name = "user__username")]
    username: Option<&'r str>,
    page: Option<i64>,
}

#[get("/bmessage?<q..>")]
async fn raw_list(db: Db, q: ListQuery<'_>) -> Result<Json<Page<Msg>>, Status> {
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1) * 20;
    let fail = |_| Status::InternalServerError;
    let (count, objects) = on_pool!(db, |p| {
        if let Some(name) = q.username {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM bmessage m JOIN buser u ON u.id = m.\"user\" WHERE u.username = $1",
            )
            .bind(name)
            .fetch_one(p)
            .await
            .map_err(fail)?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM bmessage m JOIN buser u ON u.id = m.\"user\" \
                 WHERE u.username = $1 ORDER BY m.id LIMIT 20 OFFSET $2"
            )))
            .bind(name)
            .bind(offset)
            .fetch_all(p)
            .await
            .map_err(fail)?;
            (count, rows.iter().map(Decode::msg).collect())
        } else if let Some(user) = q.user {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM bmessage m WHERE m.\"user\" = $1")
                    .bind(user)
                    .fetch_one(p)
                    .await
                    .map_err(fail)?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM bmessage m WHERE m.\"user\" = $1 ORDER BY m.id LIMIT 20 OFFSET $2"
            )))
            .bind(user)
            .bind(offset)
            .fetch_all(p)
            .await
            .map_err(fail)?;
            (count, rows.iter().map(Decode::msg).collect())
        } else {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bmessage m")
                .fetch_one(p)
                .await
                .map_err(fail)?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM bmessage m ORDER BY m.id LIMIT 20 OFFSET $1"
            )))
            .bind(offset)
            .fetch_all(p)
            .await
            .map_err(fail)?;
            (count, rows.iter().map(Decode::msg).collect())
        }
    });
    Ok(Json(Page {
        meta: meta("bmessage", page, count, "/raw/bmessage/"),
        objects,
    }))
}

/// The 1M-row table's pages, counted exactly every time.
#[get("/bpost?<page>")]
async fn raw_posts(db: Db, page: Option<i64>) -> Result<Json<Page<Post>>, Status> {
    let page = page.unwrap_or(1).max(1);
    let fail = |_| Status::InternalServerError;
    let (count, objects) = on_pool!(db, |p| {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bpost")
            .fetch_one(p)
            .await
            .map_err(fail)?;
        let rows = sqlx::query("SELECT id, title, score FROM bpost ORDER BY id LIMIT 20 OFFSET $1")
            .bind((page - 1) * 20)
            .fetch_all(p)
            .await
            .map_err(fail)?;
        (count, rows.iter().map(Decode::post).collect())
    });
    Ok(Json(Page {
        meta: meta("bpost", page, count, "/raw/bpost/"),
        objects,
    }))
}

#[get("/bmessage/<id>")]
async fn raw_detail(db: Db, id: i64) -> Result<Json<Msg>, Status> {
    let sql = format!("SELECT {COLS} FROM bmessage m WHERE m.id = $1");
    let row = on_pool!(db, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(p)
        .await
        .map_err(|_| Status::InternalServerError)?
        .map(|r| r.msg()));
    row.map(Json).ok_or(Status::NotFound)
}

#[derive(Deserialize)]
struct NewMessage {
    user: i64,
    content: String,
}

/// One autocommit `INSERT ... RETURNING`.
#[post("/bmessage", data = "<body>")]
async fn raw_create(db: Db, body: Json<NewMessage>) -> Result<(Status, Json<Msg>), Status> {
    let msg = on_pool!(db, |p| {
        let sql = "INSERT INTO bmessage (\"user\", content, pub_date) VALUES ($1, $2, $3) \
                   RETURNING id, \"user\", content, pub_date";
        let q = sqlx::query(sql).bind(body.user).bind(&body.content);
        let q = match db.backend() {
            Backend::Sqlite => q.bind(hangar::db::Value::DateTime(hangar::db::now()).to_string()),
            _ => q.bind(hangar::db::now()),
        };
        q.fetch_one(p)
            .await
            .map_err(|e| {
                eprintln!("create: {e}");
                Status::ServiceUnavailable
            })?
            .msg()
    });
    Ok((Status::Created, Json(msg)))
}

#[rocket::launch]
async fn rocket() -> _ {
    let url = std::env::var("BENCH_URL").unwrap_or_else(|_| {
        let path = std::env::var("BENCH_DB").unwrap_or_else(|_| "/tmp/hangar-rest-bench.db".into());
        format!("sqlite://{path}")
    });
    let figment = rocket::figment::Figment::from(rocket::Config::release_default())
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge(("log_level", "off"))
        .merge((
            "port",
            std::env::var("BENCH_PORT")
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(8077),
        ))
        .merge(("databases.main.url", url.clone()))
        .merge(("databases.main.max_connections", 8));
    let seeder = Db::connect(&url).await.expect("db");
    let schemas = [BUser::schema(), BMessage::schema(), BPost::schema()];
    hangar::db::ddl::create_tables(&seeder, &schemas)
        .await
        .expect("tables");
    seed(&seeder).await;
    seeder.close().await;
    rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<BUser>()
                .model::<BMessage>()
                .model::<BPost>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        // the 1M-row table in the admin, for the export's memory
        .attach(Admin::fairing().register::<BPost>(ModelAdmin::new().count(Count::estimated())))
        .attach(rocket::fairing::AdHoc::on_liftoff("bench user", |rocket| {
            Box::pin(async move {
                let (db, state) = (
                    rocket.state::<Db>().expect("db"),
                    rocket.state::<AuthState>().expect("auth"),
                );
                let store = state.store();
                let _ = store
                    .create(
                        db,
                        &state.config,
                        "bench",
                        "b@x.io",
                        "bench-password",
                        false,
                    )
                    .await;
                let _ = store
                    .create(db, &state.config, "root", "r@x.io", "root-password", true)
                    .await;
            })
        }))
        .attach(
            RestApi::fairing()
                .default_auth(Open)
                .register::<BMessage>(Resource::new().name("bmessage"))
                .register::<BMessage>(
                    Resource::new()
                        .name("amessage")
                        .auth(UserAuthentication::default()),
                )
                // reads behind HTTP Basic too (protected reads)
                .register::<BMessage>(
                    Resource::new()
                        .name("rmessage")
                        .auth(UserAuthentication::default().protect(ALL_METHODS)),
                )
                .register::<BPost>(Resource::new().name("bpost"))
                .register::<BPost>(
                    Resource::new()
                        .name("bpost_estimated")
                        .count(Count::estimated()),
                )
                .register::<BPost>(Resource::new().name("bpost_uncounted").count(Count::None)),
        )
        .mount("/raw", routes![raw_list, raw_posts, raw_detail, raw_create])
}
