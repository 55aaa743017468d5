//! The app's SQL migrations: files in a directory, applied in version order,
//! each in a transaction, tracked in a table (sqlx's runner underneath).
//!
//! Files are named `<VERSION>_<name>.sql` (irreversible) or
//! `<VERSION>_<name>.up.sql` + `<VERSION>_<name>.down.sql` (reversible), as
//! `hangar::cli`'s `migrate create NAME` writes them.

use std::path::{Path, PathBuf};

use sqlx::migrate::{Migrate, MigrationType, Migrator};

use crate::db::error::{Error, Result};
use crate::db::executor::Db;
use crate::db::pool::Pool;

/// One migration and whether it is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The version (the number the file name starts with).
    pub version: i64,
    /// The name after the version.
    pub name: String,
    /// Whether it is recorded as applied.
    pub applied: bool,
}

/// The migrations found in a directory.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{Db, Migrations};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("1_notes.sql"), "CREATE TABLE notes (id INTEGER);").unwrap();
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// let m = Migrations::load(dir.path(), "hangar_migrations").await.unwrap();
/// assert_eq!(m.up(&db, None).await.unwrap(), vec![1]);
/// assert!(m.status(&db).await.unwrap()[0].applied);
/// # });
/// ```
#[derive(Debug)]
pub struct Migrations {
    migrator: Migrator,
    table: String,
}

fn merr(e: sqlx::migrate::MigrateError) -> Error {
    Error::Migration(e.to_string())
}

macro_rules! on_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db.pool() {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
            Pool::MySql($p) => $body,
        }
    };
}

impl Migrations {
    /// Reads `dir` (a missing directory means no migrations).
    ///
    /// # Errors
    /// [`Error::Migration`] for unreadable or badly named files.
    pub async fn load(dir: &Path, table: &str) -> Result<Migrations> {
        let mut migrator = if dir.is_dir() {
            Migrator::new(dir.to_path_buf()).await.map_err(merr)?
        } else {
            Migrator::DEFAULT
        };
        migrator.dangerous_set_table_name(table.to_owned());
        Ok(Migrations {
            migrator,
            table: table.to_owned(),
        })
    }

    /// The versions found, in order.
    pub fn versions(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self
            .migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| m.version)
            .collect();
        v.dedup();
        v
    }

    async fn applied(&self, db: &Db) -> Result<Vec<i64>> {
        let table = self.table.as_str();
        on_pool!(db, |p| {
            let mut conn = p.acquire().await.map_err(Error::from)?;
            conn.ensure_migrations_table(table).await.map_err(merr)?;
            let applied = conn.list_applied_migrations(table).await.map_err(merr)?;
            Ok(applied.into_iter().map(|a| a.version).collect())
        })
    }

    /// Every migration with its state.
    ///
    /// # Errors
    /// Database errors.
    pub async fn status(&self, db: &Db) -> Result<Vec<MigrationStatus>> {
        let applied = self.applied(db).await?;
        Ok(self
            .migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| MigrationStatus {
                version: m.version,
                name: m.description.to_string(),
                applied: applied.contains(&m.version),
            })
            .collect())
    }

    /// Applies pending migrations (up to and including `target`); returns the
    /// versions applied. Each runs in its own transaction; a failure stops
    /// the run with that migration rolled back.
    ///
    /// # Errors
    /// [`Error::Migration`] naming the failed migration, or a changed applied one.
    pub async fn up(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        let before = self.applied(db).await?;
        let m = &self.migrator;
        let res = on_pool!(db, |p| match target {
            Some(t) => m.run_to(t, p).await,
            None => m.run(p).await,
        });
        let after = self.applied(db).await?;
        res.map_err(merr)?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Records pending migrations (up to `target`) as applied without running them.
    ///
    /// # Errors
    /// As [`Migrations::up`].
    pub async fn fake(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        let before = self.applied(db).await?;
        let m = &self.migrator;
        on_pool!(db, |p| m.skip(p, target).await).map_err(merr)?;
        let after = self.applied(db).await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Reverts the newest applied migration, or every one newer than `target`;
    /// returns the versions reverted.
    ///
    /// # Errors
    /// [`Error::Migration`] when a migration has no `.down.sql`.
    pub async fn down(&self, db: &Db, target: Option<i64>) -> Result<Vec<i64>> {
        let before = self.applied(db).await?;
        let target = match target {
            Some(t) => t,
            None => {
                let mut sorted = before.clone();
                sorted.sort_unstable();
                match sorted.len() {
                    0 => return Ok(Vec::new()),
                    1 => 0,
                    n => sorted[n - 2],
                }
            }
        };
        for v in before.iter().filter(|v| **v > target) {
            let reversible = self
                .migrator
                .iter()
                .any(|m| m.version == *v && m.migration_type == MigrationType::ReversibleDown);
            if !reversible {
                return Err(Error::Migration(format!(
                    "migration {v} has no .down.sql and cannot be reverted"
                )));
            }
        }
        let m = &self.migrator;
        on_pool!(db, |p| m.undo(p, target).await).map_err(merr)?;
        let after = self.applied(db).await?;
        Ok(before.into_iter().filter(|v| !after.contains(v)).collect())
    }

    /// Writes a new reversible migration pair named with the next version
    /// (a UTC timestamp `YYYYMMDDHHMMSS`); returns the two paths.
    ///
    /// # Errors
    /// I/O errors creating the directory or files.
    pub fn create(dir: &Path, name: &str) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let now = time::OffsetDateTime::now_utc();
        let version = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let slug = crate::text::slugify(name).replace('-', "_");
        let up = dir.join(format!("{version}_{slug}.up.sql"));
        let down = dir.join(format!("{version}_{slug}.down.sql"));
        std::fs::write(&up, format!("-- {name}: apply\n"))?;
        std::fs::write(&down, format!("-- {name}: revert\n"))?;
        Ok((up, down))
    }
}
