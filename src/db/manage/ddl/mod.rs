//! DDL: tables as data ([`TableSpec`], from a model or a migration file),
//! written as SQL per backend ([`create_table`], [`create_index`]), and
//! created from the registered models in foreign-key order.

mod render;
mod spec;

pub use render::{
    column_def, column_type, default_sql, default_value_sql, index_name, index_sql, table_sql,
};
pub(crate) use spec::on_delete_name;
pub use spec::{
    ColumnSpec, ColumnType, DefaultSpec, ForeignKeySpec, IndexSpec, LiteralSpec, TableSpec,
};

use crate::db::backend::Backend;
use crate::db::error::Result;
use crate::db::executor::{fetch_int, Executor};
use crate::db::registry::Registry;
use crate::db::schema::{Schema, SqlType};
use crate::db::sql::Statement;
use crate::db::value::Value;

/// The `CREATE TABLE IF NOT EXISTS` statement for a schema.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Item { id: i64, #[model(unique, max_length = 40)] name: String }
/// let registry = hangar::db::Registry::default();
/// let sql = hangar::db::ddl::create_table_sql(hangar::db::Backend::Postgres, &registry, Item::schema());
/// assert!(sql.starts_with("CREATE TABLE IF NOT EXISTS \"item\""));
/// assert!(sql.contains("\"name\" VARCHAR(40) NOT NULL UNIQUE"));
/// ```
pub fn create_table_sql(backend: Backend, registry: &Registry, schema: &Schema) -> String {
    table_sql(backend, &TableSpec::from_schema(registry, schema), true)
}

/// `CREATE INDEX` statements for `index` columns and foreign keys.
pub fn create_index_sql(backend: Backend, registry: &Registry, schema: &Schema) -> Vec<String> {
    let spec = TableSpec::from_schema(registry, schema);
    spec.indexes
        .iter()
        .map(|i| index_sql(backend, &spec.name, i, true, false))
        .collect()
}

/// Whether a table exists.
///
/// # Errors
/// Database errors.
pub async fn table_exists<E: Executor>(mut ex: E, table: &str) -> Result<bool> {
    let stmt = ex.backend().table_exists_sql();
    let stmt = Statement::new(stmt).bind(
        Value::Text(table.into()),
        SqlType::Text { max_length: None },
    );
    Ok(fetch_int(&mut ex, stmt).await?.unwrap_or(0) > 0)
}

/// Creates one table and its indexes if missing; returns whether it was created.
///
/// # Errors
/// Database errors.
pub async fn create_table<E: Executor>(mut ex: E, schema: &Schema) -> Result<bool> {
    let table = ex.registry().table(schema).to_owned();
    if table_exists(&mut ex, &table).await? {
        return Ok(false);
    }
    let backend = ex.backend();
    let create = create_table_sql(backend, ex.registry(), schema);
    let indexes = create_index_sql(backend, ex.registry(), schema);
    ex.execute(Statement::new(create)).await?;
    for sql in indexes {
        ex.execute(Statement::new(sql)).await?;
    }
    Ok(true)
}

/// Orders schemas so every table comes after the tables it references
/// (self-references and cycles are tolerated: they keep their order).
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Author { id: i64 }
/// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
/// let order = hangar::db::ddl::dependency_order(&[Book::schema(), Author::schema()]);
/// assert_eq!(order[0].table, "author");
/// ```
pub fn dependency_order(schemas: &[&'static Schema]) -> Vec<&'static Schema> {
    let mut out: Vec<&'static Schema> = Vec::with_capacity(schemas.len());
    let mut visiting: Vec<&'static Schema> = Vec::new();
    fn visit(
        s: &'static Schema,
        all: &[&'static Schema],
        out: &mut Vec<&'static Schema>,
        visiting: &mut Vec<&'static Schema>,
    ) {
        if out.iter().any(|o| std::ptr::eq(*o, s)) || visiting.iter().any(|v| std::ptr::eq(*v, s)) {
            return;
        }
        visiting.push(s);
        for (_, target) in s.references() {
            if all.iter().any(|a| std::ptr::eq(*a, target)) {
                visit(target, all, out, visiting);
            }
        }
        visiting.pop();
        out.push(s);
    }
    for s in schemas {
        visit(s, schemas, &mut out, &mut visiting);
    }
    out
}

pub use crate::db::registry::with_references;

/// Creates every missing table (and index) in foreign-key order, in one
/// transaction where the backend allows; returns the tables created (as
/// the registry names them).
///
/// # Errors
/// Database errors.
pub async fn create_tables(db: &crate::db::Db, schemas: &[&'static Schema]) -> Result<Vec<String>> {
    let mut created = Vec::new();
    let mut tx = db.begin().await?;
    for s in dependency_order(&with_references(schemas)) {
        if create_table(&mut tx, s).await? {
            created.push(db.registry().table(s).to_owned());
        }
    }
    tx.commit().await?;
    Ok(created)
}
