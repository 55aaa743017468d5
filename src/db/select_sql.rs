//! Writing a [`Select`](crate::db::Select) as SQL: one aliased `LEFT JOIN`
//! per foreign-key path (resolved before any text is written), conditions,
//! ordering, limit/offset, through the one [`SqlWriter`].

use crate::db::backend::{Backend, MatchSql};
use crate::db::lookup::{target_of, Cond, FieldPath, Lookup, Op};
use crate::db::registry::Registry;
use crate::db::schema::{Column, Schema};
use crate::db::sql::{Returns, SqlWriter, Statement};
use crate::db::value::Value;

/// The joins a statement needs: `(fk path as field names, alias, fk column, parent alias)`.
#[derive(Debug, Default)]
pub(crate) struct Joins {
    list: Vec<(Vec<&'static str>, usize, &'static Column, usize)>,
}

impl Joins {
    /// The alias for a foreign-key path, adding its joins (once) if needed.
    pub(crate) fn alias_for(&mut self, fks: &[&'static Column]) -> usize {
        let mut parent = 0;
        let mut key: Vec<&'static str> = Vec::with_capacity(fks.len());
        for fk in fks {
            key.push(fk.field);
            parent = match self.list.iter().find(|(k, ..)| *k == key) {
                Some((_, alias, ..)) => *alias,
                None => {
                    let alias = self.list.len() + 1;
                    self.list.push((key.clone(), alias, fk, parent));
                    alias
                }
            };
        }
        parent
    }

    fn add_conds(&mut self, conds: &[Cond]) {
        for c in conds {
            match c {
                Cond::Match { lookup, .. } => {
                    self.alias_for(&lookup.path.joins);
                }
                Cond::And(cs) | Cond::Or(cs) => self.add_conds(cs),
                Cond::Not(c) => self.add_conds(std::slice::from_ref(&**c)),
            }
        }
    }
}

/// What a SELECT gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Projection {
    /// Every column of the root (and of the included rows).
    Rows,
    /// `COUNT(*)`.
    Count,
    /// The root's primary key.
    Pks,
}

/// The parts of a SELECT the writer needs.
pub(crate) struct SelectParts<'a> {
    pub root: &'static Schema,
    pub conds: &'a [Cond],
    pub order: &'a [(FieldPath, bool)],
    pub includes: &'a [(String, Vec<&'static Column>)],
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Lock the root rows read (`SELECT ... FOR UPDATE`).
    pub lock: bool,
}

/// Writes the SELECT.
pub(crate) fn select(
    backend: Backend,
    registry: &Registry,
    parts: &SelectParts<'_>,
    projection: Projection,
) -> Statement {
    let mut joins = Joins::default();
    joins.add_conds(parts.conds);
    let order: &[(FieldPath, bool)] = if projection == Projection::Count {
        &[]
    } else {
        parts.order
    };
    for (path, _) in order {
        joins.alias_for(&path.joins);
    }
    let includes = if projection == Projection::Rows {
        parts.includes
    } else {
        &[]
    };
    for (_, chain) in includes {
        joins.alias_for(chain);
    }
    let mut q = QueryWriter {
        w: SqlWriter::new(backend, registry),
        joins,
    };
    q.w.push("SELECT ");
    match projection {
        Projection::Count => {
            q.w.push("COUNT(*)");
        }
        Projection::Pks => {
            q.w.push_column(0, parts.root.pk().name);
        }
        Projection::Rows => {
            q.w.push_separated(parts.root.columns, ", ", |w, c| {
                w.push_column(0, c.name);
            });
            for (_, chain) in includes {
                let alias = q.joins.alias_for(chain);
                let target = target_of(chain);
                for col in target.columns {
                    q.w.push(", ").push_column(alias, col.name);
                }
            }
        }
    }
    q.from(parts.root);
    q.where_clause(parts.conds);
    for (i, (path, desc)) in order.iter().enumerate() {
        q.w.push(if i == 0 { " ORDER BY " } else { ", " });
        q.column(path);
        if *desc {
            q.w.push(" DESC");
        }
    }
    if projection != Projection::Count {
        q.limit(parts.limit, parts.offset);
        if parts.lock {
            let clause = q.w.backend().row_lock();
            q.w.push(clause);
        }
    }
    let returns = if projection == Projection::Count || parts.limit == Some(1) {
        Returns::OneRow
    } else {
        Returns::Rows
    };
    q.w.finish_read(returns)
}

