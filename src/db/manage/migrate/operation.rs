//! The operations of a portable migration file, their inverses and their
//! risks.

use serde::{Deserialize, Serialize};

use crate::db::backend::Backend;
use crate::db::manage::ddl::{ColumnSpec, DefaultSpec, ForeignKeySpec, IndexSpec, TableSpec};
use crate::db::manage::introspect::{ColumnInfo, ColumnKind};
use crate::db::schema::OnDelete;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One step of a portable migration, written for no backend in particular.
///
/// Operations that lose data (`drop_table`, `drop_column`, an
/// `alter_column` that narrows a type) run only when marked
/// `intended = true` or when `migrate up --allow-destructive` is given.
///
/// # Example
/// ```
/// use hangar::db::migrate::Operation;
/// let op: Operation = toml::from_str(r#"
///     op = "add_column"
///     table = "note"
///     column = { name = "karma", type = "int", default = 0 }
/// "#).unwrap();
/// assert_eq!(op.to_string(), "add_column note.karma");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// `CREATE TABLE` with its indexes.
    CreateTable {
        /// The table.
        table: String,
        /// Its columns.
        columns: Vec<ColumnSpec>,
        /// Its foreign keys.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        foreign_keys: Vec<ForeignKeySpec>,
        /// Its indexes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        indexes: Vec<IndexSpec>,
    },
    /// `DROP TABLE` (destructive).
    DropTable {
        /// The table.
        table: String,
        /// Marked as meant to lose the table's rows.
        #[serde(default, skip_serializing_if = "is_false")]
        intended: bool,
    },
    /// Renames a table.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Adds a column (`NOT NULL` needs a `default` when the table has rows).
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: ColumnSpec,
    },
    /// Drops a column (destructive).
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Marked as meant to lose the column's values.
        #[serde(default, skip_serializing_if = "is_false")]
        intended: bool,
    },
    /// Changes a column's type, nullability or default to `column`.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it is to be.
        column: ColumnSpec,
        /// Marked as meant to narrow the type (values may be cut).
        #[serde(default, skip_serializing_if = "is_false")]
        intended: bool,
    },
    /// Renames a column, keeping its values.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Creates an index.
    CreateIndex {
        /// The table.
        table: String,
        /// The indexed columns.
        columns: Vec<String>,
        /// Unique values.
        #[serde(default, skip_serializing_if = "is_false")]
        unique: bool,
        /// PostgreSQL: build without blocking writes (`CONCURRENTLY`; the
        /// migration then runs step by step, outside a transaction).
        #[serde(default, skip_serializing_if = "is_false")]
        concurrently: bool,
    },
    /// Drops the index (or unique constraint) over exactly `columns`.
    DropIndex {
        /// The table.
        table: String,
        /// The indexed columns.
        columns: Vec<String>,
        /// Unique or plain.
        #[serde(default, skip_serializing_if = "is_false")]
        unique: bool,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        references: String,
        /// The referenced column.
        #[serde(default = "id_column")]
        to: String,
        /// `restrict`, `cascade` or `set_null`.
        #[serde(default = "restrict", with = "crate::db::manage::ddl::on_delete_name")]
        on_delete: OnDelete,
    },
    /// Drops the foreign key of `column`.
    DropForeignKey {
        /// The table.
        table: String,
        /// The referencing column.
        column: String,
    },
    /// Hand-written SQL: `sql` for every backend, or one per backend
    /// (`sqlite`, `postgres`, `mysql`; a missing one falls back to `sql`).
    Sql {
        /// For every backend.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql: Option<String>,
        /// SQLite's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sqlite: Option<String>,
        /// PostgreSQL's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postgres: Option<String>,
        /// MySQL's and MariaDB's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mysql: Option<String>,
    },
}

fn id_column() -> String {
    "id".into()
}

fn restrict() -> OnDelete {
    OnDelete::Restrict
}

