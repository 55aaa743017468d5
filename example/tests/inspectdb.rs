//! `inspectdb` round trip: the structs it prints for a database — one the
//! example's models made, plus tables as flask-peewee makes them — compile
//! in a fresh crate, and `diff` between those models and the same database
//! is empty. On SQLite always; on PostgreSQL and MariaDB when
//! `HANGAR_TEST_POSTGRES_URL` / `HANGAR_TEST_MYSQL_URL` name a server.

use std::path::{Path, PathBuf};
use std::process::Command;

use hangar::db::{Backend, Db, Executor as _};

/// Tables flask-peewee would have made: integer keys without AUTOINCREMENT,
/// a foreign key with its index named peewee's way, a unique column.
fn peewee_ddl(backend: Backend) -> Vec<&'static str> {
    match backend {
        Backend::Sqlite => vec![
            r#"CREATE TABLE "legacy_team" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(40) NOT NULL UNIQUE)"#,
            r#"CREATE TABLE "legacy_member" ("id" INTEGER NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL REFERENCES "legacy_team" ("id") ON DELETE CASCADE, "username" VARCHAR(255) NOT NULL, "score" REAL, "joined" DATETIME NOT NULL, "visits" INTEGER NOT NULL DEFAULT 0)"#,
            r#"CREATE INDEX "legacymember_team_id" ON "legacy_member" ("team_id")"#,
        ],
        Backend::Postgres => vec![
            r#"CREATE TABLE "legacy_team" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(40) NOT NULL UNIQUE)"#,
            r#"CREATE TABLE "legacy_member" ("id" SERIAL NOT NULL PRIMARY KEY, "team_id" INTEGER NOT NULL REFERENCES "legacy_team" ("id") ON DELETE CASCADE, "username" VARCHAR(255) NOT NULL, "score" REAL, "joined" TIMESTAMP NOT NULL, "visits" INTEGER NOT NULL DEFAULT 0)"#,
            r#"CREATE INDEX "legacymember_team_id" ON "legacy_member" ("team_id")"#,
        ],
        Backend::MySql => vec![
            "CREATE TABLE `legacy_team` (`id` INTEGER AUTO_INCREMENT NOT NULL PRIMARY KEY, `name` VARCHAR(40) NOT NULL UNIQUE)",
            "CREATE TABLE `legacy_member` (`id` INTEGER AUTO_INCREMENT NOT NULL PRIMARY KEY, `team_id` INTEGER NOT NULL, `username` VARCHAR(255) NOT NULL, `score` FLOAT, `joined` DATETIME NOT NULL, `visits` INTEGER NOT NULL DEFAULT 0, FOREIGN KEY (`team_id`) REFERENCES `legacy_team` (`id`) ON DELETE CASCADE)",
            "CREATE INDEX `legacymember_team_id` ON `legacy_member` (`team_id`)",
        ],
    }
}

