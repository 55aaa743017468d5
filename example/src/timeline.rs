//! Reading views: timelines and user pages.

use hangar::auth::{AuthUser, Page};
use hangar::db::Table as _;
use hangar::db::{Db, Error, Model as _, Op, Query, Value};
use hangar::utils::PaginatedQuery;
use rocket::get;
use rocket_dyn_templates::Template;
use serde::Serialize;
use serde_json::json;

use crate::models::{Message, Relationship, User};

/// Messages per page.
pub const PAGINATE_BY: u64 = 20;

/// One line of a timeline as the templates show it.
#[derive(Serialize)]
struct Entry {
    id: i64,
    username: String,
    content: String,
    pub_date: String,
}

/// A page of `query` with each message's author, and the pagination numbers.
async fn timeline_context(
    db: &Db,
    query: Query<Message>,
    page: Option<&str>,
) -> Result<serde_json::Value, Error> {
    let page = PaginatedQuery::new(query, page, PAGINATE_BY)?
        .fetch(db)
        .await?;
    let ids: Vec<Value> = page.items.iter().map(|m| Value::Int(m.user)).collect();
    let users = User::select()
        .filter_values("id", Op::In, ids)?
        .all(db)
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
    Ok(json!({
        "object_list": entries,
        "page": page.page,
        "pagination": {
            "page": page.page, "pages": page.pages, "count": page.count,
            "has_next": page.has_next, "has_previous": page.has_previous,
            "page_range": page.page_range(3),
        },
    }))
}

/// The ids of the users `user_id` follows.
pub async fn following_ids(db: &Db, user_id: i64) -> Result<Vec<Value>, Error> {
    Ok(Relationship::select()
        .filter("from_user", Op::Eq, user_id)?
        .all(db)
        .await?
        .into_iter()
        .map(|r| Value::Int(r.to_user))
        .collect())
}

/// The home page: the private timeline when logged in, else the public one.
#[get("/?<page>")]
pub async fn homepage(
    db: Db,
    p: Page,
    user: Option<AuthUser>,
    page: Option<&str>,
) -> Result<Template, Error> {
    match user {
        Some(user) => private_timeline(db, p, user, page).await,
        None => public_timeline(db, p, page).await,
    }
}

/// Every message, newest first.
#[get("/public?<page>")]
pub async fn public_timeline(db: Db, p: Page, page: Option<&str>) -> Result<Template, Error> {
    let query = Message::select().order_by("-pub_date")?.order_by("-id")?;
    let ctx = timeline_context(&db, query, page).await?;
    Ok(p.render("public_timeline", ctx))
}

/// Messages of the users the logged-in user follows.
#[get("/private?<page>")]
pub async fn private_timeline(
    db: Db,
    p: Page,
    user: AuthUser,
    page: Option<&str>,
) -> Result<Template, Error> {
    let following = following_ids(&db, user.id).await?;
    let query = Message::select()
        .filter_values("user", Op::In, following)?
        .order_by("-pub_date")?
        .order_by("-id")?;
    let ctx = timeline_context(&db, query, page).await?;
    Ok(p.render("private_timeline", ctx))
}

/// Every user, by username (flask-peewee's `user_list`, with `object_list`).
#[get("/users?<page>")]
pub async fn user_list(db: Db, p: Page, page: Option<&str>) -> Result<Template, Error> {
    let users = User::select().order_by("username")?;
    hangar::utils::object_list(
        &db,
        "user_list",
        users,
        page,
        PAGINATE_BY,
        p.context(json!({})),
    )
    .await
}

/// One user's messages, with follow/unfollow for logged-in visitors.
#[get("/users/<username>?<page>")]
pub async fn user_detail(
    db: Db,
    p: Page,
    viewer: Option<AuthUser>,
    username: &str,
    page: Option<&str>,
) -> Result<Template, Error> {
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
    let is_following = match &viewer {
        Some(v) => {
            Relationship::select()
                .filter("from_user", Op::Eq, v.id)?
                .filter("to_user", Op::Eq, person.id)?
                .exists(&db)
                .await?
        }
        None => false,
    };
    let messages = Message::select()
        .filter("user", Op::Eq, person.id)?
        .order_by("-pub_date")?;
    let ctx = p.context(json!({
        "person": person.to_record().to_public_json(),
        "following": following,
        "followers": followers,
        "is_following": is_following,
        "is_self": viewer.as_ref().is_some_and(|v| v.id == person.id),
    }));
    hangar::utils::object_list(&db, "user_detail", messages, page, PAGINATE_BY, ctx).await
}
