//! Output fields (Flask-RESTful's `fields` / `marshal`): choose, rename,
//! compute, nest, list and link what a resource shows.

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::db::Record;

/// A function computing an output value from the row and its serialized form.
pub type ComputeFn = dyn Fn(&Record, &Map<String, Json>) -> Json + Send + Sync;

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

    fn render(&self, record: &Record, obj: &Map<String, Json>, base: &str) -> Json {
        match self {
            Field::Attribute(path) => lookup(obj, path).cloned().unwrap_or(Json::Null),
            Field::Default(inner, default) => match inner.render(record, obj, base) {
                Json::Null => default.clone(),
                v => v,
            },
            Field::Computed(f) => f(record, obj),
            Field::Nested(fields) => Json::Object(fields.render(record, obj, base)),
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
        }
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
        self.0
            .iter()
            .map(|(name, field)| (name.clone(), field.render(record, obj, base)))
            .collect()
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
}
