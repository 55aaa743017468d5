//! Benchmark: Hangar's query layer against hand-written sqlx on the same
//! database, same SQL shape, same decoding into a struct. Prints ops/s and
//! the ratio for each case. Run with `bench/run.sh` (release build).

use hangar::db::Table as _;
use std::future::Future;
use std::time::{Duration, Instant};

use hangar::db::{Db, Model as _, Op, Pool};
use hangar::Model;
use sqlx::Row;
use time::OffsetDateTime;

#[derive(Model, Debug)]
#[model(table = "bench_user")]
struct User {
    id: i64,
    #[model(unique, max_length = 80)]
    username: String,
    email: String,
}

#[derive(Model, Debug)]
#[model(table = "bench_message")]
struct Message {
    id: i64,
    #[model(references = User, on_delete = "cascade")]
    user: i64,
    content: String,
    #[model(default = "now")]
    pub_date: OffsetDateTime,
}

const USERS: i64 = 100;
const MESSAGES_PER_USER: i64 = 100;

async fn seed(db: &Db) {
    hangar::db::ddl::create_tables(db, &[User::schema(), Message::schema()])
        .await
        .expect("tables");
    if User::select().exists(db).await.expect("exists") {
        return;
    }
    let mut tx = db.begin().await.expect("begin");
    for u in 0..USERS {
        let mut user = User {
            id: 0,
            username: format!("user{u}"),
            email: format!("u{u}@example.com"),
        };
        user.insert(&mut tx).await.expect("user");
        for m in 0..MESSAGES_PER_USER {
            Message {
                id: 0,
                user: user.id,
                content: format!("message {m} from user {u}, with a little text to decode"),
                pub_date: hangar::db::now(),
            }
            .insert(&mut tx)
            .await
            .expect("message");
        }
    }
    tx.commit().await.expect("commit");
}

/// Runs `f` repeatedly for `secs`; returns operations per second.
async fn measure<F, Fut>(secs: f64, mut f: F) -> f64
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = usize>,
{
    // warm up (prepared-statement caches, pool)
    for i in 0..200 {
        std::hint::black_box(f(i).await);
    }
    let start = Instant::now();
    let budget = Duration::from_secs_f64(secs);
    let mut n = 0u64;
    while start.elapsed() < budget {
        std::hint::black_box(f(n).await);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

macro_rules! hand_page {
    ($pool:expr, $q:literal, $name:expr) => {{
        let rows = sqlx::query($q)
            .bind($name)
            .fetch_all($pool)
            .await
            .expect("page");
        let msgs: Vec<Message> = rows
            .iter()
            .map(|r| Message {
                id: r.get(0),
                user: r.get(1),
                content: r.get(2),
                pub_date: r.get(3),
            })
            .collect();
        msgs.len()
    }};
}

macro_rules! hand_get {
    ($pool:expr, $q:literal, $id:expr) => {{
        let r = sqlx::query($q)
            .bind($id)
            .fetch_one($pool)
            .await
            .expect("get");
        let m = Message {
            id: r.get(0),
            user: r.get(1),
            content: r.get(2),
            pub_date: r.get(3),
        };
        m.content.len()
    }};
}

/// Hangar's query layer: (page op/s, get op/s).
async fn hangar_side(db: &Db, secs: f64) -> (f64, f64) {
    let hangar_page = measure(secs, |i| {
        let db = db.clone();
        async move {
            let name = format!("user{}", i % USERS as u64);
            Message::select()
                .filter("user__username", Op::Eq, name)
                .expect("filter")
                .order_by("-id")
                .expect("order")
                .limit(20)
                .all(&db)
                .await
                .expect("page")
                .len()
        }
    })
    .await;
    let hangar_get = measure(secs, |i| {
        let db = db.clone();
        async move {
            let id = (i % (USERS * MESSAGES_PER_USER) as u64) as i64 + 1;
            Message::get(&db, id).await.expect("get").content.len()
        }
    })
    .await;

    (hangar_page, hangar_get)
}

/// Hand-written sqlx with the same SQL: (page op/s, get op/s).
async fn hand_side(db: &Db, secs: f64) -> (f64, f64) {
    match db.pool().clone() {
        Pool::Sqlite(p) => {
            let page = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let name = format!("user{}", i % USERS as u64);
                    let rows = sqlx::query(
                        "SELECT t0.\"id\", t0.\"user\", t0.\"content\", t0.\"pub_date\" FROM \"bench_message\" t0 \
                         LEFT JOIN \"bench_user\" t1 ON t1.\"id\" = t0.\"user\" WHERE t1.\"username\" = ? \
                         ORDER BY t0.\"id\" DESC LIMIT 20",
                    )
                    .bind(name)
                    .fetch_all(&p)
                    .await
                    .expect("page");
                    let msgs: Vec<Message> = rows
                        .iter()
                        .map(|r| Message {
                            id: r.get(0),
                            user: r.get(1),
                            content: r.get(2),
                            pub_date: r.get(3),
                        })
                        .collect();
                    msgs.len()
                }
            })
            .await;
            let get = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let id = (i % (USERS * MESSAGES_PER_USER) as u64) as i64 + 1;
                    hand_get!(&p, "SELECT \"id\", \"user\", \"content\", \"pub_date\" FROM \"bench_message\" WHERE \"id\" = ?", id)
                }
            })
            .await;
            (page, get)
        }
        Pool::Postgres(p) => {
            let page = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let name = format!("user{}", i % USERS as u64);
                    hand_page!(&p, "SELECT t0.\"id\", t0.\"user\", t0.\"content\", t0.\"pub_date\" FROM \"bench_message\" t0 \
                        LEFT JOIN \"bench_user\" t1 ON t1.\"id\" = t0.\"user\" WHERE t1.\"username\" = $1 \
                        ORDER BY t0.\"id\" DESC LIMIT 20", name)
                }
            })
            .await;
            let get = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let id = (i % (USERS * MESSAGES_PER_USER) as u64) as i64 + 1;
                    hand_get!(&p, "SELECT \"id\", \"user\", \"content\", \"pub_date\" FROM \"bench_message\" WHERE \"id\" = $1", id)
                }
            })
            .await;
            (page, get)
        }
        Pool::MySql(p) => {
            let page = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let name = format!("user{}", i % USERS as u64);
                    hand_page!(&p, "SELECT t0.`id`, t0.`user`, t0.`content`, t0.`pub_date` FROM `bench_message` t0 \
                        LEFT JOIN `bench_user` t1 ON t1.`id` = t0.`user` WHERE t1.`username` = ? \
                        ORDER BY t0.`id` DESC LIMIT 20", name)
                }
            })
            .await;
            let get = measure(secs, |i| {
                let p = p.clone();
                async move {
                    let id = (i % (USERS * MESSAGES_PER_USER) as u64) as i64 + 1;
                    hand_get!(&p, "SELECT `id`, `user`, `content`, `pub_date` FROM `bench_message` WHERE `id` = ?", id)
                }
            })
            .await;
            (page, get)
        }
    }
}

