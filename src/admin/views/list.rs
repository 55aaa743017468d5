//! The change list (columns, sort, search, filters, pages) and the
//! foreign-key lookup endpoint.

use rocket::http::uri::Origin;
use rocket::http::Status;
use rocket::{get, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::filters::{active_filters, filter_widgets, key_labels, query_string};
use super::{base_ctx, entry_for, last_param, merge, query_pairs, target_select};
use crate::admin::entry::ListColumn;
use crate::admin::{AdminAccess, AdminEntry, AdminState, Permission};
use crate::auth::{Page, SessionUser};
use crate::db::{querystring, Column, Db, Related, Select, Value};
use crate::utils::{page_range, parse_page};

/// A value as a list cell shows it.
fn show(col: &Column, v: Value) -> String {
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

fn cell(column: &ListColumn, row: &Related) -> String {
    match column {
        ListColumn::Field(col) if col.references.is_some() => match row.get(col.field) {
            Some(rel) => rel.label(),
            None => show(
                col,
                row.record.get(col.field).cloned().unwrap_or(Value::Null),
            ),
        },
        ListColumn::Field(col) => show(
            col,
            row.record.get(col.field).cloned().unwrap_or(Value::Null),
        ),
        ListColumn::Related(p) => {
            let v = row
                .get(p.joins[0].field)
                .and_then(|r| r.get(p.column.field))
                .cloned()
                .unwrap_or(Value::Null);
            show(p.column, v)
        }
        ListColumn::Computed(_, f) => f(&row.record),
    }
}

/// Query-string names that are not filters.
pub(super) const RESERVED: &[&str] = &["page", "ordering", "q", "format", "fields", "_pk"];

/// The list's rows as its query string asks, within the model admin's
/// `get_query`: `field__op=value` filters on the model admin's filter paths
/// (an empty value is no filter), the `_pk` selection and the `q` search.
/// `Err` holds the refused parameter.
pub(crate) fn filtered_select(
    e: &AdminEntry,
    pairs: &[(String, String)],
    user: &SessionUser,
) -> Result<Select, String> {
    let mut select = e.select_for(user);
    // an empty value is an untouched filter-bar input: no filter
    let given = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v));
    for filter in querystring::parse(e.schema, given, |k| RESERVED.contains(&k)) {
        let refused = || filter.key.to_owned();
        let lookup = match &filter.lookup {
            Ok(l) if e.filterable(&l.path) => l.clone(),
            _ => return Err(refused()),
        };
        select = select
            .where_query(lookup, &filter.values)
            .map_err(|_| refused())?;
    }
    // a selection: repeated `_pk` values
    let picked: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "_pk")
        .map(|(_, v)| v.as_str())
        .collect();
    if !picked.is_empty() {
        let pk = e.schema.pk();
        let values = picked
            .iter()
            .map(|p| Value::parse(pk.sql_type, p).map_err(|_| "_pk".to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        select = select
            .filter_values(pk.field, crate::db::Op::In, values)
            .map_err(|_| "_pk".to_owned())?;
    }
    let q = last_param(pairs, "q").unwrap_or_default().trim();
    if !q.is_empty() && !e.admin.search_fields.is_empty() {
        let fields: Vec<&str> = e.admin.search_fields.iter().map(String::as_str).collect();
        select = select.search(&fields, q).map_err(|_| "q".to_owned())?;
    }
    Ok(select)
}

#[get("/<model>")]
pub(super) async fn list(
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    uri: &Origin<'_>,
) -> Result<Template, Status> {
    let e = entry_for(state, model, &user, Permission::View)?;
    let pairs = query_pairs(uri);
    let param = |name: &str| last_param(&pairs, name);
    let mut select = filtered_select(e, &pairs, &user).map_err(|_| Status::BadRequest)?;
    let q = param("q").unwrap_or_default().trim().to_owned();
    let ordering = param("ordering").unwrap_or_default().to_owned();
    let order_name = ordering.strip_prefix('-').unwrap_or(&ordering);
    if e.columns
        .iter()
        .any(|c| c.sortable() && c.name() == order_name)
    {
        // the clicked header first, then any order get_query set
        select = select
            .order_first(&ordering)
            .map_err(|_| Status::BadRequest)?;
    }
    select = select
        .order_by(e.schema.pk().field)
        .map_err(|_| Status::BadRequest)?;
    let per_page = e.admin.paginate_by.unwrap_or(state.config.paginate_by);
    let page_no = parse_page(param("page")).map_err(|_| Status::BadRequest)?;
    let count = select.count(&db).await.map_err(|e| e.status())?;
    let pages = count.div_ceil(per_page);
    // past the last page: no query (a huge offset is an error in SQL)
    let offset = (page_no - 1).checked_mul(per_page).filter(|o| *o < count);
    let mut rows_select = select.limit(per_page).offset(offset.unwrap_or(0));
    let mut joined: Vec<&str> = Vec::new();
    for c in &e.columns {
        let fk = match c {
            ListColumn::Field(col) if col.references.is_some() => col.field,
            ListColumn::Related(p) => p.joins[0].field,
            _ => continue,
        };
        if !joined.contains(&fk) {
            joined.push(fk);
            rows_select = rows_select.include(fk).map_err(|_| Status::BadRequest)?;
        }
    }
    let rows = match offset {
        Some(_) => rows_select
            .related_records(&db)
            .await
            .map_err(|e| e.status())?,
        None => Vec::new(),
    };
    let body: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let cells: Vec<String> = e.columns.iter().map(|c| cell(c, r)).collect();
            json!({ "pk": r.record.pk().to_string(), "cells": cells })
        })
        .collect();
    let without = |names: &[&str]| -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|(k, _)| !names.contains(&k.as_str()))
            .cloned()
            .collect()
    };
    let keep = query_string(&without(&["page"]));
    // the search box resubmits filters and sort; "clear filters" keeps q and sort
    let kept = without(&["page", "q"]);
    let unfiltered: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "q" || k == "ordering")
        .cloned()
        .collect();
    let unsorted = without(&["page", "ordering"]);
    let headers: Vec<serde_json::Value> = e
        .columns
        .iter()
        .map(|c| {
            let name = c.name();
            let next = if ordering == name {
                format!("-{name}")
            } else {
                name.clone()
            };
            let mut link = unsorted.clone();
            link.push(("ordering".into(), next));
            let sorted = if ordering == name {
                "asc"
            } else if ordering == format!("-{name}") {
                "desc"
            } else {
                ""
            };
            json!({ "field": name, "title": c.title(), "sortable": c.sortable(),
                    "href": format!("?{}", query_string(&link)), "sorted": sorted })
        })
        .collect();
    let prefix = &state.config.prefix;
    let labels = key_labels(e, &pairs, &|t| target_select(state, t, &user), &db).await;
    let actions: Vec<serde_json::Value> = e
        .admin
        .actions
        .iter()
        .map(|a| json!({ "name": a.name(), "label": a.label() }))
        .collect();
    let ctx = json!({
        "model": e.name, "title": crate::text::title_case(e.schema.name),
        "headers": headers, "rows": body, "count": count, "page": page_no, "pages": pages,
        "page_range": page_range(page_no, pages, 3), "query": keep,
        "q": q, "ordering": ordering, "searchable": !e.admin.search_fields.is_empty(),
        "kept": kept, "unfiltered": query_string(&unfiltered),
        "filters": filter_widgets(e, &pairs, &labels, prefix),
        "active_filters": active_filters(e, &pairs, &labels),
        "actions": actions, "perms": e.perms(&user),
    });
    let template = e.admin.template_for("index", "admin/list.html");
    Ok(page.render(template.to_owned(), merge(base_ctx(state, &user), ctx)))
}

