//! Parsing django-style lookups (`user__username__ilike`) against a schema.

use std::fmt;

use crate::db::error::{Error, Result};
use crate::db::schema::{Column, Schema, SqlType};
use crate::db::value::Value;

/// A lookup operator.
///
/// # Example
/// ```
/// use hangar::db::Op;
/// assert_eq!(Op::parse("ilike"), Some(Op::ILike));
/// assert_eq!(Op::parse("icontains"), Some(Op::Contains));
/// assert_eq!(Op::parse("regex"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `IN (...)`
    In,
    /// `NOT IN (...)`
    NotIn,
    /// `IS NULL` (value `null`/`none`) or `IS TRUE/FALSE`.
    Is,
    /// `IS NOT NULL` (value `null`/`none`) or `IS NOT TRUE/FALSE`.
    IsNot,
    /// `IS NULL` when the value is true, `IS NOT NULL` when false.
    IsNull,
    /// Case-sensitive SQL `LIKE` with `%`/`_` wildcards, on every backend.
    Like,
    /// Case-insensitive `LIKE`, on every backend.
    ILike,
    /// Case-insensitive substring (`icontains` is an alias).
    Contains,
    /// Case-insensitive prefix (`istartswith` is an alias).
    StartsWith,
    /// Case-insensitive suffix (`iendswith` is an alias).
    EndsWith,
    /// `BETWEEN a AND b` (exactly two values).
    Between,
    /// A regular expression match, case-sensitive (PostgreSQL `~`, MySQL
    /// `REGEXP`, SQLite through the `regex` crate). The REST API only allows
    /// it on resources that opt in.
    Regexp,
    /// As [`Op::Regexp`], case-insensitive.
    IRegexp,
}

impl Op {
    /// Every operator with its query-string name.
    pub const ALL: &'static [(&'static str, Op)] = &[
        ("eq", Op::Eq),
        ("ne", Op::Ne),
        ("lt", Op::Lt),
        ("lte", Op::Lte),
        ("le", Op::Lte),
        ("gt", Op::Gt),
        ("gte", Op::Gte),
        ("ge", Op::Gte),
        ("in", Op::In),
        ("not_in", Op::NotIn),
        ("is", Op::Is),
        ("is_not", Op::IsNot),
        ("is_null", Op::IsNull),
        ("isnull", Op::IsNull),
        ("like", Op::Like),
        ("ilike", Op::ILike),
        ("contains", Op::Contains),
        ("icontains", Op::Contains),
        ("startswith", Op::StartsWith),
        ("istartswith", Op::StartsWith),
        ("endswith", Op::EndsWith),
        ("iendswith", Op::EndsWith),
        ("between", Op::Between),
        ("regexp", Op::Regexp),
        ("iregexp", Op::IRegexp),
    ];

    /// The operator named `name`, if any.
    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.iter().find(|(n, _)| *n == name).map(|(_, op)| *op)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("eq", |(n, _)| n)
    }

    /// Whether the operator takes a list of values.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::NotIn | Op::Between)
    }

    /// Whether the operator only applies to text columns.
    pub fn is_text_op(self) -> bool {
        matches!(
            self,
            Op::Like
                | Op::ILike
                | Op::Contains
                | Op::StartsWith
                | Op::EndsWith
                | Op::Regexp
                | Op::IRegexp
        )
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A resolved field path: the foreign keys walked, then the final column.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Author { id: i64, name: String }
/// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
/// use hangar::db::FieldPath;
/// let p = FieldPath::resolve(Book::schema(), "author__name").unwrap();
/// assert_eq!(p.column.field, "name");
/// assert_eq!(p.joins.len(), 1);
/// assert!(FieldPath::resolve(Book::schema(), "author__nope").is_err());
/// ```
#[derive(Clone, Debug)]
pub struct FieldPath {
    /// The foreign-key columns walked, outermost first.
    pub joins: Vec<&'static Column>,
    /// The schema the final column belongs to.
    pub schema: &'static Schema,
    /// The final column.
    pub column: &'static Column,
}

impl FieldPath {
    /// Resolves `a__b__c` from `root`: every segment but the last must be a
    /// foreign key. Secret columns (password hashes) are not resolvable unless
    /// `allow_secret`.
    ///
    /// # Errors
    /// [`Error::UnknownField`] listing the allowed names of the model where
    /// resolution stopped.
    pub fn resolve(root: &'static Schema, path: &str) -> Result<FieldPath> {
        Self::resolve_with(root, path, false)
    }

    /// As [`FieldPath::resolve`], optionally allowing secret columns.
    pub fn resolve_with(
        root: &'static Schema,
        path: &str,
        allow_secret: bool,
    ) -> Result<FieldPath> {
        let mut schema = root;
        let mut joins = Vec::new();
        let mut segments = path.split("__").peekable();
        while let Some(seg) = segments.next() {
            let col = schema
                .column(seg)
                .filter(|c| allow_secret || !c.secret)
                .ok_or_else(|| Error::UnknownField {
                    model: schema.name,
                    field: path.to_owned(),
                    allowed: schema
                        .columns
                        .iter()
                        .filter(|c| allow_secret || !c.secret)
                        .map(|c| c.field)
                        .collect(),
                })?;
            if segments.peek().is_none() {
                return Ok(FieldPath {
                    joins,
                    schema,
                    column: col,
                });
            }
            let fk = col.references.ok_or_else(|| Error::UnknownField {
                model: schema.name,
                field: path.to_owned(),
                allowed: schema.references().map(|(c, _)| c.field).collect(),
            })?;
            joins.push(col);
            schema = (fk.target)();
        }
        Err(Error::unknown_field(root, path))
    }

    /// How many foreign keys the path walks.
    pub fn depth(&self) -> usize {
        self.joins.len()
    }

    /// The path as written with `__`.
    pub fn dotted(&self) -> String {
        let mut parts: Vec<&str> = self.joins.iter().map(|c| c.field).collect();
        parts.push(self.column.field);
        parts.join("__")
    }
}

/// One parsed filter key: `-user__username__ilike` → path, op, negation.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The resolved field.
    pub path: FieldPath,
    /// The operator (`eq` when none is written).
    pub op: Op,
    /// A leading `-` negates.
    pub negated: bool,
}

