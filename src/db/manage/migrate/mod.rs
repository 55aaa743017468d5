//! Migrations: a folder of portable operation files (`<VERSION>_<name>.toml`,
//! written by `migrate initial` / `migrate generate` and turned into SQL for
//! the backend the app runs on) and hand-written SQL files
//! (`<VERSION>_<name>[.<backend>][.up|.down].sql`), applied in version
//! order and recorded in a table (sqlx's layout, so a database migrated by
//! earlier versions keeps its history).
//!
//! Each migration runs in one transaction on SQLite and PostgreSQL: a
//! failure leaves the database as it was. MySQL cannot roll back DDL, so
//! there a portable migration runs operation by operation, recording its
//! progress: a failed one is resumed by `migrate up` or reverted by
//! `migrate down` (as is a PostgreSQL migration with a `concurrently` index).
//! Operations that lose data run only when marked `intended = true` (or with
//! `--allow-destructive`).
//!
//! ```
//! # rocket::async_test(async {
//! use hangar::db::{Db, Migrations};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("1_notes.toml"), r#"
//! [[up]]
//! op = "create_table"
//! table = "notes"
//! columns = [{ name = "id", type = "bigint", primary_key = true, auto_increment = true },
//!            { name = "body", type = "text" }]
//! [[down]]
//! op = "drop_table"
//! table = "notes"
//! intended = true
//! "#).unwrap();
//! let db = Db::connect("sqlite::memory:").await.unwrap();
//! let m = Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
//! assert_eq!(m.up(&db, None).await.unwrap(), vec![1]);
//! assert!(m.status(&db).await.unwrap()[0].applied);
//! assert_eq!(m.down(&db, None).await.unwrap(), vec![1]);
//! # });
//! ```

mod apply;
mod existing;
mod files;
mod history;
mod lock;
mod operation;
mod plan;
mod rebuild;
mod rename;
mod run;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::error::{Error, Result};
use crate::db::executor::Db;

pub use files::MigrationFile;
pub use operation::{narrows, risks, Operation, Risk};
pub use run::assess;

pub use existing::{column_spec, table_spec};
pub use plan::{initial, plan, Plan};
pub use rename::Rename;

use files::{Body, Found};
use lock::run_lock;
use run::Direction;

/// One migration and whether it is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
///
/// ```
/// # rocket::async_test(async {
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("7_noop.sql"), "SELECT 1;").unwrap();
/// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// let m = hangar::db::Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
/// let s = &m.status(&db).await.unwrap()[0];
/// assert_eq!((s.version, s.name.as_str(), s.applied, s.partial), (7, "noop", false, None));
/// # });
/// ```
pub struct MigrationStatus {
    /// The version (the number the file name starts with).
    pub version: i64,
    /// The name after the version.
    pub name: String,
    /// Whether it is recorded as applied.
    pub applied: bool,
    /// For a migration that stopped part-way on a backend that cannot roll
    /// DDL back: how many of its operations are in place.
    pub partial: Option<usize>,
}

/// How `up` and `down` treat operations that lose data.
#[derive(Clone, Copy, Debug, Default)]
///
/// ```
/// let options = hangar::db::migrate::RunOptions { allow_destructive: true };
/// assert!(options.allow_destructive);
/// assert!(!hangar::db::migrate::RunOptions::default().allow_destructive);
/// ```
pub struct RunOptions {
    /// Run destructive operations even when not marked `intended`.
    pub allow_destructive: bool,
}

/// The migrations found in a directory.
#[derive(Debug)]
pub struct Migrations {
    found: Vec<Found>,
    table: String,
}

/// A sink for reports nobody reads.
fn quiet() -> std::io::Sink {
    std::io::sink()
}

impl Migrations {
    /// Reads `dir` (a missing directory means no migrations).
    ///
    /// # Errors
    /// [`Error::Migration`] for unreadable, unparsable or badly named files.
    pub async fn load(dir: &Path, table: &str) -> Result<Migrations> {
        Ok(Migrations {
            found: files::read_dir(dir)?,
            table: table.to_owned(),
        })
    }

    /// The versions found, in order.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("2_b.sql"), "SELECT 1;").unwrap();
    /// std::fs::write(dir.path().join("1_a.toml"), "up = []").unwrap();
    /// let m = hangar::db::Migrations::load(dir.path(), "applied").await.unwrap();
    /// assert_eq!(m.versions(), [1, 2]);
    /// assert_eq!(m.table(), "applied");
    /// # });
    /// ```
    pub fn versions(&self) -> Vec<i64> {
        self.found.iter().map(|f| f.version).collect()
    }

