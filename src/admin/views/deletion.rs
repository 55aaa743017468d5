//! Deleting one row (with its dependents) and bulk actions over a selection.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::{base_ctx, entry, load, merge, AdminForm};
use crate::admin::AdminState;
use crate::auth::{AdminUser, Page};
use crate::db::{delete, Db, DeleteMode, Error as DbError, Value};

#[get("/<model>/<pk>/delete")]
pub(super) async fn delete_page(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
) -> Result<Template, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk).await?;
    let plan = delete::collect(&db, e.schema, vec![record.pk().clone()])
        .await
        .map_err(|e| e.status())?;
    // one line per model, however many foreign keys lead to it
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (s, pks) in plan
        .deletes
        .iter()
        .filter(|(s, _)| !std::ptr::eq(*s, e.schema))
    {
        match counts.iter_mut().find(|(n, _)| *n == s.type_name) {
            Some((_, c)) => *c += pks.len(),
            None => counts.push((s.type_name, pks.len())),
        }
    }
    let dependents: Vec<serde_json::Value> = counts
        .iter()
        .map(|(model, count)| json!({ "model": model, "count": count }))
        .collect();
    let ctx = json!({
        "model": e.name, "title": crate::utils::title_case(e.schema.name),
        "pk": record.pk().to_string(), "label": record.label(), "dependents": dependents,
        "recursive": e.admin.delete_recursive,
    });
    Ok(page.render("admin/delete.html", merge(base_ctx(state), ctx)))
}

#[post("/<model>/<pk>/delete", data = "<_form>")]
pub(super) async fn delete_post(
    _admin: AdminUser,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
    _form: AdminForm,
) -> Result<Flash<Redirect>, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk).await?;
    let mode = if e.admin.delete_recursive {
        DeleteMode::Recursive
    } else {
        DeleteMode::Restrict
    };
    let to = Redirect::to(format!(
        "{}/{}/",
        state.config.prefix.trim_end_matches('/'),
        e.name
    ));
    match delete::delete_by_pks(&db, e.schema, vec![record.pk().clone()], mode).await {
        Ok(_) => Ok(Flash::success(
            to,
            format!("“{}” was deleted.", record.label()),
        )),
        Err(DbError::Restricted {
            dependent, count, ..
        }) => Ok(Flash::error(
            to,
            format!(
                "“{}” was not deleted: {count} {dependent} row(s) refer to it.",
                record.label()
            ),
        )),
        Err(err) => Err(err.status()),
    }
}

/// `POST /admin/<model>/action`: the list's bulk actions over the ticked
/// rows: `delete` (recursive, one transaction) or `export` (to the export
/// page for those rows).
#[post("/<model>/action", data = "<form>")]
pub(super) async fn bulk_action(
    _admin: AdminUser,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<Flash<Redirect>, Status> {
    let e = entry(state, model)?;
    let list = format!("{}/{}/", state.config.prefix.trim_end_matches('/'), e.name);
    let pks: Vec<&str> = form
        .0
        .iter()
        .filter(|(k, _)| k == "pk")
        .map(|(_, v)| v.as_str())
        .collect();
    if pks.is_empty() {
        return Ok(Flash::warning(
            Redirect::to(list),
            "Select some rows first.",
        ));
    }
    let action = form
        .0
        .iter()
        .find(|(k, _)| k == "action")
        .map_or("", |(_, v)| v.as_str());
    match action {
        "delete" => {
            let values = pks
                .iter()
                .map(|p| Value::parse(e.schema.pk().sql_type, p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Status::BadRequest)?;
            let mode = if e.admin.delete_recursive {
                DeleteMode::Recursive
            } else {
                DeleteMode::Restrict
            };
            let n = values.len();
            match delete::delete_by_pks(&db, e.schema, values, mode).await {
                Ok(_) => Ok(Flash::success(
                    Redirect::to(list),
                    format!("Deleted {n} row(s)."),
                )),
                Err(DbError::Restricted { dependent, .. }) => Ok(Flash::error(
                    Redirect::to(list),
                    format!("Nothing was deleted: {dependent} rows refer to the selection."),
                )),
                Err(err) => Err(err.status()),
            }
        }
        "export" => Ok(Flash::success(
            Redirect::to(format!("{list}export/?_pks={}", pks.join(","))),
            format!("Exporting {} row(s).", pks.len()),
        )),
        _ => Ok(Flash::warning(Redirect::to(list), "Choose an action.")),
    }
}
