//! The admin pages: dashboard, list, add, edit, delete.

use rocket::data::{Data, FromData, Outcome as DataOutcome, ToByteUnit};
use rocket::http::uri::Origin;
use rocket::http::{RawStr, Status};
use rocket::request::Request;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Responder, Route, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use crate::admin::forms::{form_fields, parse_submission};
use crate::admin::panel::Running;
use crate::admin::{AdminEntry, AdminState};
use crate::auth::{check_origin, check_token, AdminUser, AuthError, Page, CSRF_FIELD};
use crate::db::{
    delete, write, Column, Db, DeleteMode, Error as DbError, Lookup, Record, Select, Value,
};
use crate::utils::{page_range, parse_page};

/// The routes, to mount at the admin prefix.
pub(crate) fn routes() -> Vec<Route> {
    routes![
        index,
        list,
        add_page,
        add,
        edit_page,
        edit,
        delete_page,
        delete_post,
        stylesheet,
        bulk_action,
        ajax_list,
        crate::admin::export::export
    ]
}

/// A CSRF-checked form body as `(name, value)` pairs.
pub struct AdminForm(pub Vec<(String, String)>);

#[rocket::async_trait]
impl<'r> FromData<'r> for AdminForm {
    type Error = AuthError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self> {
        if let Err(e) = check_origin(req) {
            return DataOutcome::Error((Status::Forbidden, e));
        }
        if !req.content_type().is_some_and(|c| c.is_form()) {
            return DataOutcome::Error((
                Status::UnsupportedMediaType,
                AuthError::Csrf("not a form"),
            ));
        }
        let limit = req.limits().get("form").unwrap_or(32.kibibytes());
        let body = match data.open(limit).into_string().await {
            Ok(b) if b.is_complete() => b.into_inner(),
            Ok(_) => {
                return DataOutcome::Error((
                    Status::PayloadTooLarge,
                    AuthError::Csrf("form too large"),
                ))
            }
            Err(_) => {
                return DataOutcome::Error((Status::BadRequest, AuthError::Csrf("unreadable form")))
            }
        };
        let pairs: Vec<(String, String)> = body
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    RawStr::new(k).url_decode_lossy().into_owned(),
                    RawStr::new(v).url_decode_lossy().into_owned(),
                )
            })
            .collect();
        let token = pairs
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str());
        match check_token(req, token) {
            Ok(()) => DataOutcome::Success(AdminForm(pairs)),
            Err(e) => DataOutcome::Error((Status::Forbidden, e)),
        }
    }
}

#[derive(Responder)]
enum PageOrRedirect {
    Page(rocket::response::status::Custom<Template>),
    Done(Flash<Redirect>),
}

fn entry<'a>(state: &'a AdminState, model: &str) -> Result<&'a AdminEntry, Status> {
    state
        .models
        .iter()
        .find(|m| m.name == model)
        .ok_or(Status::NotFound)
}

pub(crate) fn models_ctx(state: &AdminState) -> serde_json::Value {
    json!(state
        .models
        .iter()
        .map(|m| json!({ "name": m.name, "title": crate::utils::title_case(m.schema.name) }))
        .collect::<Vec<_>>())
}

fn base_ctx(state: &AdminState) -> serde_json::Value {
    json!({ "prefix": state.config.prefix, "branding": state.config.branding, "models": models_ctx(state), "model": "" })
}

