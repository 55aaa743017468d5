//! Turning a payload into column values, writing nested objects of included
//! resources first (in a transaction begun for them). Nested writes are off
//! unless a resource turns them on; then every nested object goes through
//! its model's *registered* resource (its authentication, methods,
//! `readonly`, owner rule, `get_query` and checks) as well as the include's
//! own, so a parent can never write more of a row than the row's own
//! endpoint would let the caller write.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value as Json};

use crate::auth::AuthState;
use crate::db::{write, Column, Db, Record, Schema, Select, Transaction, Value};
use crate::rest::caller::ApiUser;
use crate::rest::error::{ApiError, SetupError};
use crate::rest::resource::Resource;
use crate::rest::state::Peer;

/// Where a payload sits in the object graph.
pub(crate) struct Level<'a> {
    pub schema: &'static Schema,
    pub resource: &'a Resource,
    pub creating: bool,
    /// `user__` for a nested user, empty at the top.
    pub prefix: String,
    /// Unknown keys are an error (the top resource's `reject_unknown_fields`).
    pub reject_unknown: bool,
    /// The auth battery, when attached: a password written to its user
    /// model is hashed by its rules.
    pub auth: Option<&'a AuthState>,
    /// The model's registered resource (nested levels): its rules apply
    /// on top of the include's.
    pub registered: Option<&'a Resource>,
    /// Every model's registered resource, for nested levels below.
    pub peers: &'a [Peer],
    /// The request, for the registered resources' authentication.
    pub req: &'a rocket::Request<'a>,
}

impl<'a> Level<'a> {
    /// The resources whose rules apply at this level.
    fn rules(&self) -> Vec<&'a Resource> {
        std::iter::once(self.resource)
            .chain(self.registered)
            .collect()
    }
}

/// Refuses at ignite a resource whose nested writes would reach a model the
/// API does not register: such a write would have no rules but the include's.
///
/// # Errors
/// The message naming the resource, the include and the model.
pub(crate) fn check_nested(
    schema: &'static Schema,
    resource: &Resource,
    name: &str,
    peers: &[Peer],
) -> Result<(), SetupError> {
    if !resource.nested_writes {
        return Ok(());
    }
    for (field, child) in &resource.includes {
        let Some(fk) = schema.column(field).and_then(|c| c.references) else {
            continue; // check_includes reports it
        };
        let target = (fk.target)();
        if !peers.iter().any(|p| std::ptr::eq(p.schema, target)) {
            return Err(SetupError::resource(
                name,
                format!(
                    "nested writes through {field:?} need a registered resource for {} (its \
                     rules govern the nested rows); register one or leave nested_writes off",
                    target.type_name
                ),
            ));
        }
        check_nested(target, child, name, peers)?;
    }
    Ok(())
}

/// The transaction a write runs in, begun at the first nested write: a
/// payload that writes one row is one statement, atomic by itself, with no
/// `BEGIN`/`COMMIT` round trips around it.
pub(crate) struct WriteScope<'d> {
    db: &'d Db,
    tx: Option<Transaction<'static>>,
}

impl<'d> WriteScope<'d> {
    /// Nothing begun yet.
    pub(crate) fn lazy(db: &'d Db) -> Self {
        WriteScope { db, tx: None }
    }

    /// Inside `tx` (an update that read its row locked).
    pub(crate) fn within(db: &'d Db, tx: Transaction<'static>) -> Self {
        WriteScope { db, tx: Some(tx) }
    }

    /// The transaction, begun now if it was not.
    pub(crate) async fn tx(&mut self) -> Result<&mut Transaction<'static>, ApiError> {
        if self.tx.is_none() {
            self.tx = Some(self.db.begin().await?);
        }
        Ok(self.tx.as_mut().expect("begun above"))
    }

    /// The transaction, if one was begun.
    pub(crate) fn into_tx(self) -> Option<Transaction<'static>> {
        self.tx
    }
}

