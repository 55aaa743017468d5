//! Tables as data: the one description DDL is written from, made from a
//! model's [`Schema`] or read from a migration file (where it is portable:
//! the same spec writes SQLite, PostgreSQL and MySQL DDL).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::db::registry::Registry;
use crate::db::schema::{Column, ColumnDefault, Literal, OnDelete, Schema, SqlType};

fn is_false(b: &bool) -> bool {
    !*b
}

/// A column type, portable (`bigint`, `text(80)`, `datetime`, ...) or, for
/// a column read from a database of another origin, as declared there
/// (`sql:NUMERIC(10,2)`, written verbatim on every backend).
///
/// # Example
/// ```
/// use hangar::db::ddl::ColumnType;
/// let t: ColumnType = "text(80)".parse().unwrap();
/// assert_eq!(t.to_string(), "text(80)");
/// assert!("decimal".parse::<ColumnType>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ColumnType {
    /// A type every backend has a spelling for.
    Portable(SqlType),
    /// A backend's own type, verbatim.
    Sql(String),
}

impl ColumnType {
    /// The portable type, if it is one.
    ///
    /// ```
    /// use hangar::db::{ddl::ColumnType, SqlType};
    /// assert_eq!("bigint".parse::<ColumnType>().unwrap().sql_type(), Some(SqlType::BigInt));
    /// assert_eq!("sql:NUMERIC(10,2)".parse::<ColumnType>().unwrap().sql_type(), None);
    /// ```
    pub fn sql_type(&self) -> Option<SqlType> {
        match self {
            ColumnType::Portable(t) => Some(*t),
            ColumnType::Sql(_) => None,
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ColumnType::Sql(s) => return write!(f, "sql:{s}"),
            ColumnType::Portable(t) => match t {
                SqlType::Bool => "bool",
                SqlType::Int => "int",
                SqlType::BigInt => "bigint",
                SqlType::Float => "float",
                SqlType::Text {
                    max_length: Some(n),
                } => return write!(f, "text({n})"),
                SqlType::Text { max_length: None } => "text",
                SqlType::Bytes => "bytes",
                SqlType::DateTime => "datetime",
                SqlType::Date => "date",
                SqlType::Uuid => "uuid",
                SqlType::Json => "json",
            },
        };
        f.write_str(name)
    }
}

impl FromStr for ColumnType {
    type Err = String;

    fn from_str(s: &str) -> Result<ColumnType, String> {
        if let Some(sql) = s.strip_prefix("sql:") {
            return Ok(ColumnType::Sql(sql.trim().to_owned()));
        }
        let ty = match s.trim() {
            "bool" => SqlType::Bool,
            "int" => SqlType::Int,
            "bigint" => SqlType::BigInt,
            "float" => SqlType::Float,
            "text" => SqlType::Text { max_length: None },
            "bytes" => SqlType::Bytes,
            "datetime" => SqlType::DateTime,
            "date" => SqlType::Date,
            "uuid" => SqlType::Uuid,
            "json" => SqlType::Json,
            other => {
                let n = other
                    .strip_prefix("text(")
                    .and_then(|r| r.strip_suffix(')'))
                    .and_then(|n| n.trim().parse::<u32>().ok());
                match n {
                    Some(n) => SqlType::Text {
                        max_length: Some(n),
                    },
                    None => {
                        return Err(format!(
                            "unknown column type {other:?} (bool, int, bigint, float, text, \
                             text(N), bytes, datetime, date, uuid, json, or sql:<type>)"
                        ))
                    }
                }
            }
        };
        Ok(ColumnType::Portable(ty))
    }
}

impl TryFrom<String> for ColumnType {
    type Error = String;
    fn try_from(s: String) -> Result<ColumnType, String> {
        s.parse()
    }
}

impl From<ColumnType> for String {
    fn from(t: ColumnType) -> String {
        t.to_string()
    }
}