    /// Whether any migration is a portable (generated) one: then the folder
    /// owns the schema and runs before `auto_create` at launch.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("1_a.sql"), "SELECT 1;").unwrap();
    /// let m = hangar::db::Migrations::load(dir.path(), "t").await.unwrap();
    /// assert!(!m.has_portable());
    /// # });
    /// ```
    pub fn has_portable(&self) -> bool {
        self.found
            .iter()
            .any(|f| matches!(f.body, Body::Portable(..)))
    }

    /// The bookkeeping table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Every migration with its state.
    ///
    /// # Errors
    /// Database errors.
    pub async fn status(&self, db: &Db) -> Result<Vec<MigrationStatus>> {
        let records = self.records(db).await?;
        let mut out = Vec::new();
        for f in &self.found {
            let record = records.iter().find(|(v, _)| *v == f.version);
            let partial = match record {
                Some((_, r)) if !r.success => {
                    let mut ex = db;
                    Some(self.progress_of(&mut ex, f.version).await?.unwrap_or(0))
                }
                _ => None,
            };
            out.push(MigrationStatus {
                version: f.version,
                name: f.name.clone(),
                applied: record.is_some_and(|(_, r)| r.success),
                partial,
            });
        }
        Ok(out)
    }

    /// Applies pending migrations (up to and including `target`); returns the
    /// versions applied.
    ///
    /// # Errors
    /// [`Error::Migration`] naming the failed migration and operation, a
    /// changed applied one, or destructive operations not marked `intended`.
    pub async fn up(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        self.up_with(db, target, RunOptions::default(), &mut quiet())
            .await
    }

