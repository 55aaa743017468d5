//! Limit/offset and cursor (keyset) listings.

use base64::Engine as _;
use rocket::request::Request;
use serde_json::{json, Value as Json};

use crate::db::cursor::cursor_values;
use crate::db::{Db, FieldPath, RowCount, Select, Value};
use crate::rest::error::ApiError;
use crate::rest::state::Entry;

/// This listing's URL with `drop` parameters removed and `add` appended
/// (every other parameter kept, repeats too).
pub(crate) fn url_with(req: &Request<'_>, drop: &[&str], add: &[(&str, String)]) -> String {
    let mut parts: Vec<String> = req
        .uri()
        .query()
        .map(|q| {
            q.raw_segments()
                .filter(|s| {
                    let raw = s.as_str().split('=').next().unwrap_or_default();
                    let name = rocket::http::RawStr::new(raw).url_decode_lossy();
                    // credentials never travel in links
                    !drop.contains(&name.as_ref()) && !matches!(name.as_ref(), "key" | "secret")
                })
                .map(|s| s.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    for (k, v) in add {
        parts.push(format!("{k}={v}"));
    }
    format!("{}?{}", req.uri().path(), parts.join("&"))
}

fn encode(values: &[Value]) -> String {
    let json = Json::Array(values.iter().map(Value::to_json).collect());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

fn bad_cursor() -> ApiError {
    ApiError::bad_request("Invalid cursor").with_parameter(
        "invalid_cursor",
        "cursor",
        "not a cursor of this listing",
    )
}

fn decode(keys: &[(FieldPath, bool)], raw: &str) -> Result<Vec<Value>, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| bad_cursor())?;
    let Ok(Json::Array(items)) = serde_json::from_slice::<Json>(&bytes) else {
        return Err(bad_cursor());
    };
    if items.len() != keys.len() {
        return Err(bad_cursor());
    }
    keys.iter()
        .zip(&items)
        .map(|((p, _), j)| Value::from_json(p.column.sql_type, j).map_err(|_| bad_cursor()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn non_negative(pairs: &[(String, String)], key: &str) -> Result<u64, ApiError> {
    match param(pairs, key) {
        None => Ok(0),
        Some(v) => {
            v.trim().parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!("`{key}` must be a non-negative integer"))
                    .with_parameter("invalid_value", key, "a non-negative integer")
            })
        }
    }
}

/// The largest row offset a page may start at: what every backend's
/// `OFFSET` takes (a signed 64-bit number).
const MAX_OFFSET: u64 = i64::MAX as u64;

/// `offset` when a database can skip that many rows, else 400 naming `key`.
pub(crate) fn checked_offset(offset: Option<u64>, key: &str) -> Result<u64, ApiError> {
    match offset {
        Some(n) if n <= MAX_OFFSET => Ok(n),
        _ => Err(
            ApiError::bad_request(format!("`{key}` is out of range")).with_parameter(
                "invalid_value",
                key,
                "a page that starts within 2^63 rows",
            ),
        ),
    }
}

async fn fetch(
    entry: &Entry,
    db: &Db,
    select: Select,
) -> Result<Vec<crate::db::Related>, ApiError> {
    let mut select = select;
    for path in entry.include_paths() {
        select = select.include(&path)?;
    }
    Ok(select.related_records(db).await?)
}

/// One page of a listing and what is known of the whole.
pub(crate) struct Page {
    pub rows: Vec<crate::db::Related>,
    pub total: RowCount,
    /// Whether rows follow this page.
    pub more: bool,
}

/// `limit` rows from `offset`, counted the resource's way: an exact count
/// skips the query past the end and says whether more follow; otherwise one
/// row more than shown is fetched to know.
pub(crate) async fn page_of(
    entry: &Entry,
    db: &Db,
    select: Select,
    offset: u64,
    limit: u64,
) -> Result<Page, ApiError> {
    let total = select.count_as(db, entry.resource.count).await?;
    if let RowCount::Exact(count) = total {
        let rows = if offset >= count {
            Vec::new()
        } else {
            fetch(entry, db, select.limit(limit).offset(offset)).await?
        };
        let more = offset.saturating_add(limit) < count;
        return Ok(Page { rows, total, more });
    }
    let mut rows = fetch(
        entry,
        db,
        select.limit(limit.saturating_add(1)).offset(offset),
    )
    .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok(Page { rows, total, more })
}

/// `?limit=&offset=`.
pub(crate) async fn offset_listing(
    entry: &Entry,
    req: &Request<'_>,
    db: &Db,
    select: Select,
    pairs: &[(String, String)],
    limit: u64,
    user: Option<&crate::rest::caller::ApiUser>,
) -> Result<Json, ApiError> {
    let offset = checked_offset(Some(non_negative(pairs, "offset")?), "offset")?;
    let Page { rows, total, more } = page_of(entry, db, select, offset, limit).await?;
    let objects: Vec<Json> = entry
        .objects(db, &entry.base_for(req)?, &rows, user)
        .await?
        .into_iter()
        .map(Json::Object)
        .collect();
    let drop = ["offset", "page"];
    let next = if more {
        url_with(req, &drop, &[("offset", (offset + limit).to_string())])
    } else {
        String::new()
    };
    let previous = if offset > 0 {
        url_with(
            req,
            &drop,
            &[("offset", offset.saturating_sub(limit).to_string())],
        )
    } else {
        String::new()
    };
    Ok(json!({
        "meta": {
            "model": entry.name, "limit": limit, "offset": offset,
            "object_count": total.value(), "count_kind": total.kind(),
            "next": next, "previous": previous,
        },
        "objects": objects,
    }))
}

/// `?cursor=` / `?after=` / `?before=`: keyset pages.
pub(crate) async fn cursor_listing(
    entry: &Entry,
    req: &Request<'_>,
    db: &Db,
    select: Select,
    pairs: &[(String, String)],
    limit: u64,
    user: Option<&crate::rest::caller::ApiUser>,
) -> Result<Json, ApiError> {
    // a keyset needs a total order of non-null local columns: any other
    // ordering is refused by name rather than silently replaced
    if let Some((path, _)) = select
        .order
        .iter()
        .find(|(p, _)| p.column.nullable || !p.joins.is_empty())
    {
        let name = path.dotted();
        let why = if path.joins.is_empty() {
            "may be null"
        } else {
            "is on a related model"
        };
        return Err(ApiError::bad_request(format!(
            "Cursor pagination cannot order by `{name}`: it {why}"
        ))
        .with_parameter(
            "invalid_ordering",
            "ordering",
            format!("`{name}` {why}; order by non-null fields of this resource"),
        ));
    }
    let keys = select.cursor_keys();
    let mut select = select.order_by_keys(&keys);
    let after = param(pairs, "cursor").or_else(|| param(pairs, "after"));
    let before = param(pairs, "before");
    if let Some(raw) = after {
        select = select.after_cursor(&keys, decode(&keys, raw)?, false)?;
    }
    if let Some(raw) = before {
        select = select
            .after_cursor(&keys, decode(&keys, raw)?, true)?
            .reverse_order();
    }
    let mut rows = fetch(entry, db, select.limit(limit.saturating_add(1))).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if before.is_some() {
        rows.reverse();
    }
    let cursors: Vec<String> = rows
        .iter()
        .filter_map(|r| cursor_values(&keys, &r.record))
        .map(|v| encode(&v))
        .collect();
    let objects: Vec<Json> = entry
        .objects(db, &entry.base_for(req)?, &rows, user)
        .await?
        .into_iter()
        .map(Json::Object)
        .collect();
    let (has_next, has_previous) = if before.is_some() {
        (true, more)
    } else {
        (more, after.is_some())
    };
    let drop = ["cursor", "after", "before", "page", "offset"];
    let next = match cursors.last() {
        Some(c) if has_next => url_with(req, &drop, &[("cursor", c.clone())]),
        _ => String::new(),
    };
    let previous = match cursors.first() {
        Some(c) if has_previous => url_with(req, &drop, &[("before", c.clone())]),
        _ => String::new(),
    };
    Ok(json!({
        "meta": {
            "model": entry.name, "limit": limit, "cursors": cursors,
            "has_next_page": has_next, "has_previous_page": has_previous,
            "next": next, "previous": previous,
        },
        "objects": objects,
    }))
}

/// A listing or an object: a JSON tree (for the wire style to shape) or the
/// finished body.
pub(crate) enum Listing {
    Tree(Json),
    Ready(String),
}

/// `meta` of a page listing (fields in the order a `serde_json::Map` keeps
/// keys, so both ways of answering write the same bytes).
#[derive(serde::Serialize)]
pub(crate) struct PageMeta<'a> {
    pub count_kind: &'static str,
    pub model: &'a str,
    pub next: String,
    pub object_count: Option<u64>,
    pub page: u64,
    pub page_count: Option<u64>,
    pub previous: String,
}

#[derive(serde::Serialize)]
pub(crate) struct PageBody<'a> {
    pub meta: PageMeta<'a>,
    pub objects: Vec<crate::rest::marshal::PlainObject<'a>>,
}

impl Listing {
    /// `body` serialised: the finished answer.
    pub(crate) fn ready(body: &impl serde::Serialize) -> Result<Listing, ApiError> {
        serde_json::to_string(body)
            .map(Listing::Ready)
            .map_err(|e| {
                ApiError::new(
                    rocket::http::Status::InternalServerError,
                    format!("serialising the answer: {e}"),
                )
            })
    }
}