type Fields = Vec<(&'static str, Value)>;
type Prepared<'a> = Pin<Box<dyn Future<Output = Result<Fields, ApiError>> + Send + 'a>>;

fn nullish(col: &Column, json: Json) -> Json {
    match &json {
        // forms cannot say NULL: "" and "null" mean it for nullable non-text fields
        Json::String(v)
            if col.nullable && !col.sql_type.is_text() && (v.is_empty() || v == "null") =>
        {
            Json::Null
        }
        _ => json,
    }
}

/// The payload's writable fields as typed values; nested objects of included
/// keys are created or updated first and replaced by their primary keys.
pub(crate) fn prepare<'a>(
    scope: &'a mut WriteScope<'_>,
    level: Level<'a>,
    payload: Map<String, Json>,
    user: Option<&'a ApiUser>,
) -> Prepared<'a> {
    Box::pin(async move {
        let Level {
            schema,
            resource: r,
            creating,
            prefix,
            reject_unknown,
            auth,
            registered,
            peers,
            req,
        } = level;
        let rules: Vec<&Resource> = std::iter::once(r).chain(registered).collect();
        // the auth battery's user model: its password field takes a password
        let passwords = auth.filter(|a| std::ptr::eq(a.store().schema(), schema));
        let reject_unknown = reject_unknown || r.reject_unknown_fields;
        let mut out: Fields = Vec::new();
        let mut unknown = Vec::new();
        let mut invalid: Vec<(String, String)> = Vec::new();
        for (key, json) in payload {
            let password = passwords.filter(|a| a.store().password_field() == key);
            // `fields`/`exclude` shape the output only; secret columns are
            // never written as given (a password is hashed below)
            let Some(col) = schema
                .column(&key)
                .filter(|c| !c.secret || password.is_some())
            else {
                unknown.push(format!("{prefix}{key}"));
                continue;
            };
            // the owner is never taken from the payload, at any level
            let is_owner = rules
                .iter()
                .any(|r| r.owner_field.as_deref() == Some(col.field));
            let readonly = rules
                .iter()
                .any(|r| r.readonly.iter().any(|x| x == col.field));
            // the key and a version column are never taken from a payload
            if col.primary_key || col.version || readonly || is_owner {
                continue; // stripped, never written
            }
            if let Some(auth) = password {
                let field = format!("{prefix}{}", col.field);
                let Json::String(raw) = json else {
                    invalid.push((field, "a password (text)".into()));
                    continue;
                };
                let values = auth
                    .store()
                    .password_values(&auth.config, &raw, !creating)
                    .await
                    .map_err(|e| match e {
                        crate::auth::AuthError::Password(p) if !p.is_internal() => {
                            ApiError::bad_request(format!("Invalid password: {p}")).with_field(
                                "invalid_value",
                                &field,
                                p.to_string(),
                            )
                        }
                        e => ApiError::from(e),
                    })?;
                for (f, v) in values {
                    out.retain(|(o, _)| *o != f);
                    out.push((f, v));
                }
                continue;
            }
            let json = nullish(col, json);
            let json = match (json, col.references) {
                (Json::Object(obj), Some(fk)) => {
                    let target = (fk.target)();
                    let child = r
                        .includes
                        .iter()
                        .find(|(f, _)| f == col.field)
                        .map(|(_, c)| c);
                    let peer = peers.iter().find(|p| std::ptr::eq(p.schema, target));
                    match child.filter(|_| r.nested_writes).zip(peer) {
                        Some((child, peer)) => {
                            let nested = Level {
                                schema: target,
                                resource: child,
                                creating: false,
                                prefix: format!("{prefix}{}__", col.field),
                                reject_unknown,
                                auth,
                                registered: Some(&peer.resource),
                                peers,
                                req,
                            };
                            write_nested(scope, nested, obj, user).await?
                        }
                        // not included (or nested writes off): the object names its row
                        None => obj.get(target.pk().field).cloned().unwrap_or(Json::Null),
                    }
                }
                (json, _) => json,
            };
            match Value::from_json(col.sql_type, &json) {
                Ok(v) => {
                    // `user` and `user_id` name one column: the last one wins
                    out.retain(|(f, _)| *f != col.field);
                    out.push((col.field, v));
                }
                Err(expected) => invalid.push((format!("{prefix}{}", col.field), expected)),
            }
        }
        if !unknown.is_empty() && reject_unknown {
            unknown.sort();
            let mut e =
                ApiError::bad_request(format!("Unrecognized field(s): {}", unknown.join(", ")));
            for k in &unknown {
                e = e.with_field("unknown_field", k, "not a field of this resource");
            }
            return Err(e);
        }
        if !invalid.is_empty() {
            let names: Vec<&str> = invalid.iter().map(|(f, _)| f.as_str()).collect();
            let mut e =
                ApiError::bad_request(format!("Invalid value for field(s): {}", names.join(", ")));
            for (field, expected) in &invalid {
                e = e.with_field("invalid_value", field, format!("expected {expected}"));
            }
            return Err(e);
        }
        // a new row on an owner resource (the top one's or a nested one's)
        // is owned by its caller, whatever the payload said
        if let (true, Some(user)) = (creating, user) {
            for r in &rules {
                if let Some(col) = r.owner_field.as_deref().and_then(|o| schema.column(o)) {
                    r.hooks.set_owner(user, col.field, &mut out);
                }
            }
        }
        Ok(out)
    })
}

