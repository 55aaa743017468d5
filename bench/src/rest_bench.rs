//! REST benchmark server: Hangar's API under `/api/` and a hand-written
//! Rocket + sqlx handler doing the same queries under `/raw/`, on one SQLite
//! database with 1k users and 100k messages. `bench/rest.sh` drives it with wrk.
//! `/api/amessage/` is the same resource behind HTTP Basic (user `bench`,
//! password `bench-password`, bcrypt at the default cost 12), for the cost
//! of authenticated writes.

use hangar::auth::{Auth, AuthState};
use hangar::db::{Database, Db, Model as _, Pool};
use hangar::rest::{ApiError, ApiUser, Authenticator, Resource, RestApi, UserAuthentication};
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

const USERS: i64 = 1_000;
const MESSAGES: i64 = 100_000;

async fn seed(db: &Db) {
    if BUser::select().exists(db).await.expect("exists") {
        return;
    }
    let mut tx = db.begin().await.expect("begin");
    for u in 1..=USERS {
        let mut user = BUser {
            id: 0,
            username: format!("user{u}"),
            email: format!("u{u}@example.com"),
        };
        user.insert(&mut tx).await.expect("user");
    }
    for m in 0..MESSAGES {
        BMessage {
            id: 0,
            user: m % USERS + 1,
            content: format!("message {m}: a line of text of a typical length for a short post"),
            pub_date: hangar::db::now(),
        }
        .insert(&mut tx)
        .await
        .expect("message");
    }
    tx.commit().await.expect("commit");
}

fn sqlite(db: &Db) -> sqlx::SqlitePool {
    match db.pool() {
        Pool::Sqlite(p) => p.clone(),
        _ => panic!("the REST benchmark runs on SQLite"),
    }
}

fn decode(r: &sqlx::sqlite::SqliteRow) -> serde_json::Value {
    serde_json::json!({
        "id": r.get::<i64, _>(0),
        "user": r.get::<i64, _>(1),
        "content": r.get::<String, _>(2),
        "pub_date": r.get::<String, _>(3),
    })
}

const COLS: &str = "t0.\"id\", t0.\"user\", t0.\"content\", t0.\"pub_date\"";

async fn raw_page(db: &Db, filter: Option<&str>, page: i64) -> serde_json::Value {
    let p = sqlite(db);
    let (count_sql, list_sql) = match filter {
        None => (
            "SELECT COUNT(*) FROM \"bmessage\" t0".to_owned(),
            format!("SELECT {COLS} FROM \"bmessage\" t0 ORDER BY t0.\"id\" LIMIT 20 OFFSET ?"),
        ),
        Some(_) => (
            "SELECT COUNT(*) FROM \"bmessage\" t0 LEFT JOIN \"buser\" t1 ON t1.\"id\" = t0.\"user\" WHERE t1.\"username\" = ?".to_owned(),
            format!("SELECT {COLS} FROM \"bmessage\" t0 LEFT JOIN \"buser\" t1 ON t1.\"id\" = t0.\"user\" WHERE t1.\"username\" = ? ORDER BY t0.\"id\" LIMIT 20 OFFSET ?"),
        ),
    };
    let mut count_q = sqlx::query(sqlx::AssertSqlSafe(count_sql));
    let mut list_q = sqlx::query(sqlx::AssertSqlSafe(list_sql));
    if let Some(name) = filter {
        count_q = count_q.bind(name.to_owned());
        list_q = list_q.bind(name.to_owned());
    }
    let count: i64 = count_q.fetch_one(&p).await.expect("count").get(0);
    let rows = list_q
        .bind((page - 1) * 20)
        .fetch_all(&p)
        .await
        .expect("rows");
    let objects: Vec<serde_json::Value> = rows.iter().map(decode).collect();
    let pages = (count + 19) / 20;
    serde_json::json!({
        "meta": {"model": "bmessage", "page": page, "page_count": pages, "object_count": count,
                 "next": if page < pages { format!("/raw/bmessage/?page={}", page + 1) } else { String::new() },
                 "previous": ""},
        "objects": objects,
    })
}

#[derive(rocket::FromForm)]
struct ListQuery<'r> {
    #[field(name = "user__username")]
    username: Option<&'r str>,
    page: Option<i64>,
}

#[get("/bmessage?<q..>")]
async fn raw_list(db: Db, q: ListQuery<'_>) -> Json<serde_json::Value> {
    Json(raw_page(&db, q.username, q.page.unwrap_or(1).max(1)).await)
}

#[get("/bmessage/<id>")]
async fn raw_detail(db: Db, id: i64) -> Result<Json<serde_json::Value>, Status> {
    let p = sqlite(&db);
    let sql = format!("SELECT {COLS} FROM \"bmessage\" t0 WHERE t0.\"id\" = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&p)
        .await
        .map_err(|_| Status::InternalServerError)?;
    row.map(|r| Json(decode(&r))).ok_or(Status::NotFound)
}

#[derive(Deserialize)]
struct NewMessage {
    user: i64,
    content: String,
}

#[post("/bmessage", data = "<body>")]
async fn raw_create(
    db: Db,
    body: Json<NewMessage>,
) -> Result<(Status, Json<serde_json::Value>), Status> {
    let p = sqlite(&db);
    let now = hangar::db::Value::DateTime(hangar::db::now()).to_string();
    let mut tx = p
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|_| Status::ServiceUnavailable)?;
    let id: i64 = sqlx::query("INSERT INTO \"bmessage\" (\"user\", \"content\", \"pub_date\") VALUES (?, ?, ?) RETURNING \"id\"")
        .bind(body.user)
        .bind(&body.content)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|_| Status::BadRequest)?
        .get(0);
    tx.commit().await.map_err(|_| Status::InternalServerError)?;
    let sql = format!("SELECT {COLS} FROM \"bmessage\" t0 WHERE t0.\"id\" = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&p)
        .await
        .map_err(|_| Status::InternalServerError)?;
    Ok((Status::Created, Json(decode(&row))))
}

#[rocket::launch]
async fn rocket() -> _ {
    let path = std::env::var("BENCH_DB").unwrap_or_else(|_| "/tmp/hangar-rest-bench.db".into());
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
        .merge(("databases.main.url", format!("sqlite://{path}")))
        .merge(("databases.main.max_connections", 8));
    let seeder = Db::connect(&format!("sqlite://{path}")).await.expect("db");
    hangar::db::ddl::create_tables(&seeder, &[BUser::schema(), BMessage::schema()])
        .await
        .expect("tables");
    seed(&seeder).await;
    seeder.close().await;
    rocket::custom(figment)
        .attach(
            Database::fairing()
                .model::<BUser>()
                .model::<BMessage>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
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
                ),
        )
        .mount("/raw", routes![raw_list, raw_detail, raw_create])
}
