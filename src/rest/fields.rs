//! Output fields (Flask-RESTful's `fields` / `marshal`): choose, rename,
//! type, compute, nest, list and link what a resource shows — or any
//! `Serialize` value of an app's own handler ([`marshal`], [`Marshal`]).

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::db::{Record, SqlType, Value};

/// A function computing an output value from the row and its serialized form.
pub(super) type ComputeFn = dyn Fn(&Record, &Map<String, Json>) -> Json + Send + Sync;

/// A function formatting one value (Flask-RESTful's `Raw.format`).
pub(super) type FormatFn = dyn Fn(&Json) -> Json + Send + Sync;

/// The type an output value is coerced to (Flask-RESTful's `String`,
/// `Integer`, `Float`, `Boolean`, `DateTime`). A value that cannot be
/// coerced is null, never an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text: numbers and booleans are written out; null stays null.
    String,
    /// A whole number (floats truncated, numeric text parsed); null is 0,
    /// as Flask-RESTful's `Integer`.
    Integer,
    /// A number (numeric text parsed); null stays null.
    Float,
    /// Truthiness, as Python's `bool`: `0`, `""`, `[]`, `{}` are false; null
    /// stays null.
    Boolean,
    /// A timestamp in a format; null stays null.
    DateTime(DateFormat),
}

/// How a [`Kind::DateTime`] is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormat {
    /// ISO 8601 as Python's `isoformat()`: `2026-12-02T07:33:00+00:00`
    /// (microseconds only when not zero).
    Iso8601,
    /// RFC 822: `Wed, 02 Dec 2026 07:33:00 -0000`.
    Rfc822,
    /// flask-peewee's old `"%Y-%m-%d %H:%M:%S"`: `2026-12-02 07:33:00`, for
    /// clients that parse it.
    Peewee,
}

/// How one output field gets its value.
#[derive(Clone)]
pub enum Field {
    /// The value at a path of the object as the resource serializes it
    /// (`content`, or `user.username` into an included object).
    Attribute(String),
    /// Another field, or a default when that one is missing or null.
    Default(Box<Field>, Json),
    /// Computed from the row.
    Computed(Arc<ComputeFn>),
    /// An object of fields (dict-style nesting of flat columns).
    Nested(Fields),
    /// Each item of an array attribute, through a field.
    List(String, Box<Field>),
    /// A string with `{field}` placeholders from the object (`"{username} says hi"`).
    Formatted(String),
    /// A URL from a template with `{field}` placeholders; absolute URLs get
    /// the request's scheme and host.
    Url {
        /// The path template, `/api/message/{id}/`.
        template: String,
        /// Prefix `http(s)://host`.
        absolute: bool,
    },
    /// Another field coerced to a type.
    Typed(Box<Field>, Kind),
    /// The object at a path as its own scope, through fields
    /// (Flask-RESTful's `Nested`); `allow_null`: a missing object is null
    /// instead of an object of defaults.
    Scoped {
        /// The path of the object.
        path: String,
        /// Its fields.
        fields: Fields,
        /// Null for a missing object.
        allow_null: bool,
    },
    /// The value at a path through the app's formatter (Flask-RESTful's
    /// `Raw` subclasses).
    Format(String, Arc<FormatFn>),
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Attribute(a) => write!(f, "Attribute({a:?})"),
            Field::Default(inner, d) => write!(f, "Default({inner:?}, {d})"),
            Field::Computed(_) => f.write_str("Computed"),
            Field::Nested(n) => write!(f, "Nested({:?})", n.0),
            Field::List(a, inner) => write!(f, "List({a:?}, {inner:?})"),
            Field::Formatted(t) => write!(f, "Formatted({t:?})"),
            Field::Url { template, absolute } => write!(f, "Url({template:?}, {absolute})"),
            Field::Typed(inner, kind) => write!(f, "Typed({inner:?}, {kind:?})"),
            Field::Scoped {
                path,
                fields,
                allow_null,
            } => write!(f, "Scoped({path:?}, {:?}, {allow_null})", fields.0),
            Field::Format(path, _) => write!(f, "Format({path:?})"),
        }
    }
}