/// `UPDATE t SET ... WHERE pk IN (SELECT pk FROM (<the select>) AS hangar_sub)`
/// (the derived table lets MySQL update the table it reads).
pub(crate) fn update(
    backend: Backend,
    registry: &Registry,
    root: &'static Schema,
    conds: &[Cond],
    assignments: Vec<(&'static Column, Value)>,
) -> Statement {
    let mut joins = Joins::default();
    joins.add_conds(conds);
    let mut q = QueryWriter {
        w: SqlWriter::new(backend, registry),
        joins,
    };
    let pk = root.pk();
    q.w.push("UPDATE ").push_table(root).push(" SET ");
    // a version column not set explicitly counts the update
    let bump = root
        .columns
        .iter()
        .find(|c| c.version && !assignments.iter().any(|(a, _)| std::ptr::eq(*a, *c)));
    q.w.push_separated(assignments, ", ", |w, (col, value)| {
        w.push_ident(col.name)
            .push(" = ")
            .push_bind(value, col.sql_type);
    });
    if let Some(col) = bump {
        q.w.push(", ")
            .push_ident(col.name)
            .push(" = ")
            .push_ident(col.name)
            .push(" + 1");
    }
    q.w.push(" WHERE ").push_ident(pk.name);
    q.w.push(" IN (SELECT pk FROM (SELECT ");
    q.w.push_column(0, pk.name).push(" AS pk");
    q.from(root);
    q.where_clause(conds);
    q.w.push(") AS hangar_sub)");
    q.w.finish()
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
        Op::ILike => raw.to_lowercase(),
        Op::Contains => format!("%{}%", escaped().to_lowercase()),
        Op::StartsWith => format!("{}%", escaped().to_lowercase()),
        Op::EndsWith => format!("%{}", escaped().to_lowercase()),
        _ => raw.to_owned(),
    })
}

struct QueryWriter<'r> {
    w: SqlWriter<'r>,
    joins: Joins,
}

