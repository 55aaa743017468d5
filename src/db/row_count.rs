//! Count strategies for listings: an exact `COUNT(*)`, the planner's
//! estimate, or no count at all.
//!
//! An exact count of a big table scans it (every backend keeps row counts
//! MVCC-correct only by counting), and that scan dominates an unfiltered page
//! of a million rows. [`Count::Estimated`] asks the database's own statistics
//! instead — PostgreSQL's `pg_class.reltuples` (unfiltered) or its planner's
//! row estimate (`EXPLAIN`, filtered), MySQL's `information_schema.TABLES` or
//! `EXPLAIN FORMAT=JSON`, SQLite's `sqlite_stat1` — and counts exactly when
//! the estimate is small (cheap to count, and where an estimate is furthest
//! off) or when the backend has none (a filtered SQLite listing). The answer
//! says which it is, so a client never takes an estimate for a fact.

use crate::db::backend::Backend;
use crate::db::error::Result;
use crate::db::executor::{fetch_int, Executor};
use crate::db::query::Select;
use crate::db::schema::SqlType;
use crate::db::select_sql::Projection;
use crate::db::sql::{Returns, SqlWriter, Statement};
use crate::db::value::Value;

const TEXT: SqlType = SqlType::Text { max_length: None };

/// How a listing counts its rows (REST resources and admin models choose one;
/// the default is [`Count::Exact`]).
///
/// ```
/// use hangar::db::Count;
/// let big_table = Count::estimated();
/// assert_eq!(big_table, Count::Estimated { exact_below: 10_000 });
/// assert_eq!(Count::default(), Count::Exact);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Count {
    /// `SELECT COUNT(*)` every time.
    #[default]
    Exact,
    /// The database's estimate; an exact count when the estimate is below
    /// `exact_below` or the backend has no estimate for the query.
    Estimated {
        /// Estimates under this many rows are replaced by an exact count.
        exact_below: u64,
    },
    /// No count: a page fetches one row more than it shows to know whether
    /// another page follows; page and object counts are unknown.
    None,
}

impl Count {
    /// [`Count::Estimated`] counting exactly below 10,000 rows.
    pub fn estimated() -> Count {
        Count::Estimated {
            exact_below: 10_000,
        }
    }
}

/// A listing's row count and how it was obtained.
///
/// ```
/// use hangar::db::RowCount;
/// assert_eq!(RowCount::Estimated(1_000_000).value(), Some(1_000_000));
/// assert_eq!(RowCount::Unknown.value(), None);
/// assert_eq!(RowCount::Exact(3).kind(), "exact");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowCount {
    /// Counted.
    Exact(u64),
    /// The database's estimate.
    Estimated(u64),
    /// Not counted ([`Count::None`]).
    Unknown,
}

impl RowCount {
    /// The number of rows, when known or estimated.
    pub fn value(self) -> Option<u64> {
        match self {
            RowCount::Exact(n) | RowCount::Estimated(n) => Some(n),
            RowCount::Unknown => None,
        }
    }

    /// `"exact"`, `"estimated"` or `"none"`: what listings report as
    /// `meta.count`.
    pub fn kind(self) -> &'static str {
        match self {
            RowCount::Exact(_) => "exact",
            RowCount::Estimated(_) => "estimated",
            RowCount::Unknown => "none",
        }
    }
}

impl Select {
    /// Counts the matching rows the way `how` says.
    ///
    /// An estimate that cannot be read (statistics never gathered, a
    /// catalogue the user may not read) falls back to an exact count: the
    /// strategy changes the cost, never whether a listing answers.
    ///
    /// # Errors
    /// Database errors of the exact count.
    ///
    /// ```no_run
    /// # use hangar::db::{Count, Db, RowCount, Schema, Select};
    /// # async fn page(db: &Db, messages: &'static Schema) -> hangar::db::Result<()> {
    /// match Select::new(messages).count_as(db, Count::estimated()).await? {
    ///     RowCount::Exact(n) => println!("{n} messages"),
    ///     RowCount::Estimated(n) => println!("about {n} messages"),
    ///     RowCount::Unknown => println!("some messages"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn count_as<E: Executor>(&self, mut ex: E, how: Count) -> Result<RowCount> {
        match how {
            Count::Exact => Ok(RowCount::Exact(self.count(&mut ex).await?)),
            Count::None => Ok(RowCount::Unknown),
            Count::Estimated { exact_below } => match self.estimate(&mut ex).await {
                Some(n) if n >= exact_below => Ok(RowCount::Estimated(n)),
                _ => Ok(RowCount::Exact(self.count(&mut ex).await?)),
            },
        }
    }

    /// The database's estimate of the matching rows, if it has one.
    async fn estimate<E: Executor>(&self, ex: &mut E) -> Option<u64> {
        let backend = ex.backend();
        let stmt = if self.conds.is_empty() {
            table_estimate(backend, ex, self)
        } else {
            match backend {
                // SQLite's planner keeps no row estimates for a filter
                Backend::Sqlite => return None,
                Backend::Postgres | Backend::MySql => self.explain(backend, ex),
            }
        };
        let estimate = match (backend, self.conds.is_empty()) {
            (Backend::Sqlite, true) => {
                let rows = ex.fetch(stmt.read(Returns::Rows), &[TEXT]).await.ok()?;
                let stat = rows.first()?.first()?.as_str()?.to_owned();
                stat.split_whitespace().next()?.parse::<i64>().ok()
            }
            (Backend::Postgres, false) => {
                let rows = ex.fetch(stmt.read(Returns::Rows), &[TEXT]).await.ok()?;
                postgres_plan_rows(rows.first()?.first()?.as_str()?)
            }
            (Backend::MySql, false) => {
                let rows = ex.fetch(stmt.read(Returns::Rows), &[TEXT]).await.ok()?;
                mysql_plan_rows(rows.first()?.first()?.as_str()?)
            }
            _ => fetch_int(ex, stmt).await.ok()?,
        }?;
        // PostgreSQL says -1 for a table never vacuumed or analysed
        u64::try_from(estimate).ok()
    }

    /// `EXPLAIN` of the rows query (PostgreSQL: its text plan; MySQL: the
    /// JSON one), to read the planner's estimate from.
    fn explain<E: Executor>(&self, backend: Backend, ex: &E) -> Statement {
        let mut rows = self.clone().clear_order();
        rows.includes.clear();
        let inner = rows.select_statement(backend, ex.registry(), Projection::Pks);
        let prefix = match backend {
            Backend::MySql => "EXPLAIN FORMAT=JSON ",
            _ => "EXPLAIN ",
        };
        Statement {
            sql: format!("{prefix}{}", inner.sql),
            args: inner.args,
            returns: Returns::Rows,
        }
    }
}

