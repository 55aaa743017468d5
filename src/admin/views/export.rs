//! Export: the list's rows (with its filters and search) as CSV or JSON,
//! streamed in keyset pages so a large table never sits in memory.

use rocket::get;
use rocket::http::{ContentType, Header};
use rocket::response::stream::TextStream;
use rocket::response::Responder;
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::context::ModelPage;
use crate::admin::change_list::ChangeList;
use crate::admin::request::{AdminRequest, Params};
use crate::admin::{AdminError, Permission};
use crate::db::{FieldPath, Value};

const CHUNK: u64 = 500;

/// A CSV cell: quoted when needed, and a leading `= + - @` neutralised with
/// `'` so spreadsheets do not run it as a formula.
///
/// # Example
/// ```
/// assert_eq!(hangar::admin::csv_cell("=1+1"), "'=1+1");
/// assert_eq!(hangar::admin::csv_cell("a,b"), "\"a,b\"");
/// assert_eq!(hangar::admin::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
/// ```
pub fn csv_cell(raw: &str) -> String {
    let text = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn cell_value(path: &FieldPath, row: &crate::db::Related) -> Value {
    match path.joins.first() {
        None => row
            .record
            .get(path.column.field)
            .cloned()
            .unwrap_or(Value::Null),
        Some(fk) => row
            .get(fk.field)
            .and_then(|r| r.get(path.column.field))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

type Rows = std::pin::Pin<Box<dyn rocket::futures::Stream<Item = String> + Send>>;

pub(crate) enum ExportReply {
    Page(Template),
    Stream(TextStream<Rows>, ContentType, Header<'static>),
}

impl<'r> Responder<'r, 'r> for ExportReply {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'r> {
        match self {
            ExportReply::Page(t) => t.respond_to(req),
            ExportReply::Stream(stream, ct, disposition) => {
                let mut res = stream.respond_to(req)?;
                res.set_header(ct);
                res.set_header(disposition);
                Ok(res)
            }
        }
    }
}

/// A field on the export page.
#[derive(Serialize)]
struct ExportField {
    path: String,
    title: String,
}

/// What `admin/export.html` reads besides the layout.
#[derive(Serialize)]
struct ExportPage {
    fields: Vec<ExportField>,
    /// The list's filters and search, carried into the download link.
    filters: Vec<(String, String)>,
}

/// `GET /admin/<model>/export/`: without `format`, a page to pick fields and
/// a format; with `format=csv|json` and `fields=a,b,user__username`, the
/// download, honouring the list's filters and search.
#[get("/<model>/export?<params..>")]
pub(crate) async fn export(
    cx: AdminRequest<'_>,
    model: &str,
    params: Params,
) -> Result<ExportReply, AdminError> {
    let e = cx.entry_for(model, Permission::Export)?;
    let available = &e.exports;
    let Some(format) = params.get("format").map(str::to_owned) else {
        let body = ExportPage {
            fields: available
                .iter()
                .map(|p| ExportField {
                    path: p.dotted(),
                    title: crate::text::title_case(&p.dotted().replace("__", " ")),
                })
                .collect(),
            filters: params.without(&["format", "fields"]),
        };
        let template = e.admin.template_for("export", "admin/export.html");
        return Ok(ExportReply::Page(
            cx.render(template.to_owned(), ModelPage::new(&cx, e, body)),
        ));
    };
    // `fields` may repeat (the picker's checkboxes) or list paths with commas
    let asked: Vec<&str> = params
        .0
        .iter()
        .filter(|(k, _)| k == "fields")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let chosen: Vec<FieldPath> = if asked.is_empty() {
        available
            .iter()
            .filter(|p| p.depth() == 0)
            .cloned()
            .collect()
    } else {
        asked
            .iter()
            .map(|f| {
                available
                    .iter()
                    .find(|p| p.dotted() == *f)
                    .cloned()
                    .ok_or_else(|| AdminError::BadParameter("fields".into()))
            })
            .collect::<Result<_, _>>()?
    };
    let mut select = ChangeList::new(e, &params, &cx.user)?.by_pk()?;
    for p in &chosen {
        if let Some(fk) = p.joins.first() {
            select = select
                .include(fk.field)
                .map_err(|_| AdminError::BadParameter("fields".into()))?;
        }
    }
    let csv = match format.as_str() {
        "csv" => true,
        "json" => false,
        _ => return Err(AdminError::BadParameter("format".into())),
    };
    let keys = select.cursor_keys();
    let db = cx.db.clone();
    let name = e.name.clone();
    let model_name = name.clone();
    let stream: Rows = Box::pin(rocket::async_stream::stream! {
        let header: Vec<String> = chosen.iter().map(|p| p.dotted()).collect();
        if csv {
            yield header.iter().map(|h| csv_cell(h)).collect::<Vec<_>>().join(",") + "\r\n";
        } else {
            yield "[".to_owned();
        }
        let mut after: Option<Vec<Value>> = None;
        let mut first = true;
        let mut failed = false;
        loop {
            let mut page_select = select.clone().order_by_keys(&keys).limit(CHUNK);
            if let Some(values) = after.take() {
                match page_select.after_cursor(&keys, values, false) {
                    Ok(s) => page_select = s,
                    Err(_) => break,
                }
            }
            let rows = match page_select.related_records(&db).await {
                Ok(rows) => rows,
                Err(e) => {
                    // the download ends short; JSON without its closing `]`
                    // so a client sees an invalid, not a complete, document
                    rocket::error!("hangar admin: export of {model_name} failed: {e}");
                    failed = true;
                    break;
                }
            };
            let n = rows.len() as u64;
            for row in &rows {
                if csv {
                    let cells: Vec<String> = chosen.iter().map(|p| csv_cell(&cell_value(p, row).to_string())).collect();
                    yield cells.join(",") + "\r\n";
                } else {
                    let mut obj = serde_json::Map::new();
                    for p in &chosen {
                        obj.insert(p.dotted(), cell_value(p, row).to_json());
                    }
                    let sep = if first { "" } else { "," };
                    first = false;
                    yield format!("{sep}{}", serde_json::Value::Object(obj));
                }
            }
            after = rows.last().and_then(|r| crate::db::cursor::cursor_values(&keys, &r.record));
            if n < CHUNK || after.is_none() {
                break;
            }
        }
        if !csv && !failed {
            yield "]".to_owned();
        }
    });
    let (ct, ext) = if csv {
        (ContentType::CSV, "csv")
    } else {
        (ContentType::JSON, "json")
    };
    let disposition = Header::new(
        "Content-Disposition",
        format!("attachment; filename=\"{name}.{ext}\""),
    );
    Ok(ExportReply::Stream(TextStream(stream), ct, disposition))
}