impl Operation {
    /// The table it works on (`None` for hand-written SQL).
    ///
    /// ```
    /// use hangar::db::migrate::Operation;
    /// let op = Operation::RenameTable { from: "memo".into(), to: "note".into() };
    /// assert_eq!(op.table(), Some("memo"));
    /// ```
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::CreateTable { table, .. }
            | Operation::DropTable { table, .. }
            | Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::RenameColumn { table, .. }
            | Operation::CreateIndex { table, .. }
            | Operation::DropIndex { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. } => Some(table),
            Operation::RenameTable { from, .. } => Some(from),
            Operation::Sql { .. } => None,
        }
    }

    /// The table spec of a `create_table`.
    ///
    /// ```
    /// use hangar::db::{ddl::TableSpec, migrate::Operation};
    /// let spec = TableSpec { name: "tag".into(), columns: vec![], foreign_keys: vec![], indexes: vec![] };
    /// let op = Operation::create_table(spec.clone());
    /// assert_eq!(op.table_spec(), Some(spec));
    /// ```
    pub fn table_spec(&self) -> Option<TableSpec> {
        match self {
            Operation::CreateTable {
                table,
                columns,
                foreign_keys,
                indexes,
            } => Some(TableSpec {
                name: table.clone(),
                columns: columns.clone(),
                foreign_keys: foreign_keys.clone(),
                indexes: indexes.clone(),
            }),
            _ => None,
        }
    }

    /// The `create_table` for a spec.
    ///
    /// ```
    /// use hangar::db::{ddl::TableSpec, migrate::Operation};
    /// let spec = TableSpec { name: "tag".into(), columns: vec![], foreign_keys: vec![], indexes: vec![] };
    /// assert_eq!(Operation::create_table(spec).to_string(), "create_table tag");
    /// ```
    pub fn create_table(spec: TableSpec) -> Operation {
        Operation::CreateTable {
            table: spec.name,
            columns: spec.columns,
            foreign_keys: spec.foreign_keys,
            indexes: spec.indexes,
        }
    }

    /// Whether it is marked as meant to lose data.
    ///
    /// ```
    /// use hangar::db::migrate::Operation;
    /// let op = Operation::DropTable { table: "memo".into(), intended: false };
    /// assert!(!op.is_intended());
    /// assert!(op.intended(true).is_intended());
    /// ```
    pub fn is_intended(&self) -> bool {
        matches!(
            self,
            Operation::DropTable { intended: true, .. }
                | Operation::DropColumn { intended: true, .. }
                | Operation::AlterColumn { intended: true, .. }
        )
    }

    /// The same operation marked (or not) as meant to lose data.
    ///
    /// ```
    /// use hangar::db::migrate::Operation;
    /// let op = Operation::RenameTable { from: "a".into(), to: "b".into() };
    /// assert!(!op.intended(true).is_intended(), "a rename loses nothing: no mark");
    /// ```
    pub fn intended(mut self, yes: bool) -> Operation {
        match &mut self {
            Operation::DropTable { intended, .. }
            | Operation::DropColumn { intended, .. }
            | Operation::AlterColumn { intended, .. } => *intended = yes,
            _ => {}
        }
        self
    }

    /// Whether it must run outside a transaction (`CONCURRENTLY` on PostgreSQL).
    ///
    /// ```
    /// use hangar::db::{migrate::Operation, Backend};
    /// let op = Operation::CreateIndex { table: "t".into(), columns: vec!["a".into()], unique: false, concurrently: true };
    /// assert!(op.needs_no_transaction(Backend::Postgres));
    /// assert!(!op.needs_no_transaction(Backend::Sqlite));
    /// ```
    pub fn needs_no_transaction(&self, backend: Backend) -> bool {
        backend == Backend::Postgres
            && matches!(
                self,
                Operation::CreateIndex {
                    concurrently: true,
                    ..
                }
            )
    }

    /// Whether SQLite runs it by rebuilding the table (copying every row).
    ///
    /// ```
    /// use hangar::db::migrate::Operation;
    /// let op = Operation::DropForeignKey { table: "book".into(), column: "author".into() };
    /// assert!(op.rebuilds_on_sqlite());
    /// ```
    pub fn rebuilds_on_sqlite(&self) -> bool {
        match self {
            // ALTER TABLE ADD COLUMN takes no key, no UNIQUE, no NOT NULL
            // without a default and no expression default there
            Operation::AddColumn { column, .. } => {
                column.primary_key
                    || column.unique
                    || !column.nullable && column.default.is_none()
                    || matches!(
                        column.default,
                        Some(DefaultSpec::Now { .. } | DefaultSpec::Sql { .. })
                    )
            }
            Operation::DropColumn { .. }
            | Operation::AlterColumn { .. }
            | Operation::AddForeignKey { .. }
            | Operation::DropForeignKey { .. } => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operation::CreateTable { table, .. } => write!(f, "create_table {table}"),
            Operation::DropTable { table, .. } => write!(f, "drop_table {table}"),
            Operation::RenameTable { from, to } => write!(f, "rename_table {from} -> {to}"),
            Operation::AddColumn { table, column } => {
                write!(f, "add_column {table}.{}", column.name)
            }
            Operation::DropColumn { table, column, .. } => {
                write!(f, "drop_column {table}.{column}")
            }
            Operation::AlterColumn { table, column, .. } => {
                write!(f, "alter_column {table}.{} ({})", column.name, column.ty)
            }
            Operation::RenameColumn { table, from, to } => {
                write!(f, "rename_column {table}.{from} -> {to}")
            }
            Operation::CreateIndex {
                table,
                columns,
                unique,
                ..
            } => {
                let kind = if *unique { "unique " } else { "" };
                write!(f, "create_index {kind}{table} ({})", columns.join(", "))
            }
            Operation::DropIndex {
                table,
                columns,
                unique,
            } => {
                let kind = if *unique { "unique " } else { "" };
                write!(f, "drop_index {kind}{table} ({})", columns.join(", "))
            }
            Operation::AddForeignKey {
                table,
                column,
                references,
                ..
            } => write!(f, "add_foreign_key {table}.{column} -> {references}"),
            Operation::DropForeignKey { table, column } => {
                write!(f, "drop_foreign_key {table}.{column}")
            }
            Operation::Sql { .. } => f.write_str("sql"),
        }
    }
}

