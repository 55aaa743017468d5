//! Search: one term, case-insensitive, across several fields — the admin's
//! search box, and any app's.

use crate::db::error::Result;
use crate::db::lookup::{Cond, FieldPath, Lookup, Op};
use crate::db::query::Select;
use crate::db::value::Value;

impl Select {
    /// Keeps rows where any of `fields` contains `term` (case-insensitive,
    /// paths may cross foreign keys: `user__username`).
    ///
    /// # Errors
    /// An unknown field, or a field that is not text.
    ///
    /// # Example
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Item { id: i64, name: String, note: String }
    /// let q = hangar::db::Select::new(Item::schema()).search(&["name", "note"], "box").unwrap();
    /// assert!(q.to_statement(hangar::db::Backend::Sqlite).sql.contains(" OR "));
    /// ```
    pub fn search(mut self, fields: &[&str], term: &str) -> Result<Select> {
        let mut alternatives = Vec::with_capacity(fields.len());
        for f in fields {
            let lookup = Lookup {
                path: FieldPath::resolve(self.schema(), f)?,
                op: Op::Contains,
                negated: false,
            };
            let values = vec![Value::Text(term.to_owned())];
            lookup.check(&values)?;
            alternatives.push(Cond::Match { lookup, values });
        }
        if !alternatives.is_empty() {
            self.conds.push(Cond::Or(alternatives));
        }
        Ok(self)
    }
}
