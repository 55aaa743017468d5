//! Atomic windowed counters in the database (login throttling uses them):
//! `bump` adds one within the current window or starts a new window.

use crate::db::dialect::Backend;
use crate::db::error::Result;
use crate::db::exec::{Executor, Statement};
use crate::db::lookup::Op;
use crate::db::query::Select;
use crate::db::schema::SqlType;
use crate::db::value::Value;
use crate::db::Model as _;

/// One counter row: `hits` since `window_start` (unix seconds).
#[derive(hangar::Model, Clone, Debug, PartialEq, Eq)]
#[model(table = "hangar_counter")]
pub struct Counter {
    /// The counter's key (`login:user:alice`, `login:ip:10.0.0.1`).
    #[model(primary_key, max_length = 191)]
    pub name: String,
    /// Hits in the current window.
    pub hits: i64,
    /// When the current window started (unix seconds).
    pub window_start: i64,
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Adds one hit to `name`, starting a new window when the current one is
/// older than `window_secs`; returns the counter after the hit. One atomic
/// statement, so concurrent hits are never lost.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```
/// # rocket::async_test(async {
/// use hangar::db::{counter, ddl, Db, Model as _};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// ddl::create_table(&db, counter::Counter::schema()).await.unwrap();
/// counter::bump(&db, "k", 60).await.unwrap();
/// assert_eq!(counter::bump(&db, "k", 60).await.unwrap().hits, 2);
/// # });
/// ```
pub async fn bump<E: Executor>(mut ex: E, name: &str, window_secs: i64) -> Result<Counter> {
    let now = unix_now();
    let expired_before = now - window_secs;
    let backend = ex.backend();
    let table = backend.quote(Counter::schema().table);
    let text = SqlType::Text {
        max_length: Some(191),
    };
    let name_v = Value::Text(name.to_owned());
    if backend == Backend::MySql {
        let sql = format!(
            "INSERT INTO {table} (`name`, `hits`, `window_start`) VALUES (?, 1, ?) \
             ON DUPLICATE KEY UPDATE `hits` = IF(`window_start` <= ?, 1, `hits` + 1), \
             `window_start` = IF(`window_start` <= ?, ?, `window_start`)"
        );
        let stmt = Statement::new(sql)
            .bind(name_v, text)
            .bind(Value::Int(now), SqlType::BigInt)
            .bind(Value::Int(expired_before), SqlType::BigInt)
            .bind(Value::Int(expired_before), SqlType::BigInt)
            .bind(Value::Int(now), SqlType::BigInt);
        ex.execute(stmt).await?;
        return Ok(get(ex, name, i64::MAX).await?.unwrap_or(Counter {
            name: name.to_owned(),
            hits: 1,
            window_start: now,
        }));
    }
    let p = |n: usize| {
        let mut s = String::new();
        backend.push_placeholder(&mut s, n);
        s
    };
    let sql = format!(
        "INSERT INTO {table} (\"name\", \"hits\", \"window_start\") VALUES ({}, 1, {}) \
         ON CONFLICT (\"name\") DO UPDATE SET \
         \"hits\" = CASE WHEN {table}.\"window_start\" <= {} THEN 1 ELSE {table}.\"hits\" + 1 END, \
         \"window_start\" = CASE WHEN {table}.\"window_start\" <= {} THEN {} ELSE {table}.\"window_start\" END \
         RETURNING \"hits\", \"window_start\"",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    );
    let stmt = Statement::new(sql)
        .bind(name_v, text)
        .bind(Value::Int(now), SqlType::BigInt)
        .bind(Value::Int(expired_before), SqlType::BigInt)
        .bind(Value::Int(expired_before), SqlType::BigInt)
        .bind(Value::Int(now), SqlType::BigInt);
    let rows = ex.fetch(stmt, &[SqlType::BigInt, SqlType::BigInt]).await?;
    let (hits, window_start) = match rows.first().map(Vec::as_slice) {
        Some([Value::Int(h), Value::Int(w)]) => (*h, *w),
        _ => (1, now),
    };
    Ok(Counter {
        name: name.to_owned(),
        hits,
        window_start,
    })
}

/// The counter if its window (of `window_secs`) is still open.
///
/// # Errors
/// Database errors.
pub async fn get<E: Executor>(ex: E, name: &str, window_secs: i64) -> Result<Option<Counter>> {
    let found = Select::new(Counter::schema())
        .filter("name", Op::Eq, name)?
        .first_record(ex)
        .await?
        .map(Counter::from_record)
        .transpose()?;
    let now = unix_now();
    Ok(found.filter(|c| window_secs == i64::MAX || c.window_start > now - window_secs))
}

/// Takes one hit back (not below zero), as when a counted attempt succeeds.
///
/// # Errors
/// Database errors.
pub async fn take_back<E: Executor>(mut ex: E, name: &str) -> Result<()> {
    let backend = ex.backend();
    let q = |c: &str| backend.quote(c);
    let mut sql = format!(
        "UPDATE {} SET {hits} = {hits} - 1 WHERE {} = ",
        q(Counter::schema().table),
        q("name"),
        hits = q("hits")
    );
    backend.push_placeholder(&mut sql, 1);
    sql.push_str(&format!(" AND {} > 0", q("hits")));
    let stmt = Statement::new(sql).bind(
        Value::Text(name.to_owned()),
        SqlType::Text {
            max_length: Some(191),
        },
    );
    ex.execute(stmt).await.map(drop)
}

/// Deletes the counter.
///
/// # Errors
/// Database errors.
pub async fn reset<E: Executor>(ex: E, name: &str) -> Result<()> {
    crate::db::delete::delete_by_pks(
        ex,
        Counter::schema(),
        vec![Value::Text(name.to_owned())],
        crate::db::DeleteMode::Restrict,
    )
    .await
    .map(drop)
}
