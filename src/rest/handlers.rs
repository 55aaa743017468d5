//! What each endpoint does: list, detail, create, update, delete.

use rocket::http::{Method, Status};
use rocket::request::Request;
use serde_json::{json, Map, Value as Json};

use crate::auth::AuthState;
use crate::db::{write, Db, DeleteMode, Op, Record, Select, Value};
use crate::rest::caller::ApiUser;
use crate::rest::error::ApiError;
use crate::rest::list_query::{apply_filters, apply_ordering};
use crate::rest::paging::{Listing, PageBody, PageMeta};
use crate::rest::resource::Pagination;
use crate::rest::state::{Entry, RestState};
use crate::rest::style::Style;
use crate::rest::writes::{self, Level};

/// Checks the method is allowed and, when the resource's authentication
/// protects it, that an accepted caller is there.
pub(crate) async fn gate(
    entry: &Entry,
    req: &Request<'_>,
    method: Method,
) -> Result<Option<ApiUser>, ApiError> {
    if !entry.resource.allowed_methods.contains(&method) {
        return Err(ApiError::method_not_allowed());
    }
    // private owner rows are read by their owners only: a read needs a user
    let owner_read = method == Method::Get && entry.resource.owner_reads().is_some();
    if !owner_read && !entry.auth.protected_methods().contains(&method) {
        return Ok(None);
    }
    let user = crate::rest::authn::accepted_caller(&*entry.auth, req).await?;
    if owner_read && user.user_id().is_none() {
        return Err(ApiError::forbidden());
    }
    Ok(Some(user))
}

fn with_includes(entry: &Entry, mut select: Select) -> Result<Select, ApiError> {
    for path in entry.include_paths() {
        select = select.include(&path)?;
    }
    Ok(select)
}

/// An object as answered, with its row's version (the `ETag`).
pub(crate) struct Shown<T> {
    pub body: T,
    pub version: String,
}

/// The object as shown, included keys nested.
async fn show<E: crate::db::Executor>(
    entry: &Entry,
    mut ex: E,
    base: &str,
    select: Select,
    user: Option<&ApiUser>,
) -> Result<Shown<Json>, ApiError> {
    let related = with_includes(entry, select.limit(1))?
        .related_records(&mut ex)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    Ok(Shown {
        version: crate::db::version::of(&related.record),
        body: entry.single(entry.object(&mut ex, base, &related, user).await?),
    })
}

/// The request's preconditions against the row about to change: `If-Match`
/// naming another version is 412; none at all is 428 on a resource that
/// [requires it](crate::rest::Resource::require_if_match).
fn check_if_match(entry: &Entry, req: &Request<'_>, record: &Record) -> Result<(), ApiError> {
    match req.headers().get_one("If-Match") {
        Some(tags) if crate::db::version::matches(tags, &crate::db::version::of(record)) => Ok(()),
        Some(_) => Err(ApiError::new(
            Status::PreconditionFailed,
            "The object changed since you read it: fetch it again (If-Match)",
        )),
        None if entry.resource.require_if_match => Err(ApiError::new(
            Status::PreconditionRequired,
            "This resource needs an If-Match header with the object's ETag",
        )),
        None => Ok(()),
    }
}

/// The rows the caller may act on: the hooks' `get_query`, and on a private
/// owner resource only the caller's own (none for a caller that is no user).
fn base_select(entry: &Entry, user: Option<&ApiUser>) -> Result<Select, ApiError> {
    let select = entry
        .resource
        .hooks
        .get_query(Select::new(entry.schema), user);
    match entry.resource.owner_reads() {
        None => Ok(select),
        Some(owner) => {
            let id = user
                .and_then(ApiUser::user_id)
                .ok_or_else(ApiError::forbidden)?;
            Ok(select.filter(owner, Op::Eq, id)?)
        }
    }
}

fn positive(pairs: &[(String, String)], key: &str) -> Result<Option<u64>, ApiError> {
    match pairs.iter().rev().find(|(k, _)| k == key) {
        None => Ok(None),
        Some((_, v)) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(
                ApiError::bad_request(format!("`{key}` must be a positive integer"))
                    .with_parameter("invalid_value", key, "a positive integer"),
            ),
        },
    }
}