/// The catalogue's row count of the select's table.
fn table_estimate<E: Executor>(backend: Backend, ex: &E, select: &Select) -> Statement {
    let table = ex.registry().table(select.schema()).to_owned();
    let mut w = SqlWriter::new(backend, ex.registry());
    match backend {
        Backend::Postgres => {
            let mut quoted = String::new();
            backend.push_quoted(&mut quoted, &table);
            w.push("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(")
                .push_bind(Value::Text(quoted), TEXT)
                .push(")");
        }
        Backend::MySql => {
            w.push(
                "SELECT CAST(TABLE_ROWS AS SIGNED) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
            )
            .push_bind(Value::Text(table), TEXT);
        }
        Backend::Sqlite => {
            // the table's own row (no index) first, else any index's: both
            // start with the table's row count as of the last ANALYZE (no
            // sqlite_stat1 table: the statement fails and the count is exact)
            w.push("SELECT stat FROM sqlite_stat1 WHERE tbl = ")
                .push_bind(Value::Text(table), TEXT)
                .push(" ORDER BY idx IS NULL DESC LIMIT 1");
        }
    }
    w.finish()
}

/// The row estimate of the top node of a PostgreSQL text plan
/// (`Seq Scan on t  (cost=0.00..18334.00 rows=1000000 width=4)`).
fn postgres_plan_rows(first_line: &str) -> Option<i64> {
    let at = first_line.find(" rows=")? + " rows=".len();
    let digits: String = first_line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The rows a MySQL/MariaDB JSON plan expects: the product over the joined
/// tables of `rows × filtered%`.
fn mysql_plan_rows(plan: &str) -> Option<i64> {
    fn tables<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    if k == "table" && child.is_object() {
                        out.push(child);
                    }
                    tables(child, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| tables(i, out)),
            _ => {}
        }
    }
    let plan: serde_json::Value = serde_json::from_str(plan).ok()?;
    let mut found = Vec::new();
    tables(&plan, &mut found);
    let mut estimate = None::<f64>;
    for t in found {
        let rows = t
            .get("rows")
            .and_then(number)
            .or_else(|| t.get("rows_examined_per_scan").and_then(number))?;
        let filtered = t.get("filtered").and_then(number).unwrap_or(100.0);
        estimate = Some(estimate.unwrap_or(1.0) * rows * filtered / 100.0);
    }
    estimate.map(|e| e.round() as i64)
}

fn number(v: &serde_json::Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_plans_give_their_top_estimate() {
        let line = "Hash Join  (cost=30.50..2150.50 rows=4980 width=8)";
        assert_eq!(postgres_plan_rows(line), Some(4980));
        assert_eq!(
            postgres_plan_rows("Result  (cost=0.00..0.01 width=0)"),
            None
        );
    }

    #[test]
    fn mysql_plans_multiply_joined_tables() {
        let plan = r#"{"query_block": {"select_id": 1, "nested_loop": [
            {"table": {"table_name": "t0", "rows": 1000, "filtered": 10}},
            {"table": {"table_name": "t1", "rows": 2, "filtered": 100}}]}}"#;
        assert_eq!(mysql_plan_rows(plan), Some(200));
        let single = r#"{"query_block": {"table": {"table_name": "t0", "rows": 57}}}"#;
        assert_eq!(mysql_plan_rows(single), Some(57));
        assert_eq!(mysql_plan_rows("not json"), None);
    }
}
