//! SELECT building: filters, joins (one alias per foreign-key path), ordering,
//! limit/offset, count, exists. The single place read SQL is written.

use crate::db::dialect::Backend;
use crate::db::error::{Error, Result};
use crate::db::exec::{Executor, Statement};
use crate::db::lookup::{FieldPath, Lookup, Op};
use crate::db::schema::{Column, Schema, SqlType};
use crate::db::value::{Record, Value};

/// A condition tree.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Match { lookup: Lookup, values: Vec<Value> },
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// A dynamic query over one schema: what the admin and the REST API use.
/// [`Query<M>`] wraps it for typed results.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::Model as _;
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
}

fn text_pattern(op: Op, v: &Value) -> Value {
    let raw = v.as_str().unwrap_or_default();
    let escaped = || {
        let mut s = String::with_capacity(raw.len() + 2);
        for ch in raw.chars() {
            if matches!(ch, '%' | '_' | '!') {
                s.push('!');
            }
            s.push(ch);
        }
        s
    };
    Value::Text(match op {
        Op::Like => raw.to_owned(),
        Op::ILike => raw.to_lowercase(),
        Op::Contains => format!("%{}%", escaped().to_lowercase()),
        Op::StartsWith => format!("{}%", escaped().to_lowercase()),
        Op::EndsWith => format!("%{}", escaped().to_lowercase()),
        _ => raw.to_owned(),
    })
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

    /// Adds a parsed lookup with raw string values, as from a query string:
    /// several values OR together for a match, AND together for a negated
    /// (`-`) lookup.
    ///
    /// # Errors
    /// As [`Lookup::values_from_strings`].
    pub fn where_lookup(self, lookup: Lookup, raw: &[&str]) -> Result<Select> {
        let values = lookup.values_from_strings(raw)?;
        self.where_lookup_values(lookup, values)
    }

    /// As [`Select::where_lookup`] with values already typed (`Value::Null`
    /// for `none`, say): several values OR together for a match, AND
    /// together for a negated lookup; list operators take them all at once.
    ///
    /// # Errors
    /// An operator that does not fit the field or the number of values.
    pub fn where_lookup_values(mut self, lookup: Lookup, values: Vec<Value>) -> Result<Select> {
        let cond = if lookup.op.takes_list() {
            lookup.check(&values)?;
            Cond::Match {
                lookup: lookup.clone(),
                values,
            }
        } else {
            let mut alts = Vec::with_capacity(values.len());
            for v in values {
                let vals = vec![v];
                lookup.check(&vals)?;
                alts.push(Cond::Match {
                    lookup: lookup.clone(),
                    values: vals,
                });
            }
            if alts.len() == 1 {
                alts.pop().expect("one alternative")
            } else if lookup.negated {
                // each alternative is negated: negations AND together
                Cond::And(alts.into_iter().map(|c| Cond::Not(Box::new(c))).collect())
            } else {
                Cond::Or(alts)
            }
        };
        let cond = match cond {
            c @ Cond::And(_) => c,
            c if lookup.negated => Cond::Not(Box::new(c)),
            c => c,
        };
        self.conds.push(cond);
        Ok(self)
    }

    /// Applies query-string pairs: `key` is a lookup (`-user__username__in`),
    /// repeated keys combine as in [`Select::where_lookup`]. Keys in `skip`
    /// (`page`, `ordering`, ...) are passed over.
    ///
    /// # Errors
    /// The first bad key or value.
    ///
    /// # Example
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::Model as _;
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
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in pairs {
            let k = k.as_ref();
            if skip.contains(&k) {
                continue;
            }
            match grouped.iter_mut().find(|(gk, _)| gk == k) {
                Some((_, vals)) => vals.push(v.as_ref().to_owned()),
                None => grouped.push((k.to_owned(), vec![v.as_ref().to_owned()])),
            }
        }
        for (key, vals) in grouped {
            let lookup = Lookup::parse(self.schema, &key)?;
            let raw: Vec<&str> = vals.iter().map(String::as_str).collect();
            self = self.where_lookup(lookup, &raw)?;
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

    /// Skips `n` rows.
    pub fn offset(mut self, n: u64) -> Select {
        self.offset = Some(n);
        self
    }

    /// The SELECT statement for all columns of the schema.
    pub fn to_statement(&self, backend: Backend) -> Statement {
        let mut b = Builder::new(backend, self.schema);
        let where_sql = b.conditions(&self.conds);
        let order_sql = self.order_sql(&mut b);
        let mut sql = String::with_capacity(256);
        sql.push_str("SELECT ");
        for (i, col) in self.schema.columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("t0.");
            backend.push_quoted(&mut sql, col.name);
        }
        for (_, chain) in &self.includes {
            let alias = b.alias_for(chain);
            let target = crate::db::include::target_of(chain);
            for col in target.columns {
                sql.push_str(&format!(", t{alias}."));
                backend.push_quoted(&mut sql, col.name);
            }
        }
        b.push_from(&mut sql);
        sql.push_str(&where_sql);
        sql.push_str(&order_sql);
        push_limit(&mut sql, backend, self.limit, self.offset);
        Statement { sql, args: b.args }
    }

    fn order_sql(&self, b: &mut Builder) -> String {
        let mut sql = String::new();
        for (i, (path, desc)) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            let col = b.column_ref(path);
            sql.push_str(&col);
            if *desc {
                sql.push_str(" DESC");
            }
        }
        sql
    }

    /// The `SELECT COUNT(*)` statement (no ordering, limit or offset).
    pub fn count_statement(&self, backend: Backend) -> Statement {
        let mut b = Builder::new(backend, self.schema);
        let where_sql = b.conditions(&self.conds);
        let mut sql = String::from("SELECT COUNT(*)");
        b.push_from(&mut sql);
        sql.push_str(&where_sql);
        Statement { sql, args: b.args }
    }

    /// A statement selecting just the primary keys of the matching rows.
    pub(crate) fn pk_statement(&self, backend: Backend) -> Statement {
        let mut b = Builder::new(backend, self.schema);
        let where_sql = b.conditions(&self.conds);
        let order_sql = self.order_sql(&mut b);
        let mut sql = String::from("SELECT t0.");
        backend.push_quoted(&mut sql, self.schema.pk().name);
        b.push_from(&mut sql);
        sql.push_str(&where_sql);
        sql.push_str(&order_sql);
        push_limit(&mut sql, backend, self.limit, self.offset);
        Statement { sql, args: b.args }
    }

    /// The matching rows as records.
    ///
    /// # Errors
    /// Database errors.
    pub async fn records<E: Executor>(&self, mut ex: E) -> Result<Vec<Record>> {
        let stmt = self.to_statement(ex.backend());
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
        let rows = ex
            .fetch(self.count_statement(ex.backend()), &[SqlType::BigInt])
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_i64)
            .unwrap_or(0) as u64)
    }

    /// Whether any row matches.
    ///
    /// # Errors
    /// Database errors.
    pub async fn exists<E: Executor>(&self, mut ex: E) -> Result<bool> {
        let q = self.clone().clear_order().limit(1);
        let rows = ex
            .fetch(q.pk_statement(ex.backend()), &[self.schema.pk().sql_type])
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
                self.pk_statement(ex.backend()),
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
        let backend = ex.backend();
        let pk = self.schema.pk();
        let mut sql = String::from("UPDATE ");
        backend.push_quoted(&mut sql, self.schema.table);
        let mut args = Vec::new();
        let mut n = 0;
        for (i, (field, value)) in assignments.into_iter().enumerate() {
            let col = self
                .schema
                .column(field)
                .ok_or_else(|| Error::unknown_field(self.schema, field))?;
            sql.push_str(if i == 0 { " SET " } else { ", " });
            backend.push_quoted(&mut sql, col.name);
            sql.push_str(" = ");
            n += 1;
            backend.push_placeholder(&mut sql, n);
            args.push((coerce_for_write(col, value)?, col.sql_type));
        }
        if n == 0 {
            return Ok(0);
        }
        sql.push_str(" WHERE ");
        backend.push_quoted(&mut sql, pk.name);
        sql.push_str(" IN (SELECT pk FROM (");
        let mut inner = self.clone().clear_order();
        inner.limit = None;
        inner.offset = None;
        let mut b = Builder::new(backend, self.schema);
        b.next_param = n;
        let where_sql = b.conditions(&inner.conds);
        sql.push_str("SELECT t0.");
        backend.push_quoted(&mut sql, pk.name);
        sql.push_str(" AS pk");
        b.push_from(&mut sql);
        sql.push_str(&where_sql);
        sql.push_str(") AS hangar_sub)");
        args.extend(b.args);
        let res = ex.execute(Statement { sql, args }).await?;
        Ok(res.rows_affected)
    }
}

