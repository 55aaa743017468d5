//! Deleting one row or a selection (each after a confirmation page listing
//! the dependent rows that go too) and the other bulk actions.

use rocket::http::Status;
use rocket::response::status::Custom;
use rocket::response::{Flash, Redirect};
use rocket::{get, post};
use rocket_dyn_templates::Template;
use serde::Serialize;

use super::context::ModelPage;
use super::filters::{encode, query_string};
use super::{short, PageOrRedirect};
use crate::admin::change_list::ChangeList;
use crate::admin::request::{AdminRequest, Params};
use crate::admin::{ActionOutcome, AdminEntry, AdminError, AdminForm, AdminState, Permission};
use crate::db::{delete, Db, DeleteMode, Error as DbError, Op, Select, Value};

/// Rows named on a bulk confirmation page; more are counted, not listed.
const LISTED: usize = 50;
/// Dependent rows named per model on a delete page.
const DEPENDENTS_NAMED: usize = 10;

/// The rows of one model that a delete takes along: the first few by
/// label, the rest counted.
#[derive(Serialize)]
struct Dependents {
    model: &'static str,
    count: usize,
    labels: Vec<String>,
    more: usize,
}

/// What every delete confirmation shows about the rows that go too.
#[derive(Serialize)]
struct Cascade {
    dependents: Vec<Dependents>,
    recursive: bool,
    collected: bool,
}

impl Cascade {
    async fn of(e: &AdminEntry, db: &Db, pks: Vec<Value>) -> Result<Cascade, AdminError> {
        Ok(Cascade {
            dependents: dependents(e, db, pks).await?,
            recursive: e.admin.delete_recursive,
            collected: e.admin.delete_collect_objects,
        })
    }
}

