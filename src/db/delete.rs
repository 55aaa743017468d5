//! DELETE, plain or recursive through the registered foreign keys, always atomic.

use std::collections::HashSet;

use crate::db::backend::Backend;
use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::lookup::Op;
use crate::db::query::Select;
use crate::db::registry::Registry;
use crate::db::schema::{Column, OnDelete, Schema};
use crate::db::sql::{SqlWriter, Statement};
use crate::db::value::Value;

/// How a delete treats rows that refer to the deleted rows.
///
/// # Example
/// ```
/// assert_ne!(hangar::db::DeleteMode::Recursive, hangar::db::DeleteMode::Restrict);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteMode {
    /// Refuse with [`Error::Restricted`] while any registered model refers to
    /// the rows (nullable `set_null` references are nulled, as the database would).
    Restrict,
    /// Delete dependents first (nullable and `set_null` references are set to
    /// `NULL` instead), recursively, in one transaction — flask-peewee's
    /// `delete_instance(recursive=True)`.
    Recursive,
}

/// The rows a recursive delete would remove (or null), per model: what an
/// admin confirm page lists.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// `(schema, primary keys)` to delete, dependents before what they depend on.
    pub deletes: Vec<(&'static Schema, Vec<Value>)>,
    /// `(schema, fk column, primary keys)` whose foreign key will be set to `NULL`.
    pub nulls: Vec<(&'static Schema, &'static Column, Vec<Value>)>,
}

impl Collected {
    /// Total rows deleted.
    pub fn delete_count(&self) -> usize {
        self.deletes.iter().map(|(_, pks)| pks.len()).sum()
    }
}

const CHUNK: usize = 500;

fn nulls_instead(col: &Column) -> bool {
    col.nullable
        && col
            .references
            .is_some_and(|fk| fk.on_delete != OnDelete::Cascade)
}

/// Finds every row that depends on `pks` of `schema` through the registered models.
///
/// # Errors
/// Database errors.
pub async fn collect<E: Executor>(
    mut ex: E,
    schema: &'static Schema,
    pks: Vec<Value>,
) -> Result<Collected> {
    let mut out = Collected::default();
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    collect_into(&mut ex, schema, pks, &mut out, &mut seen).await?;
    Ok(out)
}

fn collect_into<'a, E: Executor>(
    ex: &'a mut E,
    schema: &'static Schema,
    pks: Vec<Value>,
    out: &'a mut Collected,
    seen: &'a mut HashSet<(&'static str, String)>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let pks: Vec<Value> = pks
            .into_iter()
            .filter(|pk| seen.insert((schema.table, pk.to_string())))
            .collect();
        if pks.is_empty() {
            return Ok(());
        }
        for (dep, col) in ex.registry().dependents(schema) {
            for chunk in pks.chunks(CHUNK) {
                let dep_pks = Select::new(dep)
                    .filter_values(col.field, Op::In, chunk.to_vec())?
                    .pks(&mut *ex)
                    .await?;
                if dep_pks.is_empty() {
                    continue;
                }
                if nulls_instead(col) {
                    out.nulls.push((dep, col, dep_pks));
                } else {
                    collect_into(ex, dep, dep_pks, out, seen).await?;
                }
            }
        }
        out.deletes.push((schema, pks));
        Ok(())
    })
}

async fn delete_tree<E: Executor>(ex: &mut E, plan: Collected) -> Result<u64> {
    for (schema, col, pks) in plan.nulls {
        for chunk in pks.chunks(CHUNK) {
            Select::new(schema)
                .filter_values(schema.pk().field, Op::In, chunk.to_vec())?
                .update(&mut *ex, vec![(col.field, Value::Null)])
                .await?;
        }
    }
    let mut total = 0;
    for (schema, pks) in plan.deletes {
        for chunk in pks.chunks(CHUNK) {
            total += delete_rows(ex, schema, chunk).await?;
        }
    }
    Ok(total)
}

