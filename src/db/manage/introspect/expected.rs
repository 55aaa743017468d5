//! What the registered models expect, in the catalogue's own shape: the
//! models rendered through the same DDL specs that create their tables.

use crate::db::backend::Backend;
use crate::db::manage::ddl::{self, ColumnSpec};
use crate::db::registry::Registry;
use crate::db::schema::{Column, Schema};

use super::{ColumnInfo, ColumnKind, ForeignKeyInfo, IndexInfo, TableInfo};

/// The indexes a model's table should have: a unique one per `unique`
/// column, a plain one per `index` column or foreign key (primary keys have
/// their own).
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// #[derive(Model)]
/// struct Tag { id: i64, #[model(unique, max_length = 20)] label: String, #[model(index)] rank: i32 }
/// let indexes = hangar::db::introspect::expected_indexes("tag", Tag::schema());
/// assert_eq!((indexes[0].columns[0].as_str(), indexes[0].unique), ("label", true));
/// assert_eq!((indexes[1].columns[0].as_str(), indexes[1].unique), ("rank", false));
/// ```
pub fn expected_indexes(table: &str, schema: &Schema) -> Vec<IndexInfo> {
    let mut out = Vec::new();
    for col in schema.columns.iter().filter(|c| !c.primary_key) {
        let unique = col.unique;
        if unique || col.index || col.references.is_some() {
            let columns = vec![col.name.to_owned()];
            out.push(IndexInfo {
                name: ddl::index_name(table, &columns, unique),
                columns,
                unique,
                constraint: unique,
            });
        }
    }
    out
}

/// The column a spec makes on `backend`, as [`tables`] reads it back.
///
/// ```
/// use hangar::db::{ddl::ColumnSpec, introspect, Backend};
/// let spec: ColumnSpec = toml::from_str("name = \"at\"\ntype = \"datetime\"\nnullable = true").unwrap();
/// let col = introspect::spec_column(Backend::MySql, &spec);
/// assert_eq!((col.declared.as_str(), col.nullable), ("DATETIME(6)", true));
/// ```
pub fn spec_column(backend: Backend, spec: &ColumnSpec) -> ColumnInfo {
    let declared = if spec.auto_increment {
        match backend {
            Backend::Sqlite => "INTEGER".to_owned(),
            Backend::Postgres | Backend::MySql => "BIGINT".to_owned(),
        }
    } else {
        ddl::column_type(backend, spec)
    };
    ColumnInfo {
        name: spec.name.clone(),
        kind: ColumnKind::parse(&declared, None),
        declared,
        nullable: spec.nullable && !spec.primary_key,
        primary_key: spec.primary_key,
        auto_increment: spec.auto_increment,
        default: ddl::default_sql(backend, spec),
    }
}

/// The column a model's field expects on `backend`.
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// #[derive(Model)]
/// struct Tag { id: i64, #[model(default = 0)] rank: i32 }
/// let rank = hangar::db::introspect::expected_column(hangar::db::Backend::Postgres, &Tag::schema().columns[1]);
/// assert_eq!((rank.declared.as_str(), rank.default.as_deref()), ("INTEGER", Some("0")));
/// ```
pub fn expected_column(backend: Backend, col: &Column) -> ColumnInfo {
    spec_column(backend, &ColumnSpec::from_column(col))
}

/// The tables the registered models expect on `backend`, as
/// [`tables`] would read them once created (`diff` against these is empty).
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// #[derive(Model)]
/// struct Tag { id: i64, label: String }
/// let registry = hangar::db::Registry::new(&[Tag::schema()]);
/// let tables = hangar::db::introspect::expected(&registry, hangar::db::Backend::Sqlite);
/// assert_eq!(tables[0].columns[1].declared, "TEXT");
/// ```
pub fn expected(registry: &Registry, backend: Backend) -> Vec<TableInfo> {
    registry
        .models()
        .iter()
        .map(|schema| {
            let name = registry.table(schema);
            TableInfo {
                name: name.to_owned(),
                columns: schema
                    .columns
                    .iter()
                    .map(|c| expected_column(backend, c))
                    .collect(),
                indexes: expected_indexes(name, schema),
                foreign_keys: schema
                    .references()
                    .map(|(col, target)| ForeignKeyInfo {
                        name: format!("fk_{name}_{}", col.name),
                        column: col.name.to_owned(),
                        target_table: registry.table(target).to_owned(),
                        target_column: Some(target.pk().name.to_owned()),
                        on_delete: col
                            .references
                            .map(|f| f.on_delete.sql())
                            .unwrap_or("RESTRICT")
                            .to_owned(),
                    })
                    .collect(),
            }
        })
        .collect()
}
