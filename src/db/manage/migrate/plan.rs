//! Migrations written from the models: the operations that bring the
//! database to what the registered models describe (`migrate generate`),
//! or create every model table (`migrate initial`), each with its `down`.

use crate::db::backend::Backend;
use crate::db::manage::ddl::{self, ColumnSpec, TableSpec};
use crate::db::manage::introspect::{self, Difference, ForeignKeyInfo, TableInfo};
use crate::db::registry::Registry;
use crate::db::schema::OnDelete;

use super::existing::{column_spec, table_spec};
use super::files::MigrationFile;
use super::operation::Operation;
use super::rename::{rename_hints, Rename};

/// A generated migration and what the user should know about it.
///
/// ```
/// let plan = hangar::db::migrate::Plan::default();
/// assert!(plan.is_empty() && plan.notes.is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The migration.
    pub file: MigrationFile,
    /// Possible renames not stated, and operations that lose data.
    pub notes: Vec<String>,
    /// A dropped and an added table or column of the same kind: perhaps
    /// renamed (ask the user; never assumed).
    pub possible_renames: Vec<Rename>,
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.file.up.is_empty()
    }
}

/// `migrate initial`: a `create_table` for every model, in foreign-key order.
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Author { id: i64 }
/// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
/// let registry = hangar::db::Registry::new(&[Book::schema(), Author::schema()]);
/// let file = hangar::db::migrate::initial(&registry);
/// let up: Vec<String> = file.up.iter().map(ToString::to_string).collect();
/// assert_eq!(up, ["create_table author", "create_table book"]);
/// assert_eq!(file.down.unwrap()[0].to_string(), "drop_table book");
/// ```
pub fn initial(registry: &Registry) -> MigrationFile {
    let order = ddl::dependency_order(registry.models());
    let up: Vec<Operation> = order
        .iter()
        .map(|s| Operation::create_table(TableSpec::from_schema(registry, s)))
        .collect();
    let down = order
        .iter()
        .rev()
        .map(|s| Operation::DropTable {
            table: registry.table(s).to_owned(),
            intended: true,
        })
        .collect();
    MigrationFile {
        description: Some("create every model table".into()),
        up,
        down: Some(down),
    }
}

/// The `add_foreign_key` that puts back a key the database has.
fn restore_foreign_key(table: &str, f: &ForeignKeyInfo) -> Operation {
    Operation::AddForeignKey {
        table: table.into(),
        column: f.column.clone(),
        references: f.target_table.clone(),
        to: f.target_column.clone().unwrap_or_else(|| "id".into()),
        on_delete: f.on_delete_rule().unwrap_or(OnDelete::Restrict),
    }
}

/// Tables in an order that drops every referencing table before the table
/// it references (cycles keep their order).
fn drop_order<'t>(tables: &[&'t TableInfo]) -> Vec<&'t TableInfo> {
    let mut out: Vec<&TableInfo> = Vec::new();
    let mut left: Vec<&TableInfo> = tables.to_vec();
    while !left.is_empty() {
        // a table no remaining other table references
        let free = left.iter().position(|t| {
            !left.iter().any(|o| {
                o.name != t.name && o.foreign_keys.iter().any(|f| f.target_table == t.name)
            })
        });
        out.push(left.remove(free.unwrap_or(0)));
    }
    out
}

/// `create_index` (`create`) or `drop_index` over `columns`.
fn index_op(create: bool, table: &str, columns: &[String], unique: bool) -> Operation {
    let (table, columns) = (table.to_owned(), columns.to_vec());
    if create {
        Operation::CreateIndex {
            table,
            columns,
            unique,
            concurrently: false,
        }
    } else {
        Operation::DropIndex {
            table,
            columns,
            unique,
        }
    }
}

