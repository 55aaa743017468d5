//! Deleting one row (with its dependents) and bulk actions over a selection.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::{base_ctx, entry, filtered_select, load, merge, AdminForm};
use crate::admin::{AdminAccess, AdminEntry, AdminState};
use crate::auth::Page;
use crate::db::{delete, Db, DeleteMode, Error as DbError, Value};

#[get("/<model>/<pk>/delete")]
pub(super) async fn delete_page(
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
) -> Result<Template, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk, &user).await?;
    let plan = if e.admin.delete_collect_objects {
        delete::collect(&db, e.schema, vec![record.pk().clone()])
            .await
            .map_err(|e| e.status())?
            .deletes
    } else {
        Vec::new()
    };
    // one line per model, however many foreign keys lead to it
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (s, pks) in plan.iter().filter(|(s, _)| !std::ptr::eq(*s, e.schema)) {
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
        "recursive": e.admin.delete_recursive, "collected": e.admin.delete_collect_objects,
    });
    let template = e.admin.template_for("delete", "admin/delete.html");
    Ok(page.render(template.to_owned(), merge(base_ctx(state), ctx)))
}

#[post("/<model>/<pk>/delete", data = "<_form>")]
pub(super) async fn delete_post(
    user: AdminAccess,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
    _form: AdminForm,
) -> Result<Flash<Redirect>, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk, &user).await?;
    let mode = delete_mode(e);
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

fn delete_mode(e: &AdminEntry) -> DeleteMode {
    if e.admin.delete_recursive {
        DeleteMode::Recursive
    } else {
        DeleteMode::Restrict
    }
}

/// `POST /admin/<model>/action`: the list's bulk actions over the ticked
/// rows (only those the model admin's `get_query` shows): `delete`
/// (recursive, one transaction), `export` (to the export page for those
/// rows) or one of the model admin's own [`Action`](crate::admin::Action)s.
#[post("/<model>/action", data = "<form>")]
pub(super) async fn bulk_action(
    user: AdminAccess,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<Flash<Redirect>, Status> {
    let e = entry(state, model)?;
    let list = format!("{}/{}/", state.config.prefix.trim_end_matches('/'), e.name);
    let to_list = || Redirect::to(list.clone());
    let ticked: Vec<&str> = form
        .0
        .iter()
        .filter(|(k, _)| k == "pk")
        .map(|(_, v)| v.as_str())
        .collect();
    if ticked.is_empty() {
        return Ok(Flash::warning(to_list(), "Select some rows first."));
    }
    let action = super::last_param(&form.0, "action").unwrap_or_default();
    if action.is_empty() {
        return Ok(Flash::warning(to_list(), "Choose an action."));
    }
    // only rows the model admin shows this user, in one query
    let selection = vec![("_pks".to_owned(), ticked.join(","))];
    let select = filtered_select(e, &selection, &user).map_err(|_| Status::BadRequest)?;
    let pk_field = e.schema.pk().field;
    let pks: Vec<Value> = select
        .order_by(pk_field)
        .map_err(|_| Status::BadRequest)?
        .records(&db)
        .await
        .map_err(|e| e.status())?
        .iter()
        .map(|r| r.pk().clone())
        .collect();
    if pks.is_empty() {
        return Ok(Flash::warning(
            to_list(),
            "None of the selected rows exist any more.",
        ));
    }
    let n = pks.len();
    match action {
        "delete" => match delete::delete_by_pks(&db, e.schema, pks, delete_mode(e)).await {
            Ok(_) => Ok(Flash::success(to_list(), format!("Deleted {n} row(s)."))),
            Err(DbError::Restricted { dependent, .. }) => Ok(Flash::error(
                to_list(),
                format!("Nothing was deleted: {dependent} rows refer to the selection."),
            )),
            Err(err) => Err(err.status()),
        },
        "export" => {
            let keys: Vec<String> = pks.iter().map(ToString::to_string).collect();
            Ok(Flash::success(
                Redirect::to(format!("{list}export/?_pks={}", keys.join(","))),
                format!("Exporting {n} row(s)."),
            ))
        }
        name => {
            let Some(custom) = e.admin.actions.iter().find(|a| a.name() == name) else {
                return Ok(Flash::warning(to_list(), "Choose an action."));
            };
            match custom.run(&db, &user, pks).await {
                Ok(message) => Ok(Flash::success(to_list(), message)),
                Err(err) => {
                    if err.status().code >= 500 {
                        rocket::warn!("hangar admin: action {name}: {err}");
                    }
                    Ok(Flash::error(to_list(), err.flash_message()))
                }
            }
        }
    }
}