impl Field {
    /// The value at `path`.
    pub fn attr(path: impl Into<String>) -> Field {
        Field::Attribute(path.into())
    }

    /// A computed value.
    pub fn computed<F>(f: F) -> Field
    where
        F: Fn(&Record, &Map<String, Json>) -> Json + Send + Sync + 'static,
    {
        Field::Computed(Arc::new(f))
    }

    /// This field, or `default` when missing or null.
    pub fn or(self, default: Json) -> Field {
        Field::Default(Box::new(self), default)
    }

    /// Each item of the array at `path` through `item` (Flask-RESTful's
    /// `List`); inside, the item is at `item`: `Field::list("posts",
    /// Field::nested("item", post_fields))` is `List(Nested(post_fields))`.
    pub fn list(path: impl Into<String>, item: Field) -> Field {
        Field::List(path.into(), Box::new(item))
    }

    /// The value at `path` as text (Flask-RESTful's `String`).
    pub fn string(path: impl Into<String>) -> Field {
        Field::attr(path).typed(Kind::String)
    }

    /// The value at `path` as a whole number, null as 0 (`Integer`).
    pub fn integer(path: impl Into<String>) -> Field {
        Field::attr(path).typed(Kind::Integer)
    }

    /// The value at `path` as a number (`Float`).
    pub fn float(path: impl Into<String>) -> Field {
        Field::attr(path).typed(Kind::Float)
    }

    /// The value at `path` as a boolean (`Boolean`).
    pub fn boolean(path: impl Into<String>) -> Field {
        Field::attr(path).typed(Kind::Boolean)
    }

    /// The timestamp at `path` in `format` (`DateTime(dt_format=...)`).
    pub fn datetime(path: impl Into<String>, format: DateFormat) -> Field {
        Field::attr(path).typed(Kind::DateTime(format))
    }

    /// This field coerced to `kind`.
    pub fn typed(self, kind: Kind) -> Field {
        Field::Typed(Box::new(self), kind)
    }

    /// The object at `path` through `fields`, as its own scope
    /// (Flask-RESTful's `Nested`); see [`Field::allow_null`].
    pub fn nested(path: impl Into<String>, fields: Fields) -> Field {
        Field::Scoped {
            path: path.into(),
            fields,
            allow_null: false,
        }
    }

    /// For [`Field::nested`]: a missing object is null (default: an object
    /// of the fields' defaults).
    pub fn allow_null(self) -> Field {
        match self {
            Field::Scoped { path, fields, .. } => Field::Scoped {
                path,
                fields,
                allow_null: true,
            },
            other => other,
        }
    }

    /// The value at `path` through `format` (Flask-RESTful's custom `Raw`).
    pub fn format<F>(path: impl Into<String>, format: F) -> Field
    where
        F: Fn(&Json) -> Json + Send + Sync + 'static,
    {
        Field::Format(path.into(), Arc::new(format))
    }

    /// A relative URL from a template.
    pub fn url(template: impl Into<String>) -> Field {
        Field::Url {
            template: template.into(),
            absolute: false,
        }
    }

    /// An absolute URL from a template.
    pub fn absolute_url(template: impl Into<String>) -> Field {
        Field::Url {
            template: template.into(),
            absolute: true,
        }
    }

