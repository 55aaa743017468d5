//! Portable specs of what a database has: the `down` of a dropped or
//! changed column or table, as exact as the portable types allow.

use crate::db::backend::Backend;
use crate::db::manage::ddl::{
    self, ColumnSpec, ColumnType, DefaultSpec, IndexSpec, LiteralSpec, TableSpec,
};
use crate::db::manage::introspect::{self, ColumnInfo, ColumnKind, DefaultValue, TableInfo};
use crate::db::schema::{OnDelete, SqlType};

/// The portable spec of a column as a database has it (the `down` of a
/// dropped or changed column).
///
/// ```
/// use hangar::db::introspect::ColumnInfo;
/// let mut c = ColumnInfo::new("visits", "INTEGER");
/// c.default = Some("0".into());
/// let spec = hangar::db::migrate::column_spec(hangar::db::Backend::Postgres, &c);
/// assert_eq!((spec.ty.to_string(), spec.nullable), ("int".to_owned(), false));
/// let numeric = ColumnInfo::new("price", "NUMERIC(10,2)");
/// let spec = hangar::db::migrate::column_spec(hangar::db::Backend::Postgres, &numeric);
/// assert_eq!(spec.ty.to_string(), "sql:NUMERIC(10,2)", "kept as declared");
/// ```
pub fn column_spec(backend: Backend, info: &ColumnInfo) -> ColumnSpec {
    let portable = match &info.kind {
        ColumnKind::Integer(8) => Some(SqlType::BigInt),
        ColumnKind::Integer(_) => Some(SqlType::Int),
        ColumnKind::Float => Some(SqlType::Float),
        ColumnKind::Text(n) => Some(SqlType::Text {
            max_length: n.and_then(|n| u32::try_from(n).ok()),
        }),
        ColumnKind::Bool => Some(SqlType::Bool),
        ColumnKind::DateTime { .. } => Some(SqlType::DateTime),
        ColumnKind::Date => Some(SqlType::Date),
        ColumnKind::Uuid => Some(SqlType::Uuid),
        ColumnKind::Json => Some(SqlType::Json),
        ColumnKind::Bytes => Some(SqlType::Bytes),
        ColumnKind::Other(_) => None,
    };
    let mut spec = ColumnSpec {
        name: info.name.clone(),
        ty: ColumnType::Sql(info.declared.clone()),
        nullable: info.nullable,
        primary_key: info.primary_key,
        auto_increment: info.auto_increment,
        unique: false,
        indexed: false,
        default: default_spec(info),
        choices: Vec::new(),
    };
    // portable where the portable type writes exactly this column back
    // (`INTEGER`, `VARCHAR(80)`); verbatim otherwise (`NUMERIC(10,2)`,
    // `TIMESTAMP` without zone, `SMALLINT`, `DECIMAL(8,2) UNSIGNED`)
    if let Some(ty) = portable {
        for indexed in [false, true] {
            let candidate = ColumnSpec {
                ty: ColumnType::Portable(ty),
                indexed,
                ..spec.clone()
            };
            let written = ddl::column_type(backend, &candidate);
            if introspect::same_type(&written, &info.declared) {
                spec = candidate;
                break;
            }
        }
    }
    spec
}

/// A column's default as a migration states it: a constant where the
/// catalogue holds one, the current time, else the expression verbatim.
fn default_spec(info: &ColumnInfo) -> Option<DefaultSpec> {
    let raw = info.default.as_deref()?.trim();
    Some(match info.default_value()? {
        DefaultValue::Now => DefaultSpec::Now { now: true },
        DefaultValue::Literal(l) => {
            let quoted = raw.trim_start_matches('(').starts_with('\'');
            let lit = match (&info.kind, l.parse::<i64>(), l.parse::<f64>()) {
                (ColumnKind::Text(_), ..) if quoted => LiteralSpec::Text(l),
                (ColumnKind::Bool, Ok(n), _) => LiteralSpec::Bool(n != 0),
                (ColumnKind::Bool, ..) if l.eq_ignore_ascii_case("true") => LiteralSpec::Bool(true),
                (ColumnKind::Bool, ..) if l.eq_ignore_ascii_case("false") => {
                    LiteralSpec::Bool(false)
                }
                (ColumnKind::Integer(_), Ok(n), _) => LiteralSpec::Int(n),
                (ColumnKind::Float, _, Ok(f)) => LiteralSpec::Float(f),
                _ if quoted => LiteralSpec::Text(l),
                // an expression (`gen_random_uuid()`, `nextval(...)`)
                _ => {
                    return Some(DefaultSpec::Sql {
                        sql: raw.to_owned(),
                    })
                }
            };
            DefaultSpec::Literal(lit)
        }
    })
}

/// The portable spec of a table as a database has it.
///
/// ```
/// use hangar::db::introspect::{ColumnInfo, IndexInfo, TableInfo};
/// let mut t = TableInfo::new("tag", vec![ColumnInfo::new("label", "VARCHAR(20)")]);
/// t.indexes.push(IndexInfo { name: "x".into(), columns: vec!["label".into()], unique: true, constraint: true });
/// let spec = hangar::db::migrate::table_spec(hangar::db::Backend::Sqlite, &t);
/// assert!(spec.columns[0].unique && spec.indexes.is_empty());
/// ```
pub fn table_spec(backend: Backend, info: &TableInfo) -> TableSpec {
    let single_unique = |c: &str| {
        info.indexes
            .iter()
            .any(|i| i.unique && i.columns.len() == 1 && i.columns[0] == c)
    };
    TableSpec {
        name: info.name.clone(),
        columns: info
            .columns
            .iter()
            .map(|c| ColumnSpec {
                unique: !c.primary_key && single_unique(&c.name),
                indexed: info.indexes.iter().any(|i| i.columns.contains(&c.name))
                    || info.foreign_key(&c.name).is_some(),
                ..column_spec(backend, c)
            })
            .collect(),
        foreign_keys: info
            .foreign_keys
            .iter()
            .map(|f| ddl::ForeignKeySpec {
                column: f.column.clone(),
                references: f.target_table.clone(),
                to: f.target_column.clone().unwrap_or_else(|| "id".into()),
                on_delete: f.on_delete_rule().unwrap_or(OnDelete::Restrict),
            })
            .collect(),
        indexes: info
            .indexes
            .iter()
            .filter(|i| !(i.unique && i.columns.len() == 1))
            .map(|i| IndexSpec {
                columns: i.columns.clone(),
                unique: i.unique,
            })
            .collect(),
    }
}