/// The dependent rows per model that deleting `pks` takes along (none
/// when the model admin does not collect them).
async fn dependents(
    e: &AdminEntry,
    db: &Db,
    pks: Vec<Value>,
) -> Result<Vec<Dependents>, AdminError> {
    if !e.admin.delete_collect_objects {
        return Ok(Vec::new());
    }
    let plan = delete::collect(db, e.schema, pks).await?;
    // one line per model, however many foreign keys lead to it
    let mut groups: Vec<(&'static crate::db::Schema, Vec<Value>)> = Vec::new();
    for (s, pks) in plan
        .deletes
        .iter()
        .filter(|(s, _)| !std::ptr::eq(*s, e.schema))
    {
        match groups.iter_mut().find(|(g, _)| g.table == s.table) {
            Some((_, all)) => all.extend(pks.iter().cloned()),
            None => groups.push((s, pks.clone())),
        }
    }
    let mut out = Vec::new();
    for (schema, pks) in groups {
        // the first few rows by name, the rest counted
        let shown: Vec<Value> = pks.iter().take(DEPENDENTS_NAMED).cloned().collect();
        let rows = Select::new(schema)
            .filter_values(schema.pk().field, Op::In, shown)?
            .records(db)
            .await?;
        let labels: Vec<String> = rows.iter().map(|r| short(&r.label())).collect();
        out.push(Dependents {
            model: schema.type_name,
            count: pks.len(),
            more: pks.len().saturating_sub(labels.len()),
            labels,
        });
    }
    Ok(out)
}

/// What `admin/delete.html` reads besides the layout.
#[derive(Serialize)]
struct DeletePage {
    pk: String,
    /// The key as a URL path segment.
    pk_url: String,
    label: String,
    #[serde(flatten)]
    cascade: Cascade,
}

/// A row named on the bulk delete confirmation.
#[derive(Serialize)]
struct Listed {
    pk: String,
    label: String,
}

/// What `admin/bulk_delete.html` reads besides the layout.
#[derive(Serialize)]
struct BulkDeletePage {
    rows: Vec<Listed>,
    count: usize,
    more: usize,
    /// Each row's key and version.
    pks: Vec<(String, String)>,
    #[serde(flatten)]
    cascade: Cascade,
}

#[get("/<model>/<pk>/delete")]
pub(super) async fn delete_page(
    cx: AdminRequest<'_>,
    model: &str,
    pk: &str,
) -> Result<Template, AdminError> {
    let e = cx.entry_for(model, Permission::Delete)?;
    let record = cx.load(e, pk).await?;
    let body = DeletePage {
        pk: record.pk().to_string(),
        pk_url: encode(&record.pk().to_string()),
        label: record.label(),
        cascade: Cascade::of(e, &cx.db, vec![record.pk().clone()]).await?,
    };
    let template = e.admin.template_for("delete", "admin/delete.html");
    Ok(cx.render(template.to_owned(), ModelPage::new(&cx, e, body)))
}

#[post("/<model>/<pk>/delete", data = "<_form>")]
pub(super) async fn delete_post(
    cx: AdminRequest<'_>,
    model: &str,
    pk: &str,
    _form: AdminForm,
) -> Result<Flash<Redirect>, AdminError> {
    let e = cx.entry_for(model, Permission::Delete)?;
    let record = cx.load(e, pk).await?;
    let to = Redirect::to(list_url(cx.state, e));
    match delete::delete_by_pks(&cx.db, e.schema, vec![record.pk().clone()], delete_mode(e)).await {
        Ok(_) => {
            cx.forget_user(e, record.pk()).await;
            Ok(Flash::success(
                to,
                format!("“{}” was deleted.", short(&record.label())),
            ))
        }
        Err(DbError::Restricted {
            dependent, count, ..
        }) => Ok(Flash::error(
            to,
            format!(
                "“{}” was not deleted: {count} {dependent} row(s) refer to it.",
                short(&record.label())
            ),
        )),
        Err(err) => Err(err.into()),
    }
}

fn list_url(state: &AdminState, e: &AdminEntry) -> String {
    format!("{}/{}/", state.config.prefix.trim_end_matches('/'), e.name)
}

fn delete_mode(e: &AdminEntry) -> DeleteMode {
    if e.admin.delete_recursive {
        DeleteMode::Recursive
    } else {
        DeleteMode::Restrict
    }
}

/// `POST /admin/<model>/action`: the list's bulk actions over the ticked
/// rows (only those the model admin's `get_query` shows): `delete` (a
/// confirmation page listing what goes too, then, with `confirm`, a
/// recursive delete in one transaction), `export` (to the export page for
/// those rows) or one of the model admin's own [`Action`](crate::admin::Action)s.
#[post("/<model>/action", data = "<form>")]
pub(super) async fn bulk_action(
    cx: AdminRequest<'_>,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, AdminError> {
    let e = cx.entry(model)?;
    let (db, user) = (&cx.db, &cx.user);
    let list = list_url(cx.state, e);
    let done = |f: Flash<Redirect>| Ok(PageOrRedirect::Done(f));
    let ticked = Params(
        form.0
            .iter()
            .filter(|(k, _)| k == "pk")
            .map(|(_, v)| ("_pk".to_owned(), v.clone()))
            .collect(),
    );
    if ticked.0.is_empty() {
        return done(Flash::warning(
            Redirect::to(list),
            "Select some rows first.",
        ));
    }
    let action = form.get("action").unwrap_or_default();
    if action.is_empty() {
        return done(Flash::warning(Redirect::to(list), "Choose an action."));
    }
    // the permission first: nothing about the rows is told to someone who
    // may not act on them
    let needed = match action {
        "delete" => Permission::Delete,
        "export" => Permission::Export,
        _ => Permission::Change,
    };
    if !e.allows(user, needed) {
        return Err(AdminError::Forbidden);
    }
    let max = cx.state.config.max_bulk_selection;
    if ticked.0.len() > max {
        return done(Flash::error(
            Redirect::to(list),
            format!("Select at most {max} rows for one action; nothing was done."),
        ));
    }
    // only rows the model admin shows this user, in one query
    let rows = ChangeList::new(e, &ticked, user)?
        .sorted()?
        .records(db)
        .await?;
    let pks: Vec<Value> = rows.iter().map(|r| r.pk().clone()).collect();
    if pks.is_empty() {
        return done(Flash::warning(
            Redirect::to(list),
            "None of the selected rows exist any more.",
        ));
    }
    let n = pks.len();
    // a row changed since the list was shown is not acted on blindly
    let stale = rows
        .iter()
        .filter(|r| {
            form.get(&format!("version:{}", r.pk()))
                .is_some_and(|v| v != crate::db::version::of(r))
        })
        .count();
    if stale > 0 && action != "export" {
        return done(Flash::error(
            Redirect::to(list),
            format!(
                "{stale} of the selected rows changed since the list was shown; nothing was done. \
                 Look at them again and repeat the action."
            ),
        ));
    }
    match action {
        "delete" if form.get("confirm").is_none() => {
            let body = BulkDeletePage {
                rows: rows
                    .iter()
                    .take(LISTED)
                    .map(|r| Listed {
                        pk: r.pk().to_string(),
                        label: r.label(),
                    })
                    .collect(),
                count: n,
                more: n.saturating_sub(LISTED),
                pks: rows
                    .iter()
                    .map(|r| (r.pk().to_string(), crate::db::version::of(r)))
                    .collect(),
                cascade: Cascade::of(e, db, pks).await?,
            };
            Ok(PageOrRedirect::Page(Custom(
                Status::Ok,
                cx.render("admin/bulk_delete.html", ModelPage::new(&cx, e, body)),
            )))
        }
        "delete" => match delete::delete_by_pks(db, e.schema, pks.clone(), delete_mode(e)).await {
            Ok(_) => {
                for pk in &pks {
                    cx.forget_user(e, pk).await;
                }
                done(Flash::success(
                    Redirect::to(list),
                    format!("Deleted {n} row(s)."),
                ))
            }
            Err(DbError::Restricted { dependent, .. }) => done(Flash::error(
                Redirect::to(list),
                format!("Nothing was deleted: {dependent} rows refer to the selection."),
            )),
            Err(err) => Err(err.into()),
        },
        "export" => {
            let keys: Vec<(String, String)> = pks
                .iter()
                .map(|p| ("_pk".to_owned(), p.to_string()))
                .collect();
            done(Flash::success(
                Redirect::to(format!("{list}export/?{}", query_string(&keys))),
                format!("Exporting {n} row(s)."),
            ))
        }
        name => {
            let Some(custom) = e.admin.actions.iter().find(|a| a.name() == name) else {
                return done(Flash::warning(Redirect::to(list), "Choose an action."));
            };
            match custom.run(db, user, pks).await {
                Ok(ActionOutcome::Message(message)) => {
                    done(Flash::success(Redirect::to(list), message))
                }
                Ok(ActionOutcome::Redirect { url, message }) => {
                    // only a path on this site
                    let to = if url.starts_with('/')
                        && !url.starts_with("//")
                        && !url.contains('\\')
                    {
                        url
                    } else {
                        rocket::warn!("hangar admin: action {name} redirected off-site; ignored");
                        list
                    };
                    done(Flash::success(
                        Redirect::to(to),
                        message.unwrap_or_default(),
                    ))
                }
                Ok(ActionOutcome::Download {
                    filename,
                    content_type,
                    body,
                }) => Ok(PageOrRedirect::File(super::FileReply::new(
                    &filename,
                    content_type,
                    body,
                ))),
                Err(err) => {
                    if err.status().code >= 500 {
                        rocket::warn!("hangar admin: action {name}: {err}");
                    }
                    done(Flash::error(Redirect::to(list), err.flash_message()))
                }
            }
        }
    }
}
