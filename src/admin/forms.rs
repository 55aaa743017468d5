//! Forms generated from the schema: what each field renders as, and parsing
//! submitted values back into column values with per-field messages.

use serde::Serialize;

use crate::admin::request::last_value;
use crate::db::{Column, Record, Schema, SqlType, Value};

/// One form field as the templates render it.
#[derive(Clone, Debug, Serialize)]
pub struct FormField {
    /// The field name (and input name).
    pub name: String,
    /// The label ("Pub Date").
    pub label: String,
    /// `text`, `textarea`, `integer`, `number`, `checkbox`, `datetime-local`, `date`,
    /// `select`, `lookup` (a foreign key picked by type-ahead), `password`,
    /// `static` (a read-only computed value).
    pub widget: &'static str,
    /// The current value, as the input shows it.
    pub value: String,
    /// Whether a value is needed.
    pub required: bool,
    /// Shown but not editable.
    pub readonly: bool,
    /// `(value, label, selected)` for selects (choices and foreign keys).
    pub options: Vec<(String, String, bool)>,
    /// `maxlength` for text inputs.
    pub max_length: Option<u32>,
    /// The message when the submitted value was refused.
    pub error: Option<String>,
    /// For a foreign key with a type-ahead lookup: the JSON endpoint to search.
    pub lookup_url: Option<String>,
    /// For a foreign key with a type-ahead lookup: the current row's label.
    pub lookup_label: Option<String>,
    /// A hint shown under the input.
    pub help: Option<String>,
}

/// The text an input shows for a value.
pub(crate) fn input_value(col: &Column, v: &Value) -> String {
    match (col.sql_type, v) {
        (_, Value::Null) => String::new(),
        (SqlType::DateTime, Value::DateTime(dt)) => {
            let dt = dt.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            )
        }
        (_, v) => v.to_string(),
    }
}

fn widget(col: &Column) -> &'static str {
    if !col.choices.is_empty() || col.references.is_some() {
        return "select";
    }
    match col.sql_type {
        SqlType::Bool => "checkbox",
        SqlType::Int | SqlType::BigInt => "integer",
        SqlType::Float => "number",
        SqlType::DateTime => "datetime-local",
        SqlType::Date => "date",
        SqlType::Text {
            max_length: Some(n),
        } if n <= 255 => "text",
        SqlType::Text { .. } | SqlType::Json => "textarea",
        SqlType::Uuid | SqlType::Bytes => "text",
    }
}

/// The form's fields for a row (or a new one), with submitted values and
/// messages when re-rendering.
pub(crate) fn form_fields(
    schema: &Schema,
    editable: &[&'static Column],
    readonly: &[String],
    record: Option<&Record>,
    submitted: &[(String, String)],
    errors: &[(String, String)],
    fk_options: &[(String, Vec<(String, String)>)],
) -> Vec<FormField> {
    editable
        .iter()
        .map(|col| {
            let current = last_value(submitted, col.field)
                .map(str::to_owned)
                .or_else(|| {
                    record
                        .and_then(|r| r.get(col.field))
                        .map(|v| input_value(col, v))
                })
                .or_else(|| col.default.map(|d| input_value(col, &d.value())))
                .unwrap_or_default();
            let options: Vec<(String, String, bool)> = if !col.choices.is_empty() {
                col.choices
                    .iter()
                    .map(|(lit, label)| {
                        let v = lit.to_value().to_string();
                        let selected = v == current;
                        (v, (*label).to_owned(), selected)
                    })
                    .collect()
            } else {
                fk_options
                    .iter()
                    .find(|(f, _)| f == col.field)
                    .map(|(_, opts)| {
                        opts.iter()
                            .map(|(v, label)| (v.clone(), label.clone(), *v == current))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let _ = schema;
            FormField {
                name: col.field.to_owned(),
                label: col.title(),
                widget: widget(col),
                value: current,
                required: !col.nullable && col.default.is_none() && col.sql_type != SqlType::Bool,
                readonly: readonly.iter().any(|r| r == col.field),
                options,
                max_length: match col.sql_type {
                    SqlType::Text { max_length } => max_length,
                    _ => None,
                },
                error: errors
                    .iter()
                    .find(|(f, _)| f == col.field)
                    .map(|(_, m)| m.clone()),
                lookup_url: None,
                lookup_label: None,
                help: None,
            }
        })
        .collect()
}

/// Parsed values and `(field, message)` for the refused ones.
pub(crate) type Parsed = (Vec<(&'static str, Value)>, Vec<(String, String)>);

/// Parses submitted values for the editable, non-readonly fields.
/// Returns the values and `(field, message)` for every refused one.
pub(crate) fn parse_submission(
    editable: &[&'static Column],
    readonly: &[String],
    submitted: &[(String, String)],
) -> Parsed {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for col in editable
        .iter()
        .filter(|c| !readonly.iter().any(|r| r == c.field))
    {
        let raw = last_value(submitted, col.field);
        if col.sql_type == SqlType::Bool {
            // an unticked checkbox sends nothing
            values.push((
                col.field,
                Value::Bool(raw.is_some_and(|v| v != "false" && v != "0")),
            ));
            continue;
        }
        let raw = raw.unwrap_or_default();
        if raw.trim().is_empty() && !col.sql_type.is_text() || raw.is_empty() && col.nullable {
            if col.nullable {
                values.push((col.field, Value::Null));
            } else if col.default.is_none() {
                errors.push((col.field.to_owned(), "This field is required.".to_owned()));
            }
            continue;
        }
        if raw.is_empty() && col.default.is_none() && !col.nullable {
            errors.push((col.field.to_owned(), "This field is required.".to_owned()));
            continue;
        }
        match Value::parse(col.sql_type, raw) {
            Ok(v) => values.push((col.field, v)),
            Err(expected) => errors.push((col.field.to_owned(), format!("Enter {expected}."))),
        }
    }
    (values, errors)
}