impl QueryWriter<'_> {
    fn column(&mut self, path: &FieldPath) {
        let alias = self.joins.alias_for(&path.joins);
        self.w.push_column(alias, path.column.name);
    }

    fn from(&mut self, root: &'static Schema) {
        self.w.push(" FROM ").push_table(root).push(" t0");
        for (_, alias, fk, parent) in &self.joins.list {
            let target = (fk.references.expect("join through a foreign key").target)();
            self.w.push(" LEFT JOIN ").push_table(target);
            self.w.push(&format!(" t{alias} ON "));
            self.w.push_column(*alias, target.pk().name).push(" = ");
            self.w.push_column(*parent, fk.name);
        }
    }

    fn limit(&mut self, limit: Option<u64>, offset: Option<u64>) {
        match (limit, offset) {
            (Some(l), o) => {
                self.w.push(&format!(" LIMIT {l}"));
                if let Some(o) = o {
                    self.w.push(&format!(" OFFSET {o}"));
                }
            }
            (None, Some(o)) => {
                let sql = self.w.backend().offset_only(o);
                self.w.push(&sql);
            }
            (None, None) => {}
        }
    }

    fn where_clause(&mut self, conds: &[Cond]) {
        for (i, c) in conds.iter().enumerate() {
            self.w.push(if i == 0 { " WHERE " } else { " AND " });
            self.cond(c);
        }
    }

    fn cond(&mut self, cond: &Cond) {
        match cond {
            Cond::And(cs) | Cond::Or(cs) => {
                let and = matches!(cond, Cond::And(_));
                if cs.is_empty() {
                    self.w.push(if and { "1=1" } else { "1=0" });
                    return;
                }
                self.w.push("(");
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        self.w.push(if and { " AND " } else { " OR " });
                    }
                    self.cond(c);
                }
                self.w.push(")");
            }
            Cond::Not(c) => {
                // `IS NOT TRUE` keeps rows where the condition is NULL
                self.w.push("(");
                self.cond(c);
                self.w.push(") IS NOT TRUE");
            }
            Cond::Match { lookup, values } => self.matches(lookup, values),
        }
    }

    fn binary(&mut self, lookup: &Lookup, op: &str, value: Value) {
        self.column(&lookup.path);
        self.w.push(" ").push(op).push(" ");
        self.w.push_bind(value, lookup.path.column.sql_type);
    }

    fn is(&mut self, lookup: &Lookup, not: bool, what: &str) {
        self.column(&lookup.path);
        self.w
            .push(if not { " IS NOT " } else { " IS " })
            .push(what);
    }

    fn matches(&mut self, lookup: &Lookup, values: &[Value]) {
        // Stored text never holds NUL (writes refuse it; PostgreSQL cannot store
        // it), so a NUL-bearing value matches nothing; leave it out of the SQL.
        let has_nul = |v: &Value| v.as_str().is_some_and(|s| s.contains('\0'));
        if values.iter().any(has_nul) {
            let kept: Vec<Value> = values.iter().filter(|v| !has_nul(v)).cloned().collect();
            match lookup.op {
                Op::In | Op::NotIn if !kept.is_empty() => return self.matches(lookup, &kept),
                Op::Ne | Op::NotIn => self.is(lookup, true, "NULL"),
                _ => {
                    self.w.push("1=0");
                }
            }
            return;
        }
        let ty = lookup.path.column.sql_type;
        let first = values.first().cloned().unwrap_or(Value::Null);
        match lookup.op {
            Op::Eq | Op::Ne if first.is_null() => self.is(lookup, lookup.op == Op::Ne, "NULL"),
            Op::Eq => self.binary(lookup, "=", first),
            Op::Ne => self.binary(lookup, "<>", first),
            Op::Lt => self.binary(lookup, "<", first),
            Op::Lte => self.binary(lookup, "<=", first),
            Op::Gt => self.binary(lookup, ">", first),
            Op::Gte => self.binary(lookup, ">=", first),
            Op::In | Op::NotIn if values.is_empty() => {
                self.w.push(if lookup.op == Op::In { "1=0" } else { "1=1" });
            }
            Op::In | Op::NotIn => {
                self.column(&lookup.path);
                self.w.push(if lookup.op == Op::In {
                    " IN ("
                } else {
                    " NOT IN ("
                });
                self.w.push_separated(values, ", ", |w, v| {
                    w.push_bind(v.clone(), ty);
                });
                self.w.push(")");
            }
            Op::Between => {
                self.binary(lookup, "BETWEEN", first);
                self.w.push(" AND ");
                self.w
                    .push_bind(values.get(1).cloned().unwrap_or(Value::Null), ty);
            }
            Op::Is | Op::IsNot => {
                let what = match first {
                    Value::Bool(true) => "TRUE",
                    Value::Bool(false) => "FALSE",
                    _ => "NULL",
                };
                self.is(lookup, lookup.op == Op::IsNot, what);
            }
            Op::IsNull => self.is(lookup, first == Value::Bool(false), "NULL"),
            Op::Like => self.binary(lookup, "LIKE", text_pattern(Op::Like, &first)),
            Op::ILike => self.ilike(lookup, text_pattern(Op::ILike, &first)),
            Op::Regexp | Op::IRegexp => {
                let pattern = first.as_str().unwrap_or_default();
                let (op, pattern) = self.w.backend().regexp(pattern, lookup.op == Op::IRegexp);
                self.binary(lookup, op, Value::Text(pattern));
            }
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                self.ilike(lookup, text_pattern(lookup.op, &first));
                self.w.push(" ESCAPE '!'");
            }
        }
    }

    fn ilike(&mut self, lookup: &Lookup, pattern: Value) {
        match self.w.backend().ilike() {
            MatchSql::ILike => self.binary(lookup, "ILIKE", pattern),
            MatchSql::LowerLike => {
                self.w.push("LOWER(");
                self.column(&lookup.path);
                self.w.push(") LIKE ");
                self.w.push_bind(pattern, lookup.path.column.sql_type);
            }
        }
    }
}
