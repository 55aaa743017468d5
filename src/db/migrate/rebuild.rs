//! SQLite's table rebuild (<https://www.sqlite.org/lang_altertable.html#otheralter>):
//! what `ALTER TABLE` cannot do there (change a type or nullability, drop a
//! column with an index or key, add or drop a foreign key or a unique
//! constraint) is done by creating the table anew, copying the rows,
//! dropping the old one, renaming the new one and recreating the indexes,
//! all inside the migration's transaction, with foreign keys checked at the
//! end. The runner turns `PRAGMA foreign_keys` off around that transaction,
//! as the procedure requires (dropping the old table must not cascade).

use crate::db::backend::Backend;
use crate::db::ddl::{self, ColumnSpec, ForeignKeySpec};
use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::introspect::{self, ColumnInfo};
use crate::db::schema::SqlType;
use crate::db::sql::{Returns, Statement};
use crate::db::value::Value;

use super::apply::Progress;

/// What the rebuild changes.
pub(crate) enum Change<'a> {
    Add(&'a ColumnSpec),
    Drop(&'a str),
    Alter(&'a ColumnSpec),
    DropUnique(&'a [String]),
    AddForeignKey(ForeignKeySpec),
    DropForeignKey(&'a str),
}

/// Rows copied per statement when a big table is rebuilt (progress between).
const CHUNK: i64 = 100_000;

struct NewColumn {
    name: String,
    def: String,
    source: Option<String>,
}

fn text_of(rows: &[Vec<Value>]) -> Option<String> {
    match rows.first()?.first()? {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    }
}

fn ints_of(rows: &[Vec<Value>]) -> Vec<i64> {
    rows.first()
        .map(|r| r.iter().map(|v| v.as_i64().unwrap_or(0)).collect())
        .unwrap_or_default()
}

pub(crate) async fn rebuild(
    ex: &mut dyn Executor,
    table: &str,
    change: Change<'_>,
    progress: Progress<'_>,
) -> Result<()> {
    let b = Backend::Sqlite;
    let q = |s: &str| b.quote(s);
    let info = introspect::table(&mut *ex, table)
        .await?
        .ok_or_else(|| Error::Migration(format!("table {table} does not exist")))?;
    let text = SqlType::Text { max_length: None };
    let stmt = Statement::new("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
        .bind(Value::Text(table.to_owned()), text)
        .read(Returns::OneRow);
    let create_sql = text_of(&ex.fetch(stmt, &[text]).await?).unwrap_or_default();
    let upper = create_sql.to_ascii_uppercase();
    let autoincrement = upper.contains("AUTOINCREMENT");
    let has_rowid = !upper.contains("WITHOUT ROWID");
    let checks = column_checks(&create_sql);
    let pk_count = info.columns.iter().filter(|c| c.primary_key).count();

    let mut columns: Vec<NewColumn> = info
        .columns
        .iter()
        .map(|c| NewColumn {
            name: c.name.clone(),
            def: existing_def(c, pk_count, autoincrement, checks_for(&checks, &c.name)),
            source: Some(c.name.clone()),
        })
        .collect();
    let mut uniques: Vec<Vec<String>> = info
        .indexes
        .iter()
        .filter(|i| i.constraint)
        .map(|i| i.columns.clone())
        .collect();
    let mut indexes: Vec<_> = info
        .indexes
        .iter()
        .filter(|i| !i.constraint)
        .cloned()
        .collect();
    let mut foreign_keys = info.foreign_keys.clone();
    match change {
        Change::Add(spec) => columns.push(NewColumn {
            name: spec.name.clone(),
            def: ddl::column_def(b, spec),
            source: None,
        }),
        Change::Drop(name) => {
            columns.retain(|c| c.name != name);
            uniques.retain(|u| !u.iter().any(|c| c == name));
            indexes.retain(|i| !i.columns.iter().any(|c| c == name));
            foreign_keys.retain(|f| f.column != name);
        }
        Change::Alter(spec) => {
            let spec = ColumnSpec {
                unique: false,
                ..spec.clone()
            };
            if let Some(c) = columns.iter_mut().find(|c| c.name == spec.name) {
                c.def = ddl::column_def(b, &spec);
            }
        }
        Change::DropUnique(cols) => uniques.retain(|u| u.as_slice() != cols),
        Change::AddForeignKey(fk) => {
            foreign_keys.retain(|f| f.column != fk.column);
            foreign_keys.push(introspect::ForeignKeyInfo {
                name: String::new(),
                column: fk.column,
                target_table: fk.references,
                target_column: Some(fk.to),
                on_delete: fk.on_delete.sql().to_owned(),
            });
        }
        Change::DropForeignKey(name) => foreign_keys.retain(|f| f.column != name),
    }

    let new_name = format!("_hangar_rebuild_{table}");
    let mut parts: Vec<String> = columns.iter().map(|c| c.def.clone()).collect();
    if pk_count > 1 {
        let pk: Vec<String> = info
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| q(&c.name))
            .collect();
        parts.push(format!("PRIMARY KEY ({})", pk.join(", ")));
    }
    for u in &uniques {
        let cols: Vec<String> = u.iter().map(|c| q(c)).collect();
        parts.push(format!("UNIQUE ({})", cols.join(", ")));
    }
    for f in &foreign_keys {
        let to = f
            .target_column
            .as_deref()
            .map(|t| format!(" ({})", q(t)))
            .unwrap_or_default();
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {}{to} ON DELETE {}",
            q(&f.column),
            q(&f.target_table),
            f.on_delete
        ));
    }
    ex.run_script(&format!(
        "CREATE TABLE {} ({})",
        q(&new_name),
        parts.join(", ")
    ))
    .await?;

    let copied: Vec<&NewColumn> = columns.iter().filter(|c| c.source.is_some()).collect();
    let targets: Vec<String> = copied.iter().map(|c| q(&c.name)).collect();
    let sources: Vec<String> = copied
        .iter()
        .map(|c| q(c.source.as_deref().unwrap_or_default()))
        .collect();
    let insert = format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        q(&new_name),
        targets.join(", "),
        sources.join(", "),
        q(table)
    );
    let bounds = if has_rowid {
        let sql = format!("SELECT MIN(rowid), MAX(rowid), COUNT(*) FROM {}", q(table));
        let int = SqlType::BigInt;
        ints_of(
            &ex.fetch(Statement::new(sql).read(Returns::OneRow), &[int, int, int])
                .await?,
        )
    } else {
        Vec::new()
    };
    match bounds.as_slice() {
        [low, high, total] if *total > CHUNK => {
            let mut done = 0i64;
            let mut from = *low;
            while from <= *high {
                let to = from.saturating_add(CHUNK - 1);
                let sql = format!("{insert} WHERE rowid BETWEEN {from} AND {to}");
                let r = ex.execute(Statement::new(sql)).await?;
                done += i64::try_from(r.rows_affected).unwrap_or(0);
                progress(format!("copied {done} of {total} rows of {table}"));
                from = to.saturating_add(1);
            }
        }
        _ => {
            ex.run_script(&insert).await?;
        }
    }
    ex.run_script(&format!("DROP TABLE {}", q(table))).await?;
    ex.run_script(&format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&new_name),
        q(table)
    ))
    .await?;
    for index in &indexes {
        let cols: Vec<String> = index.columns.iter().map(|c| q(c)).collect();
        ex.run_script(&format!(
            "CREATE {}INDEX {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            q(&index.name),
            q(table),
            cols.join(", ")
        ))
        .await?;
    }
    let check = Statement::new("SELECT COUNT(*) FROM pragma_foreign_key_check(?)")
        .bind(Value::Text(table.to_owned()), text)
        .read(Returns::OneRow);
    let broken = ints_of(&ex.fetch(check, &[SqlType::BigInt]).await?);
    if broken.first().copied().unwrap_or(0) > 0 {
        return Err(Error::Migration(format!(
            "rebuilding {table} would leave {} row(s) pointing at missing rows",
            broken[0]
        )));
    }
    Ok(())
}