/// `GET /admin/<model>/ajax_list?field=user&q=hu&page=1`: the rows a foreign
/// key of `model` may point at, as `{"objects": [{"id", "label"}],
/// "has_next", "page"}`, `lookup_page_size` (20) a page, searched case-insensitively on the
/// field named in `foreign_key_lookups` (else the target's display field),
/// for the type-ahead lookups.
#[get("/<model>/ajax_list?<field>&<q>&<page>")]
pub(super) async fn ajax_list(
    user: AdminAccess,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    field: &str,
    q: Option<&str>,
    page: Option<&str>,
) -> Result<rocket::serde::json::Json<serde_json::Value>, Status> {
    let e = entry_for(state, model, &user, Permission::View)?;
    // only keys this admin offers: a configured lookup, a form field or a filter
    let col = e
        .schema
        .column(field)
        .filter(|c| c.references.is_some() && !c.secret)
        .filter(|c| {
            e.admin.lookup_for(c.field).is_some()
                || super::edit::editable(e).iter().any(|f| f.field == c.field)
                || e.filters
                    .iter()
                    .any(|p| p.depth() == 0 && p.column.field == c.field)
        })
        .ok_or(Status::BadRequest)?;
    let target = (col.references.expect("checked").target)();
    let page = parse_page(page).map_err(|_| Status::BadRequest)?;
    let size = e.admin.lookup_page_size;
    let Some(offset) = (page - 1)
        .checked_mul(size)
        .filter(|o| *o <= u64::from(u32::MAX))
    else {
        return Ok(rocket::serde::json::Json(
            json!({ "objects": [], "has_next": false, "page": page }),
        ));
    };
    let search = e
        .admin
        .lookup_for(field)
        .or(target.display)
        .unwrap_or(target.pk().field);
    let base = target_select(state, target, &user);
    let mut select = base.clone();
    let q = q.unwrap_or_default().trim();
    if !q.is_empty() {
        select = select
            .search(&[search], q)
            .or_else(|_| base.filter(target.pk().field, crate::db::Op::Eq, q))
            .map_err(|_| Status::BadRequest)?;
    }
    let rows = select
        .order_by(search)
        .and_then(|s| s.order_by(target.pk().field))
        .map_err(|_| Status::BadRequest)?
        .limit(size + 1)
        .offset(offset)
        .records(&db)
        .await
        .map_err(|e| e.status())?;
    let has_next = rows.len() as u64 > size;
    let objects: Vec<serde_json::Value> = rows
        .iter()
        .take(usize::try_from(size).unwrap_or(20))
        .map(|r| {
            let label = match (e.admin.lookup_for(field), target.display) {
                (Some(f), None) => r.get(f).map_or_else(|| r.label(), ToString::to_string),
                _ => r.label(),
            };
            json!({ "id": r.pk().to_json(), "label": label })
        })
        .collect();
    Ok(rocket::serde::json::Json(
        json!({ "objects": objects, "has_next": has_next, "page": page }),
    ))
}
