//! What a list's query string asks for: its filters (in the one
//! [query-string language](crate::db::querystring), only along paths the
//! caller may see) and its ordering.

use crate::db::{querystring, FieldPath, Op, Select};
use crate::rest::error::ApiError;
use crate::rest::marshal::exposes;
use crate::rest::state::Entry;

/// Query-string keys that are not filters.
const RESERVED: &[&str] = &[
    "page", "limit", "ordering", "offset", "cursor", "after", "before",
];

/// Whether every column along `path` is one the caller may see: exposed by
/// the resource at each step (an included key's child resource, else the
/// target model's own registered resource, else any non-secret column).
fn path_exposed(entry: &Entry, path: &FieldPath) -> bool {
    let mut current: Option<&crate::rest::resource::Resource> = Some(&entry.resource);
    for fk in &path.joins {
        if current.is_some_and(|r| !exposes(r, fk)) {
            return false;
        }
        let target = fk.references.map(|f| (f.target)());
        current = current
            .and_then(|r| {
                r.includes
                    .iter()
                    .find(|(f, _)| f == fk.field)
                    .map(|(_, c)| c)
            })
            .or_else(|| Some(&entry.peer(target?)?.resource));
        // a model the API does not expose is not crossed at all, nor one
        // whose rows only their owners may read
        let private = target
            .and_then(|t| entry.peer(t))
            .is_some_and(|p| p.resource.owner_reads().is_some());
        if current.is_none() || private {
            return false;
        }
    }
    current.is_some_and(|r| exposes(r, path.column))
}

pub(crate) fn filter_allowed(entry: &Entry, path: &FieldPath) -> bool {
    if !path_exposed(entry, path) {
        return false;
    }
    let r = &entry.resource;
    let dotted = path.dotted();
    let under = |p: &String| dotted == *p || dotted.starts_with(&format!("{p}__"));
    if r.filter_fields
        .as_ref()
        .is_some_and(|allowed| !allowed.iter().any(under))
    {
        return false;
    }
    if r.filter_exclude.iter().any(under) {
        return false;
    }
    if !r.filter_recursive && path.depth() > 0 {
        return false;
    }
    r.max_filter_depth.is_none_or(|max| path.depth() <= max)
}

/// Applies the filters of a query string, in the one [query-string
/// language](crate::db::querystring); keys the resource does not expose are
/// ignored (or a 400 with `reject_unknown_filters`).
pub(crate) fn apply_filters(
    entry: &Entry,
    mut select: Select,
    pairs: &[(String, String)],
    max_values: usize,
) -> Result<Select, ApiError> {
    let reserved = |k: &str| {
        RESERVED.contains(&k)
            || entry.auth.reserved_params().contains(&k)
            || entry.resource.filters.iter().any(|f| f.name == k)
    };
    let mut refused = Vec::new();
    for filter in querystring::parse(entry.schema, pairs.iter().map(|(k, v)| (k, v)), reserved) {
        let lookup = match filter.lookup {
            Ok(l)
                if filter_allowed(entry, &l.path)
                    && (entry.resource.allow_regexp
                        || !matches!(l.op, Op::Regexp | Op::IRegexp)) =>
            {
                l
            }
            _ => {
                refused.push(filter.key.to_owned());
                continue;
            }
        };
        let key = filter.key;
        let values = lookup.values_from_strings(&filter.values).map_err(|e| {
            let field = lookup.path.dotted();
            ApiError::bad_request(format!("Invalid value for filter `{key}`: {e}"))
                .with_field("invalid_value", &field, e.to_string())
                .at_parameter(key)
        })?;
        if values.len() > max_values {
            let field = lookup.path.dotted();
            let detail = format!("at most {max_values} values");
            return Err(ApiError::bad_request(format!(
                "Too many values for filter `{key}`: at most {max_values} \
                 (hangar.api.max_filter_values)"
            ))
            .with_field("too_many_values", &field, detail)
            .at_parameter(key));
        }
        select = select.where_lookup_values(lookup, values)?;
    }
    if !refused.is_empty() && entry.resource.reject_unknown_filters {
        let mut e = ApiError::bad_request(format!(
            "Unknown or unsupported filter(s): {}",
            refused.join(", ")
        ));
        for key in &refused {
            e = e
                .with_field(
                    "unknown_filter",
                    key.trim_start_matches('-'),
                    "not a filterable field",
                )
                .at_parameter(key);
        }
        return Err(e);
    }
    Ok(select)
}

/// The client's `?ordering=` first (comma-separated or repeated, `-` for
/// descending), then any order `get_query` set, then the primary key.
pub(crate) fn apply_ordering(entry: &Entry, select: Select, pairs: &[(String, String)]) -> Select {
    let asked: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "ordering")
        .flat_map(|(_, spec)| spec.split(','))
        .map(str::trim)
        .filter(|part| {
            // unknown, secret or refused columns are ignored, never an error
            let path = part.trim_start_matches('-');
            !path.is_empty()
                && (entry.resource.sort_keys.iter().any(|(k, _)| k == path)
                    || FieldPath::resolve(entry.schema, path)
                        .is_ok_and(|p| filter_allowed(entry, &p)))
        })
        .collect();
    let mut select = select;
    for part in asked.iter().rev() {
        let (desc, name) = match part.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, *part),
        };
        // a named sort key stands for its paths (each reversed by `-`)
        let specs: Vec<String> = match entry.resource.sort_keys.iter().find(|(k, _)| k == name) {
            Some((_, specs)) => specs
                .iter()
                .map(|s| match (desc, s.strip_prefix('-')) {
                    (false, _) => s.clone(),
                    (true, Some(asc)) => asc.to_owned(),
                    (true, None) => format!("-{s}"),
                })
                .collect(),
            None => vec![(*part).to_owned()],
        };
        for spec in specs.iter().rev() {
            if let Ok(ordered) = select.clone().order_first(spec) {
                select = ordered;
            }
        }
    }
    // the primary key breaks ties, so pages never overlap
    let pk = entry.schema.pk().field;
    select.clone().order_by(pk).unwrap_or(select)
}