    fn render(&self, record: Option<&Record>, obj: &Map<String, Json>, base: &str) -> Json {
        match self {
            Field::Attribute(path) => lookup(obj, path).cloned().unwrap_or(Json::Null),
            Field::Default(inner, default) => match inner.render(record, obj, base) {
                Json::Null => default.clone(),
                v => v,
            },
            // a computed field needs a row: none in `marshal`
            Field::Computed(f) => record.map_or(Json::Null, |r| f(r, obj)),
            Field::Nested(fields) => Json::Object(fields.render_with(record, obj, base)),
            Field::List(path, inner) => match lookup(obj, path) {
                Some(Json::Array(items)) => Json::Array(
                    items
                        .iter()
                        .map(|item| {
                            let mut scope = obj.clone();
                            scope.insert("item".into(), item.clone());
                            inner.render(record, &scope, base)
                        })
                        .collect(),
                ),
                _ => Json::Array(Vec::new()),
            },
            Field::Formatted(template) => Json::String(fill(template, obj)),
            Field::Url { template, absolute } => {
                let path = fill(template, obj);
                Json::String(if *absolute {
                    format!("{base}{path}")
                } else {
                    path
                })
            }
            Field::Typed(inner, kind) => coerce(inner.render(record, obj, base), *kind),
            Field::Scoped {
                path,
                fields,
                allow_null,
            } => match lookup(obj, path) {
                Some(Json::Object(scope)) => Json::Object(fields.render_scope(scope, base)),
                _ if *allow_null => Json::Null,
                _ => Json::Object(fields.render_scope(&Map::new(), base)),
            },
            Field::Format(path, format) => format(lookup(obj, path).unwrap_or(&Json::Null)),
        }
    }
}

/// `value` coerced to `kind` (null when it cannot be).
fn coerce(value: Json, kind: Kind) -> Json {
    match (kind, value) {
        (Kind::Integer, Json::Null) => Json::from(0),
        (_, Json::Null) => Json::Null,
        (Kind::String, Json::String(s)) => Json::String(s),
        (Kind::String, v) => Json::String(v.to_string()),
        (Kind::Integer, Json::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .map_or(Json::Null, Json::from),
        (Kind::Integer, Json::String(s)) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f.trunc() as i64))
            .map_or(Json::Null, Json::from),
        (Kind::Integer, Json::Bool(b)) => Json::from(i64::from(b)),
        (Kind::Float, Json::Number(n)) => n.as_f64().map_or(Json::Null, Json::from),
        (Kind::Float, Json::String(s)) => s.trim().parse::<f64>().map_or(Json::Null, Json::from),
        (Kind::Float, Json::Bool(b)) => Json::from(if b { 1.0 } else { 0.0 }),
        (Kind::Boolean, v) => Json::Bool(match v {
            Json::Bool(b) => b,
            Json::Number(n) => n.as_f64() != Some(0.0),
            Json::String(s) => !s.is_empty(),
            Json::Array(a) => !a.is_empty(),
            Json::Object(o) => !o.is_empty(),
            Json::Null => false,
        }),
        (Kind::DateTime(format), Json::String(s)) => match Value::parse(SqlType::DateTime, &s) {
            Ok(Value::DateTime(dt)) => Json::String(format_datetime(dt, format)),
            _ => Json::Null,
        },
        (_, _) => Json::Null,
    }
}

/// A timestamp (in UTC) as `format` writes it.
fn format_datetime(dt: time::OffsetDateTime, format: DateFormat) -> String {
    let dt = dt.to_offset(time::UtcOffset::UTC);
    let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
    let (h, mi, s) = (dt.hour(), dt.minute(), dt.second());
    match format {
        DateFormat::Iso8601 => {
            let micros = dt.microsecond();
            let fraction = if micros == 0 {
                String::new()
            } else {
                format!(".{micros:06}")
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}+00:00")
        }
        DateFormat::Rfc822 => {
            let weekday = &dt.weekday().to_string()[..3];
            let month = &dt.month().to_string()[..3];
            format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} -0000")
        }
        DateFormat::Peewee => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
    }
}

