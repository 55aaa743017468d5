//! `GET <prefix>/openapi.json`: an OpenAPI 3.1 document generated from the
//! registered resources — paths, methods, object schemas, the query
//! parameters each list really accepts, and the security schemes.

use crate::auth::AuthState;
use rocket::http::Method;
use serde_json::{json, Map, Value as Json};

use crate::db::Op;
use crate::db::{Column, Schema, SqlType};
use crate::rest::resource::{Pagination, Resource};
use crate::rest::state::{Entry, RestState};
use crate::rest::style::Style;

fn json_type(col: &Column) -> Json {
    let base = match col.sql_type {
        SqlType::Bool => json!({"type": "boolean"}),
        SqlType::Int => {
            json!({"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX})
        }
        SqlType::BigInt => {
            json!({"type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX})
        }
        SqlType::Float => json!({"type": "number"}),
        SqlType::Text {
            max_length: Some(n),
        } => json!({"type": "string", "maxLength": n}),
        SqlType::Text { max_length: None } => json!({"type": "string"}),
        SqlType::Bytes => {
            json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}})
        }
        SqlType::DateTime => json!({"type": "string", "format": "date-time"}),
        SqlType::Date => json!({"type": "string", "format": "date"}),
        SqlType::Uuid => json!({"type": "string", "format": "uuid"}),
        SqlType::Json => json!({}),
    };
    let mut base = base;
    if !col.choices.is_empty() {
        let values: Vec<Json> = col
            .choices
            .iter()
            .map(|(l, _)| l.to_value().to_json())
            .collect();
        base["enum"] = Json::Array(values);
    }
    nullable(base, col.nullable)
}

fn nullable(schema: Json, nullable: bool) -> Json {
    if !nullable {
        return schema;
    }
    match schema.get("type").and_then(Json::as_str) {
        Some(t) => {
            let mut s = schema.clone();
            s["type"] = json!([t, "null"]);
            if let Some(values) = s.get_mut("enum").and_then(Json::as_array_mut) {
                values.push(Json::Null);
            }
            s
        }
        None => schema,
    }
}

fn exposes(resource: &Resource, col: &Column) -> bool {
    crate::rest::marshal::exposes(resource, col)
}

/// The object schema a resource shows (included keys as nested objects).
fn object_schema(schema: &'static Schema, resource: &Resource) -> Json {
    if resource.output.is_some() {
        // output fields are code: only their being an object is known
        return json!({"type": "object"});
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    for col in schema.columns.iter().filter(|c| exposes(resource, c)) {
        let nested = resource.includes.iter().find(|(f, _)| f == col.field);
        let prop = match (nested, col.references) {
            (Some((_, child)), Some(fk)) => {
                nullable_object(object_schema((fk.target)(), child), col.nullable)
            }
            _ => json_type(col),
        };
        props.insert(col.field.to_owned(), prop);
        required.push(Json::String(col.field.to_owned()));
    }
    json!({"type": "object", "properties": props, "required": required})
}

fn nullable_object(schema: Json, nullable: bool) -> Json {
    if nullable {
        json!({"oneOf": [schema, {"type": "null"}]})
    } else {
        schema
    }
}

/// An update's payload: Flask-RESTy's must repeat the object's id.
fn update_schema(entry: &Entry, auth: Option<&AuthState>) -> Json {
    let mut schema = write_schema(entry, false, auth);
    if entry.style == Style::Resty {
        let pk = entry.schema.pk();
        schema["properties"][pk.field] = json_type(pk);
        schema["required"] = json!([pk.field]);
    }
    schema
}

/// The schema of a write payload; `creating` marks the fields a create
/// needs. Writes take every column that is not secret (`fields`/`exclude`
/// shape the output only) except the read-only ones; the auth user model's
/// password field takes a password (hashed on the way in).
fn write_schema(entry: &Entry, creating: bool, auth: Option<&AuthState>) -> Json {
    let r = &entry.resource;
    let password = auth
        .filter(|a| std::ptr::eq(a.store().schema(), entry.schema))
        .map(|a| (a.store().password_field(), a.config.min_password_length));
    let mut props = Map::new();
    let mut required = Vec::new();
    for col in entry
        .schema
        .columns
        .iter()
        .filter(|c| !c.secret || password.is_some_and(|(f, _)| f == c.field))
    {
        let stripped = col.primary_key
            || r.readonly.iter().any(|f| f == col.field)
            || r.owner_field.as_deref() == Some(col.field);
        if stripped {
            continue;
        }
        let prop = match password {
            Some((field, min)) if field == col.field => json!({
                "type": "string", "minLength": min, "writeOnly": true,
                "description": "hashed with the auth battery's rules; at most 72 bytes"
            }),
            _ => json_type(col),
        };
        props.insert(col.field.to_owned(), prop);
        if creating && !col.nullable && col.default.is_none() && !col.auto_increment {
            required.push(Json::String(col.field.to_owned()));
        }
    }
    let mut s = json!({"type": "object", "properties": props});
    if r.reject_unknown_fields {
        s["additionalProperties"] = json!(false);
    }
    if !required.is_empty() {
        s["required"] = Json::Array(required);
    }
    s
}

fn error_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "source": {"type": "object", "properties": {"pointer": {"type": "string"}}}
                },
                "required": ["code", "detail", "source"]
            }}
        },
        "required": ["error"]
    })
}