fn push_limit(sql: &mut String, backend: Backend, limit: Option<u64>, offset: Option<u64>) {
    use std::fmt::Write;
    match (limit, offset) {
        (Some(l), o) => {
            let _ = write!(sql, " LIMIT {l}");
            if let Some(o) = o {
                let _ = write!(sql, " OFFSET {o}");
            }
        }
        (None, Some(o)) => {
            let _ = match backend {
                Backend::MySql => write!(sql, " LIMIT 18446744073709551615 OFFSET {o}"),
                Backend::Sqlite => write!(sql, " LIMIT -1 OFFSET {o}"),
                Backend::Postgres => write!(sql, " OFFSET {o}"),
            };
        }
        (None, None) => {}
    }
}

/// As [`coerce_one`], for a value about to be written: text may not hold NUL.
pub(crate) fn coerce_for_write(col: &Column, v: Value) -> Result<Value> {
    if let Some(s) = v.as_str() {
        if s.contains('\0') {
            return Err(Error::invalid_value(
                col.field,
                "text without NUL (\\0) characters",
            ));
        }
        if let SqlType::Text {
            max_length: Some(max),
        } = col.sql_type
        {
            if s.chars().count() > max as usize {
                return Err(Error::invalid_value(
                    col.field,
                    format!("text of at most {max} characters"),
                ));
            }
        }
    }
    let v = coerce_one(col, v)?;
    if !col.choices.is_empty() && !v.is_null() && col.choice_label(&v).is_none() {
        let allowed: Vec<String> = col
            .choices
            .iter()
            .map(|(l, _)| l.to_value().to_string())
            .collect();
        return Err(Error::invalid_value(
            col.field,
            format!("one of {}", allowed.join(", ")),
        ));
    }
    Ok(v)
}

