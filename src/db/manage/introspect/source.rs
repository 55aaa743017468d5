//! Model source for existing tables (`inspectdb`).

use super::{ColumnKind, DefaultValue, TableInfo};

/// Rust's reserved words, which a column name cannot be as a field name.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "yield",
];

/// A field name for a column: lower snake case of letters, digits and `_`.
fn field_name(column: &str) -> String {
    let mut name: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A type name for a table: `legacy_member` → `LegacyMember`.
fn type_name(table: &str) -> String {
    let name: String = table
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Table{name}")
    } else {
        name
    }
}

/// A `#[derive(Model)]` struct for `table` (Django's `inspectdb`, peewee's
/// `pwiz`): field types by column kind, `Option` for nullable columns,
/// `max_length`, `unique`, `index`, `default`, `references` (to the struct
/// [`model_source`] names for the referenced table) with `on_delete`, and
/// the table and column names where they differ from Rust's.
///
/// ```
/// use hangar::db::introspect::{model_source, ColumnInfo, ColumnKind, TableInfo};
/// let mut id = ColumnInfo::new("id", "INTEGER");
/// id.primary_key = true;
/// let mut kind = ColumnInfo::new("type", "TEXT");
/// kind.nullable = true;
/// let table = TableInfo::new(
///     "legacy_member",
///     vec![id, ColumnInfo::new("username", "VARCHAR(255)"), kind],
/// );
/// let source = model_source(&table);
/// assert!(source.contains("pub struct LegacyMember {"));
/// assert!(source.contains("    pub id: i64,"));
/// assert!(source.contains("    #[model(max_length = 255)]\n    pub username: String,"));
/// assert!(source.contains("    #[model(column = \"type\")]\n    pub type_: Option<String>,"));
/// ```
pub fn model_source(table: &TableInfo) -> String {
    let name = type_name(&table.name);
    let mut out = String::from("#[derive(Model)]\n");
    // the table named always: the derive's default may differ
    out.push_str(&format!("#[model(table = {:?})]\n", table.name));
    out.push_str(&format!("pub struct {name} {{\n"));
    let single_pk = table.columns.iter().filter(|c| c.primary_key).count() == 1;
    for col in &table.columns {
        let field = field_name(&col.name);
        let auto_key = single_pk
            && col.primary_key
            && field == "id"
            && matches!(col.kind, ColumnKind::Integer(_));
        let fk = table.foreign_key(&col.name);
        let ty = match &col.kind {
            _ if auto_key || fk.is_some() => "i64".to_owned(),
            ColumnKind::Integer(8) => "i64".to_owned(),
            ColumnKind::Integer(_) => "i32".to_owned(),
            ColumnKind::Float => "f64".to_owned(),
            // SQLite keeps timestamps as text: one defaulting to now is one
            ColumnKind::Text(_) if col.default_value() == Some(DefaultValue::Now) => {
                "time::OffsetDateTime".to_owned()
            }
            ColumnKind::Text(_) | ColumnKind::Other(_) => "String".to_owned(),
            ColumnKind::Bool => "bool".to_owned(),
            ColumnKind::DateTime { .. } => "time::OffsetDateTime".to_owned(),
            ColumnKind::Date => "time::Date".to_owned(),
            ColumnKind::Uuid => "uuid::Uuid".to_owned(),
            ColumnKind::Json => "serde_json::Value".to_owned(),
            ColumnKind::Bytes => "Vec<u8>".to_owned(),
        };
        let mut attrs = Vec::new();
        if col.primary_key && !auto_key {
            attrs.push("primary_key".to_owned());
        }
        if let ColumnKind::Text(Some(n)) = col.kind {
            attrs.push(format!("max_length = {n}"));
        }
        let single = [col.name.clone()];
        if !col.primary_key && table.index_on(&single, true).is_some() {
            attrs.push("unique".to_owned());
        } else if !col.primary_key && fk.is_none() && table.index_on(&single, false).is_some() {
            attrs.push("index".to_owned());
        }
        if let Some(fk) = fk {
            attrs.push(format!("references = {}", type_name(&fk.target_table)));
            match fk.on_delete.to_ascii_uppercase().as_str() {
                "CASCADE" => attrs.push("on_delete = \"cascade\"".to_owned()),
                "SET NULL" => attrs.push("on_delete = \"set_null\"".to_owned()),
                _ => {}
            }
        }
        if let Some(default) = default_attr(col.default_value(), &ty) {
            attrs.push(default);
        }
        if field != col.name {
            attrs.push(format!("column = {:?}", col.name));
        }
        if let ColumnKind::Other(declared) = &col.kind {
            out.push_str(&format!("    // declared `{declared}`: read as text\n"));
        }
        if !attrs.is_empty() {
            out.push_str(&format!("    #[model({})]\n", attrs.join(", ")));
        }
        let ty = if col.nullable && !col.primary_key {
            format!("Option<{ty}>")
        } else {
            ty
        };
        out.push_str(&format!("    pub {field}: {ty},\n"));
    }
    out.push_str("}\n");
    out
}

/// `default = ...` for a field of Rust type `ty`, when the literal suits it.
fn default_attr(default: Option<DefaultValue>, ty: &str) -> Option<String> {
    let lit = match default? {
        DefaultValue::Now if ty == "time::OffsetDateTime" => {
            return Some("default = \"now\"".into())
        }
        DefaultValue::Now => return None,
        DefaultValue::Literal(l) => l,
    };
    match ty {
        "i64" | "i32" => lit.parse::<i64>().ok().map(|n| format!("default = {n}")),
        "f64" => lit.parse::<f64>().ok().map(|n| format!("default = {n:?}")),
        "bool" => match lit.to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => Some("default = true".into()),
            "0" | "false" | "f" => Some("default = false".into()),
            _ => None,
        },
        "String" => Some(format!("default = {lit:?}")),
        _ => None,
    }
}