/// The URL of another page of the same listing: every other parameter kept
/// (repeats too), `page` replaced.
fn page_url(req: &Request<'_>, page: u64) -> String {
    crate::rest::paging::url_with(req, &["page"], &[("page", page.to_string())])
}

/// `GET /api/<name>/`.
pub(crate) async fn list(
    state: &RestState,
    entry: &Entry,
    req: &Request<'_>,
    pairs: Vec<(String, String)>,
    db: &Db,
    user: Option<&ApiUser>,
) -> Result<Listing, ApiError> {
    let select = entry.resource.hooks.list_query(
        base_select(entry, user)?,
        user,
        crate::rest::QueryParams::new(&pairs),
    )?;
    let select =
        crate::rest::filters::apply_named(&entry.resource.filters, entry.schema, select, &pairs)?;
    let select = apply_filters(entry, select, &pairs, state.config.max_filter_values)?;
    let select = apply_ordering(entry, select, &pairs);
    // the resource's `paginate_by` is the default and the upper bound of
    // `?limit=`; `max_paginate_by` caps every resource
    let resource_page = entry.resource.paginate_by.flatten();
    let limit = positive(&pairs, "limit")?
        .map_or(resource_page.unwrap_or(state.config.paginate_by), |asked| {
            resource_page.map_or(asked, |bound| asked.min(bound))
        })
        .min(state.config.max_paginate_by);
    match entry.resource.pagination {
        Pagination::Pages => {}
        Pagination::LimitOffset => {
            return crate::rest::paging::offset_listing(entry, req, db, select, &pairs, limit, user)
                .await
                .map(Listing::Tree)
        }
        Pagination::Cursor => {
            return crate::rest::paging::cursor_listing(entry, req, db, select, &pairs, limit, user)
                .await
                .map(Listing::Tree)
        }
    }
    let page = positive(&pairs, "page")?.unwrap_or(1);
    // `paginate_by(None)`: everything on one page
    let per_page = match entry.resource.paginate_by {
        Some(None) => None,
        _ => Some(limit),
    };
    let (records, total, more) = match per_page {
        Some(n) => {
            let offset = crate::rest::paging::checked_offset((page - 1).checked_mul(n), "page")?;
            let page = crate::rest::paging::page_of(entry, db, select, offset, n).await?;
            (page.rows, page.total, page.more)
        }
        None => {
            let total = select.count_as(db, entry.resource.count).await?;
            let rows = if page > 1 {
                Vec::new()
            } else {
                with_includes(entry, select)?.related_records(db).await?
            };
            (rows, total, false)
        }
    };
    let page_count = match (per_page, total.value()) {
        (Some(n), Some(c)) => Some(c.div_ceil(n)),
        (None, Some(c)) => Some(u64::from(c > 0)),
        (_, None) => None,
    };
    let next = if more {
        page_url(req, page + 1)
    } else {
        String::new()
    };
    let previous = if page > 1 {
        page_url(req, page - 1)
    } else {
        String::new()
    };
    let meta = PageMeta {
        count_kind: total.kind(),
        model: &entry.name,
        next,
        object_count: total.value(),
        page,
        page_count,
        previous,
    };
    // flask-peewee's envelope of plain rows: written straight out
    if entry.style == Style::Peewee && entry.shows_plain_rows() {
        return Listing::ready(&PageBody {
            meta,
            objects: entry.plain_objects(&records),
        });
    }
    let objects: Vec<Json> = entry
        .objects(db, &entry.base_for(req)?, &records, user)
        .await?
        .into_iter()
        .map(Json::Object)
        .collect();
    Ok(Listing::Tree(json!({ "meta": meta, "objects": objects })))
}

