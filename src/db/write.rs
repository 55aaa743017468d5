//! INSERT and UPDATE: the single place write SQL is built.

use crate::db::backend::Backend;
use crate::db::coerce::coerce_for_write;
use crate::db::error::{Error, Result};
use crate::db::executor::Executor;
use crate::db::query::Select;
use crate::db::record::Record;
use crate::db::registry::Registry;
use crate::db::schema::{Column, Schema, SqlType};
use crate::db::sql::{SqlWriter, Statement};
use crate::db::value::Value;

/// Whether the column's value should be left for the database to assign.
fn db_assigned(col: &Column, v: &Value) -> bool {
    col.auto_increment && (v.is_null() || *v == Value::Int(0))
}

/// Inserts a full record and returns the new primary key.
///
/// # Errors
/// Constraint violations naming the field ([`Error::Unique`],
/// [`Error::ForeignKey`], [`Error::Required`]).
pub async fn insert<E: Executor>(ex: E, record: Record) -> Result<Value> {
    let schema = record.schema();
    let values: Vec<(&'static Column, Value)> = schema
        .columns
        .iter()
        .zip(record.into_values())
        .filter(|(c, v)| !db_assigned(c, v))
        .collect();
    Ok(insert_values(ex, schema, values, false).await?.0)
}

/// Inserts the given fields (by name); fields not given take their default,
/// or `NULL` when nullable. Values given as text are parsed for the column.
///
/// # Errors
/// [`Error::UnknownField`], [`Error::InvalidValue`], [`Error::Required`] for a
/// missing required field (before anything is sent), constraint violations.
///
/// # Example
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Item { id: i64, name: String, #[model(default = 3)] qty: i32 }
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, Item::schema()).await.unwrap();
/// let pk = hangar::db::write::insert_fields(&db, Item::schema(), vec![("name", "bolt".into())])
///     .await.unwrap();
/// let item = Item::get(&db, pk).await.unwrap();
/// assert_eq!(item.qty, 3);
/// # });
/// ```
pub async fn insert_fields<E: Executor>(
    ex: E,
    schema: &'static Schema,
    fields: Vec<(&str, Value)>,
) -> Result<Value> {
    let values = values_to_insert(schema, fields)?;
    Ok(insert_values(ex, schema, values, false).await?.0)
}

/// [`insert_fields`], answering with the stored row as well where the
/// backend can give it back in the same statement (`RETURNING` every column
/// on PostgreSQL and SQLite: defaults and database-assigned values
/// included, no second query); `None` on MySQL, whose caller reads the row
/// by its primary key.
///
/// # Errors
/// As [`insert_fields`].
///
/// ```
/// # use hangar::Model;
/// # use hangar::db::{Model as _, Table as _};
/// # #[derive(Model)] struct Item { id: i64, name: String, #[model(default = 3)] qty: i32 }
/// # rocket::async_test(async {
/// # let db = hangar::db::Db::connect("sqlite::memory:").await.unwrap();
/// # hangar::db::ddl::create_table(&db, Item::schema()).await.unwrap();
/// let (pk, row) = hangar::db::write::insert_fields_returning(&db, Item::schema(), vec![("name", "bolt".into())])
///     .await.unwrap();
/// let row = row.expect("SQLite gives the row back");
/// assert_eq!(row.get("qty"), Some(&hangar::db::Value::Int(3)));
/// assert_eq!(row.pk(), &pk);
/// # });
/// ```
pub async fn insert_fields_returning<E: Executor>(
    ex: E,
    schema: &'static Schema,
    fields: Vec<(&str, Value)>,
) -> Result<(Value, Option<Record>)> {
    let values = values_to_insert(schema, fields)?;
    insert_values(ex, schema, values, true).await
}

/// The values an insert sends: the given fields, defaults for the rest,
/// columns the database assigns left out.
fn values_to_insert(
    schema: &'static Schema,
    fields: Vec<(&str, Value)>,
) -> Result<Vec<(&'static Column, Value)>> {
    let mut given: Vec<Option<Value>> = vec![None; schema.columns.len()];
    for (name, v) in fields {
        let i = schema
            .index_of(name)
            .ok_or_else(|| Error::unknown_field(schema, name))?;
        given[i] = Some(v);
    }
    let mut values = Vec::with_capacity(schema.columns.len());
    for (col, v) in schema.columns.iter().zip(given) {
        let v = match v {
            Some(v) => v,
            None if col.auto_increment => continue,
            None => match col.default {
                Some(d) => d.value(),
                None if col.nullable => Value::Null,
                None => {
                    return Err(Error::Required {
                        field: col.field.into(),
                    })
                }
            },
        };
        if db_assigned(col, &v) {
            continue;
        }
        values.push((col, v));
    }
    Ok(values)
}

/// Runs the insert; with `whole_row`, the stored row comes back too where
/// the backend has `RETURNING`.
async fn insert_values<E: Executor>(
    mut ex: E,
    schema: &'static Schema,
    values: Vec<(&'static Column, Value)>,
    whole_row: bool,
) -> Result<(Value, Option<Record>)> {
    let backend = ex.backend();
    let pk = schema.pk();
    let mut given_pk = None;
    let mut given = Vec::with_capacity(values.len());
    for (col, v) in values {
        let v = coerce_for_write(col, v)?;
        if v.is_null() && !col.nullable {
            return Err(Error::Required {
                field: col.field.into(),
            });
        }
        if col.primary_key {
            given_pk = Some(v.clone());
        }
        given.push((col, v));
    }
    let whole_row = whole_row && backend.supports_returning();
    let stmt = insert_returning(backend, ex.registry(), schema, &given, whole_row);
    let result = if whole_row {
        let types: Vec<SqlType> = schema.columns.iter().map(|c| c.sql_type).collect();
        ex.fetch(stmt, &types)
            .await
            .map(|rows| match rows.into_iter().next() {
                Some(row) => {
                    let record = Record::from_values(schema, row);
                    (record.pk().clone(), Some(record))
                }
                None => (Value::Null, None),
            })
    } else if backend.supports_returning() {
        ex.fetch(stmt, &[pk.sql_type]).await.map(|rows| {
            let pk = rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .unwrap_or(Value::Null);
            (pk, None)
        })
    } else {
        ex.execute(stmt).await.map(|r| {
            let pk = given_pk
                .clone()
                .unwrap_or_else(|| r.last_insert_id.map_or(Value::Null, Value::Int));
            (pk, None)
        })
    };
    match result {
        Ok(pk) => Ok(pk),
        Err(e) => Err(name_field(&mut ex, schema, e, &given).await),
    }
}

/// `INSERT INTO t (cols) VALUES (...)`, with `RETURNING pk` where the
/// backend has it (else the driver's last insert id is read).
#[cfg(test)]
pub(crate) fn insert_statement(
    backend: Backend,
    registry: &Registry,
    schema: &Schema,
    given: &[(&'static Column, Value)],
) -> Statement {
    insert_returning(backend, registry, schema, given, false)
}

/// The INSERT, `RETURNING` every column with `whole_row` (else the key).
fn insert_returning(
    backend: Backend,
    registry: &Registry,
    schema: &Schema,
    given: &[(&'static Column, Value)],
    whole_row: bool,
) -> Statement {
    let mut w = SqlWriter::new(backend, registry);
    w.push("INSERT INTO ").push_table(schema);
    if given.is_empty() {
        w.push(backend.insert_defaults());
    } else {
        w.push(" (");
        w.push_separated(given, ", ", |w, (col, _)| {
            w.push_ident(col.name);
        });
        w.push(") VALUES (");
        w.push_separated(given, ", ", |w, (col, v)| {
            w.push_bind(v.clone(), col.sql_type);
        });
        w.push(")");
    }
    if backend.supports_returning() {
        w.push(" RETURNING ");
        if whole_row {
            w.push_separated(schema.columns, ", ", |w, c| {
                w.push_ident(c.name);
            });
        } else {
            w.push_ident(schema.pk().name);
        }
    }
    w.finish()
}

/// Completes a constraint error with the field involved where the driver
/// does not say (SQLite's foreign-key errors), and maps column names to fields.
async fn name_field<E: Executor>(
    ex: &mut E,
    schema: &'static Schema,
    e: Error,
    given: &[(&'static Column, Value)],
) -> Error {
    let to_field = |name: String| {
        schema
            .columns
            .iter()
            .find(|c| c.name == name)
            .map_or(name, |c| c.field.to_owned())
    };
    match e {
        Error::Unique { field } => Error::Unique {
            field: to_field(field),
        },
        Error::Required { field } => Error::Required {
            field: to_field(field),
        },
        Error::ForeignKey { field } if !field.is_empty() => Error::ForeignKey {
            field: to_field(field),
        },
        Error::ForeignKey { .. } => {
            for (col, v) in given {
                let Some(fk) = col.references else { continue };
                if v.is_null() {
                    continue;
                }
                let target = (fk.target)();
                match Select::new(target)
                    .filter_pk(v.clone())
                    .exists(&mut *ex)
                    .await
                {
                    Ok(false) => {
                        return Error::ForeignKey {
                            field: col.field.to_owned(),
                        }
                    }
                    Ok(true) => {}
                    Err(_) => break,
                }
            }
            let fields: Vec<&str> = given
                .iter()
                .filter(|(c, _)| c.references.is_some())
                .map(|(c, _)| c.field)
                .collect();
            Error::ForeignKey {
                field: fields.join(", "),
            }
        }
        e => e,
    }
}

/// Writes every column of a record to the row with the record's primary key.
///
/// # Errors
/// [`Error::NotFound`] when no row has that key; constraint violations.
pub async fn update_record<E: Executor>(ex: E, record: &Record) -> Result<()> {
    let schema = record.schema();
    let fields: Vec<(&str, Value)> = record
        .iter()
        // the version column counts updates itself
        .filter(|(c, _)| !c.primary_key && !c.version)
        .map(|(c, v)| (c.field, v.clone()))
        .collect();
    let n = update_fields(ex, schema, record.pk().clone(), fields).await?;
    if n == 0 {
        return Err(Error::NotFound { model: schema.name });
    }
    Ok(())
}

/// Sets the given fields on the row with primary key `pk`; returns 1 if the
/// row exists (whether or not a value changed), 0 otherwise.
///
/// # Errors
/// As [`Select::update`].
pub async fn update_fields<E: Executor>(
    mut ex: E,
    schema: &'static Schema,
    pk: Value,
    fields: Vec<(&str, Value)>,
) -> Result<u64> {
    for (name, v) in &fields {
        let col = schema
            .column(name)
            .ok_or_else(|| Error::unknown_field(schema, name))?;
        if v.is_null() && !col.nullable {
            return Err(Error::Required {
                field: col.field.into(),
            });
        }
    }
    let fields_for_error: Vec<(&'static Column, Value)> = fields
        .iter()
        .filter_map(|(n, v)| Some((schema.column(n)?, v.clone())))
        .collect();
    let select = Select::new(schema).filter_pk(pk);
    if fields.is_empty() {
        return Ok(u64::from(select.exists(&mut ex).await?));
    }
    // MySQL reports rows *changed*, not matched: check existence when it says 0
    let n = match select.update(&mut ex, fields).await {
        Ok(n) => n,
        Err(e) => {
            let given: Vec<(&'static Column, Value)> = fields_for_error;
            return Err(name_field(&mut ex, schema, e, &given).await);
        }
    };
    if n == 0 && ex.backend().counts_changed_rows() {
        return Ok(u64::from(select.exists(&mut ex).await?));
    }
    Ok(n)
}
