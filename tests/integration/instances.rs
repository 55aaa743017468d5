//! Several instances on one database: a session revoked on one ends on
//! every other within 100 ms on PostgreSQL (LISTEN/NOTIFY) while each keeps
//! its caches on, and within `session_cache_ms` on MySQL and SQLite; login
//! throttling counts attempts made on any instance against one limit.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::TestDb;
use hangar::auth::{Auth, AuthState, User};
use hangar::db::{Backend, Database, Db, Executor as _, Statement};
use hangar::rest::{Resource, RestApi, UserAuthentication};
use hangar::Model;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

#[derive(Model, Clone, Debug)]
pub struct Memo {
    pub id: i64,
    #[model(references = User, on_delete = "cascade")]
    pub user: i64,
    pub text: String,
}

app_cases!(
    revocations_reach_every_instance,
    failed_logins_across_instances_stay_within_the_limit,
);

/// How long instances other than the writer may keep a revoked session.
const FALLBACK_MS: u64 = 400;

async fn instance(tdb: &TestDb) -> Client {
    // caches on and long on PostgreSQL, where revocations are announced;
    // short elsewhere, where the cache's lifetime is the bound
    let cache_ms = match tdb.backend {
        Backend::Postgres => 60_000,
        _ => FALLBACK_MS,
    };
    let figment = tdb
        .figment()
        .merge(("hangar.auth.bcrypt_cost", 4))
        .merge(("hangar.auth.throttle_limit", 5))
        .merge(("hangar.auth.session_cache_ms", cache_ms))
        .merge(("hangar.auth.credentials_cache_ms", cache_ms));
    let rocket = rocket::custom(figment)
        .attach(Database::fairing().model::<Memo>().with(Auth::models()))
        .attach(Auth::fairing())
        .attach(hangar::templates::fairing())
        .attach(
            RestApi::fairing()
                .default_auth(UserAuthentication::default())
                .register::<Memo>(Resource::new()),
        );
    Client::tracked(rocket).await.expect("launch")
}

fn basic(user: &str, password: &str) -> Header<'static> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Header::new("Authorization", format!("Basic {token}"))
}

async fn write_memo(client: &Client, user: i64, auth: Header<'static>) -> Status {
    client
        .post("/api/memo/")
        .header(auth)
        .header(ContentType::JSON)
        .body(format!(r#"{{"user": {user}, "text": "hi"}}"#))
        .dispatch()
        .await
        .status()
}

/// Waits until both instances listen for revocations (PostgreSQL).
async fn both_listening(db: &Db) {
    for _ in 0..200 {
        let mut ex = db;
        let rows = ex
            .fetch(
                Statement::new(
                    "SELECT COUNT(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query LIKE 'LISTEN%'",
                ),
                &[hangar::db::SqlType::BigInt],
            )
            .await
            .unwrap();
        if rows[0][0].as_i64() >= Some(2) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the instances never started listening");
}

/// User alice, made through instance `a`.
async fn create_alice(a: &Client) -> hangar::auth::SessionUser {
    let state = a.rocket().state::<AuthState>().unwrap();
    let db = a.rocket().state::<Db>().unwrap();
    state
        .store()
        .create(
            db,
            &state.config,
            "alice",
            "a@x.io",
            "alice-password",
            false,
        )
        .await
        .unwrap()
}

async fn revocations_reach_every_instance(tdb: Arc<TestDb>) {
    let a = instance(&tdb).await;
    let b = instance(&tdb).await;
    let state = a.rocket().state::<AuthState>().unwrap();
    let db = a.rocket().state::<Db>().unwrap();
    if tdb.backend == Backend::Postgres {
        both_listening(db).await;
    }
    let alice = create_alice(&a).await;
    let b_state = b.rocket().state::<AuthState>().unwrap();
    let bound = match tdb.backend {
        Backend::Postgres => Duration::from_millis(100),
        _ => Duration::from_millis(FALLBACK_MS + 200),
    };
    // each revocation made on A ends alice's credentials on B in time
    for (round, revoke) in ["password", "deactivate", "logout everywhere"]
        .iter()
        .enumerate()
    {
        let password = format!("password-{round}");
        state
            .store()
            .set_password(db, &state.config, "alice", &password)
            .await
            .unwrap();
        state.store().set_active(db, alice.id, true).await.unwrap();
        // B learns the new password (wait out its fallback cache elsewhere)
        let learned = Instant::now();
        while write_memo(&b, alice.id, basic("alice", &password)).await != Status::Created {
            assert!(
                learned.elapsed() < bound * 3,
                "B never took the new password"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let hits = b_state.store().credential_stats().hits;
        assert_eq!(
            write_memo(&b, alice.id, basic("alice", &password)).await,
            Status::Created
        );
        assert_eq!(
            b_state.store().credential_stats().hits,
            hits + 1,
            "B answers from its cache"
        );
        let revoked_at = Instant::now();
        match *revoke {
            "password" => {
                state
                    .store()
                    .set_password(db, &state.config, "alice", "another-password")
                    .await
                    .unwrap();
            }
            "deactivate" => state.store().set_active(db, alice.id, false).await.unwrap(),
            _ => {
                state.store().bump_epoch(db, alice.id).await.unwrap();
                // Basic credentials outlive a logout everywhere, but B must
                // have dropped what it remembered and check them afresh
                tokio::time::sleep(bound).await;
                let misses = b_state.store().credential_stats().misses;
                assert_eq!(
                    write_memo(&b, alice.id, basic("alice", &password)).await,
                    Status::Created
                );
                assert_eq!(
                    b_state.store().credential_stats().misses,
                    misses + 1,
                    "B checked the credentials afresh"
                );
                continue;
            }
        }
        while write_memo(&b, alice.id, basic("alice", &password)).await == Status::Created {
            assert!(
                revoked_at.elapsed() < bound,
                "{revoke} on A still not seen by B after {:?}",
                revoked_at.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        eprintln!("{revoke}: seen by B after {:?}", revoked_at.elapsed());
    }
}

async fn failed_logins_across_instances_stay_within_the_limit(tdb: Arc<TestDb>) {
    let a = instance(&tdb).await;
    let b = instance(&tdb).await;
    let alice = create_alice(&a).await;
    let guesses = (0..24).map(|i| {
        let client = if i % 2 == 0 { &a } else { &b };
        write_memo(client, alice.id, basic("alice", &format!("guess-{i}")))
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == Status::Unauthorized)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == Status::TooManyRequests)
        .count();
    assert_eq!(checked + throttled, 24, "{statuses:?}");
    assert!(
        checked <= 5,
        "at most the limit of guesses checked across both instances: {statuses:?}"
    );
    // and the right password is throttled too until the window ends
    assert_eq!(
        write_memo(&b, alice.id, basic("alice", "alice-password")).await,
        Status::TooManyRequests
    );
}
