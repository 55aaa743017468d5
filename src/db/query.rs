//! SELECT building: filters, joins (one alias per foreign-key path), ordering,
//! limit/offset, count, exists. The SQL itself is written by `select_sql`.

use crate::db::backend::Backend;
use crate::db::coerce::{coerce, coerce_for_write};
use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::lookup::{Cond, FieldPath, Lookup, Op};
use crate::db::querystring;
use crate::db::record::Record;
use crate::db::registry::Registry;
use crate::db::schema::{Column, Schema, SqlType};
use crate::db::select_sql::{self, Projection, SelectParts};
use crate::db::sql::Statement;
use crate::db::value::Value;

/// A dynamic query over one schema: what the admin and the REST API use.
/// [`Query<M>`] wraps it for typed results.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Item { id: i64, name: String }
/// use hangar::db::{Op, Select};
/// let q = Select::new(Item::schema())
///     .filter("name", Op::Contains, "box").unwrap()
///     .order_by("-id").unwrap()
///     .limit(10);
/// let stmt = q.to_statement(hangar::db::Backend::Postgres);
/// assert!(stmt.sql.contains("ILIKE $1"));
/// ```
#[derive(Clone, Debug)]
pub struct Select {
    schema: &'static Schema,
    pub(crate) conds: Vec<Cond>,
    pub(crate) order: Vec<(FieldPath, bool)>,
    limit: Option<u64>,
    offset: Option<u64>,
    /// Foreign-key paths whose rows are selected too (`include`).
    pub(crate) includes: Vec<(String, Vec<&'static Column>)>,
    /// `SELECT ... FOR UPDATE` (see [`Select::for_update`]).
    lock: bool,
}

impl Select {
    /// All rows of `schema`.
    pub fn new(schema: &'static Schema) -> Select {
        Select {
            schema,
            conds: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            includes: Vec::new(),
            lock: false,
        }
    }

    /// The schema queried.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// Adds (AND) `path op value`. A text value for a non-text column is
    /// parsed for the column's type (so query-string values work as they are).
    ///
    /// # Errors
    /// Unknown field, operator not applicable, value not parseable.
    pub fn filter(self, path: &str, op: Op, value: impl Into<Value>) -> Result<Select> {
        self.filter_values(path, op, vec![value.into()])
    }

    /// Adds (AND) `path op values` for list operators (`in`, `not_in`, `between`).
    ///
    /// # Errors
    /// As [`Select::filter`].
    pub fn filter_values(mut self, path: &str, op: Op, values: Vec<Value>) -> Result<Select> {
        let lookup = Lookup {
            path: FieldPath::resolve(self.schema, path)?,
            op,
            negated: false,
        };
        let values = coerce(&lookup, values)?;
        lookup.check(&values)?;
        self.conds.push(Cond::Match { lookup, values });
        Ok(self)
    }

    /// Excludes rows matching `path op value` (`NULL`s of the column are kept).
    ///
    /// # Errors
    /// As [`Select::filter`].
    pub fn exclude(mut self, path: &str, op: Op, value: impl Into<Value>) -> Result<Select> {
        let lookup = Lookup {
            path: FieldPath::resolve(self.schema, path)?,
            op,
            negated: false,
        };
        let values = coerce(&lookup, vec![value.into()])?;
        lookup.check(&values)?;
        self.conds
            .push(Cond::Not(Box::new(Cond::Match { lookup, values })));
        Ok(self)
    }

    /// Restricts to the row with this primary key.
    pub fn filter_pk(mut self, pk: impl Into<Value>) -> Select {
        let col = self.schema.pk();
        let lookup = Lookup {
            path: FieldPath {
                joins: Vec::new(),
                schema: self.schema,
                column: col,
            },
            op: Op::Eq,
            negated: false,
        };
        let v = pk.into();
        let v = match (&v, col.sql_type) {
            (Value::Text(s), ty) if !ty.is_text() => Value::parse(ty, s).unwrap_or(Value::Null),
            _ => v,
        };
        self.conds.push(Cond::Match {
            lookup,
            values: vec![v],
        });
        self
    }

    /// Adds a parsed lookup with raw values from a query string, combined
    /// as the [query-string language](crate::db::querystring) says: several
    /// values OR together for a match, AND together for an exclusion.
    ///
    /// # Errors
    /// As [`Lookup::values_from_strings`].
    pub fn where_query(self, lookup: Lookup, raw: &[&str]) -> Result<Select> {
        let values = lookup.values_from_strings(raw)?;
        self.where_lookup_values(lookup, values)
    }