pub(crate) fn coerce_one(col: &Column, v: Value) -> Result<Value> {
    let v = match (v, col.sql_type) {
        (Value::Text(s), ty) if !ty.is_text() => {
            Value::parse(ty, &s).map_err(|e| Error::invalid_value(col.field, e))?
        }
        (Value::Int(i), SqlType::Float) => Value::Float(i as f64),
        (Value::Int(i), SqlType::Int) if i32::try_from(i).is_err() => {
            return Err(Error::invalid_value(col.field, "a 32-bit integer"))
        }
        (v, _) => v,
    };
    Ok(v.normalized())
}

fn coerce(lookup: &Lookup, values: Vec<Value>) -> Result<Vec<Value>> {
    let col = lookup.path.column;
    values
        .into_iter()
        .map(|v| match (lookup.op, &v) {
            (Op::Is | Op::IsNot, Value::Text(s))
                if matches!(s.to_ascii_lowercase().as_str(), "null" | "none") =>
            {
                Ok(Value::Null)
            }
            (Op::Is | Op::IsNot | Op::IsNull, Value::Text(s)) => {
                Value::parse(SqlType::Bool, s).map_err(|e| Error::invalid_value(col.field, e))
            }
            (Op::Is | Op::IsNot | Op::IsNull, _) => Ok(v),
            _ => coerce_one(col, v)
                .map_err(|_| Error::invalid_value(&lookup.path.dotted(), col.sql_type.expected())),
        })
        .collect()
}

