//! One operation, as SQL for the backend the app runs on.

use crate::db::backend::Backend;
use crate::db::error::{Error, Result};
use crate::db::executor::{fetch_int, Executor};
use crate::db::manage::ddl::{self, ColumnSpec, IndexSpec};
use crate::db::manage::introspect::{self, TableInfo};
use crate::db::schema::SqlType;
use crate::db::sql::SqlWriter;
use crate::db::value::Value;

use super::operation::Operation;
use super::rebuild::{rebuild, Change};

/// Where an operation reports progress (rows copied by a rebuild, ...).
pub(crate) type Progress<'a> = &'a mut (dyn FnMut(String) + Send);

fn refused(message: String) -> Error {
    Error::Migration(message)
}

/// The rows of `table` (0 when it does not exist).
pub(crate) async fn row_count(ex: &mut dyn Executor, table: &str) -> Result<u64> {
    if !ddl::table_exists(&mut *ex, table).await? {
        return Ok(0);
    }
    let mut count = SqlWriter::without_models(ex.backend());
    count.push("SELECT COUNT(*) FROM ").push_ident(table);
    let n = fetch_int(&mut *ex, count.finish()).await?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

async fn existing(ex: &mut dyn Executor, table: &str) -> Result<TableInfo> {
    introspect::table(&mut *ex, table)
        .await?
        .ok_or_else(|| refused(format!("table {table} does not exist")))
}

/// Runs `op` on `ex` (a transaction, or a connection when the migration
/// runs step by step).
pub(crate) async fn apply(
    ex: &mut dyn Executor,
    op: &Operation,
    progress: Progress<'_>,
) -> Result<()> {
    let b = ex.backend();
    let q = |s: &str| b.quote(s);
    let mut statements: Vec<String> = Vec::new();
    match op {
        Operation::CreateTable { .. } => {
            let spec = op.table_spec().expect("a create_table has a spec");
            // a table `auto_create` made at launch is kept when it has the
            // spec's columns; anything else is a conflict to resolve by hand
            if let Some(have) = introspect::table(&mut *ex, &spec.name).await? {
                let same = have.columns.len() == spec.columns.len()
                    && spec.columns.iter().all(|c| have.column(&c.name).is_some());
                if !same {
                    return Err(refused(format!(
                        "table {} exists already with other columns",
                        spec.name
                    )));
                }
                progress(format!(
                    "table {} exists already with these columns (auto_create): kept",
                    spec.name
                ));
                // indexes a run that stopped part-way did not make yet
                for index in &spec.indexes {
                    if have.index_on(&index.columns, index.unique).is_none() {
                        ex.run_script(&ddl::index_sql(b, &spec.name, index, false, false))
                            .await?;
                    }
                }
                return Ok(());
            }
            statements.push(ddl::table_sql(b, &spec, false));
            for index in &spec.indexes {
                statements.push(ddl::index_sql(b, &spec.name, index, false, false));
            }
        }
        Operation::DropTable { table, .. } => statements.push(format!("DROP TABLE {}", q(table))),
        Operation::RenameTable { from, to } => statements.push(match b {
            Backend::MySql => format!("RENAME TABLE {} TO {}", q(from), q(to)),
            _ => format!("ALTER TABLE {} RENAME TO {}", q(from), q(to)),
        }),
        Operation::AddColumn { table, column } => {
            if !column.nullable && column.default.is_none() {
                let rows = row_count(&mut *ex, table).await?;
                if rows > 0 {
                    return Err(refused(format!(
                        "cannot add NOT NULL column {table}.{} without a default: the table has \
                         {rows} row(s); give the field a default or make it Option",
                        column.name
                    )));
                }
            }
            if b == Backend::Sqlite && op.rebuilds_on_sqlite() {
                return rebuild(ex, table, Change::Add(column), progress).await;
            }
            statements.push(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                q(table),
                ddl::column_def(b, column)
            ));
            // MySQL's TEXT columns take no DEFAULT: existing rows get it here
            if ddl::default_sql(b, column).is_none() {
                if let Some(value) = ddl::default_value_sql(b, column) {
                    statements.push(format!(
                        "UPDATE {} SET {} = {value}",
                        q(table),
                        q(&column.name)
                    ));
                }
            }
        }
        Operation::DropColumn { table, column, .. } => {
            let info = existing(&mut *ex, table).await?;
            if info.column(column).is_none() {
                return Err(refused(format!("column {table}.{column} does not exist")));
            }
            if b == Backend::Sqlite {
                // SQLite drops a column no index, key or constraint uses
                // itself (3.35+); anything else takes the rebuild
                let free = !info.indexes.iter().any(|i| i.columns.contains(column))
                    && info.foreign_key(column).is_none()
                    && info.column(column).is_some_and(|c| !c.primary_key);
                let native = format!("ALTER TABLE {} DROP COLUMN {}", q(table), q(column));
                if free && ex.run_script(&native).await.is_ok() {
                    return Ok(());
                }
                return rebuild(ex, table, Change::Drop(column), progress).await;
            }
            if b == Backend::MySql {
                // MySQL refuses to drop a column a foreign key uses
                for fk in info.foreign_keys.iter().filter(|f| f.column == *column) {
                    statements.push(format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {}",
                        q(table),
                        q(&fk.name)
                    ));
                }
            }
            statements.push(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(column)
            ));
        }
        Operation::AlterColumn { table, column, .. } => {
            let info = existing(&mut *ex, table).await?;
            if info.column(&column.name).is_none() {
                return Err(refused(format!(
                    "column {table}.{} does not exist",
                    column.name
                )));
            }
            // a column made NOT NULL takes its default where it held NULL
            if !column.nullable && info.column(&column.name).is_some_and(|c| c.nullable) {
                if let Some(fill) = ddl::default_value_sql(b, column) {
                    let name = q(&column.name);
                    ex.run_script(&format!(
                        "UPDATE {} SET {name} = {fill} WHERE {name} IS NULL",
                        q(table)
                    ))
                    .await?;
                }
            }
            match b {
                Backend::Sqlite => {
                    return rebuild(ex, table, Change::Alter(column), progress).await
                }
                Backend::Postgres => {
                    let current = info.column(&column.name).expect("checked above");
                    statements.push(postgres_alter(table, current, column));
                }
                Backend::MySql => {
                    // a key column keeps its key: MODIFY must not repeat it
                    let def = if column.primary_key {
                        let auto = if column.auto_increment {
                            " AUTO_INCREMENT"
                        } else {
                            ""
                        };
                        let ty = if column.auto_increment {
                            "BIGINT".to_owned()
                        } else {
                            ddl::column_type(b, column)
                        };
                        format!("{} {ty} NOT NULL{auto}", q(&column.name))
                    } else {
                        let spec = ColumnSpec {
                            unique: false,
                            ..column.clone()
                        };
                        ddl::column_def(b, &spec)
                    };
                    statements.push(format!("ALTER TABLE {} MODIFY COLUMN {def}", q(table)));
                }
            }
        }
        Operation::RenameColumn { table, from, to } => statements.push(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(table),
            q(from),
            q(to)
        )),
        Operation::CreateIndex {
            table,
            columns,
            unique,
            concurrently,
        } => {
            let spec = IndexSpec {
                columns: columns.clone(),
                unique: *unique,
            };
            if b == Backend::Postgres && *concurrently {
                // a CONCURRENTLY build that failed leaves an invalid index
                // behind under the name: drop it before trying again
                let name = ddl::index_name(table, columns, *unique);
                let mut invalid = SqlWriter::without_models(b);
                invalid.push(
                    "SELECT COUNT(*) FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
                     JOIN pg_namespace n ON n.oid = i.relnamespace WHERE i.relname = ",
                );
                invalid.push_bind(
                    Value::Text(name.clone()),
                    SqlType::Text { max_length: None },
                );
                invalid.push(" AND n.nspname = current_schema() AND NOT ix.indisvalid");
                if fetch_int(&mut *ex, invalid.finish()).await?.unwrap_or(0) > 0 {
                    statements.push(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(&name)));
                }
            }
            statements.push(ddl::index_sql(b, table, &spec, false, *concurrently));
        }
        Operation::DropIndex {
            table,
            columns,
            unique,
        } => {
            let info = existing(&mut *ex, table).await?;
            let Some(index) = info.index_on(columns, *unique) else {
                return Err(refused(format!(
                    "{table} has no {}index on ({})",
                    if *unique { "unique " } else { "" },
                    columns.join(", ")
                )));
            };
            statements.push(match (b, index.constraint) {
                (Backend::Sqlite, true) => {
                    return rebuild(ex, table, Change::DropUnique(columns), progress).await
                }
                (Backend::Postgres, true) => {
                    format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        q(table),
                        q(&index.name)
                    )
                }
                (Backend::MySql, _) => format!("DROP INDEX {} ON {}", q(&index.name), q(table)),
                _ => format!("DROP INDEX {}", q(&index.name)),
            });
        }
        Operation::AddForeignKey {
            table,
            column,
            references,
            to,
            on_delete,
        } => {
            let fk = ddl::ForeignKeySpec {
                column: column.clone(),
                references: references.clone(),
                to: to.clone(),
                on_delete: *on_delete,
            };
            if b == Backend::Sqlite {
                return rebuild(ex, table, Change::AddForeignKey(fk), progress).await;
            }
            statements.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
                q(table),
                q(&format!("fk_{table}_{column}")),
                q(column),
                q(references),
                q(to),
                on_delete.sql()
            ));
        }
        Operation::DropForeignKey { table, column } => {
            let info = existing(&mut *ex, table).await?;
            let Some(fk) = info.foreign_key(column) else {
                return Err(refused(format!("{table}.{column} has no foreign key")));
            };
            statements.push(match b {
                Backend::Sqlite => {
                    return rebuild(ex, table, Change::DropForeignKey(column), progress).await
                }
                Backend::Postgres => {
                    format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(&fk.name))
                }
                Backend::MySql => {
                    format!("ALTER TABLE {} DROP FOREIGN KEY {}", q(table), q(&fk.name))
                }
            });
        }
        Operation::Sql {
            sql,
            sqlite,
            postgres,
            mysql,
        } => {
            let own = match b {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
                Backend::MySql => mysql,
            };
            match own.as_ref().or(sql.as_ref()) {
                Some(script) => statements.push(script.clone()),
                None => {
                    return Err(refused(format!(
                        "an sql operation has no SQL for {} (give `sql` or `{}`)",
                        b.name(),
                        b.name()
                    )))
                }
            }
        }
    }
    for sql in statements {
        ex.run_script(&sql).await?;
    }
    Ok(())
}

/// `ALTER TABLE ... ALTER COLUMN` for type, nullability and default at once:
/// the old default goes first (it may not cast to the new type), the type
/// changes only when it differs, an identity column keeps its identity.
fn postgres_alter(table: &str, current: &introspect::ColumnInfo, column: &ColumnSpec) -> String {
    let b = Backend::Postgres;
    let name = b.quote(&column.name);
    let ty = ddl::column_type(b, column);
    let identity = current.auto_increment;
    let mut parts = Vec::new();
    if !identity && current.default.is_some() {
        parts.push(format!("ALTER COLUMN {name} DROP DEFAULT"));
    }
    let same = introspect::same_type(&current.declared, &ty);
    if !(same || identity && column.auto_increment) {
        parts.push(format!("ALTER COLUMN {name} TYPE {ty} USING {name}::{ty}"));
    }
    parts.push(format!(
        "ALTER COLUMN {name} {} NOT NULL",
        if column.nullable { "DROP" } else { "SET" }
    ));
    if !identity {
        if let Some(d) = ddl::default_sql(b, column) {
            parts.push(format!("ALTER COLUMN {name} SET DEFAULT {d}"));
        }
    }
    format!("ALTER TABLE {} {}", b.quote(table), parts.join(", "))
}
