//! A [`Record`]: one row of a model as dynamic [`Value`]s, in the order of
//! the model's [`Schema`] columns: what the admin and the REST API work with.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::db::error::{Error, Result};
use crate::db::schema::{Column, Schema};
use crate::db::value::Value;

/// One row of a model: its values in schema column order.
///
/// # Example
/// ```
/// use hangar::db::{Record, Value};
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Tag { id: i64, name: String }
/// let mut r = Record::new(Tag::schema());
/// r.set("name", "rust").unwrap();
/// assert_eq!(r.get("name"), Some(&Value::from("rust")));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    schema: &'static Schema,
    values: Vec<Value>,
}

impl Record {
    /// A record of all `NULL`s for `schema`.
    pub fn new(schema: &'static Schema) -> Record {
        Record {
            schema,
            values: vec![Value::Null; schema.columns.len()],
        }
    }

    /// A record from values in column order.
    pub fn from_values(schema: &'static Schema, values: Vec<Value>) -> Record {
        debug_assert_eq!(values.len(), schema.columns.len());
        Record { schema, values }
    }

    /// The record's schema.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The value of a column by field name (or column name).
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.schema.index_of(field).map(|i| &self.values[i])
    }

    /// Sets a column's value by field name.
    ///
    /// # Errors
    /// [`Error::UnknownField`] when the model has no such field.
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> Result<()> {
        let i = self
            .schema
            .index_of(field)
            .ok_or_else(|| Error::unknown_field(self.schema, field))?;
        self.values[i] = value.into();
        Ok(())
    }

    /// The primary key's value.
    pub fn pk(&self) -> &Value {
        &self.values[self.schema.pk_index]
    }

    /// The values in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Takes the values out, in column order.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// Pairs of column and value.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Column, &Value)> {
        self.schema.columns.iter().zip(self.values.iter())
    }

    /// The row's label: the `display` field's value, else `<model> <pk>`.
    pub fn label(&self) -> String {
        match self.schema.display.and_then(|d| self.get(d)) {
            Some(v) if !v.is_null() => v.to_string(),
            _ => format!("{} {}", self.schema.name, self.pk()),
        }
    }

    /// The record as a JSON object keyed by field name.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// As [`Record::to_json`] without `#[model(secret)]` fields: what templates get.
    pub fn to_public_json(&self) -> serde_json::Value {
        let map = self
            .iter()
            .filter(|(c, _)| !c.secret)
            .map(|(c, v)| (c.field.to_owned(), v.to_json()))
            .collect();
        serde_json::Value::Object(map)
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.values.len()))?;
        for (col, v) in self.iter() {
            map.serialize_entry(col.field, v)?;
        }
        map.end()
    }
}
