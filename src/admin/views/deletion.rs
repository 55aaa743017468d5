//! Deleting one row or a selection (each after a confirmation page listing
//! the dependent rows that go too) and the other bulk actions.

use rocket::http::Status;
use rocket::response::status::Custom;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::filters::{encode, query_string};
use super::{
    base_ctx, entry, entry_for, filtered_select, forget_user, load, merge, short, AdminForm,
    PageOrRedirect,
};
use crate::admin::{ActionOutcome, AdminAccess, AdminEntry, AdminState, Permission};
use crate::auth::{AuthState, Page};
use crate::db::{delete, Db, DeleteMode, Error as DbError, Value};

/// Rows named on a bulk confirmation page; more are counted, not listed.
const LISTED: usize = 50;
/// Dependent rows named per model on a delete page.
const DEPENDENTS_NAMED: usize = 10;

/// `{model, count}` per dependent model that deleting `pks` takes along
/// (none when the model admin does not collect them).
async fn dependents(e: &AdminEntry, db: &Db, pks: Vec<Value>) -> Result<serde_json::Value, Status> {
    if !e.admin.delete_collect_objects {
        return Ok(json!([]));
    }
    let plan = delete::collect(db, e.schema, pks)
        .await
        .map_err(|e| e.status())?;
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
        let rows = crate::db::Select::new(schema)
            .filter_values(schema.pk().field, crate::db::Op::In, shown)
            .map_err(|e| e.status())?
            .records(db)
            .await
            .map_err(|e| e.status())?;
        let labels: Vec<String> = rows.iter().map(|r| short(&r.label())).collect();
        out.push(json!({
            "model": schema.type_name, "count": pks.len(), "labels": labels,
            "more": pks.len().saturating_sub(labels.len()),
        }));
    }
    Ok(json!(out))
}

#[get("/<model>/<pk>/delete")]
pub(super) async fn delete_page(
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
) -> Result<Template, Status> {
    let e = entry_for(state, model, &user, Permission::Delete)?;
    let record = load(e, &db, pk, &user).await?;
    let ctx = json!({
        "model": e.name, "title": crate::text::title_case(e.schema.name),
        "pk": record.pk().to_string(), "pk_url": encode(&record.pk().to_string()),
        "label": record.label(), "dependents": dependents(e, &db, vec![record.pk().clone()]).await?,
        "recursive": e.admin.delete_recursive, "collected": e.admin.delete_collect_objects,
    });
    let template = e.admin.template_for("delete", "admin/delete.html");
    Ok(page.render(template.to_owned(), merge(base_ctx(state, &user), ctx)))
}

#[post("/<model>/<pk>/delete", data = "<_form>")]
#[allow(clippy::too_many_arguments)] // a Rocket handler's guards
pub(super) async fn delete_post(
    auth: Option<&State<AuthState>>,
    user: AdminAccess,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
    _form: AdminForm,
) -> Result<Flash<Redirect>, Status> {
    let e = entry_for(state, model, &user, Permission::Delete)?;
    let record = load(e, &db, pk, &user).await?;
    let to = Redirect::to(list_url(state, e));
    match delete::delete_by_pks(&db, e.schema, vec![record.pk().clone()], delete_mode(e)).await {
        Ok(_) => {
            forget_user(auth, e, record.pk());
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
        Err(err) => Err(err.status()),
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
#[allow(clippy::too_many_arguments)] // a Rocket handler's guards
pub(super) async fn bulk_action(
    auth: Option<&State<AuthState>>,
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    let list = list_url(state, e);
    let done = |f: Flash<Redirect>| Ok(PageOrRedirect::Done(f));
    let ticked: Vec<(String, String)> = form
        .0
        .iter()
        .filter(|(k, _)| k == "pk")
        .map(|(_, v)| ("_pk".to_owned(), v.clone()))
        .collect();
    if ticked.is_empty() {
        return done(Flash::warning(
            Redirect::to(list),
            "Select some rows first.",
        ));
    }
    let action = form.get("action").unwrap_or_default();
    if action.is_empty() {
        return done(Flash::warning(Redirect::to(list), "Choose an action."));
    }
    // only rows the model admin shows this user, in one query
    let select = filtered_select(e, &ticked, &user).map_err(|_| Status::BadRequest)?;
    let rows = select
        .order_by(e.schema.pk().field)
        .map_err(|_| Status::BadRequest)?
        .records(&db)
        .await
        .map_err(|e| e.status())?;
    let pks: Vec<Value> = rows.iter().map(|r| r.pk().clone()).collect();
    if pks.is_empty() {
        return done(Flash::warning(
            Redirect::to(list),
            "None of the selected rows exist any more.",
        ));
    }
    let n = pks.len();
    let needed = match action {
        "delete" => Permission::Delete,
        "export" => Permission::Export,
        _ => Permission::Change,
    };
    if !e.allows(&user, needed) {
        return Err(Status::Forbidden);
    }
    match action {
        "delete" if form.get("confirm").is_none() => {
            let listed: Vec<serde_json::Value> = rows
                .iter()
                .take(LISTED)
                .map(|r| json!({ "pk": r.pk().to_string(), "label": r.label() }))
                .collect();
            let ctx = json!({
                "model": e.name, "title": crate::text::title_case(e.schema.name),
                "rows": listed, "count": n, "more": n.saturating_sub(LISTED),
                "pks": pks.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "dependents": dependents(e, &db, pks).await?,
                "recursive": e.admin.delete_recursive, "collected": e.admin.delete_collect_objects,
            });
            Ok(PageOrRedirect::Page(Custom(
                Status::Ok,
                page.render("admin/bulk_delete.html", merge(base_ctx(state, &user), ctx)),
            )))
        }
        "delete" => match delete::delete_by_pks(&db, e.schema, pks.clone(), delete_mode(e)).await {
            Ok(_) => {
                for pk in &pks {
                    forget_user(auth, e, pk);
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
            Err(err) => Err(err.status()),
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
            match custom.run(&db, &user, pks).await {
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
