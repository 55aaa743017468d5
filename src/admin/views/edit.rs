//! The add and edit forms: rendering, validation, saving.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post};
use serde::Serialize;

use super::context::ModelPage;
use super::password_field::password_values;
use super::PageOrRedirect;
use crate::admin::forms::{form_fields, parse_submission, FormField};
use crate::admin::request::AdminRequest;
use crate::admin::{AdminEntry, AdminError, AdminForm, AdminState, Permission};
use crate::db::{Column, Error as DbError, Record, Value};

/// The fields a form edits: not the auto primary key, not secret, as `fields`/`exclude` say.
pub(super) fn editable(e: &AdminEntry) -> Vec<&'static Column> {
    e.schema
        .columns
        .iter()
        // a version column counts updates by itself
        .filter(|c| !c.auto_increment && !c.secret && !c.version)
        .filter(|c| {
            e.admin
                .fields
                .as_ref()
                .is_none_or(|f| f.iter().any(|x| x == c.field))
        })
        .filter(|c| !e.admin.exclude.iter().any(|x| x == c.field))
        .collect()
}

/// Foreign keys with more rows than this become type-ahead lookups.
const SELECT_LIMIT: u64 = 500;

/// The `<select>` options of each foreign key, from the rows the target's
/// model admin shows; keys with a configured lookup, or whose target has
/// more than [`SELECT_LIMIT`] rows, get none (they render as lookups).
async fn fk_options(
    cx: &AdminRequest<'_>,
    e: &AdminEntry,
    cols: &[&'static Column],
) -> Result<Vec<(String, Vec<(String, String)>)>, DbError> {
    let mut out = Vec::new();
    for col in cols {
        let Some(fk) = col.references else { continue };
        if e.admin.lookup_for(col.field).is_some() {
            continue;
        }
        let target = (fk.target)();
        let rows = cx
            .target_select(target)
            .order_by(target.pk().field)?
            .limit(SELECT_LIMIT + 1)
            .records(&cx.db)
            .await?;
        if rows.len() as u64 > SELECT_LIMIT {
            continue;
        }
        let opts = rows
            .iter()
            .map(|r| (r.pk().to_string(), r.label()))
            .collect();
        out.push((col.field.to_owned(), opts));
    }
    Ok(out)
}

/// A group of form fields.
#[derive(Serialize)]
struct Fieldset {
    title: String,
    fields: Vec<FormField>,
    collapsed: bool,
}

/// What `admin/form.html` reads besides the layout.
#[derive(Serialize)]
struct FormPage {
    fieldsets: Vec<Fieldset>,
    /// The row's primary key (none on the add form).
    pk: Option<String>,
    label: Option<String>,
    /// Messages about the whole submission.
    errors: Vec<String>,
    can_save: bool,
    /// The version of the row the form shows, and its values as the form
    /// showed them (JSON): sent back, they tell a save over a newer row.
    version: Option<String>,
    original: Option<String>,
    /// After a conflict: the fields someone else changed meanwhile.
    conflict: Vec<Changed>,
}

/// A field changed by someone else while the form was open.
#[derive(serde::Serialize)]
struct Changed {
    label: String,
    /// Its value when the form was shown.
    was: String,
    /// Its value now.
    theirs: String,
    /// The value submitted.
    yours: String,
}

/// What the form is based on: the row just read (a fresh form, or one
/// re-shown after a conflict), or what the submission said it was based on
/// (re-shown after a validation error, so no one else's change is taken
/// over unseen).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Base {
    Record,
    Submitted,
}