async fn delete_rows<E: Executor>(
    ex: &mut E,
    schema: &'static Schema,
    pks: &[Value],
) -> Result<u64> {
    let stmt = delete_statement(ex.backend(), ex.registry(), schema, pks);
    let res = ex.execute(stmt).await.map_err(|e| match e {
        Error::ForeignKey { .. } => Error::Restricted {
            model: schema.name,
            dependent: "another",
            count: 1,
        },
        e => e,
    })?;
    Ok(res.rows_affected)
}

/// `DELETE FROM t WHERE pk IN (...)`.
pub(crate) fn delete_statement(
    backend: Backend,
    registry: &Registry,
    schema: &Schema,
    pks: &[Value],
) -> Statement {
    let pk = schema.pk();
    let mut w = SqlWriter::new(backend, registry);
    w.push("DELETE FROM ").push_table(schema).push(" WHERE ");
    w.push_ident(pk.name).push(" IN (");
    w.push_separated(pks, ", ", |w, v| {
        w.push_bind(v.clone(), pk.sql_type);
    });
    w.push(")");
    w.finish()
}

async fn restrict_check<E: Executor>(
    ex: &mut E,
    schema: &'static Schema,
    pks: &[Value],
) -> Result<()> {
    for (dep, col) in ex.registry().dependents(schema) {
        if nulls_instead(col) {
            continue;
        }
        let count = Select::new(dep)
            .filter_values(col.field, Op::In, pks.to_vec())?
            .count(&mut *ex)
            .await?;
        if count > 0 {
            return Err(Error::Restricted {
                model: schema.name,
                dependent: dep.name,
                count: count as i64,
            });
        }
    }
    Ok(())
}

async fn delete_in_scope<E: Executor>(
    ex: &mut E,
    schema: &'static Schema,
    pks: Vec<Value>,
    mode: DeleteMode,
) -> Result<u64> {
    if mode == DeleteMode::Restrict {
        restrict_check(ex, schema, &pks).await?;
    }
    let plan = collect(&mut *ex, schema, pks).await?;
    let plan = match mode {
        DeleteMode::Recursive => plan,
        // restrict: only the rows themselves (nullable references still nulled)
        DeleteMode::Restrict => Collected {
            deletes: plan
                .deletes
                .into_iter()
                .filter(|(s, _)| std::ptr::eq(*s, schema))
                .collect(),
            nulls: plan.nulls,
        },
    };
    delete_tree(ex, plan).await
}

/// Deletes the rows of `schema` with these primary keys, atomically; returns
/// the number of rows deleted in all tables.
///
/// # Errors
/// [`Error::Restricted`] in [`DeleteMode::Restrict`] when dependents exist;
/// database errors (nothing is deleted then).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Item { id: i64, name: String }
/// use hangar::db::DeleteMode;
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, Item::schema()).await.unwrap();
/// let mut item = Item { id: 0, name: "x".into() };
/// item.insert(&db).await.unwrap();
/// assert_eq!(item.delete(&db, DeleteMode::Recursive).await.unwrap(), 1);
/// # });
/// ```
pub async fn delete_by_pks<E: Executor>(
    mut ex: E,
    schema: &'static Schema,
    pks: Vec<Value>,
    mode: DeleteMode,
) -> Result<u64> {
    if pks.is_empty() {
        return Ok(0);
    }
    let mut tx = ex.begin().await?;
    let deleted = delete_in_scope(&mut &mut tx, schema, pks, mode).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Deletes every row a query matches (see [`delete_by_pks`]).
///
/// # Errors
/// As [`delete_by_pks`].
pub async fn delete_select<E: Executor>(
    mut ex: E,
    select: &Select,
    mode: DeleteMode,
) -> Result<u64> {
    let pks = select.pks(&mut ex).await?;
    delete_by_pks(ex, select.schema(), pks, mode).await
}
