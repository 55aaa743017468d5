//! The change list (columns, sort, search, filters, pages) and the
//! foreign-key lookup endpoint.

use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::{get, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::{base_ctx, entry, last_param, merge, query_pairs};
use crate::admin::{AdminEntry, AdminState};
use crate::auth::{AdminUser, Page};
use crate::db::{Column, Db, Lookup, Record, Select, Value};
use crate::utils::{page_range, parse_page};

/// The list's columns: `(name, title, sortable)`.
fn columns(e: &AdminEntry) -> Vec<&'static Column> {
    match &e.admin.columns {
        Some(cols) => cols
            .iter()
            .filter_map(|c| e.schema.column(c))
            .filter(|c| !c.secret)
            .collect(),
        None => e.schema.columns.iter().filter(|c| !c.secret).collect(),
    }
}

fn cell(col: &Column, record: &Record, related: Option<&Record>) -> String {
    if let Some(rel) = related {
        return rel.label();
    }
    let v = record.get(col.field).cloned().unwrap_or(Value::Null);
    if let Some(label) = col.choice_label(&v) {
        return label.to_owned();
    }
    match v {
        Value::Bool(b) => if b { "yes" } else { "no" }.to_owned(),
        Value::DateTime(dt) => {
            let dt = dt.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute()
            )
        }
        Value::Null => "—".to_owned(),
        v => {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}…", s.chars().take(80).collect::<String>())
            } else {
                s
            }
        }
    }
}

const RESERVED: &[&str] = &["page", "ordering", "q", "format", "fields", "_pks"];

/// The list's rows as its query string asks: `field__op=value` filters
/// within `filter_fields`, and the `q` search.
pub(crate) fn filtered_select(e: &AdminEntry, pairs: &[(String, String)]) -> Result<Select, ()> {
    let mut select = Select::new(e.schema);
    for (key, value) in pairs
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
    {
        let lookup = Lookup::parse(e.schema, key).map_err(drop)?;
        let allowed = match &e.admin.filter_fields {
            Some(allowed) => allowed.iter().any(|a| *a == lookup.path.dotted()),
            None => lookup.path.depth() == 0,
        };
        if !allowed {
            return Err(());
        }
        select = select.where_lookup(lookup, &[value]).map_err(drop)?;
    }
    if let Some((_, pks)) = pairs.iter().rev().find(|(k, _)| k == "_pks") {
        let pk = e.schema.pk();
        let values = pks
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| Value::parse(pk.sql_type, p).map_err(drop))
            .collect::<Result<Vec<_>, ()>>()?;
        select = select
            .filter_values(pk.field, crate::db::Op::In, values)
            .map_err(drop)?;
    }
    let q = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "q")
        .map_or("", |(_, v)| v.trim());
    if !q.is_empty() && !e.admin.search_fields.is_empty() {
        let fields: Vec<&str> = e.admin.search_fields.iter().map(String::as_str).collect();
        select = select.search(&fields, q).map_err(drop)?;
    }
    Ok(select)
}