impl Lookup {
    /// Parses a key such as `-user__username__ilike`.
    ///
    /// # Errors
    /// [`Error::UnknownField`] for a path that does not resolve (an unknown
    /// operator reads as an unknown field, as in `id__regex`).
    ///
    /// # Example
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Item { id: i64, name: String }
    /// use hangar::db::{Lookup, Op};
    /// let l = Lookup::parse(Item::schema(), "-name__startswith").unwrap();
    /// assert!(l.negated);
    /// assert_eq!(l.op, Op::StartsWith);
    /// assert!(Lookup::parse(Item::schema(), "id__regex").is_err());
    /// ```
    pub fn parse(schema: &'static Schema, key: &str) -> Result<Lookup> {
        let (negated, key) = match key.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, key),
        };
        if let Some((head, last)) = key.rsplit_once("__") {
            if let Some(op) = Op::parse(last) {
                let path = FieldPath::resolve(schema, head)?;
                return Ok(Lookup { path, op, negated });
            }
        }
        let path = FieldPath::resolve(schema, key)?;
        Ok(Lookup {
            path,
            op: Op::Eq,
            negated,
        })
    }

    /// Checks the operator applies to the column and converts raw values.
    ///
    /// `in`/`not_in` split comma lists; `between` needs exactly two values;
    /// `is`/`is_not` take `null`/`none` (or a boolean); `is_null` a boolean;
    /// `eq`/`ne` read `none` as NULL.
    ///
    /// # Errors
    /// [`Error::InvalidLookup`] or [`Error::InvalidValue`] naming the field.
    pub fn values_from_strings(&self, raw: &[&str]) -> Result<Vec<Value>> {
        let field = self.path.dotted();
        let ty = self.path.column.sql_type;
        let parse = |s: &str| {
            Value::parse(ty, s).map_err(|expected| Error::invalid_value(&field, expected))
        };
        match self.op {
            Op::In | Op::NotIn | Op::Between => {
                let vals = raw
                    .iter()
                    .flat_map(|r| r.split(','))
                    .map(parse)
                    .collect::<Result<Vec<_>>>()?;
                Ok(vals)
            }
            Op::Is | Op::IsNot => raw
                .iter()
                .map(|r| match r.trim().to_ascii_lowercase().as_str() {
                    "null" | "none" => Ok(Value::Null),
                    "true" if ty == SqlType::Bool => Ok(Value::Bool(true)),
                    "false" if ty == SqlType::Bool => Ok(Value::Bool(false)),
                    _ if ty == SqlType::Bool => {
                        Err(Error::invalid_value(&field, "null, none, true or false"))
                    }
                    _ => Err(Error::invalid_value(&field, "null or none")),
                })
                .collect(),
            Op::IsNull => raw
                .iter()
                .map(|r| {
                    Value::parse(SqlType::Bool, r)
                        .map_err(|_| Error::invalid_value(&field, "true or false"))
                })
                .collect(),
            // flask-peewee's special constant: `none` means NULL for (in)equality
            Op::Eq | Op::Ne => raw
                .iter()
                .map(|r| match r.eq_ignore_ascii_case("none") {
                    true => Ok(Value::Null),
                    false => parse(r),
                })
                .collect(),
            _ => raw.iter().map(|r| parse(r)).collect(),
        }
    }

    /// Whether the lookup leaves rows out (`-field`, `ne`, `not_in`,
    /// `is_not`): in the query-string language (`hangar::db::querystring`),
    /// repeated exclusions AND together, repeated matches OR.
    pub fn is_exclusion(&self) -> bool {
        self.negated || matches!(self.op, Op::Ne | Op::NotIn | Op::IsNot)
    }

    /// Checks that values already typed fit the operator.
    pub(crate) fn check(&self, values: &[Value]) -> Result<()> {
        let field = self.path.dotted();
        if self.op.is_text_op() && !self.path.column.sql_type.is_text() {
            return Err(Error::InvalidLookup {
                field,
                op: self.op.name().into(),
                reason: "only applies to text fields".into(),
            });
        }
        if self.op == Op::Between && values.len() != 2 {
            return Err(Error::InvalidLookup {
                field,
                op: "between".into(),
                reason: format!("takes exactly two values, got {}", values.len()),
            });
        }
        if matches!(self.op, Op::Regexp | Op::IRegexp) {
            for v in values {
                let pattern = v.as_str().unwrap_or_default();
                if pattern.len() > 1000 || regex::Regex::new(pattern).is_err() {
                    return Err(Error::invalid_value(&field, "a valid regular expression"));
                }
            }
        }
        if values.is_empty() && !matches!(self.op, Op::In | Op::NotIn) {
            return Err(Error::invalid_value(&field, "a value"));
        }
        Ok(())
    }
}

/// A condition tree.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Match { lookup: Lookup, values: Vec<Value> },
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// The schema a foreign-key chain ends at.
pub(crate) fn target_of(chain: &[&'static Column]) -> &'static Schema {
    let last = chain
        .last()
        .expect("an include names at least one foreign key");
    (last.references.expect("includes are foreign keys").target)()
}
