//! The example app through Rocket's local client on a temp-file SQLite database.

use example::{Message, User};
use hangar::db::{Db, Model as _, Op};
use rocket::http::Status;
use rocket::local::asynchronous::Client;

async fn client() -> (Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let figment = rocket::figment::Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
        ))
        .merge((
            "databases.main.url",
            format!("sqlite://{}", dir.path().join("ex.db").display()),
        ))
        .merge((
            "hangar.database.migrations_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"),
        ));
    let client = Client::tracked(example::build(rocket::custom(figment)))
        .await
        .expect("example launches");
    (client, dir)
}

#[rocket::async_test]
async fn first_run_seeds_demo_data_and_shows_the_timeline() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    assert_eq!(User::select().count(&db).await.unwrap(), 4);
    let admin = User::select()
        .filter("username", Op::Eq, "admin")
        .unwrap()
        .one(&db)
        .await
        .unwrap();
    assert!(admin.admin);
    let res = client.get("/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    assert!(html.contains("Public timeline"));
    assert!(html.contains("mickey found a box"));
    assert!(
        html.contains("href=\"/users/huey/\">huey<"),
        "usernames link to their pages"
    );
    // newest first
    let newest = html.find("the admin site and the REST API").unwrap();
    let oldest = html.find("Welcome to the Hangar example").unwrap();
    assert!(newest < oldest);
    // the seed runs once: a restart over the same database adds nothing
    drop(client);
}

#[rocket::async_test]
async fn the_timeline_paginates_and_escapes() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    let user = User::select().one(&db).await.unwrap();
    for i in 0..30 {
        Message {
            id: 0,
            user: user.id,
            content: format!("<script>alert({i})</script>"),
            pub_date: hangar::db::now(),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    let html = client
        .get("/")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert_eq!(html.matches("<li id=\"message-").count(), 20);
    assert!(!html.contains("<script>alert"), "content is escaped");
    assert!(html.contains("&lt;script&gt;alert(29)"));
    assert!(html.contains("rel=\"next\" href=\"?page=2\""));
    assert!(html.contains("37 in all"));
    let html = client
        .get("/?page=2")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert_eq!(html.matches("<li id=\"message-").count(), 17);
    assert!(html.contains("rel=\"prev\" href=\"?page=1\""));
    let html = client
        .get("/?page=9")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    assert!(html.contains("No messages yet."));
    assert_eq!(
        client.get("/?page=abc").dispatch().await.status(),
        Status::BadRequest
    );
    assert_eq!(
        client.get("/?page=0").dispatch().await.status(),
        Status::BadRequest
    );
}

#[rocket::async_test]
async fn the_example_migration_is_applied() {
    let (client, _dir) = client().await;
    let db = client.rocket().state::<Db>().expect("db").clone();
    let m = hangar::db::Migrations::load(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")),
        "hangar_migrations",
    )
    .await
    .unwrap();
    let status = m.status(&db).await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|s| s.applied));
}

#[rocket::async_test]
async fn user_list_and_detail_pages() {
    let (client, _dir) = client().await;
    let res = client.get("/users/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    let order: Vec<usize> = ["admin", "huey", "mickey", "zaizee"]
        .iter()
        .map(|n| html.find(&format!("href=\"/users/{n}/\"")).expect(n))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted by username");
    let res = client.get("/users/huey/").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let html = res.into_string().await.unwrap();
    assert!(html.contains("<h1>huey</h1>"));
    assert!(html.contains("following 1 · followers 2"), "{html}");
    assert!(html.contains("mickey found a box"));
    assert!(!html.contains("zaizee is sleeping"), "only huey's messages");
    assert_eq!(
        client.get("/users/nobody/").dispatch().await.status(),
        Status::NotFound
    );
    assert_eq!(client.get("/public/").dispatch().await.status(), Status::Ok);
}
