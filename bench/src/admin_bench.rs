//! Admin benchmark: median server time of the message list page (20 rows of
//! 100k, a join filter and a search term) and of the edit page, in release,
//! through Rocket's in-process client (no network). `bench/run.sh admin`.

use std::time::Instant;

use hangar::admin::{Admin, ModelAdmin};
use hangar::auth::{Auth, AuthState, User, UserModel};
use hangar::db::{Database, Db, Model as _};
use hangar::Model;
use rocket::http::Header;
use rocket::local::asynchronous::Client;

#[derive(Model, Clone, Debug)]
#[model(table = "amessage", display = "content")]
struct AMessage {
    id: i64,
    #[model(references = User, on_delete = "cascade")]
    user: i64,
    content: String,
    #[model(default = "now")]
    pub_date: time::OffsetDateTime,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[rocket::main]
async fn main() {
    let path = std::env::var("BENCH_DB").unwrap_or_else(|_| "/tmp/hangar-admin-bench.db".into());
    let dir = std::env::temp_dir().join(format!("hangar-admin-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let figment = rocket::figment::Figment::from(rocket::Config::release_default())
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge(("log_level", "off"))
        .merge(("template_dir", dir.display().to_string()))
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("databases.main.url", format!("sqlite://{path}")));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<AMessage>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(
            Admin::fairing().register::<AMessage>(
                // the example's MessageAdmin: a computed column, the
                // type-ahead lookup on user, a filter bar of three widgets
                ModelAdmin::new()
                    .columns(["user", "content", "word_count", "pub_date"])
                    .computed_column("word_count", |row| {
                        row.get("content")
                            .map_or(0, |c| c.to_string().split_whitespace().count())
                            .to_string()
                    })
                    .foreign_key_lookups([("user", "username")])
                    .search_fields(["content", "user__username"])
                    .filter_fields(["user", "user__username", "pub_date"]),
            ),
        );
    let client = Client::tracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().expect("db").clone();
    if !AMessage::select().exists(&db).await.expect("exists") {
        let state = client.rocket().state::<AuthState>().expect("auth");
        state
            .store()
            .create(&db, &state.config, "root", "r@x", "root-password", true)
            .await
            .expect("root");
        let mut tx = db.begin().await.expect("begin");
        let mut users = Vec::new();
        for u in 0..1000 {
            let mut user = User::new_user(&format!("user{u}"), "u@x", "!".into(), false);
            user.insert(&mut tx).await.expect("user");
            users.push(user.id);
        }
        for m in 0..100_000 {
            AMessage {
                id: 0,
                user: users[m % users.len()],
                content: format!("message {m} with a few words to search through"),
                pub_date: hangar::db::now(),
            }
            .insert(&mut tx)
            .await
            .expect("message");
        }
        tx.commit().await.expect("commit");
    }
    // log in as the admin
    let status = hangar::testing::login(&client, "root", "root-password").await;
    assert_eq!(status.code, 303, "login");
    let list = "/admin/a_message/?user__username=user42&q=words&page=2";
    let edit = "/admin/a_message/4242/";
    for uri in [list, edit] {
        let res = client
            .get(uri)
            .header(Header::new("Accept", "text/html"))
            .dispatch()
            .await;
        assert_eq!(res.status().code, 200, "{uri}");
    }
    let mut report = Vec::new();
    for (name, uri) in [
        ("list page (join filter + search, 20 rows)", list),
        ("edit page", edit),
    ] {
        let mut times = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let res = client.get(uri).dispatch().await;
            let body = res.into_bytes().await;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(body);
        }
        report.push(format!(
            "{name}: median {:.2} ms over 200 requests",
            median(times)
        ));
    }
    for line in report {
        println!("{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