fn param(name: &str, schema: Json, description: &str) -> Json {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

/// The filter parameters a list accepts: `field`, `field__op`, `-field...` for
/// every filterable local column (deeper paths are accepted too, within the
/// resource's limits, but are not enumerated).
fn list_params(state: &RestState, entry: &Entry) -> Vec<Json> {
    let r = &entry.resource;
    let keys: Vec<&str> = r.sort_keys.iter().map(|(k, _)| k.as_str()).collect();
    let ordering = if keys.is_empty() {
        "comma-separated fields, `-` for descending; unknown fields are ignored".to_owned()
    } else {
        format!(
            "comma-separated fields or sort keys ({}), `-` for descending; unknown fields are ignored",
            keys.join(", ")
        )
    };
    let mut params = vec![param(
        entry.style.sort_param(),
        json!({"type": "string"}),
        &ordering,
    )];
    for f in &r.filters {
        let one = f
            .value_type(entry.schema)
            .map_or_else(|| json!({"type": "string"}), value_schema);
        let schema = match f.separator {
            Some(sep) => {
                json!({"type": "string", "description": format!("values separated by `{sep}`")})
            }
            None => one,
        };
        let mut p = param(&f.name, schema, &f.description);
        p["required"] = json!(f.required && f.default.is_none());
        if let (Some(d), Some(ty), None) = (&f.default, f.value_type(entry.schema), f.separator) {
            if let Ok(v) = crate::db::Value::parse(ty, d) {
                p["schema"]["default"] = v.to_json();
            }
        }
        params.push(p);
    }
    let limit = json!({"type": "integer", "minimum": 1, "maximum": i64::MAX});
    params.push(param(
        "limit",
        limit,
        &format!("page size (capped at {})", state.config.max_paginate_by),
    ));
    match r.pagination {
        Pagination::Pages => params.push(match entry.style {
            Style::Peewee => param(
                "page",
                json!({"type": "integer", "minimum": 1, "maximum": i64::MAX}),
                "page number",
            ),
            Style::Resty => param(
                "page",
                json!({"type": "integer", "minimum": 0, "maximum": i64::MAX - 1}),
                "page number, from 0",
            ),
        }),
        Pagination::LimitOffset => params.push(param(
            "offset",
            json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
            "rows to skip",
        )),
        Pagination::Cursor => {
            params.push(param(
                "cursor",
                json!({"type": "string"}),
                "continue after this cursor",
            ));
            params.push(param(
                "before",
                json!({"type": "string"}),
                "the page before this cursor",
            ));
        }
    }
    for col in entry.schema.columns.iter().filter(|c| !c.secret) {
        let path = crate::db::FieldPath {
            joins: Vec::new(),
            schema: entry.schema,
            column: col,
        };
        if !crate::rest::list_query::filter_allowed(entry, &path) {
            continue;
        }
        if r.filters.iter().any(|f| f.name == col.field) {
            continue;
        }
        let one = filter_value(col);
        params.push(param(col.field, one.clone(), "equals (`none` for NULL)"));
        for (name, op) in Op::ALL {
            if op.is_text_op() && !col.sql_type.is_text() {
                continue;
            }
            if matches!(*op, Op::Regexp | Op::IRegexp) && !r.allow_regexp {
                continue;
            }
            if matches!(
                *name,
                "le" | "ge" | "isnull" | "icontains" | "istartswith" | "iendswith"
            ) {
                continue;
            }
            let schema = match op {
                Op::In | Op::NotIn => list_value(col, None),
                Op::Between => list_value(col, Some(2)),
                Op::Is | Op::IsNot if col.sql_type == SqlType::Bool => {
                    json!({"type": "string", "enum": ["none", "null", "true", "false"]})
                }
                Op::Is | Op::IsNot => json!({"type": "string", "enum": ["none", "null"]}),
                Op::IsNull => json!({"type": "boolean"}),
                _ => one.clone(),
            };
            params.push(param(
                &format!("{}__{name}", col.field),
                schema,
                &format!("`{}` lookup", op.name()),
            ));
        }
    }
    params
}

/// The schema of one filter value for a column (as a query-string value).
fn filter_value(col: &Column) -> Json {
    value_schema(col.sql_type)
}

/// The schema of one query-string value of type `ty`.
fn value_schema(ty: SqlType) -> Json {
    match ty {
        SqlType::Bool => json!({"type": "boolean"}),
        SqlType::Int => {
            json!({"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX})
        }
        SqlType::BigInt => {
            json!({"type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX})
        }
        SqlType::Float => json!({"type": "number"}),
        SqlType::DateTime => json!({"type": "string", "format": "date-time"}),
        SqlType::Date => json!({"type": "string", "format": "date"}),
        SqlType::Uuid => json!({"type": "string", "format": "uuid"}),
        _ => json!({"type": "string"}),
    }
}

/// A comma-separated list of values (`in`, `between`) as a string pattern.
fn list_value(col: &Column, exactly: Option<usize>) -> Json {
    let item = match col.sql_type {
        SqlType::Int | SqlType::BigInt => "-?[0-9]{1,15}",
        SqlType::Float => "-?[0-9]{1,15}(\\.[0-9]{1,6})?",
        SqlType::Bool => "(true|false|1|0)",
        SqlType::Date => "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
        SqlType::Uuid => "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        SqlType::DateTime => "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z",
        _ => "[^,]*",
    };
    if col.sql_type.is_text() && exactly == Some(2) {
        return json!({"type": "string", "pattern": "^[^,]*,[^,]*$"});
    }
    let pattern = match exactly {
        Some(2) => format!("^{item},{item}$"),
        _ => format!("^{item}(,{item})*$"),
    };
    json!({"type": "string", "pattern": pattern})
}

fn security_for(entry: &Entry, method: &Method) -> Json {
    if entry.auth.protected_methods().contains(method) {
        json!([{"basicAuth": []}, {"bearerAuth": []}, {"apiKey": []}])
    } else {
        json!([{}])
    }
}

fn errors(style: Style) -> Json {
    let name = match style {
        Style::Peewee => "Error",
        Style::Resty => "RestyError",
    };
    json!({"description": "error", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
}

/// Flask-RESTy's error body.
fn resty_error_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "errors": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                    "source": {"type": "object", "properties": {
                        "pointer": {"type": "string"}, "parameter": {"type": "string"}
                    }}
                },
                "required": ["code"]
            }}
        },
        "required": ["errors"]
    })
}

