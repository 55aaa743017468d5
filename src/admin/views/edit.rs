//! The add and edit forms: rendering, validation, saving.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use serde_json::json;

use super::{base_ctx, entry, load, merge, AdminForm, PageOrRedirect};
use crate::admin::forms::{form_fields, parse_submission};
use crate::admin::{AdminEntry, AdminState};
use crate::auth::{AdminUser, Page};
use crate::db::{write, Column, Db, Error as DbError, Record, Select, Value};

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
pub(super) async fn add_page(
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
pub(super) async fn add(
    auth: Option<&State<crate::auth::AuthState>>,
    _admin: AdminUser,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry(state, model)?;
    save(auth, &page, state, &db, e, None, &form.0).await
}

/// Validates a submitted add (`record` is `None`) or edit form and saves it
/// in one transaction; on any error the form comes back with its messages.
async fn save(
    auth: Option<&State<crate::auth::AuthState>>,
    page: &Page,
    state: &AdminState,
    db: &Db,
    e: &AdminEntry,
    record: Option<&Record>,
    form: &[(String, String)],
) -> Result<PageOrRedirect, Status> {
    let cols = editable(e);
    let (mut values, mut errors) = parse_submission(&cols, &e.admin.readonly, form);
    match password_values(auth, e, form, record.is_none()).await {
        Ok(v) => values.extend(v),
        Err(err) => errors.push(err),
    }
    if errors.is_empty() {
        let saved = async {
            let mut tx = db.begin().await?;
            let pk = match record {
                None => write::insert_fields(&mut tx, e.schema, values).await?,
                Some(r) => {
                    write::update_fields(&mut tx, e.schema, r.pk().clone(), values).await?;
                    r.pk().clone()
                }
            };
            tx.commit().await?;
            Ok::<_, DbError>(pk)
        }
        .await;
        match saved {
            Ok(pk) => {
                let message = match record {
                    None => format!("The {} was added.", e.schema.name.replace('_', " ")),
                    Some(r) => format!("“{}” was saved.", r.label()),
                };
                return Ok(PageOrRedirect::Done(Flash::success(
                    after_save(state, e, form, &pk),
                    message,
                )));
            }
            Err(err) => errors = form_errors(err)?,
        }
    }
    render_form(
        page,
        state,
        e,
        db,
        record,
        form,
        &errors,
        Status::BadRequest,
    )
    .await
}

#[get("/<model>/<pk>")]
pub(super) async fn edit_page(
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
pub(super) async fn edit(
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
    save(auth, &page, state, &db, e, Some(&record), &form.0).await
}
