//! SQLite's table rebuild (<https://www.sqlite.org/lang_altertable.html#otheralter>):
//! what `ALTER TABLE` cannot do there (change a type or nullability, drop a
//! column with an index or key, add or drop a foreign key or a unique
//! constraint) is done by creating the table anew, copying the rows,
//! dropping the old one, renaming the new one and recreating the indexes,
//! all inside the migration's transaction, with foreign keys checked at the
//! end. The runner turns `PRAGMA foreign_keys` off around that transaction,
//! as the procedure requires (dropping the old table must not cascade).

use crate::db::backend::Backend;
use crate::db::error::{Error, Result};
use crate::db::executor::{fetch_int, Executor};
use crate::db::manage::ddl::{self, ColumnSpec, ForeignKeySpec};
use crate::db::manage::introspect::{self, ColumnInfo};
use crate::db::schema::SqlType;
use crate::db::sql::{Returns, Statement};
use crate::db::value::Value;

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

pub(crate) async fn rebuild(
    ex: &mut dyn Executor,
    table: &str,
    change: Change<'_>,
    progress: &mut (dyn FnMut(String) + Send),
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
    // table options after the column list: WITHOUT ROWID, STRICT
    let options = create_sql
        .rfind(')')
        .map(|at| create_sql[at + 1..].trim().to_owned())
        .unwrap_or_default();
    let has_rowid = !options.to_ascii_uppercase().contains("WITHOUT ROWID");
    // the table's own indexes (partial and expression ones too) and
    // triggers, as written, to be made again after the rename
    let rows = ex
        .fetch(
            Statement::new(
                "SELECT type, name, sql FROM sqlite_master \
                 WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            )
            .bind(Value::Text(table.to_owned()), text),
            &[text, text, text],
        )
        .await?;
    let mut triggers = Vec::new();
    let mut index_sql: Vec<(String, String)> = Vec::new();
    for row in rows {
        let field = |i: usize| match &row[i] {
            Value::Text(t) => t.clone(),
            _ => String::new(),
        };
        match field(0).as_str() {
            "trigger" => triggers.push(field(2)),
            _ => index_sql.push((field(1), field(2))),
        }
    }
    let high_water = if autoincrement {
        let stmt = Statement::new("SELECT seq FROM sqlite_sequence WHERE name = ?")
            .bind(Value::Text(table.to_owned()), text);
        fetch_int(&mut *ex, stmt).await?
    } else {
        None
    };
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
    // indexes by name: their columns, as far as the catalogue names them
    let index_columns = |name: &str| {
        info.indexes
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.columns.clone())
            .unwrap_or_default()
    };
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
            // an index over it goes too (by the catalogue's columns, or for
            // an expression index by its text naming the column)
            index_sql.retain(|(index, sql)| {
                !index_columns(index).iter().any(|c| c == name) && !mentions(sql, name)
            });
            foreign_keys.retain(|f| f.column != name);
        }
        Change::Alter(spec) => {
            let spec = ColumnSpec {
                unique: false,
                // a composite key is the table's, said once below
                primary_key: spec.primary_key && pk_count == 1,
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
            .filter(|c| c.primary_key && columns.iter().any(|n| n.name == c.name))
            .map(|c| q(&c.name))
            .collect();
        if !pk.is_empty() {
            parts.push(format!("PRIMARY KEY ({})", pk.join(", ")));
        }
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
        "CREATE TABLE {} ({}) {options}",
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
    let count = Statement::new(format!("SELECT COUNT(*) FROM {}", q(table)));
    let total = fetch_int(&mut *ex, count).await?.unwrap_or(0);
    if has_rowid && total > CHUNK {
        // chunks by rowid, each bound found by walking the rowid index (ids
        // may be sparse): progress between them
        let mut done = 0i64;
        let mut after = i64::MIN;
        loop {
            let bound = format!(
                "SELECT rowid FROM {} WHERE rowid > {after} ORDER BY rowid LIMIT 1 OFFSET {}",
                q(table),
                CHUNK - 1
            );
            let upto = fetch_int(&mut *ex, Statement::new(bound)).await?;
            let range = match upto {
                Some(upto) => format!("WHERE rowid > {after} AND rowid <= {upto}"),
                None => format!("WHERE rowid > {after}"),
            };
            let r = ex
                .execute(Statement::new(format!("{insert} {range}")))
                .await?;
            done += i64::try_from(r.rows_affected).unwrap_or(0);
            progress(format!("copied {done} of {total} rows of {table}"));
            match upto {
                Some(upto) => after = upto,
                None => break,
            }
        }
    } else {
        ex.run_script(&insert).await?;
    }
    ex.run_script(&format!("DROP TABLE {}", q(table))).await?;
    // views naming the table must not be checked against the moment it
    // is missing (SQLite's documented procedure renames with this on)
    ex.run_script("PRAGMA legacy_alter_table = ON").await?;
    let renamed = ex
        .run_script(&format!(
            "ALTER TABLE {} RENAME TO {}",
            q(&new_name),
            q(table)
        ))
        .await;
    ex.run_script("PRAGMA legacy_alter_table = OFF").await?;
    renamed?;
    for (_, sql) in &index_sql {
        ex.run_script(sql).await?;
    }
    for sql in &triggers {
        ex.run_script(sql).await?;
    }
    if let Some(seq) = high_water {
        // AUTOINCREMENT never reuses an id the old table gave out
        ex.run_script(&format!(
            "UPDATE sqlite_sequence SET seq = MAX(seq, {seq}) WHERE name = '{}'",
            table.replace('\'', "''")
        ))
        .await?;
    }
    let check = Statement::new("SELECT COUNT(*) FROM pragma_foreign_key_check(?)")
        .bind(Value::Text(table.to_owned()), text);
    let broken = fetch_int(&mut *ex, check).await?.unwrap_or(0);
    if broken > 0 {
        return Err(Error::Migration(format!(
            "rebuilding {table} would leave {broken} row(s) pointing at missing rows"
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

/// `CHECK (...)` in a column definition, parentheses balanced: the keyword
/// found outside quotes and as a word of its own (not in `DEFAULT 'unchecked'`
/// or `REFERENCES "checkout"`).
fn check_clause(def: &str) -> Option<String> {
    let bytes = def.as_bytes();
    let mut quote: Option<u8> = None;
    let mut start = None;
    for (i, &ch) in bytes.iter().enumerate() {
        match (quote, ch) {
            (Some(qc), c) if c == qc => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`' | b'[') => quote = Some(if ch == b'[' { b']' } else { ch }),
            (None, _) => {
                let word = def
                    .get(i..i + 5)
                    .is_some_and(|w| w.eq_ignore_ascii_case("check"));
                let before =
                    i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'_';
                let after = bytes
                    .get(i + 5)
                    .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
                if word && before && after {
                    start = Some(i);
                    break;
                }
            }
        }
    }
    let start = start?;
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

/// Whether SQL text names `column` as an identifier (quoted or bare word).
fn mentions(sql: &str, column: &str) -> bool {
    let quoted = [
        format!("\"{column}\""),
        format!("`{column}`"),
        format!("[{column}]"),
    ];
    if quoted.iter().any(|q| sql.contains(q.as_str())) {
        return true;
    }
    sql.match_indices(column).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + column.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
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
        let tricky = r#"CREATE TABLE "t" ("a" TEXT DEFAULT 'unchecked', "b" INTEGER REFERENCES "checkout" ("id"), "c" INTEGER CHECK(c > 0))"#;
        assert_eq!(
            column_checks(tricky),
            vec![("c".to_owned(), "CHECK(c > 0)".to_owned())]
        );
        assert!(mentions("CREATE INDEX i ON t (lower(email))", "email"));
        assert!(!mentions("CREATE INDEX i ON t (emails)", "email"));
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