/// The caller a nested write acts as: the registered resource's
/// authentication decides when it protects `method` (401/403/429 as at its
/// own endpoint), else the parent's caller.
async fn nested_caller(
    level: &Level<'_>,
    method: rocket::http::Method,
    user: Option<&ApiUser>,
) -> Result<Option<ApiUser>, ApiError> {
    let peer = level
        .peers
        .iter()
        .find(|p| std::ptr::eq(p.schema, level.schema))
        .ok_or_else(ApiError::forbidden)?;
    if peer.auth.protected_methods().contains(&method) {
        crate::rest::authn::accepted_caller(&*peer.auth, level.req)
            .await
            .map(Some)
    } else {
        Ok(user.cloned())
    }
}

/// Creates or updates one nested object; answers with its primary key.
async fn write_nested(
    scope: &mut WriteScope<'_>,
    level: Level<'_>,
    obj: Map<String, Json>,
    user: Option<&ApiUser>,
) -> Result<Json, ApiError> {
    use rocket::http::Method;
    let schema = level.schema;
    let pk_field = schema.pk().field;
    let given_pk = obj.get(pk_field).filter(|v| !v.is_null()).cloned();
    let method = if given_pk.is_some() {
        Method::Put
    } else {
        Method::Post
    };
    if level
        .rules()
        .iter()
        .any(|r| !r.allowed_methods.contains(&method))
    {
        return Err(ApiError::method_not_allowed());
    }
    let caller = nested_caller(&level, method, user).await?;
    let user = caller.as_ref();
    let rules = level.rules();
    match given_pk {
        Some(pk_json) => {
            let pk =
                Value::from_json(schema.pk().sql_type, &pk_json).map_err(|e| {
                    let field = level.prefix.trim_end_matches("__").to_owned();
                    ApiError::bad_request(format!("Invalid value for field(s): {field}"))
                        .with_field("invalid_value", &field, format!("expected {e}"))
                })?;
            // the row must be one every resource involved lets the caller see
            let mut select = Select::new(schema);
            for r in &rules {
                select = r.hooks.get_query(select, user);
            }
            let record = select
                .filter_pk(pk.clone())
                .for_update()
                .first_record(&mut *scope.tx().await?)
                .await?
                .ok_or_else(|| {
                    let field = level.prefix.trim_end_matches("__").to_owned();
                    ApiError::bad_request(format!("`{field}` refers to a row that does not exist"))
                        .with_field("foreign_key", &field, "no such row")
                })?;
            if rules.iter().any(|r| !r.owned_by(&record, user)) {
                return Err(ApiError::forbidden());
            }
            let fields = prepare(scope, level, obj, user).await?;
            if rules
                .iter()
                .any(|r| !r.hooks.check_put(user, &record, &fields))
            {
                return Err(ApiError::forbidden());
            }
            if !fields.is_empty() {
                write::update_fields(&mut *scope.tx().await?, schema, pk.clone(), fields).await?;
            }
            Ok(pk.to_json())
        }
        None => {
            let token_owner = rules.iter().any(|r| r.owner_field.is_some())
                && user.and_then(ApiUser::user_id).is_none();
            if token_owner {
                return Err(ApiError::forbidden());
            }
            let level = Level {
                creating: true,
                ..level
            };
            let fields = prepare(scope, level, obj, user).await?;
            let new = new_record(schema, &fields);
            if rules.iter().any(|r| !r.hooks.check_post(user, &new)) {
                return Err(ApiError::forbidden());
            }
            let pk = write::insert_fields(&mut *scope.tx().await?, schema, fields).await?;
            Ok(pk.to_json())
        }
    }
}

/// The row about to be inserted, for `check_post`: the given values, the
/// rest null.
pub(crate) fn new_record(
    schema: &'static crate::db::Schema,
    values: &[(&'static str, Value)],
) -> Record {
    let mut record = Record::new(schema);
    for (field, value) in values {
        // the fields come from the schema: setting them cannot fail
        let _ = record.set(field, value.clone());
    }
    record
}
