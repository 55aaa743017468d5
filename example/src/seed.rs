//! Demo data for a first run.

use hangar::auth::{password, User, UserModel};
use hangar::db::{Db, Error, Model as _};

use crate::models::{Message, Note, Relationship};

/// The password of every seeded demo user.
pub const DEMO_PASSWORD: &str = "password123";

/// Seeds demo users (admin, huey, mickey, zaizee — password
/// [`DEMO_PASSWORD`]), follows, messages and notes into an empty database,
/// in one transaction. Returns whether it seeded.
///
/// # Errors
/// Database errors; nothing is written then.
pub async fn seed_demo_data(db: &Db, bcrypt_cost: u32) -> Result<bool, Error> {
    if User::select().exists(db).await? {
        return Ok(false);
    }
    let hash = password::make_password(DEMO_PASSWORD, bcrypt_cost)
        .await
        .map_err(|e| Error::Config(e.to_string()))?;
    let mut tx = db.begin().await?;
    let mut users = Vec::new();
    for (name, admin) in [
        ("admin", true),
        ("huey", false),
        ("mickey", false),
        ("zaizee", false),
    ] {
        let mut u = User::new_user(name, &format!("{name}@example.com"), hash.clone(), admin);
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
        "the admin site is at /admin/ and the JSON API at /api/",
    ];
    for (i, text) in lines.iter().enumerate() {
        Message {
            id: 0,
            user: users[i % users.len()].id,
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
