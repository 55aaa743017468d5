//! The bookkeeping: the applied-migrations table (sqlx's layout, so a
//! database migrated by earlier versions keeps its history) and the
//! progress table of migrations run step by step.

use sqlx::migrate::Migrate;

use crate::db::backend::driver::each_backend;
use crate::db::error::{Error, Result};
use crate::db::executor::{fetch_int, Db, Executor};
use crate::db::pool::Pool;
use crate::db::schema::SqlType;
use crate::db::sql::Statement;
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
        let b = db.backend();
        (&*db)
            .run_script(&format!(
                "CREATE TABLE IF NOT EXISTS {} (version BIGINT NOT NULL PRIMARY KEY, done BIGINT NOT NULL)",
                b.quote(&self.progress_table())
            ))
            .await
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
        let b = db.backend();
        let sql = format!(
            "SELECT version, success, checksum FROM {} ORDER BY version",
            b.quote(&self.table)
        );
        let rows = (&*db)
            .fetch(
                Statement::new(sql),
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
        let sql = format!(
            "SELECT success FROM {} WHERE version = {version}",
            ex.backend().quote(&self.table)
        );
        let rows = ex.fetch(Statement::new(sql), &[SqlType::Bool]).await?;
        Ok(rows
            .first()
            .map(|r| matches!(r[0], Value::Bool(true)) || r[0].as_i64() == Some(1)))
    }

    pub(super) async fn progress_of(
        &self,
        ex: &mut dyn Executor,
        version: i64,
    ) -> Result<Option<usize>> {
        let b = ex.backend();
        let sql = format!(
            "SELECT done FROM {} WHERE version = {version}",
            b.quote(&self.progress_table())
        );
        let done = fetch_int(&mut *ex, Statement::new(sql)).await?;
        Ok(done.and_then(|n| usize::try_from(n).ok()))
    }

    pub(super) async fn set_progress(
        &self,
        ex: &mut dyn Executor,
        version: i64,
        done: Option<usize>,
    ) -> Result<()> {
        let q = ex.backend().quote(&self.progress_table());
        ex.run_script(&format!("DELETE FROM {q} WHERE version = {version}"))
            .await?;
        if let Some(done) = done {
            ex.run_script(&format!(
                "INSERT INTO {q} (version, done) VALUES ({version}, {done})"
            ))
            .await?;
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
        let q = b.quote(&self.table);
        ex.run_script(&format!(
            "DELETE FROM {q} WHERE version = {}",
            found.version
        ))
        .await?;
        let mut sql = format!(
            "INSERT INTO {q} (version, description, success, checksum, execution_time) VALUES ("
        );
        for n in 1..=5 {
            if n > 1 {
                sql.push_str(", ");
            }
            b.push_placeholder(&mut sql, n);
        }
        sql.push(')');
        let stmt = Statement::new(sql)
            .bind(Value::Int(found.version), SqlType::BigInt)
            .bind(
                Value::Text(found.name.replace('_', " ")),
                SqlType::Text { max_length: None },
            )
            .bind(Value::Bool(success), SqlType::Bool)
            .bind(Value::Bytes(found.checksum(b)), SqlType::Bytes)
            .bind(Value::Int(nanos), SqlType::BigInt);
        ex.execute(stmt).await?;
        Ok(())
    }

    pub(super) async fn forget_record(&self, ex: &mut dyn Executor, version: i64) -> Result<()> {
        let q = ex.backend().quote(&self.table);
        ex.run_script(&format!("DELETE FROM {q} WHERE version = {version}"))
            .await?;
        self.set_progress(ex, version, None).await
    }
}