/// A request body in `style`: Flask-RESTy's is JSON under `data`.
fn styled_body(style: Style, schema: Json) -> Json {
    match style {
        Style::Peewee => body(schema),
        Style::Resty => json!({
            "required": true,
            "content": {"application/json": {"schema": {
                "type": "object", "properties": {"data": schema}, "required": ["data"]
            }}}
        }),
    }
}

/// A list's response body in `style`.
fn list_body(entry: &Entry, obj_ref: &Json) -> Json {
    match entry.style {
        Style::Peewee => json!({"type": "object", "properties": {
            "meta": list_meta(entry), "objects": {"type": "array", "items": obj_ref}
        }, "required": ["meta", "objects"]}),
        Style::Resty => {
            let count = match entry.resource.count {
                crate::db::Count::None => json!({"type": ["integer", "null"]}),
                _ => json!({"type": "integer"}),
            };
            let mut meta = json!({"type": "object", "properties": {
                "has_next_page": {"type": "boolean"}, "count": count,
                "count_kind": {"type": "string", "enum": ["exact", "estimated", "none"]}
            }, "required": ["has_next_page"]});
            if entry.resource.pagination == Pagination::Cursor {
                meta["properties"]["cursors"] =
                    json!({"type": "array", "items": {"type": "string"}});
                meta["required"] = json!(["has_next_page", "cursors"]);
            }
            json!({"type": "object", "properties": {
                "data": {"type": "array", "items": obj_ref}, "meta": meta
            }, "required": ["data", "meta"]})
        }
    }
}