/// The row's values as the form shows them.
fn shown_values(
    e: &AdminEntry,
    cols: &[&'static Column],
    record: &Record,
) -> serde_json::Map<String, serde_json::Value> {
    form_fields(
        e.schema,
        cols,
        &e.admin.readonly,
        Some(record),
        &[],
        &[],
        &[],
    )
    .into_iter()
    .map(|f| (f.name, serde_json::Value::String(f.value)))
    .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "the form's parts as the add, edit and conflict views hold them"
)]
async fn render_form(
    cx: &AdminRequest<'_>,
    e: &AdminEntry,
    record: Option<&Record>,
    submitted: &[(String, String)],
    errors: &[(String, String)],
    status: Status,
    base: Base,
    conflict: Vec<Changed>,
) -> Result<PageOrRedirect, AdminError> {
    let user = &cx.user;
    let cols = editable(e);
    let sent = |name: &str| {
        submitted
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (version, original) = match (record, base) {
        (None, _) => (None, None),
        (Some(_), Base::Submitted) if sent("_version").is_some() => {
            (sent("_version"), sent("_original"))
        }
        (Some(r), _) => (
            Some(crate::db::version::of(r)),
            Some(serde_json::Value::Object(shown_values(e, &cols, r)).to_string()),
        ),
    };
    // without the change permission an existing row is shown read-only
    let can_save = match record {
        None => e.allows(user, Permission::Add),
        Some(_) => e.allows(user, Permission::Change),
    };
    let options = fk_options(cx, e, &cols).await?;
    let mut fields = form_fields(
        e.schema,
        &cols,
        &e.admin.readonly,
        record,
        submitted,
        errors,
        &options,
    );
    for f in &mut fields {
        f.readonly |= !can_save;
        if let Some((_, l)) = e.admin.labels.iter().find(|(n, _)| *n == f.name) {
            f.label = l.clone();
        }
        f.help = e
            .admin
            .help
            .iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, h)| h.clone());
        let is_select = options.iter().any(|(name, _)| *name == f.name);
        if !is_select {
            lookup_widget(cx, e, f).await?;
        }
    }
    // computed values named in `readonly`, shown as text on an existing row
    if let Some(r) = record {
        for (name, compute) in e
            .admin
            .computed
            .iter()
            .filter(|(n, _)| e.admin.readonly.contains(n))
        {
            fields.push(FormField {
                name: name.clone(),
                label: crate::text::title_case(name),
                widget: "static",
                value: compute(r),
                required: false,
                readonly: true,
                options: Vec::new(),
                max_length: None,
                error: None,
                lookup_url: None,
                lookup_label: None,
                help: e
                    .admin
                    .help
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, h)| h.clone()),
            });
        }
    }
    if let Some(pw) = &e.admin.password_field {
        fields.push(FormField {
            name: pw.clone(),
            label: crate::text::title_case(pw),
            widget: "password",
            value: String::new(),
            required: record.is_none(),
            readonly: false,
            options: Vec::new(),
            max_length: Some(72),
            error: errors.iter().find(|(f, _)| f == pw).map(|(_, m)| m.clone()),
            lookup_url: None,
            lookup_label: None,
            help: None,
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
                format!("{}: {m}", crate::text::title_case(f))
            }
        })
        .collect();
    let body = FormPage {
        fieldsets: fieldsets(e, fields),
        pk: record.map(|r| r.pk().to_string()),
        label: record.map(Record::label),
        errors: general,
        can_save,
        version,
        original,
        conflict,
    };
    let template = match record {
        None => e.admin.template_for("add", "admin/form.html"),
        Some(_) => e.admin.template_for("edit", "admin/form.html"),
    };
    Ok(PageOrRedirect::Page(rocket::response::status::Custom(
        status,
        cx.render(template.to_owned(), ModelPage::new(cx, e, body)),
    )))
}

