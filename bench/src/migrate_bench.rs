//! Migrations at scale:
//! - `diff URL`: introspecting a 50-model schema and diffing it against the
//!   models (what `migrate diff`/`check`/`generate` do), median of 20 runs;
//! - `rebuild DIR ROWS`: a SQLite table of ROWS rows rebuilt by a portable
//!   `alter_column` (copy, drop, rename, indexes, foreign-key check), its time
//!   and the process's peak memory, next to the same rebuild written by hand
//!   in SQL on a copy of the same file.
//!
//! Run through `bench/migrate.sh`.

use std::path::Path;
use std::time::{Duration, Instant};

use hangar::db::migrate::RunOptions;
use hangar::db::{introspect, Db, Executor as _, Migrations, Schema, Table as _};

macro_rules! models {
    ($($name:ident $table:literal),* $(,)?) => {
        $(
            #[derive(hangar::Model)]
            #[model(table = $table)]
            #[allow(dead_code)]
            pub struct $name {
                pub id: i64,
                #[model(unique, max_length = 80)]
                pub name: String,
                pub body: Option<String>,
                #[model(index)]
                pub rank: i32,
                pub score: f64,
                #[model(default = true)]
                pub active: bool,
                #[model(default = "now")]
                pub created: time::OffsetDateTime,
                #[model(references = M00, on_delete = "cascade")]
                pub parent: Option<i64>,
            }
        )*
        fn schemas() -> Vec<&'static Schema> {
            vec![$($name::schema()),*]
        }
    };
}

models!(
    M00 "bench_m00", M01 "bench_m01", M02 "bench_m02", M03 "bench_m03", M04 "bench_m04",
    M05 "bench_m05", M06 "bench_m06", M07 "bench_m07", M08 "bench_m08", M09 "bench_m09",
    M10 "bench_m10", M11 "bench_m11", M12 "bench_m12", M13 "bench_m13", M14 "bench_m14",
    M15 "bench_m15", M16 "bench_m16", M17 "bench_m17", M18 "bench_m18", M19 "bench_m19",
    M20 "bench_m20", M21 "bench_m21", M22 "bench_m22", M23 "bench_m23", M24 "bench_m24",
    M25 "bench_m25", M26 "bench_m26", M27 "bench_m27", M28 "bench_m28", M29 "bench_m29",
    M30 "bench_m30", M31 "bench_m31", M32 "bench_m32", M33 "bench_m33", M34 "bench_m34",
    M35 "bench_m35", M36 "bench_m36", M37 "bench_m37", M38 "bench_m38", M39 "bench_m39",
    M40 "bench_m40", M41 "bench_m41", M42 "bench_m42", M43 "bench_m43", M44 "bench_m44",
    M45 "bench_m45", M46 "bench_m46", M47 "bench_m47", M48 "bench_m48", M49 "bench_m49",
);

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A fresh database on the server of `url` (dropped by the caller), or the
/// SQLite URL as given.
async fn fresh(url: &str) -> (String, Option<(String, String)>) {
    if url.starts_with("sqlite") {
        return (url.to_owned(), None);
    }
    let name = format!("hangar_bench_{}", std::process::id());
    let admin = Db::connect(url).await.expect("server");
    admin
        .conn()
        .await
        .unwrap()
        .run_script(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    admin.close().await;
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    (format!("{base}/{name}"), Some((url.to_owned(), name)))
}

async fn diff(url: &str) {
    let (url, server) = fresh(url).await;
    let schemas = schemas();
    let db = Db::connect(&url)
        .await
        .expect("connect")
        .with_models(&schemas);
    hangar::db::ddl::create_tables(&db, &schemas)
        .await
        .expect("tables");
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let tables = introspect::tables(&db).await.expect("introspect");
        found = introspect::diff(db.registry(), &tables, db.backend(), false).len();
        times.push(t.elapsed());
    }
    println!(
        "diff, {} models on {}: median {:.1} ms, best {:.1} ms ({} differences)",
        schemas.len(),
        db.backend().name(),
        median(times.clone()).as_secs_f64() * 1000.0,
        times.iter().min().unwrap().as_secs_f64() * 1000.0,
        found
    );
    db.close().await;
    if let Some((server, name)) = server {
        let admin = Db::connect(&server).await.unwrap();
        let _ = (&admin).run_script(&format!("DROP DATABASE {name}")).await;
        admin.close().await;
    }
}