/// Accumulates joins and bound arguments while SQL is written.
struct Builder {
    backend: Backend,
    root: &'static Schema,
    /// (fk path as field names, alias number, fk column, parent alias)
    joins: Vec<(Vec<&'static str>, usize, &'static Column, usize)>,
    args: Vec<(Value, SqlType)>,
    next_param: usize,
}

impl Builder {
    fn new(backend: Backend, root: &'static Schema) -> Builder {
        Builder {
            backend,
            root,
            joins: Vec::new(),
            args: Vec::new(),
            next_param: 0,
        }
    }

    /// The alias for a foreign-key path, joining it (once) if needed.
    pub(crate) fn alias_for(&mut self, fks: &[&'static Column]) -> usize {
        let mut parent = 0;
        let mut key: Vec<&'static str> = Vec::with_capacity(fks.len());
        for fk in fks {
            key.push(fk.field);
            parent = match self.joins.iter().find(|(k, ..)| *k == key) {
                Some((_, alias, ..)) => *alias,
                None => {
                    let alias = self.joins.len() + 1;
                    self.joins.push((key.clone(), alias, fk, parent));
                    alias
                }
            };
        }
        parent
    }

    fn column_ref(&mut self, path: &FieldPath) -> String {
        let alias = self.alias_for(&path.joins);
        let mut s = format!("t{alias}.");
        self.backend.push_quoted(&mut s, path.column.name);
        s
    }

    fn bind(&mut self, sql: &mut String, v: Value, ty: SqlType) {
        self.next_param += 1;
        self.backend.push_placeholder(sql, self.next_param);
        self.args.push((v, ty));
    }

    fn push_from(&self, sql: &mut String) {
        sql.push_str(" FROM ");
        self.backend.push_quoted(sql, self.root.table);
        sql.push_str(" t0");
        for (_, alias, fk, parent) in &self.joins {
            let target = (fk.references.expect("join through a foreign key").target)();
            sql.push_str(" LEFT JOIN ");
            self.backend.push_quoted(sql, target.table);
            sql.push_str(&format!(" t{alias} ON t{alias}."));
            self.backend.push_quoted(sql, target.pk().name);
            sql.push_str(&format!(" = t{parent}."));
            self.backend.push_quoted(sql, fk.name);
        }
    }

    fn conditions(&mut self, conds: &[Cond]) -> String {
        if conds.is_empty() {
            return String::new();
        }
        let mut sql = String::with_capacity(64);
        sql.push_str(" WHERE ");
        for (i, c) in conds.iter().enumerate() {
            if i > 0 {
                sql.push_str(" AND ");
            }
            self.cond(&mut sql, c);
        }
        sql
    }

    fn cond(&mut self, sql: &mut String, cond: &Cond) {
        match cond {
            Cond::And(cs) | Cond::Or(cs) => {
                let joiner = if matches!(cond, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if cs.is_empty() {
                    sql.push_str(if matches!(cond, Cond::And(_)) {
                        "1=1"
                    } else {
                        "1=0"
                    });
                    return;
                }
                sql.push('(');
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(joiner);
                    }
                    self.cond(sql, c);
                }
                sql.push(')');
            }
            Cond::Not(c) => {
                // `IS NOT TRUE` keeps rows where the condition is NULL
                sql.push('(');
                self.cond(sql, c);
                sql.push_str(") IS NOT TRUE");
            }
            Cond::Match { lookup, values } => self.matches(sql, lookup, values),
        }
    }

