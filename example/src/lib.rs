//! The example app: a port of flask-peewee's twitter-like example on Hangar.
//!
//! Models: `User`, `Relationship` (follows), `Message`, `Note`. On first run
//! the tables are created and demo data is seeded; `/` shows the public
//! timeline, paginated with `object_list`-style pagination.

use hangar::db::{Database, Db, Error, Model as _, Op, Value};
use hangar::utils::PaginatedQuery;
use hangar::Model;
use rocket::fairing::AdHoc;
use rocket::{get, routes, Build, Rocket};
use rocket_dyn_templates::{context, Template};
use serde::Serialize;
use time::OffsetDateTime;

/// A site member (flask-peewee's example `User`).
#[derive(Model, Clone, Debug, Serialize)]
#[model(table = "user", display = "username")]
pub struct User {
    pub id: i64,
    #[model(unique, max_length = 80)]
    pub username: String,
    pub email: String,
    #[model(secret)]
    #[serde(skip_serializing)]
    pub password: String,
    #[model(default = "now")]
    pub join_date: OffsetDateTime,
    #[model(default = true)]
    pub active: bool,
    #[model(default = false)]
    pub admin: bool,
}

/// `from_user` follows `to_user`.
#[derive(Model, Clone, Debug, Serialize)]
pub struct Relationship {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub from_user: i64,
    #[model(references = User, on_delete = "cascade")]
    pub to_user: i64,
}

/// A short public message.
#[derive(Model, Clone, Debug, Serialize)]
#[model(display = "content")]
pub struct Message {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub content: String,
    #[model(default = "now")]
    pub pub_date: OffsetDateTime,
}

/// A private note (shown by the admin's note panel in a later battery).
#[derive(Model, Clone, Debug, Serialize)]
pub struct Note {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub message: String,
    #[model(choices = [(1, "live"), (2, "deleted")])]
    pub status: Option<i32>,
    #[model(default = "now")]
    pub created_date: OffsetDateTime,
}

/// One line of the timeline as the template shows it.
#[derive(Serialize)]
struct Entry {
    id: i64,
    username: String,
    content: String,
    pub_date: String,
}

/// Messages per timeline page.
pub const PAGINATE_BY: u64 = 20;

/// The public timeline: every message, newest first.
#[get("/?<page>")]
async fn public_timeline(db: Db, page: Option<&str>) -> Result<Template, Error> {
    let query = Message::select().order_by("-pub_date")?.order_by("-id")?;
    let page = PaginatedQuery::new(query, page, PAGINATE_BY)?
        .fetch(&db)
        .await?;
    let user_ids: Vec<Value> = page.items.iter().map(|m| Value::Int(m.user)).collect();
    let users = User::select()
        .filter_values("id", Op::In, user_ids)?
        .all(&db)
        .await?;
    let entries: Vec<Entry> = page
        .items
        .iter()
        .map(|m| Entry {
            id: m.id,
            username: users
                .iter()
                .find(|u| u.id == m.user)
                .map_or_else(String::new, |u| u.username.clone()),
            content: m.content.clone(),
            pub_date: m.pub_date.date().to_string(),
        })
        .collect();
    let range = page.page_range(3);
    Ok(Template::render(
        "public_timeline",
        context! {
            object_list: entries,
            page: page.page,
            pagination: context! {
                page: page.page, pages: page.pages, count: page.count,
                has_next: page.has_next, has_previous: page.has_previous,
                page_range: range,
            },
        },
    ))
}

/// The public timeline at its flask-peewee URL.
#[get("/public?<page>")]
async fn public(db: Db, page: Option<&str>) -> Result<Template, Error> {
    public_timeline(db, page).await
}

/// Every user, by username (flask-peewee's `user_list`, with `object_list`).
#[get("/users?<page>")]
async fn user_list(db: Db, page: Option<&str>) -> Result<Template, Error> {
    let users = User::select().order_by("username")?;
    hangar::utils::object_list(
        &db,
        "user_list",
        users,
        page,
        PAGINATE_BY,
        serde_json::json!({}),
    )
    .await
}

