//! Turning a payload into column values, writing nested objects of included
//! resources first (in a transaction begun for them), with every level's
//! read-only fields stripped and its own `check_post`/`check_put` applied.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value as Json};

use crate::auth::AuthState;
use crate::db::{write, Column, Db, Schema, Select, Transaction, Value};
use crate::rest::caller::ApiUser;
use crate::rest::error::ApiError;
use crate::rest::resource::Resource;

/// Where a payload sits in the object graph.
pub(crate) struct Level<'a> {
    pub schema: &'static Schema,
    pub resource: &'a Resource,
    pub creating: bool,
    /// The top object (owner rules apply there).
    pub root: bool,
    /// `user__` for a nested user, empty at the top.
    pub prefix: String,
    /// Unknown keys are an error (the top resource's `reject_unknown_fields`).
    pub reject_unknown: bool,
    /// The auth battery, when attached: a password written to its user
    /// model is hashed by its rules.
    pub auth: Option<&'a AuthState>,
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
            root,
            prefix,
            reject_unknown,
            auth,
        } = level;
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
            let is_owner = r.owner_field.as_deref() == Some(col.field);
            if col.primary_key || r.readonly.iter().any(|x| x == col.field) || is_owner {
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
                    match child.filter(|_| r.nested_writes) {
                        Some(child) => {
                            let nested = Level {
                                schema: target,
                                resource: child,
                                creating: false,
                                root: false,
                                prefix: format!("{prefix}{}__", col.field),
                                reject_unknown,
                                auth,
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
        if let (true, true, Some(owner), Some(user)) =
            (root, creating, r.owner_field.as_deref(), user)
        {
            if let Some(col) = schema.column(owner) {
                r.hooks.set_owner(user, col.field, &mut out);
            }
        }
        Ok(out)
    })
}

/// Creates or updates one nested object; answers with its primary key.
async fn write_nested(
    scope: &mut WriteScope<'_>,
    level: Level<'_>,
    obj: Map<String, Json>,
    user: Option<&ApiUser>,
) -> Result<Json, ApiError> {
    let schema = level.schema;
    let child = level.resource;
    let pk_field = schema.pk().field;
    let given_pk = obj.get(pk_field).filter(|v| !v.is_null()).cloned();
    match given_pk {
        Some(pk_json) => {
            let pk =
                Value::from_json(schema.pk().sql_type, &pk_json).map_err(|e| {
                    let field = level.prefix.trim_end_matches("__").to_owned();
                    ApiError::bad_request(format!("Invalid value for field(s): {field}"))
                        .with_field("invalid_value", &field, format!("expected {e}"))
                })?;
            if !child.allowed_methods.contains(&rocket::http::Method::Put) {
                return Err(ApiError::method_not_allowed());
            }
            let record = child
                .hooks
                .get_query(Select::new(schema), user)
                .filter_pk(pk.clone())
                .for_update()
                .first_record(&mut *scope.tx().await?)
                .await?
                .ok_or_else(|| {
                    let field = level.prefix.trim_end_matches("__").to_owned();
                    ApiError::bad_request(format!("`{field}` refers to a row that does not exist"))
                        .with_field("foreign_key", &field, "no such row")
                })?;
            if !crate::rest::handlers::owner_ok(child, &record, user) {
                return Err(ApiError::forbidden());
            }
            let fields = prepare(scope, level, obj, user).await?;
            if !child.hooks.check_put(user, &record, &fields) {
                return Err(ApiError::forbidden());
            }
            if !fields.is_empty() {
                write::update_fields(&mut *scope.tx().await?, schema, pk.clone(), fields).await?;
            }
            Ok(pk.to_json())
        }
        None => {
            if !child.allowed_methods.contains(&rocket::http::Method::Post) {
                return Err(ApiError::method_not_allowed());
            }
            let token_owner =
                child.owner_field.is_some() && user.and_then(ApiUser::user_id).is_none();
            if token_owner {
                return Err(ApiError::forbidden());
            }
            let level = Level {
                creating: true,
                ..level
            };
            let fields = prepare(scope, level, obj, user).await?;
            if !child
                .hooks
                .check_post(user, &crate::rest::handlers::new_record(schema, &fields))
            {
                return Err(ApiError::forbidden());
            }
            let pk = write::insert_fields(&mut *scope.tx().await?, schema, fields).await?;
            Ok(pk.to_json())
        }
    }
}
