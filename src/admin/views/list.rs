//! The change list (columns, sort, search, filters, pages) and the
//! foreign-key lookup endpoint.

use rocket::get;
use rocket::serde::json::Json;
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::context::ModelPage;
use super::filters::{
    active_filters, filter_widgets, key_labels, query_string, ActiveFilter, FilterWidget,
};
use crate::admin::change_list::{page_number, ChangeList};
use crate::admin::entry::ListColumn;
use crate::admin::request::{AdminRequest, Params};
use crate::admin::{AdminError, Permission};
use crate::db::{Column, Related, RowCount, Value};
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

/// One row of the list: its primary key and its cells as shown.
#[derive(Serialize)]
struct Row {
    pk: String,
    /// The row's version, sent back with a bulk action.
    version: String,
    cells: Vec<String>,
}

/// A column header: its sort link and state (`"asc"`, `"desc"` or `""`).
#[derive(Serialize)]
struct Header {
    field: String,
    title: String,
    sortable: bool,
    href: String,
    sorted: &'static str,
}

/// A bulk action in the dropdown.
#[derive(Serialize)]
struct ActionItem<'a> {
    name: &'a str,
    label: &'a str,
}

/// What `admin/list.html` reads besides the layout.
#[derive(Serialize)]
struct ListPage<'a> {
    headers: Vec<Header>,
    rows: Vec<Row>,
    /// The rows in all (`None` when the model does not count).
    count: Option<u64>,
    /// `"exact"`, `"estimated"` or `"none"`.
    count_kind: &'static str,
    page: u64,
    /// Pages in all (0 when uncounted: the pager shows previous/next).
    pages: u64,
    has_next: bool,
    page_range: Vec<Option<u64>>,
    /// The query string without the page (for the pager and export links).
    query: String,
    q: &'a str,
    ordering: &'a str,
    searchable: bool,
    /// The pairs the search box resubmits (filters and sort).
    kept: Vec<(String, String)>,
    /// The query string of "clear filters" (search and sort kept).
    unfiltered: String,
    filters: Vec<FilterWidget>,
    active_filters: Vec<ActiveFilter>,
    actions: Vec<ActionItem<'a>>,
}

#[get("/<model>?<params..>")]
pub(super) async fn list(
    cx: AdminRequest<'_>,
    model: &str,
    params: Params,
) -> Result<Template, AdminError> {
    let e = cx.entry_for(model, Permission::View)?;
    let change_list = ChangeList::new(e, &params, &cx.user)?;
    let select = change_list.sorted()?;
    let per_page = e.admin.paginate_by.unwrap_or(cx.state.config.paginate_by);
    let page_no = page_number(&params)?;
    let total = select.count_as(&cx.db, e.admin.count).await?;
    let pages = total.value().map_or(0, |c| c.div_ceil(per_page));
    // past the last page of an exact count: no query (a huge offset is an
    // error in SQL); otherwise one row more than shown says if more follow
    let offset = (page_no - 1)
        .checked_mul(per_page)
        .filter(|o| !matches!(total, RowCount::Exact(c) if *o >= c));
    let probe = match total {
        RowCount::Exact(_) => per_page,
        _ => per_page.saturating_add(1),
    };
    let mut rows_select = select.limit(probe).offset(offset.unwrap_or(0));
    let mut joined: Vec<&str> = Vec::new();
    for c in &e.columns {
        let fk = match c {
            ListColumn::Field(col) if col.references.is_some() => col.field,
            ListColumn::Related(p) => p.joins[0].field,
            _ => continue,
        };
        if !joined.contains(&fk) {
            joined.push(fk);
            rows_select = rows_select
                .include(fk)
                .map_err(|_| AdminError::BadParameter(fk.to_owned()))?;
        }
    }
    let mut rows = match offset {
        Some(_) => rows_select.related_records(&cx.db).await?,
        None => Vec::new(),
    };
    let has_next = match total {
        RowCount::Exact(c) => page_no.saturating_mul(per_page) < c,
        _ => rows.len() as u64 > per_page,
    };
    rows.truncate(per_page as usize);
    let rows = rows
        .iter()
        .map(|r| Row {
            pk: r.record.pk().to_string(),
            version: crate::db::version::of(&r.record),
            cells: e.columns.iter().map(|c| cell(c, r)).collect(),
        })
        .collect();
    let ordering = change_list.ordering.as_str();
    let unsorted = params.without(&["page", "ordering"]);
    let headers = e
        .columns
        .iter()
        .map(|c| {
            let name = c.name();
            let descending = format!("-{name}");
            let (next, sorted) = if ordering == name {
                (descending, "asc")
            } else if ordering == descending {
                (name.clone(), "desc")
            } else {
                (name.clone(), "")
            };
            let mut link = unsorted.clone();
            link.push(("ordering".into(), next));
            Header {
                title: c.title(),
                sortable: c.sortable(),
                href: format!("?{}", query_string(&link)),
                sorted,
                field: name,
            }
        })
        .collect();
    let labels = key_labels(e, &params.0, &|t| cx.target_select(t), &cx.db).await;
    let unfiltered: Vec<(String, String)> = params
        .0
        .iter()
        .filter(|(k, _)| k == "q" || k == "ordering")
        .cloned()
        .collect();
    let body = ListPage {
        headers,
        rows,
        count: total.value(),
        count_kind: total.kind(),
        page: page_no,
        pages,
        has_next,
        page_range: page_range(page_no, pages, 3),
        query: query_string(&params.without(&["page"])),
        q: &change_list.q,
        ordering,
        searchable: !e.admin.search_fields.is_empty(),
        kept: params.without(&["page", "q"]),
        unfiltered: query_string(&unfiltered),
        filters: filter_widgets(e, &params.0, &labels, &cx.state.config.prefix),
        active_filters: active_filters(e, &params.0, &labels),
        actions: e
            .admin
            .actions
            .iter()
            .map(|a| ActionItem {
                name: a.name(),
                label: a.label(),
            })
            .collect(),
    };
    let template = e.admin.template_for("index", "admin/list.html");
    Ok(cx.render(template.to_owned(), ModelPage::new(&cx, e, body)))
}

