//! Selecting related rows in the same query: one LEFT JOIN per included
//! foreign-key path (no query per row).

use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::lookup::target_of;
use crate::db::query::Select;
use crate::db::record::Record;
use crate::db::schema::{Schema, SqlType};
use crate::db::value::Value;

/// A row with the rows of its included foreign keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    /// The row itself.
    pub record: Record,
    /// `(path, row)` per included path; `None` when the key is NULL.
    pub included: Vec<(String, Option<Record>)>,
}

impl Related {
    /// The included row at `path` (`user`, `message__user`).
    pub fn get(&self, path: &str) -> Option<&Record> {
        self.included
            .iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, r)| r.as_ref())
    }
}

impl Select {
    /// Selects the rows behind a foreign-key path too (`user`, or
    /// `message__user` through two keys), joined in the same query.
    ///
    /// # Errors
    /// [`Error::UnknownField`] when a segment is not a foreign key.
    ///
    /// # Example
    /// ```
    /// # use hangar::Model;
    /// # use hangar::db::{Model as _, Table as _};
    /// # #[derive(Model)] struct Author { id: i64, name: String }
    /// # #[derive(Model)] struct Book { id: i64, #[model(references = Author)] author: i64 }
    /// let q = hangar::db::Select::new(Book::schema()).include("author").unwrap();
    /// let sql = q.to_statement(hangar::db::Backend::Sqlite).sql;
    /// assert!(sql.contains(r#"t1."name""#) && sql.contains("LEFT JOIN"));
    /// ```
    pub fn include(mut self, path: &str) -> Result<Select> {
        let mut schema = self.schema();
        let mut chain = Vec::new();
        for seg in path.split("__") {
            let col = schema
                .column(seg)
                .filter(|c| c.references.is_some() && !c.secret)
                .ok_or_else(|| Error::UnknownField {
                    model: schema.name,
                    field: path.to_owned(),
                    allowed: schema.references().map(|(c, _)| c.field).collect(),
                })?;
            chain.push(col);
            schema = (col.references.expect("checked").target)();
        }
        if !self.includes.iter().any(|(p, _)| p == path) {
            self.includes.push((path.to_owned(), chain));
        }
        Ok(self)
    }

    /// The matching rows with their included rows.
    ///
    /// # Errors
    /// Database errors.
    pub async fn related_records<E: Executor>(&self, mut ex: E) -> Result<Vec<Related>> {
        let schema = self.schema();
        let mut types: Vec<SqlType> = schema.columns.iter().map(|c| c.sql_type).collect();
        let targets: Vec<&'static Schema> =
            self.includes.iter().map(|(_, c)| target_of(c)).collect();
        for t in &targets {
            types.extend(t.columns.iter().map(|c| c.sql_type));
        }
        let stmt = self.statement(ex.backend(), ex.registry());
        let rows = ex.fetch(stmt, &types).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut values = row.into_iter();
                let record = Record::from_values(
                    schema,
                    values.by_ref().take(schema.columns.len()).collect(),
                );
                let included = self
                    .includes
                    .iter()
                    .zip(&targets)
                    .map(|((path, _), t)| {
                        let vals: Vec<Value> = values.by_ref().take(t.columns.len()).collect();
                        let present = !vals[t.pk_index].is_null();
                        (path.clone(), present.then(|| Record::from_values(t, vals)))
                    })
                    .collect();
                Related { record, included }
            })
            .collect())
    }
}