#[tokio::main]
async fn main() {
    let secs: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let arg = std::env::args().nth(1).filter(|s| !s.is_empty());
    let dir = std::env::temp_dir().join(format!("hangar-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = arg.unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let db = Db::connect(&url).await.expect("connect");
    seed(&db).await;
    println!(
        "backend: {:?}; {USERS} users x {MESSAGES_PER_USER} messages; {secs}s per case\n",
        db.backend()
    );

    // alternate the order (hangar, sqlx, sqlx, hangar) and keep each side's best
    let mut best = [0f64; 4];
    for round in 0..2 {
        let (h, s) = if round == 0 {
            let h = hangar_side(&db, secs).await;
            (h, hand_side(&db, secs).await)
        } else {
            let s = hand_side(&db, secs).await;
            (hangar_side(&db, secs).await, s)
        };
        for (i, v) in [h.0, h.1, s.0, s.1].into_iter().enumerate() {
            best[i] = best[i].max(v);
        }
    }
    let [hangar_page, hangar_get, hand_page_ops, hand_get_ops] = best;

    println!(
        "{:<40} {:>12} {:>12} {:>8}",
        "case", "hangar op/s", "sqlx op/s", "ratio"
    );
    for (name, h, s) in [
        (
            "20-row page filtered by user__username",
            hangar_page,
            hand_page_ops,
        ),
        ("primary-key get", hangar_get, hand_get_ops),
    ] {
        println!("{name:<40} {h:>12.0} {s:>12.0} {:>7.1}%", h / s * 100.0);
    }
    if db.backend() != hangar::db::Backend::Sqlite {
        // leave the shared server as we found it
        use hangar::db::{Executor, Statement};
        for t in ["bench_message", "bench_user"] {
            let sql = format!("DROP TABLE {}", db.backend().quote(t));
            (&db)
                .execute(Statement::new(sql))
                .await
                .expect("drop bench table");
        }
    }
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
