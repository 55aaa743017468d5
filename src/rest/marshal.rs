//! Records to JSON objects, as a resource exposes them.

use serde_json::{Map, Value as Json};

use crate::db::{Column, Record};
use crate::rest::registry::Entry;

impl Entry {
    /// Whether a column is shown (and writable): not secret, in `fields`
    /// when given, not in `exclude`.
    pub(crate) fn exposes(&self, col: &Column) -> bool {
        let r = &self.resource;
        !col.secret
            && r.fields
                .as_ref()
                .is_none_or(|f| f.iter().any(|x| x == col.field))
            && !r.exclude.iter().any(|x| x == col.field)
    }

    /// The object as the API shows it.
    pub(crate) fn serialize(&self, record: &Record) -> Map<String, Json> {
        let mut map = Map::new();
        for (col, value) in record.iter() {
            if self.exposes(col) {
                map.insert(col.field.to_owned(), value.to_json());
            }
        }
        self.resource.hooks.prepare_data(record, &mut map);
        map
    }
}
