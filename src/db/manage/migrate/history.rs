//! The bookkeeping: the applied-migrations table (sqlx's layout, so a
//! database migrated by earlier versions keeps its history) and the
//! progress table of migrations run step by step.

use sqlx::migrate::Migrate;

use crate::db::backend::driver::each_backend;
use crate::db::error::{Error, Result};
use crate::db::executor::{fetch_int, Db, Executor};
use crate::db::pool::Pool;
use crate::db::schema::SqlType;
use crate::db::sql::SqlWriter;
use crate::db::value::Value;

use super::files::Found;
use super::Migrations;

pub(super) fn merr(e: sqlx::migrate::MigrateError) -> Error {
    Error::Migration(e.to_string())
}

/// What the bookkeeping table says of a version.
#[derive(Clone, Debug)]
pub(super) struct Record {
    pub(super) success: bool,
    pub(super) checksum: Vec<u8>,
}

impl Migrations {
    pub(super) fn progress_table(&self) -> String {
        format!("{}_progress", self.table)
    }

    pub(super) async fn ensure_tables(&self, db: &Db) -> Result<()> {
        let table = self.table.as_str();
        each_backend!(db.pool(), Pool(p) => {
            let mut c = p.acquire().await.map_err(Error::from)?;
            c.ensure_migrations_table(table).await.map_err(merr)?;
        });
        let mut w = SqlWriter::without_models(db.backend());
        w.push("CREATE TABLE IF NOT EXISTS ")
            .push_ident(&self.progress_table())
            .push(" (version BIGINT NOT NULL PRIMARY KEY, done BIGINT NOT NULL)");
        (&*db).execute(w.finish()).await.map(drop)
    }

    pub(super) async fn records(&self, db: &Db) -> Result<Vec<(i64, Record)>> {
        self.ensure_tables(db).await?;
        self.read_records(db).await
    }

    /// The history as it stands, creating nothing (none when the table is
    /// missing): what may be read before the lock is held, as instances
    /// creating the table at once would collide.
    pub(super) async fn existing_records(&self, db: &Db) -> Result<Vec<(i64, Record)>> {
        if !crate::db::manage::ddl::table_exists(db, &self.table).await? {
            return Ok(Vec::new());
        }
        self.read_records(db).await
    }

    async fn read_records(&self, db: &Db) -> Result<Vec<(i64, Record)>> {
        let mut w = SqlWriter::without_models(db.backend());
        w.push("SELECT version, success, checksum FROM ")
            .push_ident(&self.table)
            .push(" ORDER BY version");
        let rows = (&*db)
            .fetch(
                w.finish(),
                &[SqlType::BigInt, SqlType::Bool, SqlType::Bytes],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let version = r[0].as_i64().unwrap_or(0);
                let success = matches!(r[1], Value::Bool(true)) || r[1].as_i64() == Some(1);
                let checksum = match &r[2] {
                    Value::Bytes(b) => b.clone(),
                    _ => Vec::new(),
                };
                (version, Record { success, checksum })
            })
            .collect())
    }

    /// What the table says of `version` now (`None`: not recorded;
    /// `Some(success)`), read on `ex` — inside a migration's transaction,
    /// where SQLite's write lock makes it final.
    pub(super) async fn state_of(
        &self,
        ex: &mut dyn Executor,
        version: i64,
    ) -> Result<Option<bool>> {
        let mut w = SqlWriter::without_models(ex.backend());
        w.push("SELECT success FROM ").push_ident(&self.table);
        w.push(" WHERE version = ")
            .push_bind(Value::Int(version), SqlType::BigInt);
        let rows = ex.fetch(w.finish(), &[SqlType::Bool]).await?;
        Ok(rows
            .first()
            .map(|r| matches!(r[0], Value::Bool(true)) || r[0].as_i64() == Some(1)))
    }

    pub(super) async fn progress_of(
        &self,
        ex: &mut dyn Executor,
        version: i64,
    ) -> Result<Option<usize>> {
        let mut w = SqlWriter::without_models(ex.backend());
        w.push("SELECT done FROM ")
            .push_ident(&self.progress_table());
        w.push(" WHERE version = ")
            .push_bind(Value::Int(version), SqlType::BigInt);
        let done = fetch_int(&mut *ex, w.finish()).await?;
        Ok(done.and_then(|n| usize::try_from(n).ok()))
    }

    pub(super) async fn set_progress(
        &self,
        ex: &mut dyn Executor,
        version: i64,
        done: Option<usize>,
    ) -> Result<()> {
        let table = self.progress_table();
        delete_version(ex, &table, version).await?;
        if let Some(done) = done {
            let done = i64::try_from(done).unwrap_or(i64::MAX);
            let mut w = SqlWriter::without_models(ex.backend());
            w.push("INSERT INTO ")
                .push_ident(&table)
                .push(" (version, done) VALUES (");
            w.push_bind(Value::Int(version), SqlType::BigInt).push(", ");
            w.push_bind(Value::Int(done), SqlType::BigInt).push(")");
            ex.execute(w.finish()).await?;
        }
        Ok(())
    }

    pub(super) async fn record(
        &self,
        ex: &mut dyn Executor,
        found: &Found,
        success: bool,
        nanos: i64,
    ) -> Result<()> {
        let b = ex.backend();
        delete_version(ex, &self.table, found.version).await?;
        let mut w = SqlWriter::without_models(b);
        w.push("INSERT INTO ").push_ident(&self.table);
        w.push(" (version, description, success, checksum, execution_time) VALUES (");
        let text = SqlType::Text { max_length: None };
        w.push_bind(Value::Int(found.version), SqlType::BigInt)
            .push(", ");
        w.push_bind(Value::Text(found.name.replace('_', " ")), text)
            .push(", ");
        w.push_bind(Value::Bool(success), SqlType::Bool).push(", ");
        w.push_bind(Value::Bytes(found.checksum(b)), SqlType::Bytes)
            .push(", ");
        w.push_bind(Value::Int(nanos), SqlType::BigInt).push(")");
        ex.execute(w.finish()).await?;
        Ok(())
    }

    pub(super) async fn forget_record(&self, ex: &mut dyn Executor, version: i64) -> Result<()> {
        delete_version(ex, &self.table, version).await?;
        self.set_progress(ex, version, None).await
    }
}

/// Deletes `version`'s row of the bookkeeping table `table`.
async fn delete_version(ex: &mut dyn Executor, table: &str, version: i64) -> Result<()> {
    let mut w = SqlWriter::without_models(ex.backend());
    w.push("DELETE FROM ")
        .push_ident(table)
        .push(" WHERE version = ");
    w.push_bind(Value::Int(version), SqlType::BigInt);
    ex.execute(w.finish()).await.map(drop)
}