/// `migrate generate`: what brings `tables` (the database, bookkeeping
/// tables left out) to the models of `registry` on `backend`, with the
/// renames the user stated applied first.
///
/// # Errors
/// A rename that does not match a dropped and an added table or column.
///
/// # Example
/// ```
/// use hangar::db::introspect::{ColumnInfo, TableInfo};
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// #[derive(Model)]
/// #[model(table = "tag")]
/// struct Tag { id: i64, label: String, #[model(default = 0)] rank: i32 }
/// let registry = hangar::db::Registry::new(&[Tag::schema()]);
/// let mut id = ColumnInfo::new("id", "INTEGER");
/// (id.primary_key, id.auto_increment) = (true, true);
/// let db = [TableInfo::new("tag", vec![id, ColumnInfo::new("label", "TEXT")])];
/// let plan = hangar::db::migrate::plan(&registry, &db, hangar::db::Backend::Sqlite, &[]).unwrap();
/// assert_eq!(plan.file.up[0].to_string(), "add_column tag.rank");
/// assert_eq!(plan.file.down.unwrap()[0].to_string(), "drop_column tag.rank");
/// ```
pub fn plan(
    registry: &Registry,
    tables: &[TableInfo],
    backend: Backend,
    renames: &[Rename],
) -> Result<Plan, String> {
    let mut tables = tables.to_vec();
    let mut up = Vec::new();
    let mut down = Vec::new();
    let mut notes = Vec::new();
    for r in renames {
        let found = introspect::diff(registry, &tables, backend, false);
        match r {
            Rename::Table { from, to } => {
                let ok = found.contains(&Difference::ExtraTable(from.clone()))
                    && found.contains(&Difference::MissingTable(to.clone()));
                if !ok {
                    return Err(format!(
                        "--rename {from}:{to}: the database has no table {from} that no model \
                         has, or a model's table {to} exists already"
                    ));
                }
                for t in &mut tables {
                    if t.name == *from {
                        t.name = to.clone();
                    }
                    // keys pointing at it follow the rename
                    for f in t
                        .foreign_keys
                        .iter_mut()
                        .filter(|f| f.target_table == *from)
                    {
                        f.target_table = to.clone();
                    }
                }
                up.push(Operation::RenameTable {
                    from: from.clone(),
                    to: to.clone(),
                });
                down.push(Operation::RenameTable {
                    from: to.clone(),
                    to: from.clone(),
                });
            }
            Rename::Column { table, from, to } => {
                let ok = found.contains(&Difference::ExtraColumn(table.clone(), from.clone()))
                    && found.contains(&Difference::MissingColumn(table.clone(), to.clone()));
                if !ok {
                    return Err(format!(
                        "--rename {table}.{from}:{to}: {table} has no column {from} that its \
                         model lacks, or already has {to}"
                    ));
                }
                if let Some(t) = tables.iter_mut().find(|t| t.name == *table) {
                    for c in t.columns.iter_mut().filter(|c| c.name == *from) {
                        c.name = to.clone();
                    }
                    for i in &mut t.indexes {
                        for c in i.columns.iter_mut().filter(|c| *c == from) {
                            *c = to.clone();
                        }
                    }
                    for f in t.foreign_keys.iter_mut().filter(|f| f.column == *from) {
                        f.column = to.clone();
                    }
                }
                up.push(Operation::RenameColumn {
                    table: table.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
                down.push(Operation::RenameColumn {
                    table: table.clone(),
                    from: to.clone(),
                    to: from.clone(),
                });
            }
        }
    }
    let found = introspect::diff(registry, &tables, backend, false);
    let possible_renames = rename_hints(&found, &tables, registry, backend, &mut notes);
    let find = |t: &str| tables.iter().find(|x| x.name == t);

    // new tables, in foreign-key order
    let missing: Vec<_> = found
        .iter()
        .filter_map(|d| match d {
            Difference::MissingTable(t) => registry.by_table(t),
            _ => None,
        })
        .collect();
    for s in ddl::dependency_order(&missing) {
        let spec = TableSpec::from_schema(registry, s);
        down.push(Operation::DropTable {
            table: spec.name.clone(),
            intended: true,
        });
        up.push(Operation::create_table(spec));
    }
    // then table by table: drop keys, columns; add columns, alter; create
    // indexes, then drop indexes (MySQL keeps a foreign key's index until
    // another serves it); add keys
    let mut order: Vec<&str> = Vec::new();
    for d in &found {
        if !matches!(d, Difference::MissingTable(_) | Difference::ExtraTable(_))
            && !order.contains(&d.table())
        {
            order.push(d.table());
        }
    }
    for table in order {
        let ours = |d: &&Difference| d.table() == table;
        let have = find(table);
        for d in found.iter().filter(ours) {
            if let Difference::ExtraForeignKey { column, .. } = d {
                let info = have.and_then(|t| t.foreign_key(column));
                up.push(Operation::DropForeignKey {
                    table: table.into(),
                    column: column.clone(),
                });
                if let Some(f) = info {
                    down.push(restore_foreign_key(table, f));
                }
            }
        }
        for d in found.iter().filter(ours) {
            if let Difference::ExtraColumn(_, column) = d {
                // its key and indexes go first, each a step of its own, so
                // the down mirrors the up operation by operation (what a
                // MySQL migration stopped part-way is reverted by)
                if let Some(t) = have {
                    if let Some(f) = t.foreign_key(column) {
                        up.push(Operation::DropForeignKey {
                            table: table.into(),
                            column: column.clone(),
                        });
                        down.push(restore_foreign_key(table, f));
                    }
                    for i in t.indexes.iter().filter(|i| i.columns.contains(column)) {
                        up.push(index_op(false, table, &i.columns, i.unique));
                        down.push(index_op(true, table, &i.columns, i.unique));
                    }
                }
                up.push(Operation::DropColumn {
                    table: table.into(),
                    column: column.clone(),
                    intended: false,
                });
                if let Some(c) = have.and_then(|t| t.column(column)) {
                    down.push(Operation::AddColumn {
                        table: table.into(),
                        column: column_spec(backend, c),
                    });
                }
                notes.push(format!(
                    "drop_column {table}.{column} loses its values: `up` refuses it until \
                     you mark it `intended = true`"
                ));
            }
        }
        for d in found.iter().filter(ours) {
            if let Difference::MissingColumn(_, column) = d {
                if let Some(spec) = ColumnSpec::of_model(registry, table, column) {
                    up.push(Operation::AddColumn {
                        table: table.into(),
                        column: spec,
                    });
                    down.push(Operation::DropColumn {
                        table: table.into(),
                        column: column.clone(),
                        intended: true,
                    });
                }
            }
        }
        let mut altered: Vec<&str> = Vec::new();
        for d in found.iter().filter(ours) {
            let column = match d {
                Difference::TypeMismatch(_, c, ..)
                | Difference::Nullability(_, c, _)
                | Difference::Default { column: c, .. } => c.as_str(),
                _ => continue,
            };
            if altered.contains(&column) {
                continue;
            }
            altered.push(column);
            let (Some(mut spec), Some(old)) = (
                ColumnSpec::of_model(registry, table, column),
                have.and_then(|t| t.column(column)),
            ) else {
                continue;
            };
            let retyped = found.iter().any(
                |x| matches!(x, Difference::TypeMismatch(t, c, ..) if t == table && c == column),
            );
            if !retyped {
                // only nullability or the default differ: keep the type as
                // declared (a `TIMESTAMP`, `DECIMAL(10,2)` or `VARCHAR(80)`
                // stays one)
                let kept = column_spec(backend, old);
                spec.ty = kept.ty;
                spec.indexed = kept.indexed;
            }
            let new_kind = introspect::spec_column(backend, &spec).kind;
            if super::operation::narrows(&old.kind, &new_kind) {
                notes.push(format!(
                    "alter_column {table}.{column} narrows {} to {}: `up` refuses it until \
                     you mark it `intended = true`",
                    old.declared, spec.ty
                ));
            }
            up.push(Operation::AlterColumn {
                table: table.into(),
                column: spec,
                intended: false,
            });
            down.push(Operation::AlterColumn {
                table: table.into(),
                column: column_spec(backend, old),
                intended: true,
            });
        }
        for d in found.iter().filter(ours) {
            if let Difference::MissingIndex {
                columns, unique, ..
            } = d
            {
                up.push(index_op(true, table, columns, *unique));
                down.push(index_op(false, table, columns, *unique));
            }
        }
        for d in found.iter().filter(ours) {
            if let Difference::ExtraIndex {
                columns, unique, ..
            } = d
            {
                up.push(index_op(false, table, columns, *unique));
                down.push(index_op(true, table, columns, *unique));
            }
        }
        for d in found.iter().filter(ours) {
            if let Difference::MissingForeignKey {
                column,
                target,
                on_delete,
                ..
            } = d
            {
                up.push(Operation::AddForeignKey {
                    table: table.into(),
                    column: column.clone(),
                    references: target.clone(),
                    to: "id".into(),
                    on_delete: *on_delete,
                });
                down.push(Operation::DropForeignKey {
                    table: table.into(),
                    column: column.clone(),
                });
            }
        }
    }
    // tables no model has, referencing ones first (their down: the reverse)
    let extra: Vec<&TableInfo> = found
        .iter()
        .filter_map(|d| match d {
            Difference::ExtraTable(t) => find(t),
            _ => None,
        })
        .collect();
    for info in drop_order(&extra) {
        let t = &info.name;
        up.push(Operation::DropTable {
            table: t.clone(),
            intended: false,
        });
        down.push(Operation::create_table(table_spec(backend, info)));
        notes.push(format!(
            "drop_table {t} loses its rows: `up` refuses it until you mark it \
             `intended = true`"
        ));
    }
    // the referenced column of a new foreign key is the target model's key
    for op in &mut up {
        if let Operation::AddForeignKey { references, to, .. } = op {
            if let Some(s) = registry.by_table(references) {
                *to = s.pk().name.to_owned();
            }
        }
    }
    down.reverse();
    Ok(Plan {
        file: MigrationFile {
            description: None,
            up,
            down: Some(down),
        },
        notes,
        possible_renames,
    })
}
