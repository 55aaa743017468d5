//! The peers kit's hand-written baseline on sqlx 0.9: the same URLs, SQL and
//! JSON as `../shared/peers-bench/rust_baseline` (flask-peewee's RestAPI
//! surface for `message`), with the pool held as Rocket state instead of
//! rocket_db_pools (which pins sqlx 0.7).
//!
//! Env: BENCH_DB=sqlite|postgres, BENCH_DB_URL, ROCKET_PORT, ROCKET_ADDRESS
//! (the kit's bench.py sets them). Build with --release; run it as the kit's
//! `rust` system with `BENCH_RUST_BIN` (see bench/peers.sh).

#[macro_use]
extern crate rocket;

use chrono::NaiveDateTime;
use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;

#[derive(Serialize, sqlx::FromRow)]
pub struct Message {
    id: i32,
    #[serde(rename = "user")]
    user_id: i32,
    content: String,
    pub_date: NaiveDateTime,
}

#[derive(Serialize)]
pub struct Meta {
    model: &'static str,
    page: i64,
    page_count: i64,
    object_count: i64,
    previous: String,
    next: String,
}

#[derive(Serialize)]
pub struct Page {
    meta: Meta,
    objects: Vec<Message>,
}

#[derive(Deserialize)]
pub struct NewMessage {
    user: i32,
    content: String,
    pub_date: NaiveDateTime,
}

#[derive(FromForm)]
pub struct ListQuery<'r> {
    limit: Option<&'r str>,
    page: Option<&'r str>,
    user: Option<i32>,
    #[field(name = "user__username")]
    username: Option<&'r str>,
    ordering: Option<&'r str>,
}

impl ListQuery<'_> {
    fn limit(&self) -> i64 {
        match self.limit.and_then(|l| l.parse::<i64>().ok()) {
            Some(l) if l > 0 => l,
            _ => 20,
        }
    }

    fn page(&self) -> i64 {
        match self.page.and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if p > 0 => p,
            _ => 1,
        }
    }

    fn order_sql(&self) -> Option<&'static str> {
        Some(match self.ordering? {
            "id" => " ORDER BY m.id ASC",
            "-id" => " ORDER BY m.id DESC",
            "user" => " ORDER BY m.user_id ASC",
            "-user" => " ORDER BY m.user_id DESC",
            "content" => " ORDER BY m.content ASC",
            "-content" => " ORDER BY m.content DESC",
            "pub_date" => " ORDER BY m.pub_date ASC",
            "-pub_date" => " ORDER BY m.pub_date DESC",
            _ => return None,
        })
    }
}

/// flask-peewee's link: the current query with `page` replaced.
fn page_link(origin: &Origin<'_>, page: i64) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(origin.path().as_str());
    s.push('?');
    if let Some(q) = origin.query() {
        for seg in q.as_str().split('&') {
            if seg.is_empty() || seg.starts_with("page=") || seg == "page" {
                continue;
            }
            s.push_str(seg);
            s.push('&');
        }
    }
    s.push_str("page=");
    s.push_str(&page.to_string());
    s
}

fn meta(origin: &Origin<'_>, page: i64, limit: i64, count: i64) -> Meta {
    let page_count = (count + limit - 1) / limit;
    Meta {
        model: "message",
        page,
        page_count,
        object_count: count,
        previous: if page > 1 { page_link(origin, page - 1) } else { String::new() },
        next: if page < page_count { page_link(origin, page + 1) } else { String::new() },
    }
}

fn internal<E: std::fmt::Display>(e: E) -> Status {
    eprintln!("db error: {e}");
    Status::InternalServerError
}