/// `GET /api/<name>/<pk>/`: one query, included keys joined.
pub(crate) async fn detail(
    entry: &Entry,
    db: &Db,
    base: &str,
    pk: &str,
    user: Option<&ApiUser>,
) -> Result<Shown<Listing>, ApiError> {
    let pk = Value::parse(entry.schema.pk().sql_type, pk).map_err(|_| ApiError::not_found())?;
    let select = with_includes(entry, base_select(entry, user)?.filter_pk(pk).limit(1))?;
    let related = select
        .related_records(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    if !entry.resource.hooks.check_get(user, &related.record) {
        return Err(ApiError::forbidden());
    }
    let version = crate::db::version::of(&related.record);
    // a plain row in flask-peewee's style: written straight out
    if entry.style == Style::Peewee && entry.shows_plain_rows() && entry.resource.envelope.is_none()
    {
        let body = Listing::ready(&entry.plain_objects(std::slice::from_ref(&related))[0])?;
        return Ok(Shown { body, version });
    }
    Ok(Shown {
        body: Listing::Tree(entry.single(entry.object(db, base, &related, user).await?)),
        version,
    })
}

/// The written object as answered, read inside the write's transaction: a
/// committed write is never answered with an error because a second
/// connection could not be had.
async fn reload(
    entry: &Entry,
    tx: &mut crate::db::Transaction<'static>,
    base: &str,
    pk: Value,
    user: Option<&ApiUser>,
) -> Result<Shown<Json>, ApiError> {
    let select = Select::new(entry.schema).filter_pk(pk);
    show(entry, &mut *tx, base, select, user).await
}

/// The object with primary key `raw_pk` as the caller may see it, read
/// locked inside `tx` (the row an update or delete acts on).
async fn load_locked(
    entry: &Entry,
    tx: &mut crate::db::Transaction<'static>,
    raw_pk: &str,
    user: Option<&ApiUser>,
) -> Result<Record, ApiError> {
    let pk_type = entry.schema.pk().sql_type;
    let pk = Value::parse(pk_type, raw_pk).map_err(|_| ApiError::not_found())?;
    base_select(entry, user)?
        .filter_pk(pk)
        .for_update()
        .first_record(&mut *tx)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `POST /api/<name>/`: 201 with the object and its `Location`.
#[expect(
    clippy::too_many_arguments,
    reason = "a Rocket handler takes each request guard as an argument"
)]
pub(crate) async fn create(
    state: &RestState,
    entry: &Entry,
    req: &Request<'_>,
    db: &Db,
    base: &str,
    auth: Option<&AuthState>,
    payload: Map<String, Json>,
    user: Option<&ApiUser>,
) -> Result<(String, Shown<Json>), ApiError> {
    let hooks = &entry.resource.hooks;
    if entry.resource.owner_field.is_some() {
        match user {
            None => return Err(ApiError::unauthorized()),
            // keys and tokens own nothing
            Some(ApiUser::Key(_)) => return Err(ApiError::forbidden()),
            Some(_) => {}
        }
    }
    let mut scope = writes::WriteScope::lazy(db);
    let level = Level {
        schema: entry.schema,
        resource: &entry.resource,
        creating: true,
        prefix: String::new(),
        reject_unknown: false,
        auth,
        registered: None,
        peers: &entry.peers,
        req,
    };
    let mut fields = writes::prepare(&mut scope, level, payload, user).await?;
    hooks.before_save(user, &mut fields, true)?;
    if !hooks.check_post(user, &writes::new_record(entry.schema, &fields)) {
        return Err(ApiError::forbidden());
    }
    let location = |pk: &Value| {
        format!(
            "{}/{}/{}/",
            state.config.prefix.trim_end_matches('/'),
            entry.name,
            pk
        )
    };
    // a plain row: its one INSERT ... RETURNING needs no transaction and
    // comes back as it is shown
    // (MySQL has no RETURNING: its row is read back in the transaction below)
    let needs_reads = !entry.resource.includes.is_empty()
        || !entry.resource.many.is_empty()
        || !db.backend().supports_returning();
    let mut tx = match scope.into_tx() {
        Some(tx) => tx,
        None if !needs_reads => {
            let (pk, row) = write::insert_fields_returning(db, entry.schema, fields).await?;
            let Some(record) = row else {
                return Err(ApiError::from(crate::db::Error::NotFound {
                    model: entry.schema.name,
                }));
            };
            let version = crate::db::version::of(&record);
            let related = crate::db::Related {
                record,
                included: Vec::new(),
            };
            let body = entry.single(entry.object(db, base, &related, user).await?);
            return Ok((location(&pk), Shown { body, version }));
        }
        None => db.begin().await?,
    };
    // nested objects written or related rows to show: the insert and the
    // reads of what it answers run in one transaction, so a committed row
    // is never answered with an error
    let pk = write::insert_fields(&mut tx, entry.schema, fields).await?;
    let shown = reload(entry, &mut tx, base, pk.clone(), user).await?;
    tx.commit().await?;
    Ok((location(&pk), shown))
}