    fn matches(&mut self, sql: &mut String, lookup: &Lookup, values: &[Value]) {
        // Stored text never holds NUL (writes refuse it; PostgreSQL cannot store
        // it), so a NUL-bearing value matches nothing; leave it out of the SQL.
        let has_nul = |v: &Value| v.as_str().is_some_and(|s| s.contains('\0'));
        if values.iter().any(has_nul) {
            let kept: Vec<Value> = values.iter().filter(|v| !has_nul(v)).cloned().collect();
            match lookup.op {
                Op::In | Op::NotIn if !kept.is_empty() => return self.matches(sql, lookup, &kept),
                Op::Ne | Op::NotIn => {
                    let col = self.column_ref(&lookup.path);
                    sql.push_str(&format!("{col} IS NOT NULL"));
                }
                _ => sql.push_str("1=0"),
            }
            return;
        }
        let col = self.column_ref(&lookup.path);
        let ty = lookup.path.column.sql_type;
        let first = values.first().cloned().unwrap_or(Value::Null);
        let cmp = |op: &str| format!("{col} {op} ");
        match lookup.op {
            Op::Eq | Op::Ne | Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
                if first.is_null() && matches!(lookup.op, Op::Eq | Op::Ne) {
                    let not = if lookup.op == Op::Ne { " NOT" } else { "" };
                    sql.push_str(&format!("{col} IS{not} NULL"));
                    return;
                }
                let op = match lookup.op {
                    Op::Eq => "=",
                    Op::Ne => "<>",
                    Op::Lt => "<",
                    Op::Lte => "<=",
                    Op::Gt => ">",
                    _ => ">=",
                };
                sql.push_str(&cmp(op));
                self.bind(sql, first, ty);
            }
            Op::In | Op::NotIn => {
                if values.is_empty() {
                    sql.push_str(if lookup.op == Op::In { "1=0" } else { "1=1" });
                    return;
                }
                sql.push_str(&cmp(if lookup.op == Op::In {
                    "IN ("
                } else {
                    "NOT IN ("
                }));
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    self.bind(sql, v.clone(), ty);
                }
                sql.push(')');
            }
            Op::Between => {
                sql.push_str(&cmp("BETWEEN"));
                self.bind(sql, first, ty);
                sql.push_str(" AND ");
                self.bind(sql, values.get(1).cloned().unwrap_or(Value::Null), ty);
            }
            Op::Is | Op::IsNot => {
                let not = if lookup.op == Op::IsNot { " NOT" } else { "" };
                let what = match first {
                    Value::Bool(true) => "TRUE",
                    Value::Bool(false) => "FALSE",
                    _ => "NULL",
                };
                sql.push_str(&format!("{col} IS{not} {what}"));
            }
            Op::IsNull => {
                let not = if first == Value::Bool(false) {
                    " NOT"
                } else {
                    ""
                };
                sql.push_str(&format!("{col} IS{not} NULL"));
            }
            Op::Like => {
                sql.push_str(&cmp("LIKE"));
                self.bind(sql, text_pattern(Op::Like, &first), ty);
            }
            Op::ILike => {
                sql.push_str(&self.backend.ilike(&col));
                self.bind(sql, text_pattern(Op::ILike, &first), ty);
            }
            Op::Regexp | Op::IRegexp => {
                let insensitive = lookup.op == Op::IRegexp;
                let pattern = first.as_str().unwrap_or_default().to_owned();
                match self.backend {
                    Backend::Postgres => {
                        sql.push_str(&cmp(if insensitive { "~*" } else { "~" }));
                        self.bind(sql, Value::Text(pattern), ty);
                    }
                    _ => {
                        // MySQL/MariaDB (PCRE/ICU) and the regex crate read `(?i)`
                        let pattern = if insensitive {
                            format!("(?i){pattern}")
                        } else {
                            pattern
                        };
                        sql.push_str(&cmp("REGEXP"));
                        self.bind(sql, Value::Text(pattern), ty);
                    }
                }
            }
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                sql.push_str(&self.backend.ilike(&col));
                self.bind(sql, text_pattern(lookup.op, &first), ty);
                sql.push_str(" ESCAPE '!'");
            }
        }
    }
}