/// `GET /admin/<model>/ajax_list?field=user&q=hu&page=1`: the rows a foreign
/// key of `model` may point at, as `{"objects": [{"id", "label"}],
/// "has_next", "page"}`, `lookup_page_size` (20) a page, searched case-insensitively on the
/// field named in `foreign_key_lookups` (else the target's display field),
/// for the type-ahead lookups.
/// A row offered by a type-ahead lookup.
#[derive(Serialize)]
pub(super) struct LookupRow {
    id: serde_json::Value,
    label: String,
}

/// A page of a type-ahead lookup.
#[derive(Serialize)]
pub(super) struct LookupPage {
    objects: Vec<LookupRow>,
    has_next: bool,
    page: u64,
}

#[get("/<model>/ajax_list?<field>&<q>&<page>")]
pub(super) async fn ajax_list(
    cx: AdminRequest<'_>,
    model: &str,
    field: &str,
    q: Option<&str>,
    page: Option<&str>,
) -> Result<Json<LookupPage>, AdminError> {
    let e = cx.entry_for(model, Permission::View)?;
    let bad = |name: &str| AdminError::BadParameter(name.to_owned());
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
        .ok_or_else(|| bad("field"))?;
    let target = (col.references.expect("checked").target)();
    let page = parse_page(page).map_err(|_| bad("page"))?;
    let size = e.admin.lookup_page_size;
    let Some(offset) = (page - 1)
        .checked_mul(size)
        .filter(|o| *o <= u64::from(u32::MAX))
    else {
        return Ok(Json(LookupPage {
            objects: Vec::new(),
            has_next: false,
            page,
        }));
    };
    let search = e
        .admin
        .lookup_for(field)
        .or(target.display)
        .unwrap_or(target.pk().field);
    let base = cx.target_select(target);
    let mut select = base.clone();
    let q = q.unwrap_or_default().trim();
    if !q.is_empty() {
        select = select
            .search(&[search], q)
            .or_else(|_| base.filter(target.pk().field, crate::db::Op::Eq, q))
            .map_err(|_| bad("q"))?;
    }
    let rows = select
        .order_by(search)
        .and_then(|s| s.order_by(target.pk().field))
        .map_err(|_| bad("field"))?
        .limit(size + 1)
        .offset(offset)
        .records(&cx.db)
        .await?;
    let has_next = rows.len() as u64 > size;
    let objects = rows
        .iter()
        .take(usize::try_from(size).unwrap_or(20))
        .map(|r| {
            let label = match (e.admin.lookup_for(field), target.display) {
                (Some(f), None) => r.get(f).map_or_else(|| r.label(), ToString::to_string),
                _ => r.label(),
            };
            LookupRow {
                id: r.pk().to_json(),
                label,
            }
        })
        .collect();
    Ok(Json(LookupPage {
        objects,
        has_next,
        page,
    }))
}