/// `PUT`/`PATCH`/`POST /api/<name>/<pk>/`: only the given fields change; the
/// row is read locked, checked and written in one transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "a Rocket handler takes each request guard as an argument"
)]
pub(crate) async fn update(
    entry: &Entry,
    req: &Request<'_>,
    db: &Db,
    base: &str,
    auth: Option<&AuthState>,
    pk: &str,
    payload: Map<String, Json>,
    user: Option<&ApiUser>,
) -> Result<Shown<Json>, ApiError> {
    let hooks = &entry.resource.hooks;
    let mut tx = db.begin().await?;
    let record = load_locked(entry, &mut tx, pk, user).await?;
    if !entry.resource.owned_by(&record, user) {
        return Err(ApiError::forbidden());
    }
    check_if_match(entry, req, &record)?;
    let pk = record.pk().clone();
    let level = Level {
        schema: entry.schema,
        resource: &entry.resource,
        creating: false,
        prefix: String::new(),
        reject_unknown: false,
        auth,
        registered: None,
        peers: &entry.peers,
        req,
    };
    let mut scope = writes::WriteScope::within(db, tx);
    let mut fields = writes::prepare(&mut scope, level, payload, user).await?;
    hooks.before_save(user, &mut fields, false)?;
    if let Some(auth) = auth {
        auth.revoke_on_change(entry.schema, &record, &mut fields);
    }
    if !hooks.check_put(user, &record, &fields) {
        return Err(ApiError::forbidden());
    }
    let mut tx = scope.into_tx().expect("an update runs in its transaction");
    if !fields.is_empty() {
        write::update_fields(&mut tx, entry.schema, pk.clone(), fields).await?;
    }
    let shown = reload(entry, &mut tx, base, pk.clone(), user).await?;
    tx.commit().await?;
    forget_user(entry, db, auth, &pk).await;
    Ok(shown)
}

/// `DELETE /api/<name>/<pk>/` (and `POST .../delete/`): `{"deleted": 1}`,
/// through the hooks' `delete_object`, in one transaction.
pub(crate) async fn delete(
    entry: &Entry,
    req: &Request<'_>,
    db: &Db,
    auth: Option<&AuthState>,
    pk: &str,
    user: Option<&ApiUser>,
) -> Result<Json, ApiError> {
    let hooks = &entry.resource.hooks;
    let mut tx = db.begin().await?;
    let record = load_locked(entry, &mut tx, pk, user).await?;
    if !entry.resource.owned_by(&record, user) || !hooks.check_delete(user, &record) {
        return Err(ApiError::forbidden());
    }
    check_if_match(entry, req, &record)?;
    let mode = if entry.resource.delete_recursive {
        DeleteMode::Recursive
    } else {
        DeleteMode::Restrict
    };
    hooks.delete_object(&mut tx, &record, mode).await?;
    tx.commit().await?;
    forget_user(entry, db, auth, record.pk()).await;
    Ok(json!({ "deleted": 1 }))
}

/// After a write to the auth user model: drops the row from the session
/// cache, so a new password, a deactivation or a deletion counts at once.
async fn forget_user(entry: &Entry, db: &Db, auth: Option<&AuthState>, pk: &Value) {
    if let Some(auth) = auth {
        auth.forget_row(db, entry.schema, pk).await;
    }
}

/// 405 for a method a URL never serves.
pub(crate) fn not_allowed() -> ApiError {
    ApiError::new(Status::MethodNotAllowed, "Method not allowed")
}
