//! The app's command line: `serve` (the default), `create-tables`, and
//! `migrate status|up|down|fake|create`.
//!
//! ```no_run
//! # fn rocket() -> rocket::Rocket<rocket::Build> { rocket::build() }
//! #[rocket::main]
//! async fn main() -> std::process::ExitCode {
//!     hangar::cli::run(rocket()).await
//! }
//! ```
//!
//! Then `cargo run -- create-tables`, `cargo run -- migrate status`, ...

use std::io::Write;
use std::process::ExitCode;

use rocket::{Build, Rocket};

use crate::db::{ddl, DatabaseConfig, Db, Migrations};

const USAGE: &str = "usage: <app> [COMMAND]

commands:
  serve                    launch the web server (the default)
  create-tables            create missing tables of every registered model
  migrate status           list migrations, marking applied ones
  migrate up [VERSION]     apply pending migrations (up to VERSION)
  migrate down [VERSION]   revert the newest migration (or back to VERSION)
  migrate fake [VERSION]   record pending migrations as applied without running them
  migrate create NAME      write a new empty migration pair
  help                     show this text";

/// Runs the command in `std::env::args()` against `rocket`; prints errors to
/// stderr and returns the process exit code.
pub async fn run(rocket: Rocket<Build>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout();
    match run_with(rocket, &args, &mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command with explicit arguments, writing its report to `out`.
///
/// # Errors
/// A message for a bad command line or a failed step.
pub async fn run_with(
    rocket: Rocket<Build>,
    args: &[String],
    out: &mut (dyn Write + Send),
) -> Result<(), String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let io = |e: std::io::Error| e.to_string();
    match args.as_slice() {
        [] | ["serve"] => {
            let _ = rocket.launch().await.map_err(|e| e.to_string())?;
            Ok(())
        }
        ["help" | "--help" | "-h"] => writeln!(out, "{USAGE}").map_err(io),
        ["create-tables"] => {
            let db = ignite_db(rocket).await?;
            let models = db.registry().models();
            let created = ddl::create_tables(&db, &models)
                .await
                .map_err(|e| e.to_string())?;
            for t in &created {
                writeln!(out, "created: {t}").map_err(io)?;
            }
            if created.is_empty() {
                writeln!(out, "all {} tables exist", models.len()).map_err(io)?;
            }
            Ok(())
        }
        ["migrate", "create", name @ ..] if !name.is_empty() => {
            let config = DatabaseConfig::from_figment(rocket.figment())?;
            let (up, down) =
                Migrations::create(&config.migrations_dir, &name.join(" ")).map_err(io)?;
            writeln!(out, "{}\n{}", up.display(), down.display()).map_err(io)
        }
        ["migrate", verb @ ("status" | "up" | "down" | "fake"), rest @ ..] if rest.len() <= 1 => {
            let target = match rest.first() {
                Some(v) => Some(v.parse::<i64>().map_err(|_| format!("bad version {v:?}"))?),
                None => None,
            };
            let config = DatabaseConfig::from_figment(rocket.figment())?;
            let db = ignite_db(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            let e = |e: crate::db::Error| e.to_string();
            match *verb {
                "status" => {
                    let all = m.status(&db).await.map_err(e)?;
                    if all.is_empty() {
                        writeln!(out, "no migrations in {}", config.migrations_dir.display())
                            .map_err(io)?;
                    }
                    for s in all {
                        let mark = if s.applied { "[x]" } else { "[ ]" };
                        writeln!(out, "{mark} {}_{}", s.version, s.name).map_err(io)?;
                    }
                }
                "up" => report(out, "applied", m.up(&db, target).await.map_err(e)?)?,
                "down" => report(out, "reverted", m.down(&db, target).await.map_err(e)?)?,
                _ => report(out, "faked", m.fake(&db, target).await.map_err(e)?)?,
            }
            Ok(())
        }
        _ => Err(format!("unknown command {:?}\n\n{USAGE}", args.join(" "))),
    }
}

fn report(out: &mut (dyn Write + Send), verb: &str, versions: Vec<i64>) -> Result<(), String> {
    if versions.is_empty() {
        return writeln!(out, "nothing to do").map_err(|e| e.to_string());
    }
    for v in versions {
        writeln!(out, "{verb}: {v}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Ignites `rocket` with automatic table creation and migration off, and
/// returns its database handle.
async fn ignite_db(rocket: Rocket<Build>) -> Result<Db, String> {
    let figment = rocket
        .figment()
        .clone()
        .merge(("hangar.database.auto_create", false))
        .merge(("hangar.database.auto_migrate", false))
        .merge(("log_level", "critical"));
    let rocket = rocket
        .configure(figment)
        .ignite()
        .await
        .map_err(|e| format!("launch failed: {e}"))?;
    rocket
        .state::<Db>()
        .cloned()
        .ok_or_else(|| "the hangar Database fairing is not attached".to_string())
}
