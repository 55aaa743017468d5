//! Turning given values (query-string text, JSON, app values) into values of
//! a column's type, with the checks a write needs.

use crate::db::error::{Error, Result};
use crate::db::lookup::{Lookup, Op};
use crate::db::schema::{Column, SqlType};
use crate::db::value::Value;

/// As [`coerce_one`], for a value about to be written: text may not hold NUL.
pub(crate) fn coerce_for_write(col: &Column, v: Value) -> Result<Value> {
    if let Some(s) = v.as_str() {
        if s.contains('\0') {
            return Err(Error::invalid_value(
                col.field,
                "text without NUL (\\0) characters",
            ));
        }
        if let SqlType::Text {
            max_length: Some(max),
        } = col.sql_type
        {
            if s.chars().count() > max as usize {
                return Err(Error::invalid_value(
                    col.field,
                    format!("text of at most {max} characters"),
                ));
            }
        }
    }
    let v = coerce_one(col, v)?;
    if !col.choices.is_empty() && !v.is_null() && col.choice_label(&v).is_none() {
        let allowed: Vec<String> = col
            .choices
            .iter()
            .map(|(l, _)| l.to_value().to_string())
            .collect();
        return Err(Error::invalid_value(
            col.field,
            format!("one of {}", allowed.join(", ")),
        ));
    }
    Ok(v)
}

pub(crate) fn coerce_one(col: &Column, v: Value) -> Result<Value> {
    let v = match (v, col.sql_type) {
        (Value::Text(s), ty) if !ty.is_text() => {
            Value::parse(ty, &s).map_err(|e| Error::invalid_value(col.field, e))?
        }
        (Value::Int(i), SqlType::Float) => Value::Float(i as f64),
        (Value::Int(i), SqlType::Int) if i32::try_from(i).is_err() => {
            return Err(Error::invalid_value(col.field, "a 32-bit integer"))
        }
        (v, _) => v,
    };
    Ok(v.normalized())
}

pub(crate) fn coerce(lookup: &Lookup, values: Vec<Value>) -> Result<Vec<Value>> {
    let col = lookup.path.column;
    values
        .into_iter()
        .map(|v| match (lookup.op, &v) {
            (Op::Is | Op::IsNot, Value::Text(s))
                if matches!(s.to_ascii_lowercase().as_str(), "null" | "none") =>
            {
                Ok(Value::Null)
            }
            (Op::Is | Op::IsNot | Op::IsNull, Value::Text(s)) => {
                Value::parse(SqlType::Bool, s).map_err(|e| Error::invalid_value(col.field, e))
            }
            (Op::Is | Op::IsNot | Op::IsNull, _) => Ok(v),
            _ => coerce_one(col, v)
                .map_err(|_| Error::invalid_value(&lookup.path.dotted(), col.sql_type.expected())),
        })
        .collect()
}
