//! The example app: a port of flask-peewee's twitter-like example on Hangar.
//!
//! Models: Hangar's auth `User`, `Relationship` (follows), `Message`, `Note`.
//! On first run the tables are created and demo data is seeded. Views: the
//! public and private timelines, user list and detail, join, follow/unfollow,
//! create message; login/logout/password come from `hangar::auth`; the JSON
//! API under `/api/` from `hangar::rest`.

pub mod admin;
pub mod api;
pub mod models;
pub mod panels;
pub mod seed;
pub mod social;
pub mod timeline;

use hangar::auth::{Auth, AuthState};
use hangar::db::{Database, Db};
use rocket::fairing::AdHoc;
use rocket::{routes, Build, Rocket};

pub use models::{Message, Note, Relationship, User};
pub use seed::{seed_demo_data, DEMO_PASSWORD};

/// The example app, used by `main` and by the tests.
pub fn rocket() -> Rocket<Build> {
    build(rocket::build())
}

/// Attaches the example's fairings and routes to `rocket` (tests pass their own config).
pub fn build(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(
            Database::fairing()
                .model::<Relationship>()
                .model::<Message>()
                .model::<Note>()
                .with(Auth::models()),
        )
        .attach(Auth::fairing())
        .attach(AdHoc::try_on_ignite("Seed demo data", |rocket| async move {
            let (Some(db), Some(auth)) = (rocket.state::<Db>().cloned(), rocket.state::<AuthState>()) else {
                return Ok(rocket);
            };
            let cost = auth.config.bcrypt_cost;
            let auto_create = rocket
                .figment()
                .extract_inner::<bool>("hangar.database.auto_create")
                .unwrap_or(true);
            // demo accounts with a published password are for trying the
            // example, never for a release build unless asked for
            let seed_demo = rocket
                .figment()
                .extract_inner::<bool>("seed_demo_data")
                .unwrap_or(rocket.figment().profile() == rocket::Config::DEBUG_PROFILE);
            if !auto_create || !seed_demo {
                return Ok(rocket);
            }
            match seed_demo_data(&db, cost).await {
                Ok(seeded) => {
                    if seeded {
                        rocket::info!("seeded demo data (users admin, huey, mickey, zaizee; password {DEMO_PASSWORD})");
                    }
                    Ok(rocket)
                }
                Err(e) => {
                    rocket::error!("seeding demo data failed: {e}");
                    Err(rocket)
                }
            }
        }))
        .attach(hangar::templates::fairing())
        .attach(api::api())
        .attach(admin::admin())
        .mount(
            "/",
            routes![
                timeline::homepage,
                timeline::public_timeline,
                timeline::private_timeline,
                timeline::user_list,
                timeline::user_detail,
                social::join_page,
                social::join,
                social::follow,
                social::unfollow,
                social::create_page,
                social::create,
            ],
        )
}
