//! Running one migration: a SQL script, or a portable file's operations
//! in one transaction or step by step with recorded progress, after its
//! risks are weighed.

use std::io::Write;
use std::time::Instant;

use crate::db::backend::Backend;
use crate::db::error::{Error, Result};
use crate::db::executor::{fetch_int, Db, Executor};
use crate::db::manage::introspect;
use crate::db::sql::Statement;

use super::apply;
use super::files::{Body, Found};
use super::operation::{risks, Operation, Risk};
use super::{Migrations, RunOptions};

impl Migrations {
    /// Runs a SQL migration; `false` when another instance applied it first.
    pub(super) async fn run_sql_up(&self, db: &Db, f: &Found) -> Result<bool> {
        let b = db.backend();
        let script = f.scripts(b).and_then(|s| s.up.clone()).ok_or_else(|| {
            Error::Migration(format!(
                "migration {}_{} has no SQL for {}",
                f.version,
                f.name,
                b.name()
            ))
        })?;
        let failed =
            |e: Error| Error::Migration(format!("migration {}_{} failed: {e}", f.version, f.name));
        let started = Instant::now();
        let mut conn = db.conn().await?;
        if script.starts_with("-- no-transaction") {
            let mut ex = &mut conn;
            if self.state_of(&mut ex, f.version).await?.is_some() {
                return Ok(false);
            }
            ex.run_script(&script).await.map_err(failed)?;
            let nanos = elapsed_nanos(started);
            self.record(&mut ex, f, true, nanos).await?;
            return Ok(true);
        }
        let mut tx = conn.begin().await?;
        let mut ex = &mut tx;
        if self.state_of(&mut ex, f.version).await?.is_some() {
            return Ok(false);
        }
        if b == Backend::MySql {
            // DDL commits implicitly: a failure leaves this mark behind
            self.record(&mut ex, f, false, -1).await?;
        }
        ex.run_script(&script).await.map_err(failed)?;
        self.record(&mut ex, f, true, elapsed_nanos(started))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs `ops` of migration `f` (all, or from `resume` on); `false` when
    /// another instance did it first.
    #[expect(
        clippy::too_many_arguments,
        reason = "one migration's run: its file, operations, resume point and bookkeeping"
    )]
    pub(super) async fn run_portable(
        &self,
        db: &Db,
        f: &Found,
        ops: &[Operation],
        resume: Option<usize>,
        direction: Direction,
        options: RunOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<bool> {
        let b = db.backend();
        let total = ops.len();
        let skip = resume.unwrap_or(0).min(total);
        let ops_to_run = &ops[skip..];
        self.check_risks(db, f, ops_to_run, options, out).await?;
        let step_by_step = b == Backend::MySql || ops.iter().any(|o| o.needs_no_transaction(b));
        let started = Instant::now();
        let mut conn = db.conn().await?;
        if !step_by_step {
            // SQLite's rebuilds need foreign keys off (set outside a
            // transaction); every key is checked before the commit instead
            let keys_off = b == Backend::Sqlite
                && ops_to_run
                    .iter()
                    .any(|o| o.rebuilds_on_sqlite() || matches!(o, Operation::DropIndex { .. }));
            if keys_off {
                conn.run_script("PRAGMA foreign_keys = OFF").await?;
            }
            let result = async {
                let mut tx = conn.begin().await?;
                let mut ex = &mut tx;
                // another instance may have been first (SQLite: now decided)
                let state = self.state_of(&mut ex, f.version).await?;
                let done = match direction {
                    Direction::Up => state == Some(true),
                    Direction::Down => state.is_none(),
                };
                if done {
                    return Ok(false);
                }
                for (i, op) in ops_to_run.iter().enumerate() {
                    run_one(&mut ex, op, i, total, out).await.map_err(|e| {
                        Error::Migration(format!(
                            "migration {}_{} failed at operation {} of {total} ({op}): {e}; \
                             rolled back, the database is as it was",
                            f.version,
                            f.name,
                            i + 1
                        ))
                    })?;
                }
                if keys_off {
                    let check = Statement::new("SELECT COUNT(*) FROM pragma_foreign_key_check");
                    let n = fetch_int(&mut ex, check).await?.unwrap_or(0);
                    if n > 0 {
                        return Err(Error::Migration(format!(
                            "migration {}_{} would leave {n} row(s) pointing at missing \
                             rows; rolled back, the database is as it was",
                            f.version, f.name
                        )));
                    }
                }
                match direction {
                    Direction::Up => {
                        self.record(&mut ex, f, true, elapsed_nanos(started))
                            .await?
                    }
                    Direction::Down => self.forget_record(&mut ex, f.version).await?,
                }
                tx.commit().await?;
                Ok(true)
            }
            .await;
            if keys_off {
                conn.run_script("PRAGMA foreign_keys = ON").await?;
            }
            return result;
        }
        if b == Backend::MySql {
            let _ = writeln!(
                out,
                "  MySQL cannot roll back DDL: applying operation by operation, recording progress"
            );
        }
        let mut ex = &mut conn;
        // progress counts the `up` operations in place; a down that does
        // not mirror its up cannot say how many, and records none
        let mirrored = match &f.body {
            Body::Portable(file, _) => file.down.as_ref().map(Vec::len) == Some(file.up.len()),
            Body::Sql(_) => false,
        };
        let in_place = |i: usize| match direction {
            Direction::Up => Some(skip + i),
            Direction::Down if mirrored => Some(total - skip - i),
            Direction::Down => None,
        };
        if resume.is_none() || direction == Direction::Down {
            // marked unfinished until the last operation is in place
            self.record(&mut ex, f, false, -1).await?;
        }
        self.set_progress(&mut ex, f.version, in_place(0)).await?;
        for (i, op) in ops_to_run.iter().enumerate() {
            if let Err(e) = run_one(&mut ex, op, skip + i, total, out).await {
                let state = match in_place(i) {
                    Some(done) => format!(
                        "{done} of its {total} operation(s) are in place and recorded: fix the \
                         cause and run `migrate up` to resume, or `migrate down` to revert them"
                    ),
                    None => format!(
                        "its down does not mirror its up, so what is in place is unknown: \
                         revert by hand, then `migrate forget {}`",
                        f.version
                    ),
                };
                return Err(Error::Migration(format!(
                    "migration {}_{} stopped at operation {} of {total} ({op}): {e}; {state}",
                    f.version,
                    f.name,
                    skip + i + 1
                )));
            }
            self.set_progress(&mut ex, f.version, in_place(i + 1))
                .await?;
        }
        match direction {
            Direction::Up => {
                self.record(&mut ex, f, true, elapsed_nanos(started))
                    .await?;
                self.set_progress(&mut ex, f.version, None).await?
            }
            Direction::Down => self.forget_record(&mut ex, f.version).await?,
        }
        Ok(true)
    }

    pub(super) async fn check_risks(
        &self,
        db: &Db,
        f: &Found,
        ops: &[Operation],
        options: RunOptions,
        out: &mut (dyn Write + Send),
    ) -> Result<()> {
        let mut refused = Vec::new();
        for (op, risk) in assess(db, ops).await? {
            let _ = writeln!(out, "  ! {op}: {}", risk.message);
            if risk.destructive && !op.is_intended() && !options.allow_destructive {
                refused.push(format!("{op}: {}", risk.message));
            }
        }
        if refused.is_empty() {
            return Ok(());
        }
        Err(Error::Migration(format!(
            "migration {}_{} would lose data and is not marked as meaning to:\n  {}\n\
             review it, then set `intended = true` on these operations in the file, \
             or run `migrate up --allow-destructive`",
            f.version,
            f.name,
            refused.join("\n  ")
        )))
    }
}

