//! Named query-string filters and sort keys of a resource (Flask-RESTy's
//! `ColumnFilter`/`ModelFilter` and `FieldSortingBase`), and
//! [`QueryParams`], the list's query parameters as `ResourceHooks::list_query`
//! reads them.

use std::sync::Arc;

use rocket::form::{Form, FromForm, ValueField};

use crate::db::{Lookup, Op, Schema, Select, SqlType, Value};
use crate::rest::error::ApiError;

type Apply = Arc<dyn Fn(Select, &[Value]) -> Result<Select, ApiError> + Send + Sync>;

#[derive(Clone)]
enum How {
    /// `path op value` through the query language's lookups.
    Lookup { path: String, op: Op },
    /// The app's closure over the typed values.
    Custom { ty: SqlType, apply: Apply },
}

/// A named filter a list accepts as `?<name>=<value>`: an operator on a
/// field ([`Filter::field`]) or the app's own closure ([`Filter::custom`]),
/// with a typed value (a value that does not parse is a 400 naming the
/// parameter), optionally required, with a default, or with several values
/// in one parameter (`separator`). Repeated parameters give several values;
/// a lookup ORs them (or ANDs them for exclusions) as the query language does.
///
/// ```
/// use hangar::db::{Op, SqlType, Value};
/// use hangar::rest::{ApiError, Filter, Resource};
///
/// let messages = Resource::new()
///     // ?author=huey → user__username = 'huey'
///     .filter(Filter::field("author", "user__username", Op::Eq))
///     // ?ids=1,2,3 → id IN (1, 2, 3)
///     .filter(Filter::field("ids", "id", Op::In).separator(','))
///     // ?since_days=7 → the app's own condition over a typed value
///     .filter(Filter::custom("since_days", SqlType::Int, |select, values| {
///         let days = values.first().and_then(Value::as_i64).unwrap_or(0);
///         let since = hangar::db::now() - time::Duration::days(days.clamp(0, 36_500));
///         Ok(select.filter("pub_date", Op::Gte, since)?)
///     }).required())
///     .sort_key("author", ["user__username", "-pub_date"]);
/// ```
#[derive(Clone)]
pub struct Filter {
    pub(crate) name: String,
    how: How,
    pub(crate) required: bool,
    pub(crate) default: Option<String>,
    pub(crate) separator: Option<char>,
    pub(crate) description: String,
}

impl Filter {
    /// `?<name>=v` filters `path` (`user__username` crosses keys) with `op`.
    /// The path is checked against the model at launch.
    pub fn field(name: impl Into<String>, path: impl Into<String>, op: Op) -> Filter {
        let path = path.into();
        Filter {
            description: format!("`{path}` {}", op.name()),
            name: name.into(),
            how: How::Lookup { path, op },
            required: false,
            default: None,
            separator: None,
        }
    }

    /// `?<name>=v` runs `apply(select, values)` with the values parsed as `ty`.
    pub fn custom<F>(name: impl Into<String>, ty: SqlType, apply: F) -> Filter
    where
        F: Fn(Select, &[Value]) -> Result<Select, ApiError> + Send + Sync + 'static,
    {
        Filter {
            name: name.into(),
            how: How::Custom {
                ty,
                apply: Arc::new(apply),
            },
            required: false,
            default: None,
            separator: None,
            description: String::new(),
        }
    }

    /// A list without this parameter is a 400 naming it.
    pub fn required(mut self) -> Filter {
        self.required = true;
        self
    }

    /// The value used when the parameter is absent.
    pub fn default(mut self, value: impl Into<String>) -> Filter {
        self.default = Some(value.into());
        self
    }

    /// One parameter holds several values split by `separator` (`?ids=1,2`).
    pub fn separator(mut self, separator: char) -> Filter {
        self.separator = Some(separator);
        self
    }

    /// The parameter's description in the OpenAPI document.
    pub fn describe(mut self, text: impl Into<String>) -> Filter {
        self.description = text.into();
        self
    }

    /// The value type (the column's for a field filter).
    pub(crate) fn value_type(&self, schema: &'static Schema) -> Option<SqlType> {
        match &self.how {
            How::Custom { ty, .. } => Some(*ty),
            How::Lookup { path, .. } => crate::db::FieldPath::resolve(schema, path)
                .ok()
                .map(|p| p.column.sql_type),
        }
    }

