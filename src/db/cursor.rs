//! Keyset ("cursor") pagination: rows after (or before) a given row in the
//! query's ordering, by value rather than by offset.

use crate::db::error::{Error, Result};
use crate::db::lookup::{Cond, FieldPath, Lookup, Op};
use crate::db::query::Select;
use crate::db::record::Record;
use crate::db::value::Value;

impl Select {
    /// The ordering keys a cursor is made of: the query's orderings on
    /// non-nullable local columns, then the primary key (added if missing), so the
    /// order is total and the same on every backend.
    pub fn cursor_keys(&self) -> Vec<(FieldPath, bool)> {
        let pk = self.schema().pk();
        let mut keys: Vec<(FieldPath, bool)> = self
            .order
            .iter()
            .filter(|(p, _)| !p.column.nullable && p.joins.is_empty())
            .cloned()
            .collect();
        let has_pk = keys
            .iter()
            .any(|(p, _)| p.joins.is_empty() && std::ptr::eq(p.column, pk));
        if !has_pk {
            keys.push((
                FieldPath {
                    joins: Vec::new(),
                    schema: self.schema(),
                    column: pk,
                },
                false,
            ));
        }
        keys
    }

    /// Orders by exactly `keys` (what cursors are made of).
    pub fn order_by_keys(mut self, keys: &[(FieldPath, bool)]) -> Select {
        self.order = keys.to_vec();
        self
    }

    /// Reverses every ordering (to read the rows before a cursor).
    pub fn reverse_order(mut self) -> Select {
        for (_, desc) in &mut self.order {
            *desc = !*desc;
        }
        self
    }

    /// Keeps the rows strictly after `values` in the order of `keys`
    /// (`before`: strictly before).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when the values do not match the keys.
    pub fn after_cursor(
        mut self,
        keys: &[(FieldPath, bool)],
        values: Vec<Value>,
        before: bool,
    ) -> Result<Select> {
        if keys.len() != values.len() {
            return Err(Error::invalid_value("cursor", "a cursor from this listing"));
        }
        // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...
        let mut alternatives = Vec::with_capacity(keys.len());
        for i in 0..keys.len() {
            let mut all = Vec::with_capacity(i + 1);
            for (j, ((path, desc), value)) in keys.iter().zip(&values).enumerate().take(i + 1) {
                let op = if j < i {
                    Op::Eq
                } else if *desc != before {
                    Op::Lt
                } else {
                    Op::Gt
                };
                let value = crate::db::coerce::coerce_one(path.column, value.clone())
                    .map_err(|_| Error::invalid_value("cursor", "a cursor from this listing"))?;
                all.push(Cond::Match {
                    lookup: Lookup {
                        path: path.clone(),
                        op,
                        negated: false,
                    },
                    values: vec![value],
                });
            }
            alternatives.push(Cond::And(all));
        }
        self.conds.push(Cond::Or(alternatives));
        Ok(self)
    }
}

/// The values of `keys` in a row (for making its cursor); `None` when a key
/// crosses a foreign key (cursors need local columns or included rows).
pub fn cursor_values(keys: &[(FieldPath, bool)], record: &Record) -> Option<Vec<Value>> {
    keys.iter()
        .map(|(p, _)| {
            if p.joins.is_empty() {
                record.get(p.column.field).cloned()
            } else {
                None
            }
        })
        .collect()
}