#[get("/<model>")]
pub(super) async fn list(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    uri: &Origin<'_>,
) -> Result<Template, Status> {
    let e = entry(state, model)?;
    let pairs = query_pairs(uri);
    let param = |name: &str| last_param(&pairs, name);
    let select = filtered_select(e, &pairs).map_err(|_| Status::BadRequest)?;
    let active: Vec<serde_json::Value> = pairs
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    let q = param("q").unwrap_or_default().trim().to_owned();
    let mut select = select;
    let ordering = param("ordering").unwrap_or_default().to_owned();
    let order_field = ordering.trim_start_matches('-');
    let cols = columns(e);
    if cols.iter().any(|c| c.field == order_field) {
        select = select.order_by(&ordering).map_err(|_| Status::BadRequest)?;
    }
    select = select
        .order_by(e.schema.pk().field)
        .map_err(|_| Status::BadRequest)?;
    let per_page = e.admin.paginate_by.unwrap_or(state.config.paginate_by);
    let page_no = parse_page(param("page")).map_err(|_| Status::BadRequest)?;
    let count = select.count(&db).await.map_err(|e| e.status())?;
    let pages = count.div_ceil(per_page);
    let mut rows_select = select
        .limit(per_page)
        .offset((page_no - 1).saturating_mul(per_page));
    let fk_cols: Vec<&Column> = cols
        .iter()
        .copied()
        .filter(|c| c.references.is_some())
        .collect();
    for c in &fk_cols {
        rows_select = rows_select
            .include(c.field)
            .map_err(|_| Status::BadRequest)?;
    }
    let rows = rows_select
        .related_records(&db)
        .await
        .map_err(|e| e.status())?;
    let body: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| cell(c, &r.record, r.get(c.field)))
                .collect();
            json!({ "pk": r.record.pk().to_string(), "cells": cells })
        })
        .collect();
    let keep: Vec<String> = uri
        .query()
        .map(|q| {
            q.raw_segments()
                .filter(|s| !s.as_str().starts_with("page="))
                .map(|s| s.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let headers: Vec<serde_json::Value> = cols
        .iter()
        .map(|c| {
            let next = if ordering == c.field { format!("-{}", c.field) } else { c.field.to_owned() };
            json!({ "field": c.field, "title": c.title(), "ordering": next,
                    "sorted": if ordering == c.field { "asc" } else if ordering == format!("-{}", c.field) { "desc" } else { "" } })
        })
        .collect();
    let ctx = json!({
        "model": e.name, "title": crate::utils::title_case(e.schema.name),
        "headers": headers, "rows": body, "count": count, "page": page_no, "pages": pages,
        "page_range": page_range(page_no, pages, 3), "query": keep.join("&"),
        "q": q, "searchable": !e.admin.search_fields.is_empty(), "active_filters": active,
    });
    Ok(page.render("admin/list.html", merge(base_ctx(state), ctx)))
}

/// `GET /admin/<model>/ajax_list?field=user&q=hu&page=1`: the rows a foreign
/// key of `model` may point at, as `{"objects": [{"id", "label"}], "has_next"}`
/// (20 a page, labels searched case-insensitively) — for type-ahead lookups.
#[get("/<model>/ajax_list?<field>&<q>&<page>")]
pub(super) async fn ajax_list(
    _admin: AdminUser,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    field: &str,
    q: Option<&str>,
    page: Option<&str>,
) -> Result<rocket::serde::json::Json<serde_json::Value>, Status> {
    let e = entry(state, model)?;
    let col = e
        .schema
        .column(field)
        .filter(|c| c.references.is_some())
        .ok_or(Status::BadRequest)?;
    let target = (col.references.expect("checked").target)();
    let page = parse_page(page).map_err(|_| Status::BadRequest)?;
    let mut select = Select::new(target);
    let q = q.unwrap_or_default().trim();
    if !q.is_empty() {
        let label = target.display.unwrap_or(target.pk().field);
        select = select
            .search(&[label], q)
            .or_else(|_| Select::new(target).filter(target.pk().field, crate::db::Op::Eq, q))
            .map_err(|_| Status::BadRequest)?;
    }
    let rows = select
        .order_by(target.display.unwrap_or(target.pk().field))
        .map_err(|_| Status::BadRequest)?
        .limit(21)
        .offset((page - 1).saturating_mul(20))
        .records(&db)
        .await
        .map_err(|e| e.status())?;
    let has_next = rows.len() > 20;
    let objects: Vec<serde_json::Value> = rows
        .iter()
        .take(20)
        .map(|r| json!({ "id": r.pk().to_json(), "label": r.label() }))
        .collect();
    Ok(rocket::serde::json::Json(
        json!({ "objects": objects, "has_next": has_next, "page": page }),
    ))
}