    /// As [`Select::where_query`] with values already typed (`Value::Null`
    /// for `none`, say); list operators take them all at once.
    ///
    /// # Errors
    /// An operator that does not fit the field or the number of values.
    pub fn where_lookup_values(mut self, lookup: Lookup, values: Vec<Value>) -> Result<Select> {
        let exclusion = lookup.is_exclusion();
        let negated = lookup.negated;
        let plain = Lookup {
            negated: false,
            ..lookup
        };
        let one = |values: Vec<Value>| -> Result<Cond> {
            plain.check(&values)?;
            let m = Cond::Match {
                lookup: plain.clone(),
                values,
            };
            Ok(if negated { Cond::Not(Box::new(m)) } else { m })
        };
        let cond = if plain.op.takes_list() {
            one(values)?
        } else {
            let mut alts = values
                .into_iter()
                .map(|v| one(vec![v]))
                .collect::<Result<Vec<_>>>()?;
            match alts.len() {
                0 => one(Vec::new())?,
                1 => alts.pop().expect("one alternative"),
                _ if exclusion => Cond::And(alts),
                _ => Cond::Or(alts),
            }
        };
        self.conds.push(cond);
        Ok(self)
    }

    /// Applies query-string pairs in the [query-string language](crate::db::querystring):
    /// `key` is a lookup (`-user__username__in`); keys in `skip` (`page`,
    /// `ordering`, ...) are passed over.
    ///
    /// # Errors
    /// The first bad key or value.
    ///
    /// # Example
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Item { id: i64, name: String }
    /// use hangar::db::Select;
    /// let q = Select::new(Item::schema())
    ///     .where_pairs([("name", "a"), ("name", "b"), ("page", "2")], &["page"]).unwrap();
    /// assert!(q.to_statement(hangar::db::Backend::Sqlite).sql.contains(" OR "));
    /// ```
    pub fn where_pairs<K, V, I>(mut self, pairs: I, skip: &[&str]) -> Result<Select>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let owned: Vec<(K, V)> = pairs.into_iter().collect();
        let refs = owned.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
        for f in querystring::parse(self.schema, refs, |k| skip.contains(&k)) {
            self = self.where_query(f.lookup?, &f.values)?;
        }
        Ok(self)
    }