/// Whether changing a column from `old` to the kind `new` can lose or
/// refuse values: anything but widening (a wider integer, longer or
/// unbounded text, an integer to a float, anything to unbounded text).
///
/// ```
/// use hangar::db::introspect::ColumnKind::*;
/// use hangar::db::migrate::narrows;
/// assert!(!narrows(&Integer(4), &Integer(8)));
/// assert!(narrows(&Text(None), &Text(Some(40))));
/// assert!(narrows(&Text(None), &Integer(8)));
/// ```
pub fn narrows(old: &ColumnKind, new: &ColumnKind) -> bool {
    match (old, new) {
        (a, b) if a == b => false,
        (ColumnKind::Integer(a), ColumnKind::Integer(b)) => b < a,
        (ColumnKind::Integer(_), ColumnKind::Float) => false,
        (ColumnKind::Text(_), ColumnKind::Text(None)) => false,
        (ColumnKind::Text(Some(a)), ColumnKind::Text(Some(b))) => b < a,
        (_, ColumnKind::Text(None)) => false,
        _ => true,
    }
}

/// What an operation risks, said before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
///
/// ```
/// use hangar::db::{migrate::{risks, Operation}, Backend};
/// let op = Operation::DropTable { table: "memo".into(), intended: false };
/// let r = &risks(&op, Backend::Postgres, None, 3)[0];
/// assert!(r.destructive);
/// assert_eq!(r.message, "drops table memo and its 3 row(s)");
/// ```
pub struct Risk {
    /// It loses data: refused unless marked `intended` or allowed.
    pub destructive: bool,
    /// What it does, in words.
    pub message: String,
}

impl Risk {
    pub(crate) fn loses(message: String) -> Risk {
        Risk {
            destructive: true,
            message,
        }
    }

    pub(crate) fn warns(message: String) -> Risk {
        Risk {
            destructive: false,
            message,
        }
    }
}

/// The risks of `op` on `backend`, given the column it changes as it is
/// now (for `alter_column`) and the rows its table holds.
///
/// ```
/// use hangar::db::{migrate::{risks, Operation}, Backend};
/// let op = Operation::CreateIndex { table: "big".into(), columns: vec!["a".into()], unique: false, concurrently: false };
/// assert!(risks(&op, Backend::Postgres, None, 10)[0].message.contains("locks writes to big"));
/// assert!(risks(&op, Backend::MySql, None, 10).is_empty());
/// ```
pub fn risks(op: &Operation, backend: Backend, old: Option<&ColumnInfo>, rows: u64) -> Vec<Risk> {
    let mut out = Vec::new();
    match op {
        Operation::DropTable { table, .. } => out.push(Risk::loses(format!(
            "drops table {table} and its {rows} row(s)"
        ))),
        Operation::DropColumn { table, column, .. } => out.push(Risk::loses(format!(
            "drops column {table}.{column} and its values ({rows} row(s))"
        ))),
        Operation::AlterColumn { table, column, .. } => {
            if let Some(old) = old {
                let new = crate::db::manage::introspect::spec_column(backend, column).kind;
                if narrows(&old.kind, &new) {
                    out.push(Risk::loses(format!(
                        "changes {table}.{} from {} to {}: values may be cut or refused",
                        column.name, old.declared, column.ty
                    )));
                }
                if old.nullable && !column.nullable && rows > 0 {
                    out.push(Risk::warns(format!(
                        "makes {table}.{} NOT NULL: fails if a row holds NULL",
                        column.name
                    )));
                }
            }
        }
        Operation::AddColumn { table, column }
            if !column.nullable && column.default.is_none() && rows > 0 =>
        {
            out.push(Risk::warns(format!(
                "adds NOT NULL column {table}.{} without a default to a table with rows: \
                 give the field a default or make it Option",
                column.name
            )))
        }
        Operation::CreateIndex {
            table,
            concurrently: false,
            ..
        } if backend == Backend::Postgres => out.push(Risk::warns(format!(
            "locks writes to {table} ({rows} row(s)) while the index builds: \
             set concurrently = true for a big table"
        ))),
        _ => {}
    }
    if backend == Backend::Sqlite && op.rebuilds_on_sqlite() {
        if let Some(table) = op.table() {
            out.push(Risk::warns(format!(
                "rebuilds SQLite table {table}, copying its {rows} row(s)"
            )));
        }
    }
    out
}