fn lookup<'a>(obj: &'a Map<String, Json>, path: &str) -> Option<&'a Json> {
    let mut parts = path.split(['.']).flat_map(|p| p.split("__"));
    let first = obj.get(parts.next()?)?;
    parts.try_fold(first, |v, p| match v {
        Json::Object(m) => m.get(p),
        Json::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn fill(template: &str, obj: &Map<String, Json>) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &rest[start + 1..start + end];
        match lookup(obj, key) {
            Some(Json::String(s)) => out.push_str(s),
            Some(Json::Null) | None => {}
            Some(v) => out.push_str(&v.to_string()),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// An ordered set of output fields.
///
/// # Example
/// ```
/// use hangar::rest::{Field, Fields};
/// use serde_json::json;
/// let fields = Fields::new()
///     .field("id", Field::attr("id"))
///     .field("text", Field::attr("content"))
///     .field("author", Field::attr("user.username").or(json!("anonymous")))
///     .field("self", Field::url("/api/message/{id}/"))
///     .nest("meta", Fields::new().field("posted", Field::attr("pub_date")));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Fields(Vec<(String, Field)>);

impl Fields {
    /// No fields yet.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Adds an output field.
    pub fn field(mut self, name: impl Into<String>, field: Field) -> Fields {
        self.0.push((name.into(), field));
        self
    }

    /// Adds an object of fields.
    pub fn nest(self, name: impl Into<String>, fields: Fields) -> Fields {
        self.field(name, Field::Nested(fields))
    }

    /// The object these fields make from a row and its serialized form.
    pub fn render(
        &self,
        record: &Record,
        obj: &Map<String, Json>,
        base: &str,
    ) -> Map<String, Json> {
        self.render_with(Some(record), obj, base)
    }

    fn render_with(
        &self,
        record: Option<&Record>,
        obj: &Map<String, Json>,
        base: &str,
    ) -> Map<String, Json> {
        self.0
            .iter()
            .map(|(name, field)| (name.clone(), field.render(record, obj, base)))
            .collect()
    }

    /// The object these fields make from a JSON object alone (no row:
    /// computed fields are null).
    fn render_scope(&self, obj: &Map<String, Json>, base: &str) -> Map<String, Json> {
        self.render_with(None, obj, base)
    }
}

/// Any `Serialize` value through `fields` (Flask-RESTful's `marshal`): an
/// object becomes the fields' object, a list a list of them. Computed fields
/// read null here (there is no row); use [`Field::format`] instead.
///
/// ```
/// use hangar::rest::{marshal, DateFormat, Field, Fields};
/// use serde_json::json;
///
/// #[derive(serde::Serialize)]
/// struct Todo { task: String, done: u8, due: &'static str }
///
/// let fields = Fields::new()
///     .field("task", Field::string("task"))
///     .field("done", Field::boolean("done"))
///     .field("due", Field::datetime("due", DateFormat::Rfc822));
/// let todo = Todo { task: "write docs".into(), done: 0, due: "2026-12-02T07:33:00Z" };
/// assert_eq!(
///     marshal(&todo, &fields),
///     json!({"task": "write docs", "done": false, "due": "Wed, 02 Dec 2026 07:33:00 -0000"})
/// );
/// assert_eq!(marshal(&vec![todo], &fields).as_array().unwrap().len(), 1);
/// ```
pub fn marshal<T: serde::Serialize + ?Sized>(value: &T, fields: &Fields) -> Json {
    fn one(value: Json, fields: &Fields) -> Json {
        match value {
            Json::Object(obj) => Json::Object(fields.render_scope(&obj, "")),
            _ => Json::Object(fields.render_scope(&Map::new(), "")),
        }
    }
    match serde_json::to_value(value) {
        Ok(Json::Array(items)) => Json::Array(items.into_iter().map(|v| one(v, fields)).collect()),
        Ok(v) => one(v, fields),
        Err(_) => Json::Null,
    }
}

/// A JSON response marshalled through fields, for an app's own handlers
/// (Flask-RESTful's `marshal_with`), optionally in an envelope.
///
/// ```
/// use hangar::rest::{Field, Fields, Marshal};
///
/// #[derive(serde::Serialize)]
/// struct Todo { id: i64, task: String }
///
/// #[rocket::get("/todos")]
/// fn todos() -> Marshal {
///     let fields = Fields::new().field("id", Field::integer("id")).field("task", Field::string("task"));
///     Marshal::new(&vec![Todo { id: 1, task: "write docs".into() }], &fields).envelope("data")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Marshal(Json);

impl Marshal {
    /// `value` (an object or a list) through `fields`.
    pub fn new<T: serde::Serialize + ?Sized>(value: &T, fields: &Fields) -> Marshal {
        Marshal(marshal(value, fields))
    }

    /// Wraps the body as `{"<name>": ...}`.
    pub fn envelope(self, name: impl Into<String>) -> Marshal {
        let mut env = Map::new();
        env.insert(name.into(), self.0);
        Marshal(Json::Object(env))
    }

    /// The body.
    pub fn into_json(self) -> Json {
        self.0
    }
}

impl<'r> rocket::response::Responder<'r, 'static> for Marshal {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::serde::json::Json(self.0).respond_to(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_templates_and_follows_paths() {
        let obj = json!({"id": 3, "user": {"username": "huey"}, "tags": ["a", "b"]});
        let obj = obj.as_object().unwrap();
        assert_eq!(fill("/api/message/{id}/", obj), "/api/message/3/");
        assert_eq!(
            fill("{user.username} says {missing}hi", obj),
            "huey says hi"
        );
        assert_eq!(lookup(obj, "user__username"), Some(&json!("huey")));
        assert_eq!(lookup(obj, "tags.1"), Some(&json!("b")));
    }

    #[test]
    fn coercions_as_flask_restful() {
        assert_eq!(coerce(json!(3.9), Kind::Integer), json!(3));
        assert_eq!(coerce(json!("42"), Kind::Integer), json!(42));
        assert_eq!(coerce(Json::Null, Kind::Integer), json!(0));
        assert_eq!(coerce(json!("x"), Kind::Integer), Json::Null);
        assert_eq!(coerce(json!(7), Kind::String), json!("7"));
        assert_eq!(coerce(json!("2.5"), Kind::Float), json!(2.5));
        assert_eq!(
            coerce(json!("false"), Kind::Boolean),
            json!(true),
            "Python truthiness"
        );
        assert_eq!(coerce(json!(0), Kind::Boolean), json!(false));
        assert_eq!(coerce(Json::Null, Kind::Boolean), Json::Null);
        let at = json!("2026-12-02T07:33:00.000000Z");
        assert_eq!(
            coerce(at.clone(), Kind::DateTime(DateFormat::Rfc822)),
            json!("Wed, 02 Dec 2026 07:33:00 -0000")
        );
        assert_eq!(
            coerce(at.clone(), Kind::DateTime(DateFormat::Iso8601)),
            json!("2026-12-02T07:33:00+00:00")
        );
        assert_eq!(
            coerce(
                json!("2026-12-02T07:33:00.250000Z"),
                Kind::DateTime(DateFormat::Iso8601)
            ),
            json!("2026-12-02T07:33:00.250000+00:00")
        );
        assert_eq!(
            coerce(at, Kind::DateTime(DateFormat::Peewee)),
            json!("2026-12-02 07:33:00")
        );
        assert_eq!(
            coerce(json!("soon"), Kind::DateTime(DateFormat::Rfc822)),
            Json::Null
        );
    }

    #[test]
    fn nested_scopes_and_formatters() {
        let fields = Fields::new()
            .field(
                "who",
                Field::nested(
                    "user",
                    Fields::new().field("name", Field::string("username")),
                ),
            )
            .field(
                "editor",
                Field::nested(
                    "editor",
                    Fields::new().field("name", Field::string("username")),
                )
                .allow_null(),
            )
            .field(
                "blank",
                Field::nested("editor", Fields::new().field("n", Field::integer("n"))),
            )
            .field(
                "shout",
                Field::format("text", |v| {
                    json!(v.as_str().unwrap_or_default().to_uppercase())
                }),
            );
        let out = marshal(
            &json!({"user": {"username": "huey"}, "editor": null, "text": "hi"}),
            &fields,
        );
        assert_eq!(
            out,
            json!({"who": {"name": "huey"}, "editor": null, "blank": {"n": 0}, "shout": "HI"})
        );
    }
}