fn ms(t: Instant) -> String {
    let d = t.elapsed();
    if d.as_secs() >= 10 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The risks of `ops` against the database as it is now (its row counts,
/// the columns an `alter_column` changes), operation by operation.
///
/// # Errors
/// Database errors.
///
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{migrate, Db, Executor as _};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// (&db).run_script("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t (a) VALUES ('x')").await.unwrap();
/// let ops = [migrate::Operation::DropColumn { table: "t".into(), column: "a".into(), intended: false }];
/// let risks = migrate::assess(&db, &ops).await.unwrap();
/// assert!(risks[0].1.destructive && risks[0].1.message.contains("1 row(s)"));
/// # });
/// ```
pub async fn assess<'o>(db: &Db, ops: &'o [Operation]) -> Result<Vec<(&'o Operation, Risk)>> {
    let b = db.backend();
    let tables = introspect::tables(db).await?;
    let mut out = Vec::new();
    for op in ops {
        let rows = match op.table() {
            Some(t) if tables.iter().any(|x| x.name == t) => {
                let mut ex = db;
                apply::row_count(&mut ex, t).await?
            }
            _ => 0,
        };
        let old = match op {
            Operation::AlterColumn { table, column, .. } => tables
                .iter()
                .find(|t| t.name == *table)
                .and_then(|t| t.column(&column.name)),
            _ => None,
        };
        out.extend(risks(op, b, old, rows).into_iter().map(|r| (op, r)));
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    Up,
    Down,
}

fn elapsed_nanos(t: Instant) -> i64 {
    i64::try_from(t.elapsed().as_nanos()).unwrap_or(i64::MAX)
}

async fn run_one(
    ex: &mut dyn Executor,
    op: &Operation,
    index: usize,
    total: usize,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let started = Instant::now();
    let _ = writeln!(out, "  [{}/{total}] {op} ...", index + 1);
    let mut progress = |line: String| {
        let _ = writeln!(out, "        {line}");
    };
    apply::apply(ex, op, &mut progress).await?;
    let _ = writeln!(out, "        done in {}", ms(started));
    Ok(())
}