    /// [`Migrations::up`], reporting each operation with its time to `out`.
    ///
    /// # Errors
    /// As [`Migrations::up`].
    ///
    /// ```
    /// # rocket::async_test(async {
    /// use hangar::db::{migrate::RunOptions, Db, Migrations};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("1_tag.toml"), r#"
    /// [[up]]
    /// op = "create_table"
    /// table = "tag"
    /// columns = [{ name = "id", type = "bigint", primary_key = true, auto_increment = true }]
    /// "#).unwrap();
    /// let db = Db::connect("sqlite::memory:").await.unwrap();
    /// let m = Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
    /// let mut out = Vec::new();
    /// m.up_with(&db, None, RunOptions::default(), &mut out).await.unwrap();
    /// let report = String::from_utf8(out).unwrap();
    /// assert!(report.contains("[1/1] create_table tag ...") && report.contains("done in"));
    /// # });
    /// ```
    pub async fn up_with(
        &self,
        db: &Db,
        target: Option<i64>,
        options: RunOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<Vec<i64>> {
        // the usual launch has nothing to do: no lock, no second read then
        if self.found.is_empty() {
            return Ok(Vec::new());
        }
        let b = db.backend();
        let settled = |records: &[(i64, history::Record)]| {
            self.found
                .iter()
                .filter(|f| target.is_none_or(|t| f.version <= t))
                .all(|f| {
                    records
                        .iter()
                        .any(|(v, r)| *v == f.version && r.success && r.checksum == f.checksum(b))
                })
        };
        if settled(&self.existing_records(db).await?) {
            return Ok(Vec::new());
        }
        let _lock = run_lock(db, &self.table).await?;
        let records = self.records(db).await?;
        let mut applied = Vec::new();
        for f in &self.found {
            if target.is_some_and(|t| f.version > t) {
                break;
            }
            let resume = match records.iter().find(|(v, _)| *v == f.version) {
                Some((_, r)) if r.success => {
                    if r.checksum != f.checksum(b) {
                        return Err(Error::Migration(format!(
                            "migration {}_{} was applied but its file has changed since",
                            f.version, f.name
                        )));
                    }
                    continue;
                }
                Some((_, r)) => {
                    let mut ex = db;
                    let done = self.progress_of(&mut ex, f.version).await?.unwrap_or(0);
                    if r.checksum != f.checksum(b) {
                        // the usual fix is in the file itself: say what is assumed
                        let _ = writeln!(
                            out,
                            "  ! {}_{} changed since it stopped part-way: its first {done} \
                             operation(s) are taken as done, resuming at operation {}",
                            f.version,
                            f.name,
                            done + 1
                        );
                    }
                    Some(done)
                }
                None => None,
            };
            if resume.is_none() && self.adopts(db, f).await? {
                let mut tx = db.begin().await?;
                let mut ex = &mut tx;
                if self.state_of(&mut ex, f.version).await? == Some(true) {
                    continue;
                }
                self.record(&mut ex, f, true, 0).await?;
                tx.commit().await?;
                let _ = writeln!(
                    out,
                    "adopted {}_{}: its tables exist already (auto_create made them), \
                     recorded as applied without running",
                    f.version, f.name
                );
                applied.push(f.version);
                continue;
            }
            let ran = match &f.body {
                Body::Portable(file, _) => {
                    let _ = writeln!(out, "applying {}_{}", f.version, f.name);
                    self.run_portable(db, f, &file.up, resume, Direction::Up, options, out)
                        .await?
                }
                Body::Sql(_) => {
                    if resume.is_some() {
                        return Err(Error::Migration(format!(
                            "migration {}_{} failed part-way earlier (MySQL cannot roll back \
                             DDL): repair the database by hand, then `migrate fake {}` (if \
                             it is now in place) or `migrate forget {}` (if it is undone)",
                            f.version, f.name, f.version, f.version
                        )));
                    }
                    self.run_sql_up(db, f).await?
                }
            };
            if ran {
                applied.push(f.version);
            } else {
                let _ = writeln!(
                    out,
                    "{}_{} was applied meanwhile by another instance",
                    f.version, f.name
                );
            }
        }
        Ok(applied)
    }

    /// Whether `f` only creates tables and every one exists: a database
    /// made by `auto_create` before migrations were used.
    async fn adopts(&self, db: &Db, f: &Found) -> Result<bool> {
        let Body::Portable(file, _) = &f.body else {
            return Ok(false);
        };
        if file.up.is_empty() {
            return Ok(false);
        }
        for op in &file.up {
            let Operation::CreateTable { table, .. } = op else {
                return Ok(false);
            };
            if !crate::db::manage::ddl::table_exists(db, table).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Records pending migrations (up to `target`) as applied without running
    /// them: adopting a database that already has their effect (one made by
    /// `auto_create`, say).
    ///
    /// # Errors
    /// Database errors.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("1_x.sql"), "CREATE TABLE x (id INTEGER);").unwrap();
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let m = hangar::db::Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
    /// assert_eq!(m.fake(&db, None).await.unwrap(), [1]);
    /// assert!(!hangar::db::ddl::table_exists(&db, "x").await.unwrap(), "not run");
    /// # });
    /// ```
    pub async fn fake(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        let _lock = run_lock(db, &self.table).await?;
        let records = self.records(db).await?;
        let mut faked = Vec::new();
        for f in &self.found {
            if target.is_some_and(|t| f.version > t) {
                break;
            }
            if records.iter().any(|(v, r)| *v == f.version && r.success) {
                continue;
            }
            let mut ex = db;
            self.record(&mut ex, f, true, 0).await?;
            self.set_progress(&mut ex, f.version, None).await?;
            faked.push(f.version);
        }
        Ok(faked)
    }

    /// Removes `version` from the bookkeeping (applied, or stopped part-way)
    /// without running anything: after reverting by hand what a failed
    /// migration did. Returns whether it was recorded.
    ///
    /// # Errors
    /// Database errors.
    ///
    /// ```
    /// # rocket::async_test(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("1_x.sql"), "SELECT 1;").unwrap();
    /// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
    /// let m = hangar::db::Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
    /// m.fake(&db, None).await.unwrap();
    /// assert!(m.forget(&db, 1).await.unwrap());
    /// assert!(!m.status(&db).await.unwrap()[0].applied);
    /// # });
    /// ```
    pub async fn forget(&self, db: &Db, version: i64) -> Result<bool> {
        let _lock = run_lock(db, &self.table).await?;
        self.ensure_tables(db).await?;
        let mut tx = db.begin().await?;
        let mut ex = &mut tx;
        let known = self.state_of(&mut ex, version).await?.is_some();
        self.forget_record(&mut ex, version).await?;
        tx.commit().await?;
        Ok(known)
    }

    /// Reverts the newest applied migration, or every one newer than `target`;
    /// returns the versions reverted.
    ///
    /// # Errors
    /// [`Error::Migration`] when a migration has no `down`.
    pub async fn down(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        self.down_with(db, target, RunOptions::default(), &mut quiet())
            .await
    }

    /// [`Migrations::down`], reporting each operation to `out`.
    ///
    /// # Errors
    /// As [`Migrations::down`].
    ///
    /// ```
    /// # rocket::async_test(async {
    /// use hangar::db::{migrate::RunOptions, Db, Migrations};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("1_x.up.sql"), "CREATE TABLE x (id INTEGER);").unwrap();
    /// std::fs::write(dir.path().join("1_x.down.sql"), "DROP TABLE x;").unwrap();
    /// let db = Db::connect("sqlite::memory:").await.unwrap();
    /// let m = Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
    /// m.up(&db, None).await.unwrap();
    /// let reverted = m.down_with(&db, None, RunOptions::default(), &mut std::io::sink()).await;
    /// assert_eq!(reverted.unwrap(), [1]);
    /// # });
    /// ```
    pub async fn down_with(
        &self,
        db: &Db,
        target: Option<i64>,
        options: RunOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<Vec<i64>> {
        let _lock = run_lock(db, &self.table).await?;
        let b = db.backend();
        let records = self.records(db).await?;
        let mut versions: Vec<i64> = records.iter().map(|(v, _)| *v).collect();
        versions.sort_unstable();
        let chosen: Vec<i64> = match target {
            Some(t) => versions.iter().copied().filter(|v| *v > t).collect(),
            None => versions.last().copied().into_iter().collect(),
        };
        for v in &chosen {
            match self.found.iter().find(|f| f.version == *v) {
                Some(f) if f.reversible(b) => {}
                Some(f) => {
                    return Err(Error::Migration(format!(
                        "migration {}_{} has no down and cannot be reverted",
                        f.version, f.name
                    )))
                }
                None => {
                    return Err(Error::Migration(format!(
                        "migration {v} is applied but its file is gone"
                    )))
                }
            }
        }
        let mut reverted = Vec::new();
        for v in chosen.into_iter().rev() {
            let f = self
                .found
                .iter()
                .find(|f| f.version == v)
                .expect("checked above");
            let record = records.iter().find(|(x, _)| *x == v).map(|(_, r)| r);
            let ran = match &f.body {
                Body::Portable(file, _) => {
                    let _ = writeln!(out, "reverting {}_{}", f.version, f.name);
                    let up_len = file.up.len();
                    let down = file.down.as_deref().unwrap_or_default();
                    let in_place = match record {
                        Some(r) if !r.success => {
                            let mut ex = db;
                            self.progress_of(&mut ex, v).await?.unwrap_or(0)
                        }
                        _ => up_len,
                    };
                    // the down operations that undo the up ones in place
                    let skip = if in_place == up_len {
                        0
                    } else if down.len() == up_len {
                        up_len - in_place
                    } else {
                        return Err(Error::Migration(format!(
                            "migration {}_{} stopped part-way and its down does not mirror \
                             its up operation by operation: revert what ran by hand, then \
                             `migrate forget {}`",
                            f.version, f.name, f.version
                        )));
                    };
                    self.run_portable(db, f, down, Some(skip), Direction::Down, options, out)
                        .await?
                }
                Body::Sql(_) => {
                    let script = f
                        .scripts(b)
                        .and_then(|s| s.down.clone())
                        .unwrap_or_default();
                    let mut tx = db.begin().await?;
                    let mut ex = &mut tx;
                    if self.state_of(&mut ex, v).await?.is_none() {
                        false
                    } else {
                        ex.run_script(&script).await.map_err(|e| {
                            Error::Migration(format!(
                                "reverting {}_{} failed: {e}",
                                f.version, f.name
                            ))
                        })?;
                        self.forget_record(&mut ex, v).await?;
                        tx.commit().await?;
                        true
                    }
                }
            };
            if ran {
                reverted.push(v);
            }
        }
        Ok(reverted)
    }

    /// Writes a new reversible SQL migration pair named with the next version
    /// (a UTC timestamp `YYYYMMDDHHMMSS`); returns the two paths.
    ///
    /// # Errors
    /// I/O errors creating the directory or files.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let (up, down) = hangar::db::Migrations::create(dir.path(), "add karma").unwrap();
    /// assert!(up.to_str().unwrap().ends_with("_add_karma.up.sql"));
    /// assert!(down.exists());
    /// ```
    pub fn create(dir: &Path, name: &str) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let version = files::next_version(dir).map_err(std::io::Error::other)?;
        let slug = crate::text::slugify(name).replace('-', "_");
        let up = dir.join(format!("{version}_{slug}.up.sql"));
        let down = dir.join(format!("{version}_{slug}.down.sql"));
        std::fs::write(&up, format!("-- {name}: apply\n"))?;
        std::fs::write(&down, format!("-- {name}: revert\n"))?;
        Ok((up, down))
    }

    /// Writes a portable migration file named with the next version; returns its path.
    ///
    /// # Errors
    /// I/O errors.
    ///
    /// ```
    /// use hangar::db::migrate::MigrationFile;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = hangar::db::Migrations::write(dir.path(), "nothing yet", &MigrationFile::default(), "# empty\n").unwrap();
    /// assert!(path.to_str().unwrap().ends_with("_nothing_yet.toml"));
    /// assert!(std::fs::read_to_string(path).unwrap().starts_with("# empty\n"));
    /// ```
    pub fn write(
        dir: &Path,
        name: &str,
        file: &MigrationFile,
        header: &str,
    ) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let version = files::next_version(dir).map_err(std::io::Error::other)?;
        let slug = crate::text::slugify(name).replace('-', "_");
        let path = dir.join(format!("{version}_{slug}.toml"));
        std::fs::write(&path, format!("{header}{}", file.to_toml()))?;
        Ok(path)
    }
}
