//! The add and edit forms: rendering, validation, saving.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use serde_json::json;

use super::{base_ctx, entry_for, load, merge, target_select, AdminForm, PageOrRedirect};
use crate::admin::forms::{form_fields, parse_submission, FormField};
use crate::admin::{AdminAccess, AdminEntry, AdminError, AdminState, Permission};
use crate::auth::{Page, SessionUser};
use crate::db::{Column, Db, Error as DbError, Record, Value};

/// The fields a form edits: not the auto primary key, not secret, as `fields`/`exclude` say.
pub(super) fn editable(e: &AdminEntry) -> Vec<&'static Column> {
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

/// Foreign keys with more rows than this become type-ahead lookups.
const SELECT_LIMIT: u64 = 500;

/// The `<select>` options of each foreign key, from the rows the target's
/// model admin shows; keys with a configured lookup, or whose target has
/// more than [`SELECT_LIMIT`] rows, get none (they render as lookups).
async fn fk_options(
    ctx: &SaveCtx<'_>,
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
        let rows = target_select(ctx.state, target, ctx.user)
            .order_by(target.pk().field)?
            .limit(SELECT_LIMIT + 1)
            .records(ctx.db)
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

async fn render_form(
    ctx: &SaveCtx<'_>,
    e: &AdminEntry,
    record: Option<&Record>,
    submitted: &[(String, String)],
    errors: &[(String, String)],
    status: Status,
) -> Result<PageOrRedirect, Status> {
    let SaveCtx {
        page, state, user, ..
    } = *ctx;
    let cols = editable(e);
    // without the change permission an existing row is shown read-only
    let can_save = match record {
        None => e.allows(user, Permission::Add),
        Some(_) => e.allows(user, Permission::Change),
    };
    let options = fk_options(ctx, e, &cols).await.map_err(|e| e.status())?;
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
            lookup_widget(ctx, e, f).await?;
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
            fields.push(crate::admin::FormField {
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
        fields.push(crate::admin::FormField {
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
    let ctx = json!({
        "model": e.name, "title": crate::text::title_case(e.schema.name),
        "fieldsets": fieldsets(e, fields), "pk": record.map(|r| r.pk().to_string()),
        "label": record.map(Record::label), "errors": general,
        "perms": e.perms(user), "can_save": can_save,
    });
    let template = match record {
        None => e.admin.template_for("add", "admin/form.html"),
        Some(_) => e.admin.template_for("edit", "admin/form.html"),
    };
    Ok(PageOrRedirect::Page(rocket::response::status::Custom(
        status,
        page.render(template.to_owned(), merge(base_ctx(state, user), ctx)),
    )))
}

/// Turns a foreign key field into a `lookup` widget (a key input, the
/// current row's label, a button opening the type-ahead dialog); other
/// fields are left alone.
async fn lookup_widget(ctx: &SaveCtx<'_>, e: &AdminEntry, f: &mut FormField) -> Result<(), Status> {
    let Some(fk) = e.schema.column(&f.name).and_then(|c| c.references) else {
        return Ok(());
    };
    let target = (fk.target)();
    f.widget = "lookup";
    f.lookup_url = Some(format!(
        "{}/{}/ajax_list?field={}",
        ctx.state.config.prefix, e.name, f.name
    ));
    if let Ok(pk) = Value::parse(target.pk().sql_type, f.value.trim()) {
        let row = target_select(ctx.state, target, ctx.user)
            .filter_pk(pk)
            .first_record(ctx.db)
            .await
            .map_err(|e| e.status())?;
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
fn fieldsets(e: &AdminEntry, fields: Vec<FormField>) -> serde_json::Value {
    let mut rest = fields;
    let mut sets = Vec::new();
    for (title, names) in &e.admin.fieldsets {
        let mut group = Vec::new();
        for n in names {
            if let Some(i) = rest.iter().position(|f| f.name == *n) {
                group.push(rest.remove(i));
            }
        }
        let collapsed = e.admin.collapsed.contains(title);
        sets.push(json!({ "title": title, "fields": group, "collapsed": collapsed }));
    }
    if !rest.is_empty() {
        sets.push(json!({ "title": "", "fields": rest }));
    }
    json!(sets)
}

#[get("/<model>/add")]
pub(super) async fn add_page(
    auth: Option<&State<crate::auth::AuthState>>,
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
) -> Result<PageOrRedirect, Status> {
    let e = entry_for(state, model, &user, Permission::Add)?;
    let ctx = SaveCtx::new(auth, &page, state, &db, &user);
    render_form(&ctx, e, None, &[], &[], Status::Ok).await
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
    let raw = super::last_param(form, field).unwrap_or_default();
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
    auth: Option<&State<crate::auth::AuthState>>,
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry_for(state, model, &user, Permission::Add)?;
    let ctx = SaveCtx::new(auth, &page, state, &db, &user);
    save(&ctx, e, None, &form.0).await
}

/// What rendering and saving a form need besides the model and the form.
struct SaveCtx<'a> {
    auth: Option<&'a State<crate::auth::AuthState>>,
    page: &'a Page,
    state: &'a AdminState,
    db: &'a Db,
    user: &'a SessionUser,
}

impl<'a> SaveCtx<'a> {
    fn new(
        auth: Option<&'a State<crate::auth::AuthState>>,
        page: &'a Page,
        state: &'a AdminState,
        db: &'a Db,
        user: &'a SessionUser,
    ) -> SaveCtx<'a> {
        SaveCtx {
            auth,
            page,
            state,
            db,
            user,
        }
    }
}

/// Validates a submitted add (`record` is `None`) or edit form and saves it
/// through the model admin's `save_model` in one transaction; on any error
/// the form comes back with its messages and nothing is written.
async fn save(
    ctx: &SaveCtx<'_>,
    e: &AdminEntry,
    record: Option<&Record>,
    form: &[(String, String)],
) -> Result<PageOrRedirect, Status> {
    let SaveCtx {
        auth,
        state,
        db,
        user,
        ..
    } = *ctx;
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
    match password_values(auth, e, form, record.is_none()).await {
        Ok(v) => values.extend(v),
        Err(err) => errors.push(err),
    }
    if errors.is_empty() {
        let saved = async {
            let mut tx = db.begin().await?;
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
                super::forget_user(auth, e, &pk);
                let message = match record {
                    None => format!("The {} was added.", e.schema.name.replace('_', " ")),
                    Some(r) => format!("“{}” was saved.", super::short(&r.label())),
                };
                return Ok(PageOrRedirect::Done(Flash::success(
                    after_save(state, e, form, &pk),
                    message,
                )));
            }
            Err(err) => errors = err.form_messages()?,
        }
    }
    render_form(ctx, e, record, form, &errors, Status::BadRequest).await
}

#[get("/<model>/<pk>")]
pub(super) async fn edit_page(
    auth: Option<&State<crate::auth::AuthState>>,
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
) -> Result<PageOrRedirect, Status> {
    let e = entry_for(state, model, &user, Permission::View)?;
    let record = load(e, &db, pk, &user).await?;
    let ctx = SaveCtx::new(auth, &page, state, &db, &user);
    render_form(&ctx, e, Some(&record), &[], &[], Status::Ok).await
}

#[post("/<model>/<pk>", data = "<form>")]
#[allow(clippy::too_many_arguments)] // a Rocket handler's guards
pub(super) async fn edit(
    auth: Option<&State<crate::auth::AuthState>>,
    user: AdminAccess,
    page: Page,
    state: &State<AdminState>,
    db: Db,
    model: &str,
    pk: &str,
    form: AdminForm,
) -> Result<PageOrRedirect, Status> {
    let e = entry_for(state, model, &user, Permission::Change)?;
    let record = load(e, &db, pk, &user).await?;
    let ctx = SaveCtx::new(auth, &page, state, &db, &user);
    save(&ctx, e, Some(&record), &form.0).await
}
