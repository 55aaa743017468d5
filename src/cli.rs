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
  migrate up [VERSION] [--allow-destructive]
                           apply pending migrations (up to VERSION), printing
                           each operation with its time; operations that lose
                           data need `intended = true` in the file or the flag
  migrate down [VERSION] [--allow-destructive]
                           revert the newest migration (or back to VERSION)
  migrate fake [VERSION]   record pending migrations as applied without running them
  migrate create NAME      write a new empty SQL migration pair
  migrate initial [NAME]   write a migration creating every model table; a
                           database that has them all (auto_create) is
                           recorded as migrated without being touched
  migrate generate NAME [--rename TABLE.OLD:NEW | --rename OLD:NEW]...
                           write the migration that brings the database to the
                           models (with its down); renames are never guessed
  migrate diff [--strict]  list what differs between the models and the
                           database; exits 1 when anything does (for CI);
                           --strict adds narrower integer columns
  migrate check            exit 1 listing pending migrations and differences
  migrate forget VERSION   drop VERSION from the history without running anything
                           (after reverting by hand what a failed one did)
  inspectdb [TABLE ...]    print #[derive(Model)] structs for the database's
                           tables (all, or those named)
  createsuperuser [--username NAME] [--email EMAIL]
                           create an active admin user; the password is asked
                           twice with hidden input, or read from stdin
  changepassword USERNAME  set a user's password (ends their sessions)
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
            let created = ddl::create_tables(&db, models)
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
            let config = crate::config::load::<DatabaseConfig>(rocket.figment())
                .map_err(|e| e.to_string())?;
            let (up, down) =
                Migrations::create(&config.migrations_dir, &name.join(" ")).map_err(io)?;
            writeln!(out, "{}\n{}", up.display(), down.display()).map_err(io)
        }
        ["inspectdb", names @ ..] => {
            let db = ignite_db(rocket).await?;
            let tables = crate::db::manage::introspect::tables(&db)
                .await
                .map_err(|e| e.to_string())?;
            let chosen: Vec<_> = tables
                .iter()
                .filter(|t| names.is_empty() || names.contains(&t.name.as_str()))
                .collect();
            if let Some(missing) = names.iter().find(|n| !tables.iter().any(|t| t.name == **n)) {
                return Err(format!("no table {missing:?}"));
            }
            writeln!(out, "use hangar::Model;\n").map_err(io)?;
            for t in chosen {
                writeln!(out, "{}", crate::db::manage::introspect::model_source(t)).map_err(io)?;
            }
            Ok(())
        }
        ["migrate", "diff", flags @ ..] if flags.iter().all(|f| *f == "--strict") => {
            let strict = !flags.is_empty();
            let (db, config) = db_and_config(rocket).await?;
            let found = differences(&db, &config, strict).await?;
            if found.is_empty() {
                return writeln!(out, "no differences").map_err(io);
            }
            for d in &found {
                writeln!(out, "{d}").map_err(io)?;
            }
            Err(format!(
                "{} difference(s) between the models and the database",
                found.len()
            ))
        }
        ["migrate", "check"] => {
            let (db, config) = db_and_config(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            let mut problems = Vec::new();
            for s in m.status(&db).await.map_err(|e| e.to_string())? {
                match s.partial {
                    Some(done) => problems.push(format!(
                        "migration {}_{} stopped part-way ({done} operation(s) in place)",
                        s.version, s.name
                    )),
                    None if !s.applied => {
                        problems.push(format!("migration {}_{} is pending", s.version, s.name))
                    }
                    None => {}
                }
            }
            if problems.is_empty() {
                for d in differences(&db, &config, false).await? {
                    problems.push(d.to_string());
                }
            }
            if problems.is_empty() {
                return writeln!(out, "migrations applied; the database matches the models")
                    .map_err(io);
            }
            for p in &problems {
                writeln!(out, "{p}").map_err(io)?;
            }
            Err(format!(
                "{} problem(s): run `migrate up`, or `migrate generate NAME` for model changes",
                problems.len()
            ))
        }
        ["migrate", "initial", name @ ..] => {
            let (db, config) = db_and_config(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            if !m.versions().is_empty() {
                return Err(format!(
                    "{} has migrations already: use `migrate generate NAME` for changes",
                    config.migrations_dir.display()
                ));
            }
            let name = if name.is_empty() {
                "initial".to_owned()
            } else {
                name.join(" ")
            };
            let file = crate::db::manage::migrate::initial(db.registry());
            let header = "# Generated by `migrate initial`: every model table.\n\n";
            let path =
                Migrations::write(&config.migrations_dir, &name, &file, header).map_err(io)?;
            writeln!(out, "wrote {}", path.display()).map_err(io)?;
            let tables = crate::db::manage::introspect::tables(&db)
                .await
                .map_err(|e| e.to_string())?;
            let existing = file
                .up
                .iter()
                .filter(|op| {
                    op.table()
                        .is_some_and(|t| tables.iter().any(|x| x.name == t))
                })
                .count();
            if existing > 0 && existing == file.up.len() {
                let found = differences(&db, &config, false).await?;
                if found.is_empty() {
                    let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                        .await
                        .map_err(|e| e.to_string())?;
                    m.fake(&db, None).await.map_err(|e| e.to_string())?;
                    writeln!(
                        out,
                        "the database has every table already and matches the models: \
                         recorded as applied without touching it"
                    )
                    .map_err(io)?;
                }
            }
            Ok(())
        }
        ["migrate", "generate", rest @ ..] => {
            let mut name = Vec::new();
            let mut renames = Vec::new();
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match *arg {
                    "--rename" => {
                        let r = it.next().ok_or("--rename needs TABLE.OLD:NEW or OLD:NEW")?;
                        renames.push(r.parse::<crate::db::manage::migrate::Rename>()?);
                    }
                    word => name.push(word),
                }
            }
            if name.is_empty() {
                return Err(format!("migrate generate needs a NAME\n\n{USAGE}"));
            }
            let (db, config) = db_and_config(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            let pending: Vec<String> = m
                .status(&db)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|s| !s.applied)
                .map(|s| format!("{}_{}", s.version, s.name))
                .collect();
            if !pending.is_empty() {
                return Err(format!(
                    "apply pending migrations first (`migrate up`): {}",
                    pending.join(", ")
                ));
            }
            let tables = user_tables(&db, &config).await?;
            let mut plan =
                crate::db::manage::migrate::plan(db.registry(), &tables, db.backend(), &renames)?;
            // at a terminal, ask about each possible rename (never assumed)
            let mut input = Input::stdin();
            if input.tty && !plan.possible_renames.is_empty() {
                let mut more = false;
                for r in plan.possible_renames.clone() {
                    let answer = input.line(&format!("{} [y/N] ", r.question()))?;
                    if matches!(answer.trim(), "y" | "Y" | "yes") {
                        renames.push(r);
                        more = true;
                    }
                }
                if more {
                    plan = crate::db::manage::migrate::plan(
                        db.registry(),
                        &tables,
                        db.backend(),
                        &renames,
                    )?;
                }
            }
            if plan.is_empty() {
                return writeln!(out, "no differences: nothing to generate").map_err(io);
            }
            let mut file = plan.file;
            let name = name.join(" ");
            file.description = Some(name.clone());
            let mut header = format!("# Generated by `migrate generate {name}`.\n");
            for note in &plan.notes {
                header.push_str(&format!("# NOTE: {note}\n"));
            }
            header.push('\n');
            let path =
                Migrations::write(&config.migrations_dir, &name, &file, &header).map_err(io)?;
            writeln!(out, "wrote {}", path.display()).map_err(io)?;
            for op in &file.up {
                writeln!(out, "  {op}").map_err(io)?;
            }
            for note in &plan.notes {
                writeln!(out, "note: {note}").map_err(io)?;
            }
            let risks = crate::db::manage::migrate::assess(&db, &file.up)
                .await
                .map_err(|e| e.to_string())?;
            for (op, risk) in risks.iter().filter(|(_, r)| !r.destructive) {
                writeln!(out, "warning: {op}: {}", risk.message).map_err(io)?;
            }
            Ok(())
        }
        ["migrate", "forget", version] => {
            let version = version
                .parse::<i64>()
                .map_err(|_| format!("bad version {version:?}"))?;
            let (db, config) = db_and_config(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            if m.forget(&db, version).await.map_err(|e| e.to_string())? {
                writeln!(out, "forgot: {version} (nothing was run)").map_err(io)
            } else {
                Err(format!("migration {version} is not recorded"))
            }
        }
        ["migrate", verb @ ("status" | "up" | "down" | "fake"), rest @ ..] => {
            let allow_destructive = rest.contains(&"--allow-destructive");
            let rest: Vec<&str> = rest
                .iter()
                .copied()
                .filter(|a| *a != "--allow-destructive")
                .collect();
            if rest.len() > 1 || allow_destructive && !matches!(*verb, "up" | "down") {
                return Err(format!("bad arguments for migrate {verb}\n\n{USAGE}"));
            }
            let target = match rest.first() {
                Some(v) => Some(v.parse::<i64>().map_err(|_| format!("bad version {v:?}"))?),
                None => None,
            };
            let (db, config) = db_and_config(rocket).await?;
            let m = Migrations::load(&config.migrations_dir, &config.migrations_table)
                .await
                .map_err(|e| e.to_string())?;
            let e = |e: crate::db::Error| e.to_string();
            let options = crate::db::manage::migrate::RunOptions { allow_destructive };
            match *verb {
                "status" => {
                    let all = m.status(&db).await.map_err(e)?;
                    if all.is_empty() {
                        writeln!(out, "no migrations in {}", config.migrations_dir.display())
                            .map_err(io)?;
                    }
                    for s in all {
                        match s.partial {
                            Some(done) => writeln!(
                                out,
                                "[!] {}_{} (stopped part-way: {done} operation(s) in place; \
                                 `migrate up` resumes, `migrate down` reverts them)",
                                s.version, s.name
                            ),
                            None => {
                                let mark = if s.applied { "[x]" } else { "[ ]" };
                                writeln!(out, "{mark} {}_{}", s.version, s.name)
                            }
                        }
                        .map_err(io)?;
                    }
                }
                "up" => {
                    let applied = m.up_with(&db, target, options, out).await.map_err(e)?;
                    report(out, "applied", applied)?
                }
                "down" => {
                    let reverted = m.down_with(&db, target, options, out).await.map_err(e)?;
                    report(out, "reverted", reverted)?
                }
                _ => report(out, "faked", m.fake(&db, target).await.map_err(e)?)?,
            }
            Ok(())
        }
        ["createsuperuser", rest @ ..] => {
            let (mut username, mut email) = (None, None);
            let mut it = rest.iter();
            while let Some(flag) = it.next() {
                let value = it.next().map(|v| v.to_string());
                match (*flag, value) {
                    ("--username", Some(v)) => username = Some(v),
                    ("--email", Some(v)) => email = Some(v),
                    _ => return Err(format!("bad arguments for createsuperuser\n\n{USAGE}")),
                }
            }
            let scripted = username.is_some();
            let mut input = Input::stdin();
            let username = match username {
                Some(u) => u,
                None => input.line("Username: ")?,
            };
            if username.trim().is_empty() {
                return Err("the username must not be empty".into());
            }
            let email = match email {
                Some(e) => e,
                None if scripted => String::new(),
                None => input.line("Email: ")?,
            };
            let password = input.new_password()?;
            let ignited = ignite_auth(rocket).await?;
            let (db, state) = auth_parts(&ignited)?;
            let user = state
                .store()
                .create(
                    db,
                    &state.config,
                    username.trim(),
                    email.trim(),
                    &password,
                    true,
                )
                .await
                .map_err(|e| match e {
                    crate::auth::AuthError::Database(crate::db::Error::Unique { .. }) => {
                        format!("a user named {:?} already exists", username.trim())
                    }
                    e => e.to_string(),
                })?;
            writeln!(out, "created superuser: {}", user.username).map_err(io)
        }
        ["changepassword", username] => {
            let mut input = Input::stdin();
            let password = input.new_password()?;
            let ignited = ignite_auth(rocket).await?;
            let (db, state) = auth_parts(&ignited)?;
            state
                .store()
                .set_password(db, &state.config, username, &password)
                .await
                .map_err(|e| match e {
                    crate::auth::AuthError::Database(crate::db::Error::NotFound { .. }) => {
                        format!("no user named {username:?}")
                    }
                    e => e.to_string(),
                })?;
            writeln!(out, "password changed for {username}").map_err(io)
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

/// Reads answers from the terminal (hidden for passwords) or, when stdin is
/// not a terminal, line by line from stdin.
struct Input {
    tty: bool,
    stdin: std::io::Stdin,
}

impl Input {
    fn stdin() -> Input {
        use std::io::IsTerminal;
        let stdin = std::io::stdin();
        Input {
            tty: stdin.is_terminal(),
            stdin,
        }
    }

    fn next_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.stdin.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
        }
    }

    fn line(&mut self, prompt: &str) -> Result<String, String> {
        if self.tty {
            eprint!("{prompt}");
        }
        self.next_line()
            .map(|l| l.trim_end_matches(['\r', '\n']).to_owned())
            .ok_or_else(|| format!("no answer for {:?}", prompt.trim_end_matches([' ', ':'])))
    }

    fn new_password(&mut self) -> Result<String, String> {
        if self.tty {
            let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
            let again =
                rpassword::prompt_password("Password (again): ").map_err(|e| e.to_string())?;
            if first != again {
                return Err("the passwords do not match".into());
            }
            return Ok(first);
        }
        let first = self.line("Password: ")?;
        // a second line, when there is one, must confirm the first
        if let Some(again) = self.next_line() {
            if again.trim_end_matches('\r') != first {
                return Err("the passwords do not match".into());
            }
        }
        Ok(first)
    }
}

/// Ignites `rocket` quietly without applying migrations (the CLI's own
/// verbs do that), creating missing tables only when `create_tables`.
async fn ignite_quietly(
    rocket: Rocket<Build>,
    create_tables: bool,
) -> Result<Rocket<rocket::Ignite>, String> {
    let mut figment = rocket
        .figment()
        .clone()
        .merge(("hangar.database.auto_migrate", false))
        .merge(("log_level", "off"));
    if !create_tables {
        figment = figment.merge(("hangar.database.auto_create", false));
    }
    rocket
        .configure(figment)
        .ignite()
        .await
        .map_err(|e| format!("launch failed: {e}"))
}

/// Ignites `rocket` (creating missing tables) and returns its database and auth state.
async fn ignite_auth(rocket: Rocket<Build>) -> Result<Rocket<rocket::Ignite>, String> {
    let rocket = ignite_quietly(rocket, true).await?;
    auth_parts(&rocket)?;
    Ok(rocket)
}

fn auth_parts(rocket: &Rocket<rocket::Ignite>) -> Result<(&Db, &crate::auth::AuthState), String> {
    let db = Db::fetch(rocket).ok_or("the hangar Database fairing is not attached")?;
    let auth =
        crate::auth::AuthState::fetch(rocket).ok_or("the hangar Auth fairing is not attached")?;
    Ok((db, auth))
}

/// The database handle and its configuration, ignited quietly.
async fn db_and_config(rocket: Rocket<Build>) -> Result<(Db, DatabaseConfig), String> {
    let config =
        crate::config::load::<DatabaseConfig>(rocket.figment()).map_err(|e| e.to_string())?;
    Ok((ignite_db(rocket).await?, config))
}

/// The database's tables, the migrations' bookkeeping left out.
async fn user_tables(
    db: &Db,
    config: &DatabaseConfig,
) -> Result<Vec<crate::db::manage::introspect::TableInfo>, String> {
    let mut tables = crate::db::manage::introspect::tables(db)
        .await
        .map_err(|e| e.to_string())?;
    let progress = format!("{}_progress", config.migrations_table);
    tables.retain(|t| t.name != config.migrations_table && t.name != progress);
    Ok(tables)
}

/// What differs between the models and the database.
async fn differences(
    db: &Db,
    config: &DatabaseConfig,
    strict: bool,
) -> Result<Vec<crate::db::manage::introspect::Difference>, String> {
    let tables = user_tables(db, config).await?;
    Ok(crate::db::manage::introspect::diff(
        db.registry(),
        &tables,
        db.backend(),
        strict,
    ))
}

/// Ignites `rocket` with automatic table creation and migration off, and
/// returns its database handle.
async fn ignite_db(rocket: Rocket<Build>) -> Result<Db, String> {
    let rocket = ignite_quietly(rocket, false).await?;
    Db::fetch(&rocket)
        .cloned()
        .ok_or_else(|| "the hangar Database fairing is not attached".to_string())
}