fn ok(schema: Json, description: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn body(schema: Json) -> Json {
    json!({
        "required": true,
        "content": {
            "application/json": {"schema": schema.clone()},
            "application/x-www-form-urlencoded": {"schema": schema}
        }
    })
}

fn list_meta(entry: &Entry) -> Json {
    let nullable_str = json!({"type": "string"});
    // null when the resource does not count (`Count::None`)
    let count = match entry.resource.count {
        crate::db::Count::None => json!({"type": ["integer", "null"]}),
        _ => json!({"type": "integer"}),
    };
    let kind = json!({"type": "string", "enum": ["exact", "estimated", "none"]});
    match entry.resource.pagination {
        Pagination::Pages => json!({"type": "object", "properties": {
            "model": {"type": "string"}, "page": {"type": "integer"}, "page_count": count.clone(),
            "object_count": count, "count_kind": kind, "next": nullable_str, "previous": nullable_str
        }, "required": ["model", "page", "page_count", "object_count", "count_kind", "next", "previous"]}),
        Pagination::LimitOffset => json!({"type": "object", "properties": {
            "model": {"type": "string"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
            "object_count": count, "count_kind": kind, "next": nullable_str, "previous": nullable_str
        }, "required": ["model", "limit", "offset", "object_count", "count_kind", "next", "previous"]}),
        Pagination::Cursor => json!({"type": "object", "properties": {
            "model": {"type": "string"}, "limit": {"type": "integer"},
            "cursors": {"type": "array", "items": {"type": "string"}},
            "has_next_page": {"type": "boolean"}, "has_previous_page": {"type": "boolean"},
            "next": nullable_str, "previous": nullable_str
        }, "required": ["model", "cursors", "has_next_page", "next", "previous"]}),
    }
}

/// The OpenAPI 3.1 document of an API (`auth`: the auth battery, when
/// attached, which makes its user model's password field writable).
pub fn document(state: &RestState, auth: Option<&AuthState>) -> Json {
    let prefix = state.config.prefix.trim_end_matches('/');
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    schemas.insert("RestyError".into(), resty_error_schema());
    for entry in &state.entries {
        let title = entry.name.clone();
        let obj_ref = json!({"$ref": format!("#/components/schemas/{title}")});
        let single = match &entry.resource.envelope {
            Some(name) => {
                json!({"type": "object", "properties": {name.as_str(): obj_ref.clone()}, "required": [name]})
            }
            None => obj_ref.clone(),
        };
        let single = match entry.style {
            Style::Peewee => single,
            Style::Resty => {
                json!({"type": "object", "properties": {"data": single}, "required": ["data"]})
            }
        };
        let style = entry.style;
        schemas.insert(title.clone(), object_schema(entry.schema, &entry.resource));
        let allowed = |m: Method| entry.resource.allowed_methods.contains(&m);
        let pk = entry.schema.pk();
        let pk_param =
            json!({"name": "pk", "in": "path", "required": true, "schema": json_type(pk)});
        let tagged = |body: Json| {
            let mut body = body;
            body["headers"] =
                json!({"ETag": {"schema": {"type": "string"}, "description": "the row's version"}});
            body
        };
        let mut list = Map::new();
        if allowed(Method::Get) {
            list.insert(
                "get".into(),
                json!({
                    "operationId": format!("list_{title}"),
                    "tags": [title],
                    "parameters": list_params(state, entry),
                    "security": security_for(entry, &Method::Get),
                    "responses": {
                        "200": ok(list_body(entry, &obj_ref), "a page of objects"),
                        "default": errors(style)
                    }
                }),
            );
        }
        if allowed(Method::Post) {
            list.insert(
                "post".into(),
                json!({
                    "operationId": format!("create_{title}"),
                    "tags": [title],
                    "requestBody": styled_body(style, write_schema(entry, true, auth)),
                    "security": security_for(entry, &Method::Post),
                    "responses": {"201": tagged(ok(single.clone(), "created")), "default": errors(style)}
                }),
            );
        }
        paths.insert(format!("{prefix}/{title}/"), Json::Object(list));
        let mut detail = Map::new();
        // the row's version: an ETag on answers, If-None-Match on reads,
        // If-Match on writes (412 when stale, 428 when required and missing)
        let if_none_match = json!({"name": "If-None-Match", "in": "header", "required": false,
            "schema": {"type": "string"}, "description": "304 when it names the current ETag"});
        let if_match = json!({"name": "If-Match", "in": "header",
            "required": entry.resource.require_if_match, "schema": {"type": "string"},
            "description": "the ETag the change is based on: 412 when the object changed since"});
        if allowed(Method::Get) {
            detail.insert(
                "get".into(),
                json!({
                    "operationId": format!("get_{title}"), "tags": [title],
                    "parameters": [pk_param.clone(), if_none_match],
                    "security": security_for(entry, &Method::Get),
                    "responses": {"200": tagged(ok(single.clone(), "the object")),
                                  "304": {"description": "not modified since the ETag given"},
                                  "default": errors(style)}
                }),
            );
        }
        for (verb, method) in [("put", Method::Put), ("patch", Method::Patch)] {
            if allowed(method) {
                detail.insert(verb.into(), json!({
                    "operationId": format!("{verb}_{title}"), "tags": [title],
                    "parameters": [pk_param.clone(), if_match.clone()],
                    "requestBody": styled_body(style, update_schema(entry, auth)),
                    "security": security_for(entry, &method),
                    "responses": {"200": tagged(ok(single.clone(), "the updated object")), "default": errors(style)}
                }));
            }
        }
        if allowed(Method::Delete) {
            detail.insert("delete".into(), json!({
                "operationId": format!("delete_{title}"), "tags": [title],
                "parameters": [pk_param.clone(), if_match.clone()],
                "security": security_for(entry, &Method::Delete),
                "responses": match style {
                    Style::Peewee => json!({"200": ok(json!({"type": "object", "properties": {"deleted": {"type": "integer"}},
                        "required": ["deleted"]}), "deleted"), "default": errors(style)}),
                    Style::Resty => json!({"204": {"description": "deleted"}, "default": errors(style)}),
                }
            }));
        }
        paths.insert(format!("{prefix}/{title}/{{pk}}/"), Json::Object(detail));
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Hangar REST API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            }
        }
    })
}