/// A constant in a migration file (`default = 0`, `choices = ["a", "b"]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
///
/// ```
/// use hangar::db::ddl::LiteralSpec;
/// let v: Vec<LiteralSpec> = toml::from_str::<toml::Table>("v = [1, \"a\", true]").unwrap()["v"].clone().try_into().unwrap();
/// assert_eq!(v, [LiteralSpec::Int(1), LiteralSpec::Text("a".into()), LiteralSpec::Bool(true)]);
/// ```
pub enum LiteralSpec {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
}

impl From<Literal> for LiteralSpec {
    fn from(l: Literal) -> LiteralSpec {
        match l {
            Literal::Bool(b) => LiteralSpec::Bool(b),
            Literal::Int(i) => LiteralSpec::Int(i),
            Literal::Float(f) => LiteralSpec::Float(f),
            Literal::Text(t) => LiteralSpec::Text(t.to_owned()),
        }
    }
}

/// A column's `DEFAULT`: a constant, the current time (`{ now = true }`), or
/// an expression kept verbatim (`{ sql = "..." }`, from another framework's table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
///
/// ```
/// use hangar::db::ddl::ColumnSpec;
/// let c: ColumnSpec = toml::from_str("name = \"at\"\ntype = \"datetime\"\ndefault = { now = true }").unwrap();
/// assert_eq!(c.default, Some(hangar::db::ddl::DefaultSpec::Now { now: true }));
/// ```
pub enum DefaultSpec {
    /// A constant.
    Literal(LiteralSpec),
    /// The current time.
    Now {
        /// Always `true`.
        now: bool,
    },
    /// An SQL expression, written as is.
    Sql {
        /// The expression.
        sql: String,
    },
}

/// One column of a [`TableSpec`], or of an `add_column`/`alter_column`
/// migration operation.
///
/// # Example
/// ```
/// use hangar::db::ddl::ColumnSpec;
/// let c: ColumnSpec = toml::from_str("name = \"karma\"\ntype = \"int\"\ndefault = 0").unwrap();
/// assert_eq!(c.ty.to_string(), "int");
/// assert!(!c.nullable);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The column name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether it accepts NULL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// The primary key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// Assigned by the database (an integer primary key).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
    /// A unique constraint written with the column (in `create_table`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// Has an index or key: MySQL keeps unbounded indexed text as VARCHAR(255).
    #[serde(default, skip_serializing_if = "is_false")]
    pub indexed: bool,
    /// The `DEFAULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultSpec>,
    /// Allowed values (`CHECK (column IN (...))`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<LiteralSpec>,
}

impl ColumnSpec {
    /// The column `column` of the model registered for `table`, as the
    /// models say (uniqueness left to the table's indexes).
    pub(crate) fn of_model(registry: &Registry, table: &str, column: &str) -> Option<ColumnSpec> {
        let schema = registry.by_table(table)?;
        let col = schema.columns.iter().find(|c| c.name == column)?;
        Some(ColumnSpec {
            unique: false,
            ..ColumnSpec::from_column(col)
        })
    }

    /// The spec of a model's column.
    ///
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// #[derive(Model)]
    /// struct Tag { id: i64, #[model(unique, max_length = 20)] label: String }
    /// let spec = hangar::db::ddl::ColumnSpec::from_column(&Tag::schema().columns[1]);
    /// assert_eq!((spec.ty.to_string(), spec.unique), ("text(20)".to_owned(), true));
    /// ```
    pub fn from_column(col: &Column) -> ColumnSpec {
        ColumnSpec {
            name: col.name.to_owned(),
            ty: ColumnType::Portable(col.sql_type),
            nullable: col.nullable && !col.primary_key,
            primary_key: col.primary_key,
            auto_increment: col.auto_increment,
            unique: col.unique && !col.primary_key,
            // only unbounded text's type depends on it (MySQL)
            indexed: col.sql_type == (SqlType::Text { max_length: None })
                && (col.unique || col.index || col.primary_key || col.references.is_some()),
            default: col.default.map(|d| match d {
                ColumnDefault::Now => DefaultSpec::Now { now: true },
                ColumnDefault::Literal(l) => DefaultSpec::Literal(l.into()),
            }),
            choices: if col.sql_type == SqlType::Bool {
                Vec::new()
            } else {
                col.choices.iter().map(|(l, _)| (*l).into()).collect()
            },
        }
    }
}