/// A database of each configured backend: (backend, url, server url to drop it).
async fn databases(dir: &Path) -> Vec<(Backend, String, Option<(String, String)>)> {
    let mut out = vec![(
        Backend::Sqlite,
        format!("sqlite://{}", dir.join("inspect.db").display()),
        None,
    )];
    for (backend, var) in [
        (Backend::Postgres, "HANGAR_TEST_POSTGRES_URL"),
        (Backend::MySql, "HANGAR_TEST_MYSQL_URL"),
    ] {
        let Ok(server) = std::env::var(var) else {
            eprintln!("SKIPPED: {var} not set; the {backend:?} round trip did not run");
            continue;
        };
        let name = format!("hangar_inspect_{}", std::process::id());
        let admin = Db::connect(&server).await.expect("connect to the server");
        (&admin)
            .run_script(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the database");
        admin.close().await;
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        out.push((
            backend,
            format!("{base}/{name}"),
            Some((server.clone(), name)),
        ));
    }
    out
}

fn example(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_example"))
        .args(args)
        .current_dir(dir)
        .env("ROCKET_DATABASES", format!("{{main={{url={url:?}}}}}"))
        .env("ROCKET_LOG_LEVEL", "off")
        .output()
        .expect("run the example");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The scratch crate: one module of structs per backend and a `main` that
/// diffs a module's models against a database.
fn crate_source(modules: &[(Backend, String)]) -> String {
    let mut src = String::new();
    let mut arms = String::new();
    for (backend, source) in modules {
        let name = backend.name();
        let structs: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub struct "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        src.push_str(&format!(
            "#[allow(dead_code)]\nmod {name} {{\n{source}\n}}\n\n"
        ));
        let schemas: Vec<String> = structs
            .iter()
            .map(|s| format!("{name}::{s}::schema()"))
            .collect();
        arms.push_str(&format!(
            "        {name:?} => vec![{}],\n",
            schemas.join(", ")
        ));
    }
    format!(
        "use hangar::db::Table as _;\n\n{src}#[rocket::main]\nasync fn main() {{\n    \
         let args: Vec<String> = std::env::args().collect();\n    \
         let schemas = match args[1].as_str() {{\n{arms}        other => panic!(\"no module {{other}}\"),\n    }};\n    \
         let db = hangar::db::Db::connect(&args[2]).await.unwrap().with_models(&schemas);\n    \
         let tables = hangar::db::introspect::tables(&db).await.unwrap();\n    \
         let found = hangar::db::introspect::diff(db.registry(), &tables, db.backend(), false);\n    \
         for d in &found {{ println!(\"{{d}}\"); }}\n    \
         if found.is_empty() {{ println!(\"no differences\"); }}\n    \
         std::process::exit(i32::from(!found.is_empty()));\n}}\n"
    )
}

#[rocket::async_test]
async fn inspectdb_structs_compile_and_match_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let dbs = databases(p).await;
    let mut modules = Vec::new();
    for (backend, url, _) in &dbs {
        example(p, url, &["create-tables"]);
        let db = Db::connect(url).await.unwrap();
        for sql in peewee_ddl(*backend) {
            (&db).run_script(sql).await.unwrap();
        }
        db.close().await;
        let source = example(p, url, &["inspectdb"]);
        assert!(source.contains("pub struct LegacyMember {"), "{source}");
        assert!(
            source.contains(
                "#[model(references = LegacyTeam, on_delete = \"cascade\")]\n    pub team_id: i64,"
            ),
            "{source}"
        );
        assert!(
            source.contains("#[model(max_length = 40, unique)]"),
            "{source}"
        );
        modules.push((*backend, source));
    }

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let crate_dir = root.join("target").join("inspectdb-roundtrip");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"roundtrip\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\nhangar = {{ path = {:?}, features = [\"postgres\", \"mysql\"] }}\nrocket = {{ version = \"0.5.1\", default-features = false }}\n\
             time = \"0.3\"\nuuid = \"1\"\nserde_json = \"1\"\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(crate_dir.join("src/main.rs"), crate_source(&modules)).unwrap();
    std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();
    // the README test's target: its dependencies are built once for both
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target").join("readme"), PathBuf::from);
    let build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet"])
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "the inspectdb structs do not compile ({}):\n{}",
        crate_dir.display(),
        String::from_utf8_lossy(&build.stderr)
    );
    for (backend, url, _) in &dbs {
        let out = Command::new(target.join("debug").join("roundtrip"))
            .args([backend.name(), url.as_str()])
            .output()
            .expect("run the round trip");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.trim() == "no differences",
            "{backend:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (_, _, server) in dbs {
        if let Some((server, name)) = server {
            let admin = Db::connect(&server).await.unwrap();
            let _ = (&admin)
                .run_script(&format!("DROP DATABASE IF EXISTS {name}"))
                .await;
            admin.close().await;
        }
    }
}