/// One user's messages (flask-peewee's `user_detail`).
#[get("/users/<username>?<page>")]
async fn user_detail(db: Db, username: &str, page: Option<&str>) -> Result<Template, Error> {
    let person =
        hangar::utils::get_query_or_404(&db, &User::select().filter("username", Op::Eq, username)?)
            .await?;
    let following = Relationship::select()
        .filter("from_user", Op::Eq, person.id)?
        .count(&db)
        .await?;
    let followers = Relationship::select()
        .filter("to_user", Op::Eq, person.id)?
        .count(&db)
        .await?;
    let messages = Message::select()
        .filter("user", Op::Eq, person.id)?
        .order_by("-pub_date")?;
    let context =
        serde_json::json!({ "person": person, "following": following, "followers": followers });
    hangar::utils::object_list(&db, "user_detail", messages, page, PAGINATE_BY, context).await
}

/// Seeds demo users, follows, messages and notes into an empty database.
///
/// # Errors
/// Database errors; nothing is written then (one transaction).
pub async fn seed_demo_data(db: &Db) -> Result<bool, Error> {
    if User::select().exists(db).await? {
        return Ok(false);
    }
    let mut tx = db.begin().await?;
    let mut users = Vec::new();
    for (name, admin) in [
        ("admin", true),
        ("huey", false),
        ("mickey", false),
        ("zaizee", false),
    ] {
        let mut u = User {
            id: 0,
            username: name.into(),
            email: format!("{name}@example.com"),
            // not a usable password: set one with the auth battery's tools
            password: "!".into(),
            join_date: hangar::db::now(),
            active: true,
            admin,
        };
        u.insert(&mut tx).await?;
        users.push(u);
    }
    for (from, to) in [(1, 2), (1, 3), (2, 1), (3, 4), (4, 2)] {
        Relationship {
            id: 0,
            from_user: users[from - 1].id,
            to_user: users[to - 1].id,
        }
        .insert(&mut tx)
        .await?;
    }
    let start = hangar::db::now() - time::Duration::days(2);
    let lines = [
        "Welcome to the Hangar example, a port of flask-peewee's twitter clone.",
        "meow! anybody want to play?",
        "huey knocked the plant over again",
        "zaizee is sleeping in the sun",
        "Rocket + sqlx + Hangar: tables were created on first launch.",
        "mickey found a box",
        "the admin site and the REST API arrive with the next batteries",
    ];
    for (i, text) in lines.iter().enumerate() {
        let author = &users[i % users.len()];
        Message {
            id: 0,
            user: author.id,
            content: (*text).into(),
            pub_date: start + time::Duration::hours(i as i64 * 5),
        }
        .insert(&mut tx)
        .await?;
    }
    for (user, text, status) in [
        (0, "remember to rotate the secret key", Some(1)),
        (1, "old note", Some(2)),
    ] {
        Note {
            id: 0,
            user: users[user].id,
            message: text.into(),
            status,
            created_date: hangar::db::now(),
        }
        .insert(&mut tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The example app, used by `main` and by the tests.
pub fn rocket() -> Rocket<Build> {
    build(rocket::build())
}

/// Attaches the example's fairings and routes to `rocket` (tests pass their own config).
pub fn build(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(
            Database::fairing()
                .model::<User>()
                .model::<Relationship>()
                .model::<Message>()
                .model::<Note>(),
        )
        .attach(AdHoc::try_on_ignite(
            "Seed demo data",
            |rocket| async move {
                let Some(db) = rocket.state::<Db>().cloned() else {
                    return Ok(rocket);
                };
                let auto_create = rocket
                    .figment()
                    .extract_inner::<bool>("hangar.database.auto_create")
                    .unwrap_or(true);
                if !auto_create {
                    return Ok(rocket);
                }
                match seed_demo_data(&db).await {
                    Ok(seeded) => {
                        if seeded {
                            rocket::info!("seeded demo data");
                        }
                        Ok(rocket)
                    }
                    Err(e) => {
                        rocket::error!("seeding demo data failed: {e}");
                        Err(rocket)
                    }
                }
            },
        ))
        .attach(hangar::templates::fairing())
        .mount(
            "/",
            routes![public_timeline, public, user_list, user_detail],
        )
}
