//! The list's filter bar: one widget per filter path, chosen by the field's
//! type, and the active filters as removable chips.

use serde::Serialize;

use crate::admin::change_list::RESERVED;
use crate::admin::AdminEntry;
use crate::db::{Db, FieldPath, Lookup, Op, Schema, Select, SqlType, Value};

/// `(parameter, label)` for each foreign-key filter in force: the label of
/// the row the key points at, so chips and the filter bar read "User is
/// huey", not "User is 3".
pub(crate) async fn key_labels(
    e: &AdminEntry,
    pairs: &[(String, String)],
    rows_of: &(dyn Fn(&'static Schema) -> Select + Sync),
    db: &Db,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in pairs
        .iter()
        .filter(|(k, v)| !RESERVED.contains(&k.as_str()) && !v.is_empty())
    {
        let Ok(l) = Lookup::parse(e.schema, key) else {
            continue;
        };
        let Some(fk) = l.path.column.references else {
            continue;
        };
        if l.op != Op::Eq || out.iter().any(|(k, _): &(String, String)| k == key) {
            continue;
        }
        let target = (fk.target)();
        let Ok(pk) = Value::parse(target.pk().sql_type, value) else {
            continue;
        };
        if let Ok(Some(row)) = rows_of(target).filter_pk(pk).first_record(db).await {
            out.push((key.clone(), row.label()));
        }
    }
    out
}

pub(crate) use crate::text::{form_urlencoded as query_string, percent_encode as encode};

fn current<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    crate::admin::request::last_value(pairs, name).unwrap_or_default()
}

/// One input of a filter widget: its parameter name and current value, and
/// for a foreign key the label of the row it names.
#[derive(Serialize)]
pub(crate) struct FilterInput {
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

/// A choice of a `choice` widget.
#[derive(Serialize)]
pub(crate) struct FilterOption {
    value: String,
    label: String,
    selected: bool,
}

/// A filter bar widget (see [`filter_widgets`]); the inputs a kind does not
/// use are left out.
#[derive(Serialize)]
pub(crate) struct FilterWidget {
    path: String,
    title: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<FilterInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Vec<FilterOption>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<FilterInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<FilterInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    null: Option<FilterInput>,
}

/// A filter in force, as a removable chip: `remove` is the list's query
/// string without it (and without the page).
#[derive(Serialize)]
pub(crate) struct ActiveFilter {
    label: String,
    remove: String,
}

/// The filter widgets, one per filter path: `kind` is `choice` (a
/// dropdown of the choices), `bool` (yes/no), `fk` (the related row's key,
/// with a type-ahead lookup when configured), `range` (from/to for numbers
/// and dates), `text` (contains, case-insensitive) or `exact`; nullable
/// fields add an "is empty" dropdown.
pub(crate) fn filter_widgets(
    e: &AdminEntry,
    pairs: &[(String, String)],
    labels: &[(String, String)],
    prefix: &str,
) -> Vec<FilterWidget> {
    e.filters
        .iter()
        .map(|p| {
            let mut w = widget(e, p, pairs, prefix);
            if let Some(input) = &mut w.input {
                input.label = labels
                    .iter()
                    .find(|(k, _)| *k == input.name)
                    .map(|(_, label)| label.clone());
            }
            w
        })
        .collect()
}

fn widget(e: &AdminEntry, p: &FieldPath, pairs: &[(String, String)], prefix: &str) -> FilterWidget {
    let path = p.dotted();
    let col = p.column;
    let at = |suffix: &str| {
        let name = if suffix.is_empty() {
            path.clone()
        } else {
            format!("{path}__{suffix}")
        };
        let value = current(pairs, &name).to_owned();
        Some(FilterInput {
            name,
            value,
            label: None,
        })
    };
    let mut w = FilterWidget {
        path: path.clone(),
        title: crate::text::title_case(&path.replace("__", "_")),
        kind: "exact",
        input: None,
        options: None,
        lookup_url: None,
        from: None,
        to: None,
        input_type: None,
        null: if col.nullable { at("isnull") } else { None },
    };
    let range = |w: &mut FilterWidget, to: &str, input_type| {
        w.from = at("gte");
        w.to = at(to);
        w.input_type = Some(input_type);
        "range"
    };
    w.kind = if !col.choices.is_empty() {
        let value = current(pairs, &path);
        w.options = Some(
            col.choices
                .iter()
                .map(|(lit, label)| {
                    let v = lit.to_value().to_string();
                    FilterOption {
                        selected: v == value,
                        value: v,
                        label: (*label).to_owned(),
                    }
                })
                .collect(),
        );
        w.input = at("");
        "choice"
    } else if col.references.is_some() {
        w.input = at("");
        if p.depth() == 0 {
            w.lookup_url = Some(format!("{prefix}/{}/ajax_list?field={}", e.name, col.field));
        }
        "fk"
    } else {
        match col.sql_type {
            SqlType::Bool => {
                w.input = at("");
                "bool"
            }
            SqlType::Int | SqlType::BigInt | SqlType::Float => range(&mut w, "lte", "number"),
            SqlType::Date => range(&mut w, "lte", "date"),
            // dates: "from" the start of a day, "before" the start of another
            SqlType::DateTime => range(&mut w, "lt", "date"),
            SqlType::Text { .. } => {
                w.input = at("icontains");
                "text"
            }
            SqlType::Uuid | SqlType::Json | SqlType::Bytes => {
                w.input = at("");
                "exact"
            }
        }
    };
    w
}

/// Whether a query value reads as true the way the filter parses it.
fn is_true(value: &str) -> bool {
    Value::parse(SqlType::Bool, value) == Ok(Value::Bool(true))
}

/// What an operator reads as in a chip.
fn op_words(op: &str, value: &str) -> (String, String) {
    let words = match op {
        "eq" => "is",
        "ne" => "is not",
        "lt" => "before",
        "lte" => "≤",
        "gt" => ">",
        "gte" => "≥",
        "icontains" | "contains" => "contains",
        "isnull" | "is_null" => {
            let empty = is_true(value);
            return (
                if empty { "is empty" } else { "is not empty" }.into(),
                String::new(),
            );
        }
        other => other,
    };
    (words.to_owned(), value.to_owned())
}

/// The filters in force, as `{label, remove}` chips: `remove` is the list's
/// query string without that filter (and without the page).
pub(crate) fn active_filters(
    e: &AdminEntry,
    pairs: &[(String, String)],
    labels: &[(String, String)],
) -> Vec<ActiveFilter> {
    pairs
        .iter()
        .enumerate()
        .filter(|(_, (k, v))| !RESERVED.contains(&k.as_str()) && !v.is_empty())
        .map(|(i, (key, value))| {
            let (field, op, shown) = match Lookup::parse(e.schema, key) {
                Ok(l) => {
                    let col = l.path.column;
                    let choice = Value::parse(col.sql_type, value)
                        .ok()
                        .and_then(|v| col.choice_label(&v))
                        .map(str::to_owned);
                    let row_label = labels
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, l)| l.clone());
                    let shown = match (row_label.or(choice), col.sql_type) {
                        (Some(label), _) => label,
                        (None, SqlType::Bool) => {
                            if is_true(value) { "yes" } else { "no" }.to_owned()
                        }
                        _ => value.clone(),
                    };
                    let title = crate::text::title_case(&l.path.dotted().replace("__", "_"));
                    let not = if l.negated { "not " } else { "" };
                    (format!("{not}{title}"), l.op.name().to_owned(), shown)
                }
                Err(_) => (key.clone(), "eq".to_owned(), value.clone()),
            };
            let (words, shown) = op_words(&op, &shown);
            let rest: Vec<(String, String)> = pairs
                .iter()
                .enumerate()
                .filter(|(j, (k, _))| *j != i && k != "page")
                .map(|(_, p)| p.clone())
                .collect();
            ActiveFilter {
                label: format!("{field} {words} {shown}").trim_end().to_owned(),
                remove: format!("?{}", query_string(&rest)),
            }
        })
        .collect()
}