/// One module per backend; the bodies differ only in the sqlx database type.
macro_rules! backend {
    ($modname:ident, $DB:ty, $ph1:literal) => {
        pub mod $modname {
            use super::*;

            pub struct Db(pub sqlx::Pool<$DB>);

            fn push_filters(qb: &mut QueryBuilder<$DB>, q: &ListQuery<'_>) {
                if q.username.is_some() {
                    qb.push(r#" INNER JOIN "user" AS u ON m.user_id = u.id"#);
                }
                let mut first = true;
                let mut and = |qb: &mut QueryBuilder<$DB>| {
                    qb.push(if first { " WHERE " } else { " AND " });
                    first = false;
                };
                if let Some(user) = q.user {
                    and(qb);
                    qb.push("m.user_id = ").push_bind(user);
                }
                if let Some(name) = q.username {
                    and(qb);
                    qb.push("u.username = ").push_bind(name.to_owned());
                }
            }

            #[get("/api/message?<q..>")]
            pub async fn list(
                db: &State<Db>,
                q: ListQuery<'_>,
                origin: &Origin<'_>,
            ) -> Result<Json<Page>, Status> {
                let mut conn = db.0.acquire().await.map_err(internal)?;
                let (limit, page) = (q.limit(), q.page());
                let mut cq = QueryBuilder::<$DB>::new(r#"SELECT COUNT(*) FROM "message" AS m"#);
                push_filters(&mut cq, &q);
                let (count,): (i64,) =
                    cq.build_query_as().fetch_one(&mut *conn).await.map_err(internal)?;
                let mut sq = QueryBuilder::<$DB>::new(
                    r#"SELECT m.id, m.user_id, m.content, m.pub_date FROM "message" AS m"#,
                );
                push_filters(&mut sq, &q);
                if let Some(order) = q.order_sql() {
                    sq.push(order);
                }
                sq.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind((page - 1) * limit);
                let objects: Vec<Message> =
                    sq.build_query_as().fetch_all(&mut *conn).await.map_err(internal)?;
                Ok(Json(Page { meta: meta(origin, page, limit, count), objects }))
            }

            #[get("/api/message/<id>")]
            pub async fn detail(db: &State<Db>, id: i32) -> Result<Json<Message>, Status> {
                let mut conn = db.0.acquire().await.map_err(internal)?;
                sqlx::query_as::<_, Message>(concat!(
                    r#"SELECT m.id, m.user_id, m.content, m.pub_date FROM "message" AS m WHERE m.id = "#,
                    $ph1
                ))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(internal)?
                .map(Json)
                .ok_or(Status::NotFound)
            }

            #[post("/api/message", format = "json", data = "<new>")]
            pub async fn create(db: &State<Db>, new: Json<NewMessage>) -> Result<Json<Message>, Status> {
                let new = new.into_inner();
                let mut conn = db.0.acquire().await.map_err(internal)?;
                let mut qb = QueryBuilder::<$DB>::new(
                    r#"INSERT INTO "message" ("user_id", "content", "pub_date") VALUES ("#,
                );
                qb.push_bind(new.user)
                    .push(", ")
                    .push_bind(new.content.clone())
                    .push(", ")
                    .push_bind(new.pub_date)
                    .push(") RETURNING id");
                let (id,): (i32,) = qb.build_query_as().fetch_one(&mut *conn).await.map_err(|e| {
                    eprintln!("insert failed: {e}");
                    Status::BadRequest
                })?;
                Ok(Json(Message { id, user_id: new.user, content: new.content, pub_date: new.pub_date }))
            }
        }
    };
}

backend!(sqlite, sqlx::Sqlite, "?");
backend!(pg, sqlx::Postgres, "$1");

/// A pool of 8 (rocket_db_pools' default on 2 cores: workers × 4), with
/// SQLite's `synchronous=NORMAL` as every peer sets.
#[launch]
async fn rocket() -> _ {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    use std::time::Duration;
    let backend = std::env::var("BENCH_DB").unwrap_or_else(|_| "sqlite".into());
    let url = std::env::var("BENCH_DB_URL").expect("BENCH_DB_URL");
    fn options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
    }
    if backend == "sqlite" {
        let connect = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .expect("a SQLite URL")
            .busy_timeout(Duration::from_secs(5))
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .disable_statement_logging();
        let pool = options().connect_with(connect).await.expect("SQLite pool");
        rocket::build()
            .manage(sqlite::Db(pool))
            .mount("/", routes![sqlite::list, sqlite::detail, sqlite::create])
    } else {
        let connect = sqlx::postgres::PgConnectOptions::from_str(&url)
            .expect("a PostgreSQL URL")
            .disable_statement_logging();
        let pool = options().connect_with(connect).await.expect("PostgreSQL pool");
        rocket::build()
            .manage(pg::Db(pool))
            .mount("/", routes![pg::list, pg::detail, pg::create])
    }
}