/// Turns a foreign key field into a `lookup` widget (a key input, the
/// current row's label, a button opening the type-ahead dialog); other
/// fields are left alone.
async fn lookup_widget(
    cx: &AdminRequest<'_>,
    e: &AdminEntry,
    f: &mut FormField,
) -> Result<(), AdminError> {
    let Some(fk) = e.schema.column(&f.name).and_then(|c| c.references) else {
        return Ok(());
    };
    let target = (fk.target)();
    f.widget = "lookup";
    f.lookup_url = Some(format!(
        "{}/{}/ajax_list?field={}",
        cx.state.config.prefix, e.name, f.name
    ));
    if let Ok(pk) = Value::parse(target.pk().sql_type, f.value.trim()) {
        let row = cx
            .target_select(target)
            .filter_pk(pk)
            .first_record(&cx.db)
            .await?;
        f.lookup_label = row.map(|r| match e.admin.lookup_for(&f.name) {
            Some(field) if target.display.is_none() => {
                r.get(field).map_or_else(|| r.label(), ToString::to_string)
            }
            _ => r.label(),
        });
    }
    Ok(())
}

/// The fields grouped as `fieldsets` says; fields in no group go last.
fn fieldsets(e: &AdminEntry, fields: Vec<FormField>) -> Vec<Fieldset> {
    let mut rest = fields;
    let mut sets = Vec::new();
    for (title, names) in &e.admin.fieldsets {
        let mut group = Vec::new();
        for n in names {
            if let Some(i) = rest.iter().position(|f| f.name == *n) {
                group.push(rest.remove(i));
            }
        }
        sets.push(Fieldset {
            title: title.clone(),
            fields: group,
            collapsed: e.admin.collapsed.contains(title),
        });
    }
    if !rest.is_empty() {
        sets.push(Fieldset {
            title: String::new(),
            fields: rest,
            collapsed: false,
        });
    }
    sets
}

#[get("/<model>/add")]
pub(super) async fn add_page(
    cx: AdminRequest<'_>,
    model: &str,
) -> Result<PageOrRedirect, AdminError> {
    let e = cx.entry_for(model, Permission::Add)?;
    render_form(&cx, e, None, &[], &[], Status::Ok, Base::Record, Vec::new()).await
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
        format!(
            "{prefix}/{}/{}/",
            e.name,
            super::filters::encode(&pk.to_string())
        )
    } else {
        format!("{prefix}/{}/", e.name)
    };
    Redirect::to(to)
}

#[post("/<model>/add", data = "<form>")]
pub(super) async fn add(
    cx: AdminRequest<'_>,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, AdminError> {
    let e = cx.entry_for(model, Permission::Add)?;
    save(&cx, e, None, &form.0).await
}

/// Validates a submitted add (`record` is `None`) or edit form and saves it
/// through the model admin's `save_model` in one transaction; on any error
/// the form comes back with its messages and nothing is written.
async fn save(
    cx: &AdminRequest<'_>,
    e: &AdminEntry,
    record: Option<&Record>,
    form: &[(String, String)],
) -> Result<PageOrRedirect, AdminError> {
    let (db, user) = (&cx.db, &cx.user);
    let cols = editable(e);
    let (mut values, mut errors) = parse_submission(&cols, &e.admin.readonly, form);
    // the model admin's own checks, on values that parsed
    for (field, value) in &values {
        for (_, check) in e.admin.validators.iter().filter(|(f, _)| f == field) {
            if let Err(message) = check(value) {
                errors.push(((*field).to_owned(), message));
                break;
            }
        }
    }
    match password_values(cx.auth, e, form, record.is_none()).await {
        Ok(v) => values.extend(v),
        Err(err) => errors.push(err),
    }
    if let (Some(auth), Some(old)) = (cx.auth, record) {
        auth.revoke_on_change(e.schema, old, &mut values);
    }
    if errors.is_empty() {
        let saved = async {
            let mut tx = db.begin().await?;
            // the row as it is now, locked: saving over someone else's
            // newer change is a conflict, and nothing is written
            let based_on = form.iter().rev().find(|(k, _)| k == "_version");
            if let (Some(old), Some((_, based_on))) = (record, based_on) {
                let now = e
                    .select_for(user)
                    .filter_pk(old.pk().clone())
                    .for_update()
                    .first_record(&mut tx)
                    .await?
                    .ok_or(AdminError::NotFound)?;
                if crate::db::version::of(&now) != *based_on {
                    return Err(AdminError::Conflict(Box::new(now)));
                }
            }
            let pk = e
                .admin
                .hooks
                .save_model(&mut tx, e.schema, record, values, user)
                .await?;
            // a save may not move the row out of what this admin shows
            let visible = e
                .select_for(user)
                .filter_pk(pk.clone())
                .exists(&mut tx)
                .await?;
            if !visible {
                return Err(AdminError::Invalid(
                    "The row would be outside what you may see here; nothing was saved.".into(),
                ));
            }
            tx.commit().await?;
            Ok::<_, AdminError>(pk)
        }
        .await;
        match saved {
            Ok(pk) => {
                cx.forget_user(e, &pk).await;
                let message = match record {
                    None => format!("The {} was added.", e.schema.name.replace('_', " ")),
                    Some(r) => format!("“{}” was saved.", super::short(&r.label())),
                };
                return Ok(PageOrRedirect::Done(Flash::success(
                    after_save(cx.state, e, form, &pk),
                    message,
                )));
            }
            Err(AdminError::Conflict(now)) => return conflict_page(cx, e, &now, form).await,
            Err(err) => errors = err.form_messages()?,
        }
    }
    render_form(
        cx,
        e,
        record,
        form,
        &errors,
        Status::BadRequest,
        Base::Submitted,
        Vec::new(),
    )
    .await
}

