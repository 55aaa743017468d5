//! The example's command line driven end to end: a spawned process, answers on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use hangar::auth::{User, UserModel};
use hangar::db::{Db, Model as _};

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let db = dir.join("cli.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_example"))
        .args(args)
        .current_dir(dir)
        .env(
            "ROCKET_DATABASES",
            format!("{{main={{url=\"sqlite://{}\"}}}}", db.display()),
        )
        .env("ROCKET_HANGAR", "{auth={bcrypt_cost=4}}")
        .env("ROCKET_LOG_LEVEL", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the example");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("example finished")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// The command's own report: the last line of stdout (the app may log before it).
fn report(out: &Output) -> String {
    text(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[rocket::async_test]
async fn createsuperuser_and_changepassword() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();

    let out = run(
        p,
        &[
            "createsuperuser",
            "--username",
            "boss",
            "--email",
            "boss@x.io",
        ],
        "boss-password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(report(&out), "created superuser: boss");

    let out = run(
        p,
        &["createsuperuser"],
        "chief\nchief@x.io\nchief-password\nchief-password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(report(&out), "created superuser: chief");

    let out = run(
        p,
        &["createsuperuser"],
        "other\no@x.io\npassword-one\npassword-two\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("do not match"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        p,
        &["createsuperuser", "--username", "boss", "--email", "b@x.io"],
        "another-password\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        p,
        &["createsuperuser", "--username", "tiny", "--email", "t@x.io"],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("at least 8"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        p,
        &["changepassword", "boss"],
        "new-boss-password\nnew-boss-password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(report(&out), "password changed for boss");

    let out = run(p, &["changepassword", "nobody"], "whatever-password\n");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no user named"),
        "{}",
        text(&out.stderr)
    );

    let db = Db::connect(&format!("sqlite://{}", p.join("cli.db").display()))
        .await
        .unwrap();
    let boss = User::by_username(&db, "boss")
        .await
        .unwrap()
        .expect("boss exists");
    assert!(boss.admin && boss.active);
    assert!(boss.check_password("new-boss-password").await.unwrap());
    assert!(!boss.check_password("boss-password").await.unwrap());
    assert_eq!(hangar::auth::password::hash_cost(&boss.password), Some(4));
    assert!(
        User::by_username(&db, "tiny").await.unwrap().is_none(),
        "nothing half-made"
    );
    // the demo data was seeded alongside (4 demo users + 2 superusers)
    assert_eq!(User::select().count(&db).await.unwrap(), 6);
    db.close().await;
}

/// `migrate diff`: 0 and "no differences" on tables the models made; 1 and
/// the list once the database drifts from the models.
#[rocket::async_test]
async fn migrate_diff_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let out = run(p, &["create-tables"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(p, &["migrate", "diff", "--strict"], "");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(report(&out), "no differences");
    // the database drifts: a column the models do not know
    let url = format!("sqlite://{}", p.join("cli.db").display());
    let db = Db::connect(&url).await.unwrap();
    use hangar::db::Executor as _;
    (&db)
        .execute(hangar::db::Statement::new(
            r#"ALTER TABLE "note" ADD COLUMN "color" TEXT"#,
        ))
        .await
        .unwrap();
    db.close().await;
    let out = run(p, &["migrate", "diff"], "");
    assert_eq!(out.status.code(), Some(1), "differences fail the step");
    assert!(
        text(&out.stdout).contains("column note.color is in no model"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("1 difference(s)"),
        "{}",
        text(&out.stderr)
    );
}

/// `inspectdb`: structs for the database's tables, ready to paste.
#[rocket::async_test]
async fn inspectdb_prints_models() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assert!(run(p, &["create-tables"], "").status.success());
    let out = run(p, &["inspectdb", "note"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let source = text(&out.stdout);
    assert!(source.contains("use hangar::Model;"), "{source}");
    assert!(
        source.contains("#[model(table = \"note\")]\npub struct Note {"),
        "{source}"
    );
    assert!(source.contains("    pub id: i64,"), "{source}");
    assert!(source.contains("    pub message: String,"), "{source}");
    assert!(!source.contains("struct Message"), "only the table named");
    let out = run(p, &["inspectdb", "nope"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no table \"nope\""));
}

/// `migrate initial`, `check`, `up`, `generate`: the portable migrations
/// flow end to end, and adoption of a database `create-tables` made.
#[rocket::async_test]
async fn migrations_are_generated_checked_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let out = run(p, &["migrate", "initial"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("_initial.toml"),
        "{}",
        text(&out.stdout)
    );
    let out = run(p, &["migrate", "check"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("_initial is pending"),
        "{}",
        text(&out.stdout)
    );
    let out = run(p, &["migrate", "up"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("create_table note ...") && stdout.contains("done in"),
        "{stdout}"
    );
    let out = run(p, &["migrate", "check"], "");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // the database drifts; generate writes the migration back to the models
    let url = format!("sqlite://{}", p.join("cli.db").display());
    let db = Db::connect(&url).await.unwrap();
    use hangar::db::Executor as _;
    (&db)
        .run_script(r#"ALTER TABLE "note" ADD COLUMN "color" TEXT"#)
        .await
        .unwrap();
    db.close().await;
    let out = run(p, &["migrate", "generate", "drop", "color"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("drop_column note.color"), "{stdout}");
    assert!(stdout.contains("intended = true"), "{stdout}");
    let out = run(p, &["migrate", "up"], "");
    assert_eq!(out.status.code(), Some(1), "destructive and unmarked");
    assert!(
        text(&out.stderr).contains("would lose data"),
        "{}",
        text(&out.stderr)
    );
    let out = run(p, &["migrate", "up", "--allow-destructive"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(p, &["migrate", "check"], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = run(p, &["migrate", "generate", "nothing"], "");
    assert_eq!(report(&out), "no differences: nothing to generate");

    // a database made by create-tables is adopted by `initial`, untouched
    let other = tempfile::tempdir().unwrap();
    let q = other.path();
    assert!(run(q, &["create-tables"], "").status.success());
    let out = run(q, &["migrate", "initial"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("recorded as applied"),
        "{}",
        text(&out.stdout)
    );
    let out = run(q, &["migrate", "check"], "");
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// The example's own migrations folder builds a fresh database that matches
/// the models exactly (`migrate check` passes): the generated initial
/// migration is current, and the raw SQL one after it still runs.
#[rocket::async_test]
async fn the_example_migrations_build_the_models_schema() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let folder = p.join("migrations");
    std::fs::create_dir(&folder).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
    }
    let out = run(p, &["migrate", "up"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("applied: 20241101000000"),
        "{}",
        text(&out.stdout)
    );
    let out = run(p, &["migrate", "check"], "");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = run(p, &["migrate", "down", "0"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(p, &["migrate", "status"], "");
    assert!(
        text(&out.stdout).contains("[ ] 20241001000000_initial"),
        "{}",
        text(&out.stdout)
    );
}