    /// Checks a field filter's path at launch.
    pub(crate) fn check(&self, schema: &'static Schema) -> Result<(), String> {
        match &self.how {
            How::Lookup { path, op } => Lookup::parse(schema, &format!("{path}__{}", op.name()))
                .map(drop)
                .map_err(|e| format!("filter {:?}: {e}", self.name)),
            How::Custom { .. } => Ok(()),
        }
    }

    /// Applies the filter to `select` for the parameter's `raw` values.
    fn apply(
        &self,
        schema: &'static Schema,
        select: Select,
        raw: &[&str],
    ) -> Result<Select, ApiError> {
        let bad = |detail: String| {
            ApiError::bad_request(format!("Invalid value for `{}`: {detail}", self.name))
                .with_parameter("invalid_value", &self.name, detail)
        };
        let split: Vec<&str> = match self.separator {
            Some(sep) => raw
                .iter()
                .flat_map(|r| r.split(sep))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect(),
            None => raw.to_vec(),
        };
        match &self.how {
            How::Lookup { path, op } => {
                let lookup = Lookup::parse(schema, &format!("{path}__{}", op.name()))
                    .map_err(|e| bad(e.to_string()))?;
                let values = lookup
                    .values_from_strings(&split)
                    .map_err(|e| bad(e.to_string()))?;
                Ok(select.where_lookup_values(lookup, values)?)
            }
            How::Custom { ty, apply } => {
                let values = split
                    .iter()
                    .map(|v| {
                        Value::parse(*ty, v).map_err(|expected| bad(format!("expected {expected}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                apply(select, &values)
            }
        }
    }
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("name", &self.name)
            .field("required", &self.required)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

/// Applies the resource's named filters for `pairs`.
///
/// # Errors
/// A 400 naming a missing required parameter or a value that does not parse.
pub(crate) fn apply_named(
    filters: &[Filter],
    schema: &'static Schema,
    mut select: Select,
    pairs: &[(String, String)],
) -> Result<Select, ApiError> {
    for filter in filters {
        let mut raw: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| *k == filter.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if raw.is_empty() {
            match (&filter.default, filter.required) {
                (Some(d), _) => raw.push(d),
                (None, true) => {
                    return Err(ApiError::bad_request(format!(
                        "The parameter `{}` is required",
                        filter.name
                    ))
                    .with_parameter("missing", &filter.name, "required"))
                }
                (None, false) => continue,
            }
        }
        select = filter.apply(schema, select, &raw)?;
    }
    Ok(select)
}

/// A list request's query parameters, as [`ResourceHooks::list_query`]
/// reads them: by name, or all at once into the app's own `FromForm` type.
///
/// [`ResourceHooks::list_query`]: crate::rest::ResourceHooks::list_query
///
/// ```
/// use hangar::rest::QueryParams;
///
/// #[derive(rocket::FromForm)]
/// struct Window { days: Option<u32> }
///
/// let pairs = vec![("days".to_owned(), "7".to_owned()), ("page".to_owned(), "2".to_owned())];
/// let params = QueryParams::new(&pairs);
/// assert_eq!(params.get("days"), Some("7"));
/// let window: Window = params.parse().unwrap();
/// assert_eq!(window.days, Some(7));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct QueryParams<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> QueryParams<'a> {
    /// The parameters `pairs` (decoded, in order).
    pub fn new(pairs: &'a [(String, String)]) -> QueryParams<'a> {
        QueryParams { pairs }
    }

    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&'a str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The parameters as the app's `FromForm` type (unknown names are
    /// ignored, as Rocket does for query strings).
    ///
    /// # Errors
    /// A 400 naming the parameters that do not parse.
    pub fn parse<T>(&self) -> Result<T, ApiError>
    where
        T: for<'v> FromForm<'v>,
    {
        let fields = self
            .pairs
            .iter()
            .map(|(k, v)| ValueField::from((k.as_str(), v.as_str())));
        Form::<T>::parse_iter(fields).map_err(|errors| {
            let mut e = ApiError::bad_request(format!("Invalid query parameters: {errors}"));
            for err in errors.iter() {
                let name = err
                    .name
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                e = e.with_parameter("invalid_value", &name, err.kind.to_string());
            }
            e
        })
    }
}
