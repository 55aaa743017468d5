//! Records to JSON objects, as a resource exposes them (with included
//! foreign keys nested).

use serde_json::{Map, Value as Json};

use crate::db::{Column, Record, Related, Schema};
use crate::rest::registry::Entry;
use crate::rest::resource::Resource;

/// Whether `resource` shows (and accepts) a column: not secret, in `fields`
/// when given, not in `exclude`.
pub(crate) fn exposes(resource: &Resource, col: &Column) -> bool {
    !col.secret
        && resource
            .fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|x| x == col.field))
        && !resource.exclude.iter().any(|x| x == col.field)
}

/// Every include path of a resource, nested ones as `user__org`.
pub(crate) fn include_paths(resource: &Resource, prefix: &str, out: &mut Vec<String>) {
    for (field, child) in &resource.includes {
        let path = format!("{prefix}{field}");
        include_paths(child, &format!("{path}__"), out);
        out.push(path);
    }
}

fn serialize_at(
    resource: &Resource,
    record: &Record,
    related: Option<&Related>,
    prefix: &str,
) -> Map<String, Json> {
    let mut map = Map::new();
    for (col, value) in record.iter() {
        if !exposes(resource, col) {
            continue;
        }
        let nested = resource.includes.iter().find(|(f, _)| f == col.field);
        let json = match (nested, related) {
            (Some((field, child)), Some(rel)) => {
                let path = format!("{prefix}{field}");
                match rel.get(&path) {
                    Some(row) => {
                        Json::Object(serialize_at(child, row, Some(rel), &format!("{path}__")))
                    }
                    None => Json::Null,
                }
            }
            _ => value.to_json(),
        };
        map.insert(col.field.to_owned(), json);
    }
    resource.hooks.prepare_data(record, &mut map);
    map
}

impl Entry {
    /// The object with its included foreign keys nested.
    pub(crate) fn serialize_related(&self, related: &Related) -> Map<String, Json> {
        let map = serialize_at(&self.resource, &related.record, Some(related), "");
        match &self.resource.output {
            Some(fields) => fields.render(&related.record, &map, &self.base_url),
            None => map,
        }
    }

    /// A single-object answer, in the resource's envelope if it has one.
    pub(crate) fn single(&self, map: Map<String, Json>) -> Json {
        match &self.resource.envelope {
            Some(name) => {
                let mut env = Map::new();
                env.insert(name.clone(), Json::Object(map));
                Json::Object(env)
            }
            None => Json::Object(map),
        }
    }

    /// The include paths to select.
    pub(crate) fn include_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        include_paths(&self.resource, "", &mut out);
        out
    }
}

/// Checks that every include names a foreign key, recursively.
pub(crate) fn check_includes(
    schema: &'static Schema,
    resource: &Resource,
    name: &str,
) -> Result<(), String> {
    for (field, child) in &resource.includes {
        let col = schema
            .column(field)
            .filter(|c| c.references.is_some())
            .ok_or_else(|| {
                format!(
                    "resource {name:?}: include {field:?} is not a foreign key of {}",
                    schema.type_name
                )
            })?;
        let target = (col.references.expect("checked").target)();
        check_includes(target, child, name)?;
    }
    Ok(())
}