fn merge(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

#[get("/")]
async fn index(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    running: Running<'_>,
) -> Result<Template, Status> {
    let mut rows = Vec::new();
    for m in &state.models {
        let count = Select::new(m.schema)
            .count(&db)
            .await
            .map_err(|e| e.status())?;
        rows.push(json!({ "name": m.name, "title": crate::utils::title_case(m.schema.name), "count": count }));
    }
    let mut panels = Vec::new();
    if let Some(user) = page.user() {
        for p in &state.panels {
            let html = match p.get_context(&db, user).await {
                Ok(own) => {
                    let url = format!("{}/panels/{}", state.config.prefix, p.slug());
                    let ctx = merge(base_ctx(state), json!({ "panel_url": url }));
                    let ctx = page.context(merge(ctx, own));
                    let html = Template::show(running.0, p.template().to_owned(), ctx);
                    if html.is_none() {
                        rocket::warn!("hangar admin: panel template {:?} failed", p.template());
                    }
                    html
                }
                Err(e) => {
                    rocket::warn!("hangar admin: panel {}: {e}", p.slug());
                    None
                }
            };
            panels.push(json!({ "title": p.title(), "slug": p.slug(), "html": html }));
        }
    }
    Ok(page.render(
        "admin/index.html",
        merge(base_ctx(state), json!({ "rows": rows, "panels": panels })),
    ))
}

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
async fn list(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    uri: &Origin<'_>,
) -> Result<Template, Status> {
    let e = entry(state, model)?;
    let pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            q.segments()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let param = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
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

/// The fields a form edits: not the auto primary key, not secret, as `fields`/`exclude` say.
fn editable(e: &AdminEntry) -> Vec<&'static Column> {
    e.schema
        .columns
        .iter()
        .filter(|c| !c.auto_increment && !c.secret)
        .filter(|c| {
            e.admin
                .fields
                .as_ref()
                .is_none_or(|f| f.iter().any(|x| x == c.field))
        })
        .filter(|c| !e.admin.exclude.iter().any(|x| x == c.field))
        .collect()
}

async fn fk_options(
    db: &Db,
    cols: &[&'static Column],
) -> Result<Vec<(String, Vec<(String, String)>)>, DbError> {
    let mut out = Vec::new();
    for col in cols {
        if let Some(fk) = col.references {
            let target = (fk.target)();
            let rows = Select::new(target)
                .order_by(target.pk().field)?
                .limit(500)
                .records(db)
                .await?;
            let mut opts: Vec<(String, String)> = Vec::with_capacity(rows.len() + 1);
            if col.nullable {
                opts.push((String::new(), "—".into()));
            }
            opts.extend(rows.iter().map(|r| (r.pk().to_string(), r.label())));
            out.push((col.field.to_owned(), opts));
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    page: &Page,
    state: &AdminState,
    e: &AdminEntry,
    db: &Db,
    record: Option<&Record>,
    submitted: &[(String, String)],
    errors: &[(String, String)],
    status: Status,
) -> Result<PageOrRedirect, Status> {
    let cols = editable(e);
    let options = fk_options(db, &cols).await.map_err(|e| e.status())?;
    let mut fields = form_fields(
        e.schema,
        &cols,
        &e.admin.readonly,
        record,
        submitted,
        errors,
        &options,
    );
    if let Some(pw) = &e.admin.password_field {
        fields.push(crate::admin::FormField {
            name: pw.clone(),
            label: crate::utils::title_case(pw),
            widget: "password",
            value: String::new(),
            required: record.is_none(),
            readonly: false,
            options: Vec::new(),
            max_length: Some(72),
            error: errors.iter().find(|(f, _)| f == pw).map(|(_, m)| m.clone()),
        });
    }
    // messages about fields the form does not show go on top
    let general: Vec<String> = errors
        .iter()
        .filter(|(f, _)| !cols.iter().any(|c| c.field == f))
        .filter(|(f, _)| e.admin.password_field.as_deref() != Some(f.as_str()))
        .map(|(f, m)| {
            if f.is_empty() {
                m.clone()
            } else {
                format!("{}: {m}", crate::utils::title_case(f))
            }
        })
        .collect();
    let ctx = json!({
        "model": e.name, "title": crate::utils::title_case(e.schema.name),
        "fields": fields, "pk": record.map(|r| r.pk().to_string()),
        "label": record.map(Record::label), "errors": general,
    });
    Ok(PageOrRedirect::Page(rocket::response::status::Custom(
        status,
        page.render("admin/form.html", merge(base_ctx(state), ctx)),
    )))
}

#[get("/<model>/add")]
async fn add_page(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    render_form(&page, state, e, &db, None, &[], &[], Status::Ok).await
}

/// The hashed password to store, when the form has a password field and a
/// value was typed; `(field, message)` when it breaks the rules.
async fn password_values(
    auth: Option<&State<crate::auth::AuthState>>,
    e: &AdminEntry,
    form: &[(String, String)],
    adding: bool,
) -> Result<Vec<(&'static str, Value)>, (String, String)> {
    let Some(field) = e.admin.password_field.as_deref() else {
        return Ok(Vec::new());
    };
    let Some(col) = e.schema.column(field) else {
        return Ok(Vec::new());
    };
    let raw = form
        .iter()
        .rev()
        .find(|(k, _)| k == field)
        .map_or("", |(_, v)| v.as_str());
    if raw.is_empty() {
        return if adding {
            Err((field.to_owned(), "This field is required.".into()))
        } else {
            Ok(Vec::new())
        };
    }
    let (min, cost) = auth.map_or((8, 12), |s| {
        (s.config.min_password_length, s.config.bcrypt_cost)
    });
    crate::auth::password::validate(raw, min).map_err(|m| {
        (
            field.to_owned(),
            format!(
                "{}{}.",
                m.to_string()[..1].to_uppercase(),
                &m.to_string()[1..]
            ),
        )
    })?;
    let hash = crate::auth::password::make_password(raw, cost)
        .await
        .map_err(|m| (field.to_owned(), m.to_string()))?;
    let mut out = vec![(col.field, Value::Text(hash))];
    if let Some(epoch) = e.schema.column("session_epoch") {
        out.push((
            epoch.field,
            Value::Int((uuid::Uuid::new_v4().as_u64_pair().0 >> 1) as i64),
        ));
    }
    Ok(out)
}

/// Database errors as form messages (per field where the error names one).
fn form_errors(err: DbError) -> Result<Vec<(String, String)>, Status> {
    match err {
        DbError::Unique { field } => Ok(vec![(
            field,
            "A row with this value already exists.".into(),
        )]),
        DbError::Required { field } => Ok(vec![(field, "This field is required.".into())]),
        DbError::ForeignKey { field } => Ok(vec![(field, "Choose an existing row.".into())]),
        DbError::InvalidValue { field, expected } => {
            Ok(vec![(field, format!("Enter {expected}."))])
        }
        e if e.status().code < 500 => Ok(vec![(String::new(), e.public_message())]),
        e => Err(e.status()),
    }
}

fn after_save(
    state: &AdminState,
    e: &AdminEntry,
    form: &[(String, String)],
    pk: &Value,
) -> Redirect {
    let prefix = state.config.prefix.trim_end_matches('/');
    let to = if form.iter().any(|(k, _)| k == "_addanother") {
        format!("{prefix}/{}/add/", e.name)
    } else if form.iter().any(|(k, _)| k == "_continue") {
        format!("{prefix}/{}/{}/", e.name, pk)
    } else {
        format!("{prefix}/{}/", e.name)
    };
    Redirect::to(to)
}

#[post("/<model>/add", data = "<form>")]
async fn add(
    auth: Option<&State<crate::auth::AuthState>>,
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    let cols = editable(e);
    let (mut values, mut errors) = parse_submission(&cols, &e.admin.readonly, &form.0);
    match password_values(auth, e, &form.0, true).await {
        Ok(v) => values.extend(v),
        Err(err) => errors.push(err),
    }
    if !errors.is_empty() {
        return render_form(
            &page,
            state,
            e,
            &db,
            None,
            &form.0,
            &errors,
            Status::BadRequest,
        )
        .await;
    }
    let saved = async {
        let mut tx = db.begin().await?;
        let pk = write::insert_fields(&mut tx, e.schema, values).await?;
        tx.commit().await?;
        Ok::<_, DbError>(pk)
    }
    .await;
    match saved {
        Ok(pk) => Ok(PageOrRedirect::Done(Flash::success(
            after_save(state, e, &form.0, &pk),
            format!("The {} was added.", e.schema.name.replace('_', " ")),
        ))),
        Err(err) => {
            let errors = form_errors(err)?;
            render_form(
                &page,
                state,
                e,
                &db,
                None,
                &form.0,
                &errors,
                Status::BadRequest,
            )
            .await
        }
    }
}

async fn load(e: &AdminEntry, db: &Db, pk: &str) -> Result<Record, Status> {
    let pk = Value::parse(e.schema.pk().sql_type, pk).map_err(|_| Status::NotFound)?;
    Select::new(e.schema)
        .filter_pk(pk)
        .first_record(db)
        .await
        .map_err(|e| e.status())?
        .ok_or(Status::NotFound)
}

#[get("/<model>/<pk>")]
async fn edit_page(
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk).await?;
    render_form(&page, state, e, &db, Some(&record), &[], &[], Status::Ok).await
}

#[post("/<model>/<pk>", data = "<form>")]
#[allow(clippy::too_many_arguments)] // a Rocket handler's guards
async fn edit(
    auth: Option<&State<crate::auth::AuthState>>,
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    let record = load(e, &db, pk).await?;
    let cols = editable(e);
    let (mut values, mut errors) = parse_submission(&cols, &e.admin.readonly, &form.0);
    match password_values(auth, e, &form.0, false).await {
        Ok(v) => values.extend(v),
        Err(err) => errors.push(err),
    }
    if !errors.is_empty() {
        return render_form(
            &page,
            state,
            e,
            &db,
            Some(&record),
            &form.0,
            &errors,
            Status::BadRequest,
        )
        .await;
    }
    let pk = record.pk().clone();
    let saved = async {
        let mut tx = db.begin().await?;
        write::update_fields(&mut tx, e.schema, pk.clone(), values).await?;
        tx.commit().await
    }
    .await;
    match saved {
        Ok(()) => Ok(PageOrRedirect::Done(Flash::success(
            after_save(state, e, &form.0, &pk),
            format!("“{}” was saved.", record.label()),
        ))),
        Err(err) => {
            let errors = form_errors(err)?;
            render_form(
                &page,
                state,
                e,
                &db,
                Some(&record),
                &form.0,
                &errors,
                Status::BadRequest,
            )
            .await
        }
    }
}

#[get("/<model>/<pk>/delete")]
async fn delete_page(
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
async fn delete_post(
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
async fn bulk_action(
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

/// `GET /admin/<model>/ajax_list?field=user&q=hu&page=1`: the rows a foreign
/// key of `model` may point at, as `{"objects": [{"id", "label"}], "has_next"}`
/// (20 a page, labels searched case-insensitively) — for type-ahead lookups.
#[get("/<model>/ajax_list?<field>&<q>&<page>")]
async fn ajax_list(
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

/// The admin's stylesheet, embedded in the binary.
#[derive(Responder)]
#[response(content_type = "text/css")]
struct Css(&'static str, rocket::http::Header<'static>);

#[get("/static/admin.css")]
fn stylesheet() -> Css {
    Css(
        include_str!("../../static/admin/admin.css"),
        rocket::http::Header::new("Cache-Control", "public, max-age=86400"),
    )
}