    /// Adds an ordering: `field`, `-field` (descending), `user__username`.
    ///
    /// # Errors
    /// [`Error::UnknownField`].
    pub fn order_by(mut self, spec: &str) -> Result<Select> {
        let (desc, path) = match spec.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, spec),
        };
        self.order
            .push((FieldPath::resolve(self.schema, path)?, desc));
        Ok(self)
    }

    /// Orders by `spec` before any ordering already set (the list's clicked
    /// header goes before a model admin's default order).
    #[cfg_attr(
        not(any(feature = "admin", feature = "rest")),
        allow(dead_code, reason = "the admin's and the API's lists order by it")
    )]
    pub(crate) fn order_first(mut self, spec: &str) -> Result<Select> {
        let (desc, path) = match spec.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, spec),
        };
        self.order
            .insert(0, (FieldPath::resolve(self.schema, path)?, desc));
        Ok(self)
    }

    /// Removes all orderings.
    pub fn clear_order(mut self) -> Select {
        self.order.clear();
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Select {
        self.limit = Some(n);
        self
    }

    /// Locks the rows read until the transaction ends (`SELECT ... FOR
    /// UPDATE` on PostgreSQL and MySQL; SQLite's write transactions already
    /// exclude other writers): read a row, check it, then write it without
    /// another writer changing it in between. Run it inside a transaction.
    ///
    /// ```
    /// # use hangar::Model;
    /// # #[derive(Model)] struct Note { id: i64, text: String }
    /// use hangar::db::{Backend, Model as _, Table as _, Select};
    /// let sql = Select::new(Note::schema()).filter_pk(1).for_update().to_statement(Backend::Postgres).sql;
    /// assert!(sql.ends_with(" FOR UPDATE OF t0"), "{sql}");
    /// ```
    pub fn for_update(mut self) -> Select {
        self.lock = true;
        self
    }

    /// Skips `n` rows.
    pub fn offset(mut self, n: u64) -> Select {
        self.offset = Some(n);
        self
    }

    fn parts(&self) -> SelectParts<'_> {
        SelectParts {
            root: self.schema,
            conds: &self.conds,
            order: &self.order,
            includes: &self.includes,
            limit: self.limit,
            offset: self.offset,
            lock: self.lock,
        }
    }

    /// The SELECT of this query with the given projection.
    pub(crate) fn select_statement(
        &self,
        backend: Backend,
        registry: &Registry,
        projection: Projection,
    ) -> Statement {
        select_sql::select(backend, registry, &self.parts(), projection)
    }

    /// The SELECT statement for all columns of the schema (and included
    /// rows), with the schema's own table names.
    pub fn to_statement(&self, backend: Backend) -> Statement {
        self.statement(backend, &Registry::default())
    }

    /// The SELECT statement for all columns, naming tables as `registry` does.
    pub fn statement(&self, backend: Backend, registry: &Registry) -> Statement {
        select_sql::select(backend, registry, &self.parts(), Projection::Rows)
    }

    /// The `SELECT COUNT(*)` statement (no ordering, limit or offset).
    pub fn count_statement(&self, backend: Backend, registry: &Registry) -> Statement {
        select_sql::select(backend, registry, &self.parts(), Projection::Count)
    }

    /// A statement selecting just the primary keys of the matching rows.
    pub(crate) fn pk_statement(&self, backend: Backend, registry: &Registry) -> Statement {
        select_sql::select(backend, registry, &self.parts(), Projection::Pks)
    }

    /// The matching rows as records.
    ///
    /// # Errors
    /// Database errors.
    pub async fn records<E: Executor>(&self, mut ex: E) -> Result<Vec<Record>> {
        let stmt = self.statement(ex.backend(), ex.registry());
        let types: Vec<SqlType> = self.schema.columns.iter().map(|c| c.sql_type).collect();
        let rows = ex.fetch(stmt, &types).await?;
        Ok(rows
            .into_iter()
            .map(|vals| Record::from_values(self.schema, vals))
            .collect())
    }

    /// The first matching row, if any.
    ///
    /// # Errors
    /// Database errors.
    pub async fn first_record<E: Executor>(&self, ex: E) -> Result<Option<Record>> {
        let q = self.clone().limit(1);
        Ok(q.records(ex).await?.into_iter().next())
    }

    /// How many rows match.
    ///
    /// # Errors
    /// Database errors.
    pub async fn count<E: Executor>(&self, mut ex: E) -> Result<u64> {
        let stmt = self.count_statement(ex.backend(), ex.registry());
        Ok(crate::db::executor::fetch_int(&mut ex, stmt)
            .await?
            .unwrap_or(0) as u64)
    }

    /// Whether any row matches.
    ///
    /// # Errors
    /// Database errors.
    pub async fn exists<E: Executor>(&self, mut ex: E) -> Result<bool> {
        let q = self.clone().clear_order().limit(1);
        let rows = ex
            .fetch(
                q.pk_statement(ex.backend(), ex.registry()),
                &[self.schema.pk().sql_type],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    /// The primary keys of the matching rows.
    ///
    /// # Errors
    /// Database errors.
    pub async fn pks<E: Executor>(&self, mut ex: E) -> Result<Vec<Value>> {
        let rows = ex
            .fetch(
                self.pk_statement(ex.backend(), ex.registry()),
                &[self.schema.pk().sql_type],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect())
    }

    /// Sets `assignments` on every matching row; returns how many changed.
    ///
    /// # Errors
    /// Unknown fields, bad values, constraint violations.
    pub async fn update<E: Executor>(
        &self,
        mut ex: E,
        assignments: Vec<(&str, Value)>,
    ) -> Result<u64> {
        let mut set = Vec::with_capacity(assignments.len());
        for (field, value) in assignments {
            let col = self
                .schema
                .column(field)
                .ok_or_else(|| Error::unknown_field(self.schema, field))?;
            set.push((col, coerce_for_write(col, value)?));
        }
        if set.is_empty() {
            return Ok(0);
        }
        let stmt = select_sql::update(ex.backend(), ex.registry(), self.schema, &self.conds, set);
        let res = ex.execute(stmt).await?;
        Ok(res.rows_affected)
    }
}
