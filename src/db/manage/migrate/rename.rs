//! Renames: stated by the user (`--rename`), never guessed; the dropped
//! and added tables or columns that may be one are pointed out.

use crate::db::backend::Backend;
use crate::db::manage::ddl::ColumnSpec;
use crate::db::manage::introspect::{self, Difference, TableInfo};
use crate::db::registry::Registry;

/// A rename stated by the user (`--rename note.body:text` for a column,
/// `--rename memo:note` for a table): never guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rename {
    /// A table renamed.
    Table {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column renamed.
    Column {
        /// Its table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
}

impl std::str::FromStr for Rename {
    type Err = String;

    /// ```
    /// use hangar::db::migrate::Rename;
    /// let r: Rename = "note.body:text".parse().unwrap();
    /// assert_eq!(r, Rename::Column { table: "note".into(), from: "body".into(), to: "text".into() });
    /// assert!("nothing".parse::<Rename>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Rename, String> {
        let bad =
            || format!("--rename takes table.old:new (a column) or old:new (a table), not {s:?}");
        let (from, to) = s.split_once(':').ok_or_else(bad)?;
        if to.is_empty() || to.contains('.') {
            return Err(bad());
        }
        Ok(match from.split_once('.') {
            Some((table, from)) if !table.is_empty() && !from.is_empty() => Rename::Column {
                table: table.into(),
                from: from.into(),
                to: to.into(),
            },
            None if !from.is_empty() => Rename::Table {
                from: from.into(),
                to: to.into(),
            },
            _ => return Err(bad()),
        })
    }
}

impl std::fmt::Display for Rename {
    /// As `--rename` takes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rename::Table { from, to } => write!(f, "{from}:{to}"),
            Rename::Column { table, from, to } => write!(f, "{table}.{from}:{to}"),
        }
    }
}

impl Rename {
    /// The question to ask the user.
    ///
    /// ```
    /// let r: hangar::db::migrate::Rename = "note.body:text".parse().unwrap();
    /// assert_eq!(r.question(), "Was column note.body renamed to text?");
    /// ```
    pub fn question(&self) -> String {
        match self {
            Rename::Table { from, to } => format!("Was table {from} renamed to {to}?"),
            Rename::Column { table, from, to } => {
                format!("Was column {table}.{from} renamed to {to}?")
            }
        }
    }
}

/// Says where a dropped and an added table or column of the same kind may
/// be a rename, so the user can state it with `--rename`.
pub(super) fn rename_hints(
    found: &[Difference],
    tables: &[TableInfo],
    registry: &Registry,
    backend: Backend,
    notes: &mut Vec<String>,
) -> Vec<Rename> {
    let mut out = Vec::new();
    let extra_tables: Vec<&str> = found
        .iter()
        .filter_map(|d| match d {
            Difference::ExtraTable(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    for d in found {
        if let Difference::MissingTable(to) = d {
            for from in &extra_tables {
                notes.push(format!(
                    "table {from} is dropped and {to} created: if {from} was renamed, \
                     generate again with --rename {from}:{to}"
                ));
                out.push(Rename::Table {
                    from: (*from).to_owned(),
                    to: to.clone(),
                });
            }
        }
    }
    for d in found {
        let Difference::MissingColumn(table, to) = d else {
            continue;
        };
        let Some(spec) = ColumnSpec::of_model(registry, table, to) else {
            continue;
        };
        let kind = introspect::spec_column(backend, &spec).kind;
        let Some(info) = tables.iter().find(|t| t.name == *table) else {
            continue;
        };
        for e in found {
            if let Difference::ExtraColumn(t, from) = e {
                let same_kind = info.column(from).is_some_and(|c| {
                    std::mem::discriminant(&c.kind) == std::mem::discriminant(&kind)
                });
                if t == table && same_kind {
                    notes.push(format!(
                        "column {table}.{from} is dropped and {table}.{to} added with the same \
                         type: if it was renamed, generate again with --rename {table}.{from}:{to}"
                    ));
                    out.push(Rename::Column {
                        table: table.clone(),
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
    }
    out
}