async fn prepare(path: &Path, rows: u64) {
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Db::connect(&url).await.unwrap();
    (&db)
        .run_script(
            "CREATE TABLE big (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER NOT NULL, \
             b TEXT, c REAL NOT NULL DEFAULT 0, label VARCHAR(40) NOT NULL UNIQUE); \
             CREATE INDEX idx_big_a ON big (a); \
             CREATE TABLE child (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             big INTEGER NOT NULL REFERENCES big (id) ON DELETE CASCADE); \
             CREATE INDEX idx_child_big ON child (big);",
        )
        .await
        .unwrap();
    (&db)
        .run_script(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
             INSERT INTO big (a, b, c, label) SELECT i % 1000, 'row number ' || i, i * 0.5, \
             'label-' || i FROM n; \
             INSERT INTO child (big) SELECT id FROM big WHERE id % 100 = 0;"
        ))
        .await
        .unwrap();
    db.close().await;
}

async fn rebuild(dir: &Path, rows: u64) {
    let file = dir.join("rebuild.db");
    let native = dir.join("native.db");
    for f in [&file, &native] {
        let _ = std::fs::remove_file(f);
    }
    prepare(&file, rows).await;
    std::fs::copy(&file, &native).unwrap();
    let before = peak_rss_mib();

    let migrations = dir.join("migrations");
    let _ = std::fs::remove_dir_all(&migrations);
    std::fs::create_dir_all(&migrations).unwrap();
    // c NOT NULL -> nullable: SQLite's ALTER TABLE cannot, so the table is rebuilt
    std::fs::write(
        migrations.join("1_c_nullable.toml"),
        "[[up]]\nop = \"alter_column\"\ntable = \"big\"\n\
         column = { name = \"c\", type = \"float\", nullable = true, default = 0.0 }\n",
    )
    .unwrap();
    let db = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let m = Migrations::load(&migrations, "hangar_migrations")
        .await
        .unwrap();
    let mut out = Vec::new();
    let t = Instant::now();
    m.up_with(&db, None, RunOptions::default(), &mut out)
        .await
        .expect("rebuild");
    let took = t.elapsed();
    let peak = peak_rss_mib();
    let children = (&db)
        .fetch(
            hangar::db::Statement::new("SELECT COUNT(*) FROM child"),
            &[hangar::db::SqlType::BigInt],
        )
        .await
        .unwrap()[0][0]
        .clone();
    db.close().await;

    let native_db = Db::connect(&format!("sqlite://{}", native.display()))
        .await
        .unwrap();
    let t = Instant::now();
    // the same rebuild written by hand, as SQLite's documentation gives it
    let mut conn = native_db.conn().await.unwrap();
    conn.run_script(
        "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE; \
         CREATE TABLE new_big (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER NOT NULL, \
         b TEXT, c REAL DEFAULT 0, label VARCHAR(40) NOT NULL UNIQUE); \
         INSERT INTO new_big (id, a, b, c, label) SELECT id, a, b, c, label FROM big; \
         DROP TABLE big; ALTER TABLE new_big RENAME TO big; \
         CREATE INDEX idx_big_a ON big (a); PRAGMA foreign_key_check; COMMIT; \
         PRAGMA foreign_keys = ON;",
    )
    .await
    .unwrap();
    drop(conn);
    let native_took = t.elapsed();
    native_db.close().await;
    print!("{}", String::from_utf8_lossy(&out));
    println!(
        "rebuild of {rows} rows (alter_column big.c, indexes and foreign keys kept, {children} child rows kept): \
         {:.2} s; the same rebuild hand-written in SQL: {:.2} s (ratio {:.2}); \
         peak RSS {:.0} MiB (before the rebuild {:.0} MiB)",
        took.as_secs_f64(),
        native_took.as_secs_f64(),
        took.as_secs_f64() / native_took.as_secs_f64(),
        peak,
        before
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("diff") => diff(args.get(2).expect("URL")).await,
        Some("rebuild") => {
            let dir = std::path::PathBuf::from(args.get(2).expect("DIR"));
            let rows = args
                .get(3)
                .and_then(|r| r.parse().ok())
                .unwrap_or(1_000_000);
            rebuild(&dir, rows).await
        }
        _ => eprintln!("usage: migrate-bench diff URL | rebuild DIR [ROWS]"),
    }
}
