//! Auth benchmark: login (POST) latency at the default bcrypt cost, and
//! requests/s of a 20-row page behind `AuthUser` vs the same page unguarded.
//! Run with `bench/run.sh auth` (release build).

use std::time::{Duration, Instant};

use hangar::auth::{Auth, AuthState, AuthUser};
use hangar::db::{Database, Db, Model as _};
use hangar::Model;
use rocket::http::ContentType;
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{get, routes};

#[derive(Model, serde::Serialize)]
#[model(table = "bench_note")]
struct Note {
    id: i64,
    #[model(references = hangar::auth::User, on_delete = "cascade")]
    user: i64,
    text: String,
    #[model(default = "now")]
    #[serde(with = "time::serde::rfc3339")]
    created: time::OffsetDateTime,
}

async fn page(db: &Db) -> Json<Vec<Note>> {
    Json(
        Note::select()
            .order_by("-id")
            .expect("order")
            .limit(20)
            .all(db)
            .await
            .expect("page"),
    )
}

#[get("/open")]
async fn open(db: Db) -> Json<Vec<Note>> {
    page(&db).await
}

#[get("/guarded")]
async fn guarded(_user: AuthUser, db: Db) -> Json<Vec<Note>> {
    page(&db).await
}

async fn rate(client: &Client, uri: &'static str, secs: f64) -> f64 {
    for _ in 0..200 {
        client.get(uri).dispatch().await.into_bytes().await;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        let res = client.get(uri).dispatch().await;
        assert_eq!(res.status().code, 200, "{uri}");
        std::hint::black_box(res.into_bytes().await);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

#[rocket::main]
async fn main() {
    let secs: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let dir = std::env::temp_dir().join(format!("hangar-auth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let figment = rocket::figment::Figment::from(rocket::Config::release_default())
        .merge(("log_level", "off"))
        .merge(("secret_key", "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk="))
        .merge(("template_dir", dir.display().to_string()))
        .merge((
            "hangar.auth.session_cache_ms",
            std::env::var("BENCH_SESSION_CACHE_MS")
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(2000),
        ))
        .merge((
            "databases.main.url",
            format!("sqlite://{}", dir.join("auth.db").display()),
        ));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Note>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .mount("/", routes![open, guarded]);
    let client = Client::tracked(rocket).await.expect("launch");
    let db = client.rocket().state::<Db>().expect("db").clone();
    let state = client.rocket().state::<AuthState>().expect("auth");
    let cost = state.config.bcrypt_cost;
    let user = state
        .store()
        .create(&db, &state.config, "bench", "b@x", "bench-password", false)
        .await
        .expect("user");
    for i in 0..100 {
        Note {
            id: 0,
            user: user.id,
            text: format!("note {i} with some text"),
            created: hangar::db::now(),
        }
        .insert(&db)
        .await
        .expect("note");
    }

    // login latency (GET the form once for the CSRF token, then time the POSTs)
    let mut token = hangar::testing::csrf_token(&client)
        .await
        .expect("csrf field");
    let mut times = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let res = client
            .post("/accounts/login/")
            .header(ContentType::Form)
            .body(format!(
                "csrf_token={token}&username=bench&password=bench-password"
            ))
            .dispatch()
            .await;
        assert_eq!(res.status().code, 303, "login");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        // the CSRF token rotates at login: fetch the new one (not timed)
        drop(res);
        token = hangar::testing::csrf_token(&client)
            .await
            .expect("csrf field");
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;

    // guarded vs open, alternating, best of two rounds each
    let (mut g, mut o) = (0f64, 0f64);
    for _ in 0..2 {
        o = o.max(rate(&client, "/open", secs).await);
        g = g.max(rate(&client, "/guarded", secs).await);
    }
    let cache_ms = client
        .rocket()
        .state::<AuthState>()
        .map_or(0, |s| s.config.session_cache_ms);
    println!("session_cache_ms = {cache_ms}");
    println!("bcrypt cost {cost}: login POST median {median:.1} ms, mean {mean:.1} ms (10 logins)");
    println!(
        "20-row page unguarded: {o:.0} req/s; behind AuthUser: {g:.0} req/s; guard costs {:.1}%",
        (1.0 - g / o) * 100.0
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