/// A column's definition as it stands (declared type, key, nullability,
/// default and check kept verbatim).
fn existing_def(
    c: &ColumnInfo,
    pk_count: usize,
    autoincrement: bool,
    check: Option<&str>,
) -> String {
    let b = Backend::Sqlite;
    let mut def = format!("{} {}", b.quote(&c.name), c.declared);
    if c.primary_key && pk_count == 1 {
        def.push_str(" NOT NULL PRIMARY KEY");
        if c.auto_increment && autoincrement {
            // only an INTEGER PRIMARY KEY can say AUTOINCREMENT
            def = format!("{} INTEGER PRIMARY KEY AUTOINCREMENT", b.quote(&c.name));
        }
    } else if !c.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        // the catalogue drops the parentheses an expression default needs
        def.push_str(&format!(" DEFAULT ({d})"));
    }
    if let Some(check) = check {
        def.push(' ');
        def.push_str(check);
    }
    def
}

fn checks_for<'a>(checks: &'a [(String, String)], column: &str) -> Option<&'a str> {
    checks
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, check)| check.as_str())
}

/// The column-level `CHECK (...)` clauses of a `CREATE TABLE` statement, by
/// column: SQLite's catalogue does not list them.
fn column_checks(create_sql: &str) -> Vec<(String, String)> {
    let Some(open) = create_sql.find('(') else {
        return Vec::new();
    };
    let body = &create_sql[open + 1..create_sql.rfind(')').unwrap_or(create_sql.len())];
    let mut out = Vec::new();
    for part in split_top_level(body) {
        let part = part.trim();
        let (name, rest) = match part.chars().next() {
            Some(qc @ ('"' | '`' | '[')) => {
                let close = if qc == '[' { ']' } else { qc };
                match part[1..].find(close) {
                    Some(end) => (part[1..1 + end].to_owned(), &part[end + 2..]),
                    None => continue,
                }
            }
            _ => match part.split_once(char::is_whitespace) {
                Some((n, rest)) => (n.to_owned(), rest),
                None => continue,
            },
        };
        let keyword = name.to_ascii_uppercase();
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].contains(&keyword.as_str()) {
            continue;
        }
        if let Some(check) = check_clause(rest) {
            out.push((name, check));
        }
    }
    out
}

/// `CHECK (...)` in a column definition, parentheses balanced.
fn check_clause(def: &str) -> Option<String> {
    let upper = def.to_ascii_uppercase();
    let start = upper.find("CHECK")?;
    let open = start + def[start..].find('(')?;
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, ch) in def[open..].char_indices() {
        match (quote, ch) {
            (Some(qc), c) if c == qc => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(def[start..=open + i].to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at commas outside parentheses and quotes.
fn split_top_level(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let mut quote: Option<char> = None;
    for (i, ch) in body.char_indices() {
        match (quote, ch) {
            (Some(qc), c) if c == qc => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_checks_are_read_from_the_create_statement() {
        let sql = r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "status" TEXT NOT NULL CHECK ("status" IN ('a', 'b,c')), kind INTEGER CHECK (kind > (0)), UNIQUE ("status"))"#;
        assert_eq!(
            column_checks(sql),
            vec![
                (
                    "status".to_owned(),
                    r#"CHECK ("status" IN ('a', 'b,c'))"#.to_owned()
                ),
                ("kind".to_owned(), "CHECK (kind > (0))".to_owned()),
            ]
        );
    }
}
