//! Records to JSON objects, as a resource exposes them (with included
//! foreign keys nested).

use serde_json::{Map, Value as Json};

use crate::db::{Column, Executor, Op, Record, Related, Schema, Select};
use crate::rest::caller::ApiUser;
use crate::rest::error::{ApiError, SetupError};
use crate::rest::resource::Resource;
use crate::rest::state::Entry;

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

/// `(owner's primary key, serialized row)` for every row of a to-many
/// relation that points at one of `rows`, in one query.
///
/// Only rows the caller may see are listed: the list's own hooks'
/// `get_query` and, when the API registers the listed model, that
/// resource's `get_query` and owner rule.
async fn to_many<E: Executor>(
    entry: &Entry,
    ex: E,
    many: &crate::rest::resource::ToMany,
    rows: &[Related],
    user: Option<&ApiUser>,
) -> Result<Vec<(crate::db::Value, Json)>, ApiError> {
    let owners: Vec<crate::db::Value> = rows.iter().map(|r| r.record.pk().clone()).collect();
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = many
        .resource
        .hooks
        .get_query(Select::new(many.schema), user);
    if let Some(peer) = entry.peer(many.schema) {
        select = peer.resource.hooks.get_query(select, user);
        if let Some(owner) = peer.resource.owner_reads() {
            match user.and_then(ApiUser::user_id) {
                Some(id) => select = select.filter(owner, Op::Eq, id)?,
                None => return Ok(Vec::new()),
            }
        }
    }
    // the rows the hooks let through, in the documented order
    let items = select
        .clear_order()
        .filter_values(&many.fk, Op::In, owners)?
        .order_by(many.schema.pk().field)?
        .records(ex)
        .await?;
    Ok(items
        .iter()
        .map(|item| {
            let owner = item
                .get(&many.fk)
                .cloned()
                .unwrap_or(crate::db::Value::Null);
            (
                owner,
                Json::Object(serialize_at(&many.resource, item, None, "")),
            )
        })
        .collect())
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

/// An object that is its exposed columns as stored, serialised straight to
/// the response (no JSON tree): what a resource without hooks, output
/// fields or included relations shows. Keys in the order a
/// `serde_json::Map` has them, so the bytes match the tree's.
pub(crate) struct PlainObject<'a> {
    resource: &'a Resource,
    record: &'a Record,
}

impl serde::Serialize for PlainObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut shown: Vec<(&str, &crate::db::Value)> = self
            .record
            .iter()
            .filter(|(col, _)| exposes(self.resource, col))
            .map(|(col, v)| (col.field, v))
            .collect();
        shown.sort_unstable_by_key(|(field, _)| *field);
        let mut map = s.serialize_map(Some(shown.len()))?;
        for (field, value) in shown {
            map.serialize_entry(field, value)?;
        }
        map.end()
    }
}

impl Entry {
    /// Whether objects are their exposed columns as stored (see
    /// [`PlainObject`]): no hooks, output fields or included relations.
    pub(crate) fn shows_plain_rows(&self) -> bool {
        let r = &self.resource;
        !r.custom_hooks && r.output.is_none() && r.includes.is_empty() && r.many.is_empty()
    }

    /// `rows` as plain objects (see [`Entry::shows_plain_rows`]).
    pub(crate) fn plain_objects<'a>(&'a self, rows: &'a [Related]) -> Vec<PlainObject<'a>> {
        rows.iter()
            .map(|r| PlainObject {
                resource: &self.resource,
                record: &r.record,
            })
            .collect()
    }

    /// The objects as shown: included foreign keys nested, to-many lists
    /// (one query per relation for all `rows`), output fields rendered with
    /// `base` (`scheme://host`) in front of absolute URLs.
    pub(crate) async fn objects<E: Executor>(
        &self,
        mut ex: E,
        base: &str,
        rows: &[Related],
        user: Option<&ApiUser>,
    ) -> Result<Vec<Map<String, Json>>, ApiError> {
        let mut lists = Vec::new();
        for many in &self.resource.many {
            lists.push(to_many(self, &mut ex, many, rows, user).await?);
        }
        Ok(rows
            .iter()
            .map(|related| {
                let mut map = serialize_at(&self.resource, &related.record, Some(related), "");
                for (many, by_owner) in self.resource.many.iter().zip(&lists) {
                    let items = by_owner
                        .iter()
                        .filter(|(owner, _)| owner == related.record.pk())
                        .map(|(_, item)| item.clone())
                        .collect();
                    map.insert(many.name.clone(), Json::Array(items));
                }
                match &self.resource.output {
                    Some(fields) => fields.render(&related.record, &map, base),
                    None => map,
                }
            })
            .collect())
    }

    /// One object as shown (see [`Entry::objects`]).
    pub(crate) async fn object<E: Executor>(
        &self,
        ex: E,
        base: &str,
        related: &Related,
        user: Option<&ApiUser>,
    ) -> Result<Map<String, Json>, ApiError> {
        let mut one = self
            .objects(ex, base, std::slice::from_ref(related), user)
            .await?;
        Ok(one.pop().unwrap_or_default())
    }

    /// `scheme://host` for absolute URL fields: `[hangar.api] base_url`, else
    /// the request's (`X-Forwarded-Proto` or http, and its `Host`).
    pub(crate) fn base_for(&self, req: &rocket::Request<'_>) -> Result<String, ApiError> {
        // only output fields make URLs: nothing to work out without them
        if self.resource.output.is_none() {
            return Ok(String::new());
        }
        if !self.base_url.is_empty() {
            return Ok(self.base_url.clone());
        }
        let scheme = if crate::auth::is_https(req) {
            "https"
        } else {
            "http"
        };
        // Rocket parses `Host` for served requests; a local client's is a
        // plain header, taken only when it looks like a host
        let host = req.host().map(ToString::to_string).or_else(|| {
            req.headers()
                .get_one("Host")
                .filter(|h| {
                    !h.is_empty()
                        && h.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                        })
                })
                .map(str::to_owned)
        });
        let Some(host) = host else {
            return Ok(String::new());
        };
        let allowed = req
            .rocket()
            .state::<crate::rest::RestState>()
            .is_some_and(|s| s.config.host_allowed(&host));
        if !allowed {
            return Err(ApiError::bad_request(format!(
                "Host `{host}` is not allowed (hangar.api.allowed_hosts)"
            )));
        }
        Ok(format!("{scheme}://{host}"))
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
) -> Result<(), SetupError> {
    for (field, child) in &resource.includes {
        let col = schema
            .column(field)
            .filter(|c| c.references.is_some())
            .ok_or_else(|| {
                SetupError::resource(
                    name,
                    format!(
                        "include {field:?} is not a foreign key of {}",
                        schema.type_name
                    ),
                )
            })?;
        let target = (col.references.expect("checked").target)();
        check_includes(target, child, name)?;
    }
    for many in &resource.many {
        let points_here = many
            .schema
            .column(&many.fk)
            .and_then(|c| c.references)
            .is_some_and(|fk| std::ptr::eq((fk.target)(), schema));
        if !points_here {
            return Err(SetupError::resource(
                name,
                format!(
                    "include_many {:?}: {}.{} is not a foreign key to {}",
                    many.name, many.schema.type_name, many.fk, schema.type_name
                ),
            ));
        }
    }
    Ok(())
}