/// A save over a row that changed meanwhile: 409, the form again with the
/// submitted values over the row as it is now, and the fields someone else
/// changed (as they were, as they are, as submitted). Saving that form
/// again keeps the submitted values deliberately.
async fn conflict_page(
    cx: &AdminRequest<'_>,
    e: &AdminEntry,
    now: &Record,
    form: &[(String, String)],
) -> Result<PageOrRedirect, AdminError> {
    let cols = editable(e);
    let was: serde_json::Map<String, serde_json::Value> = form
        .iter()
        .rev()
        .find(|(k, _)| k == "_original")
        .and_then(|(_, v)| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let theirs = shown_values(e, &cols, now);
    let changed = cols
        .iter()
        .filter_map(|col| {
            let text = |m: &serde_json::Map<String, serde_json::Value>| {
                m.get(col.field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (before, after) = (text(&was), text(&theirs));
            (before != after).then(|| {
                let yours = form
                    .iter()
                    .rev()
                    .find(|(k, _)| k == col.field)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| {
                        if col.sql_type == crate::db::SqlType::Bool {
                            "false".into()
                        } else {
                            String::new()
                        }
                    });
                Changed {
                    label: col.title(),
                    was: before,
                    theirs: after,
                    yours,
                }
            })
        })
        .collect();
    let message = vec![(
        String::new(),
        "Someone else changed this row while you were editing it; nothing was saved. \
         Check the fields below and save again to keep your values."
            .to_owned(),
    )];
    render_form(
        cx,
        e,
        Some(now),
        form,
        &message,
        Status::Conflict,
        Base::Record,
        changed,
    )
    .await
}

#[get("/<model>/<pk>")]
pub(super) async fn edit_page(
    cx: AdminRequest<'_>,
    model: &str,
    pk: &str,
) -> Result<PageOrRedirect, AdminError> {
    let e = cx.entry_for(model, Permission::View)?;
    let record = cx.load(e, pk).await?;
    render_form(
        &cx,
        e,
        Some(&record),
        &[],
        &[],
        Status::Ok,
        Base::Record,
        Vec::new(),
    )
    .await
}

#[post("/<model>/<pk>", data = "<form>")]
pub(super) async fn edit(
    cx: AdminRequest<'_>,
    model: &str,
    pk: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, AdminError> {
    let e = cx.entry_for(model, Permission::Change)?;
    let record = cx.load(e, pk).await?;
    save(&cx, e, Some(&record), &form.0).await
}
