//! Reading the database's own catalogue: tables, columns, indexes and
//! foreign keys (the per-backend queries live in `db::backend`).

use crate::db::backend::Backend;
use crate::db::error::Result;
use crate::db::executor::Executor;
use crate::db::schema::SqlType;
use crate::db::sql::Statement;
use crate::db::value::Value;

use super::{ColumnInfo, ColumnKind, ForeignKeyInfo, IndexInfo, TableInfo};

fn text_at(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn int_at(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(Value::as_i64)
}

/// Every table of the database (SQLite's own excepted), in name order, with
/// columns, indexes and foreign keys; `ex` may be a transaction (what a
/// migration sees mid-way).
///
/// # Errors
/// The database's refusal.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{introspect, Db, Executor as _};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// (&db).run_script("CREATE TABLE tag (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL UNIQUE)").await.unwrap();
/// let tables = introspect::tables(&db).await.unwrap();
/// assert_eq!(tables[0].name, "tag");
/// assert!(tables[0].column("id").unwrap().auto_increment);
/// assert!(tables[0].index_on(&["label".to_owned()], true).is_some());
/// # });
/// ```
pub async fn tables<E: Executor>(mut ex: E) -> Result<Vec<TableInfo>> {
    let backend = ex.backend();
    let text = SqlType::Text { max_length: None };
    let int = SqlType::BigInt;
    let types = [text, text, text, int, int, int, text, int];
    let rows = ex
        .fetch(Statement::new(backend.columns_sql()), &types)
        .await?;
    let mut out: Vec<TableInfo> = Vec::new();
    for row in rows {
        let table = text_at(&row, 0).unwrap_or_default();
        let declared = text_at(&row, 2).unwrap_or_default();
        let length = int_at(&row, 4).and_then(|n| u64::try_from(n).ok());
        let kind = match ColumnKind::parse(&declared, length) {
            // SQLite stores every integer in up to 8 bytes
            ColumnKind::Integer(_) if backend == Backend::Sqlite => ColumnKind::Integer(8),
            kind => kind,
        };
        let column = ColumnInfo {
            name: text_at(&row, 1).unwrap_or_default(),
            kind,
            declared,
            nullable: int_at(&row, 3) == Some(1),
            primary_key: int_at(&row, 5) == Some(1),
            default: text_at(&row, 6),
            auto_increment: int_at(&row, 7) == Some(1),
        };
        match out.last_mut().filter(|t| t.name == table) {
            Some(t) => t.columns.push(column),
            None => out.push(TableInfo::new(&table, vec![column])),
        }
    }
    let types = [text, text, int, int, text, int];
    let rows = ex
        .fetch(Statement::new(backend.indexes_sql()), &types)
        .await?;
    for row in rows {
        let (Some(table), Some(name), Some(column)) =
            (text_at(&row, 0), text_at(&row, 1), text_at(&row, 4))
        else {
            continue;
        };
        let Some(t) = out.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        match t.indexes.last_mut().filter(|i| i.name == name) {
            Some(i) => i.columns.push(column),
            None => t.indexes.push(IndexInfo {
                name,
                columns: vec![column],
                unique: int_at(&row, 2) == Some(1),
                constraint: int_at(&row, 3) == Some(1),
            }),
        }
    }
    let types = [text, text, text, text, text, text];
    let rows = ex
        .fetch(Statement::new(backend.foreign_keys_sql()), &types)
        .await?;
    for row in rows {
        let (Some(table), Some(column), Some(target_table)) =
            (text_at(&row, 0), text_at(&row, 2), text_at(&row, 3))
        else {
            continue;
        };
        let Some(t) = out.iter_mut().find(|t| t.name == table) else {
            continue;
        };
        let name = text_at(&row, 1).unwrap_or_else(|| format!("fk_{table}_{column}"));
        t.foreign_keys.push(ForeignKeyInfo {
            name,
            column,
            target_table,
            target_column: text_at(&row, 4),
            on_delete: text_at(&row, 5).unwrap_or_else(|| "NO ACTION".into()),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// One table as the database has it, or `None` when it does not exist.
///
/// # Errors
/// The database's refusal.
///
/// ```
/// # rocket::async_test(async {
/// let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// assert!(hangar::db::introspect::table(&db, "nothing").await.unwrap().is_none());
/// # });
/// ```
pub async fn table<E: Executor>(ex: E, name: &str) -> Result<Option<TableInfo>> {
    Ok(tables(ex).await?.into_iter().find(|t| t.name == name))
}