/// A foreign key of a [`TableSpec`] (or an `add_foreign_key` operation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
///
/// ```
/// let fk: hangar::db::ddl::ForeignKeySpec = toml::from_str("column = \"author\"\nreferences = \"author\"").unwrap();
/// assert_eq!((fk.to.as_str(), fk.on_delete), ("id", hangar::db::OnDelete::Restrict));
/// ```
pub struct ForeignKeySpec {
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub references: String,
    /// The referenced column.
    #[serde(default = "default_target_column")]
    pub to: String,
    /// `restrict`, `cascade` or `set_null`.
    #[serde(default = "default_on_delete", with = "on_delete_name")]
    pub on_delete: OnDelete,
}

fn default_target_column() -> String {
    "id".into()
}

fn default_on_delete() -> OnDelete {
    OnDelete::Restrict
}

/// `on_delete` as the model attribute spells it.
pub(crate) mod on_delete_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::db::schema::OnDelete;

    pub(crate) fn serialize<S: Serializer>(v: &OnDelete, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match v {
            OnDelete::Restrict => "restrict",
            OnDelete::Cascade => "cascade",
            OnDelete::SetNull => "set_null",
        })
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OnDelete, D::Error> {
        match String::deserialize(d)?.as_str() {
            "restrict" => Ok(OnDelete::Restrict),
            "cascade" => Ok(OnDelete::Cascade),
            "set_null" => Ok(OnDelete::SetNull),
            other => Err(serde::de::Error::custom(format!(
                "on_delete must be restrict, cascade or set_null, not {other:?}"
            ))),
        }
    }
}

/// An index of a [`TableSpec`] (or a `create_index` operation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
///
/// ```
/// let i: hangar::db::ddl::IndexSpec = toml::from_str("columns = [\"a\", \"b\"]\nunique = true").unwrap();
/// assert!(i.unique && i.columns.len() == 2);
/// ```
pub struct IndexSpec {
    /// The indexed columns.
    pub columns: Vec<String>,
    /// Unique values.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

/// A table: columns, foreign keys and indexes (a model's, or a
/// `create_table` operation's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSpec {
    /// The table name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<ColumnSpec>,
    /// Its foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// Its indexes (besides the primary key and `unique` columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexSpec>,
}

impl TableSpec {
    /// The spec of a model's table, named as `registry` names it.
    ///
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Author { id: i64 }
    /// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
    /// let spec = hangar::db::ddl::TableSpec::from_schema(&hangar::db::Registry::default(), Book::schema());
    /// assert_eq!(spec.foreign_keys[0].references, "author");
    /// assert_eq!(spec.indexes[0].columns, ["author"]);
    /// ```
    pub fn from_schema(registry: &Registry, schema: &Schema) -> TableSpec {
        TableSpec {
            name: registry.table(schema).to_owned(),
            columns: schema.columns.iter().map(ColumnSpec::from_column).collect(),
            foreign_keys: schema
                .references()
                .map(|(col, target)| ForeignKeySpec {
                    column: col.name.to_owned(),
                    references: registry.table(target).to_owned(),
                    to: target.pk().name.to_owned(),
                    on_delete: col.references.map_or(OnDelete::Restrict, |f| f.on_delete),
                })
                .collect(),
            indexes: schema
                .columns
                .iter()
                .filter(|c| (c.index || c.references.is_some()) && !c.unique && !c.primary_key)
                .map(|c| IndexSpec {
                    columns: vec![c.name.to_owned()],
                    unique: false,
                })
                .collect(),
        }
    }

    /// The column named `name`.
    ///
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Tag { id: i64, label: String }
    /// let spec = hangar::db::ddl::TableSpec::from_schema(&hangar::db::Registry::default(), Tag::schema());
    /// assert!(spec.column("label").is_some());
    /// ```
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}
