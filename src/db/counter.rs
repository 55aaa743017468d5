//! Atomic windowed counters in the database, a storage primitive of the
//! query layer (the auth battery's login throttling uses them): `bump` adds
//! one within the current window or starts a new window. Their SQL is
//! written here, beside the rest of the query layer's.

use crate::db::backend::Upsert;
use crate::db::error::Result;
use crate::db::executor::Executor;
use crate::db::lookup::Op;
use crate::db::query::Select;
use crate::db::schema::SqlType;
use crate::db::sql::SqlWriter;
use crate::db::table::Table as _;
use crate::db::value::Value;

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
/// use hangar::db::{counter, ddl, Db, Table as _};
/// let db = Db::connect("sqlite::memory:").await.unwrap();
/// ddl::create_table(&db, counter::Counter::schema()).await.unwrap();
/// counter::bump(&db, "k", 60).await.unwrap();
/// assert_eq!(counter::bump(&db, "k", 60).await.unwrap().hits, 2);
/// # });
/// ```
pub async fn bump<E: Executor>(mut ex: E, name: &str, window_secs: i64) -> Result<Counter> {
    let now = unix_now();
    let expired_before = now - window_secs;
    let schema = Counter::schema();
    let text = SqlType::Text {
        max_length: Some(191),
    };
    let int = SqlType::BigInt;
    let mut w = SqlWriter::new(ex.backend(), ex.registry());
    w.push("INSERT INTO ").push_table(schema).push(" (");
    w.push_ident("name")
        .push(", ")
        .push_ident("hits")
        .push(", ");
    w.push_ident("window_start").push(") VALUES (");
    w.push_bind(Value::Text(name.to_owned()), text);
    w.push(", 1, ").push_bind(Value::Int(now), int).push(")");
    // the row's current values: `t.col` under ON CONFLICT, `col` under ON DUPLICATE KEY
    let current = |w: &mut SqlWriter<'_>, col: &str| {
        if w.backend().upsert() == Upsert::OnConflict {
            w.push_table(schema).push(".");
        }
        w.push_ident(col);
    };
    match w.backend().upsert() {
        Upsert::OnConflict => {
            w.push(" ON CONFLICT (")
                .push_ident("name")
                .push(") DO UPDATE SET ");
        }
        Upsert::OnDuplicateKey => {
            w.push(" ON DUPLICATE KEY UPDATE ");
        }
    }
    // hits = CASE WHEN window_start <= expired THEN 1 ELSE hits + 1 END
    w.push_ident("hits").push(" = CASE WHEN ");
    current(&mut w, "window_start");
    w.push(" <= ").push_bind(Value::Int(expired_before), int);
    w.push(" THEN 1 ELSE ");
    current(&mut w, "hits");
    w.push(" + 1 END, ");
    // window_start = CASE WHEN window_start <= expired THEN now ELSE window_start END
    w.push_ident("window_start").push(" = CASE WHEN ");
    current(&mut w, "window_start");
    w.push(" <= ").push_bind(Value::Int(expired_before), int);
    w.push(" THEN ")
        .push_bind(Value::Int(now), int)
        .push(" ELSE ");
    current(&mut w, "window_start");
    w.push(" END");
    if !w.backend().supports_returning() {
        ex.execute(w.finish()).await?;
        return Ok(get(ex, name, i64::MAX).await?.unwrap_or(Counter {
            name: name.to_owned(),
            hits: 1,
            window_start: now,
        }));
    }
    w.push(" RETURNING ")
        .push_ident("hits")
        .push(", ")
        .push_ident("window_start");
    let rows = ex.fetch(w.finish(), &[int, int]).await?;
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
    let mut w = SqlWriter::new(ex.backend(), ex.registry());
    w.push("UPDATE ")
        .push_table(Counter::schema())
        .push(" SET ");
    w.push_ident("hits")
        .push(" = ")
        .push_ident("hits")
        .push(" - 1 WHERE ");
    w.push_ident("name").push(" = ");
    w.push_bind(
        Value::Text(name.to_owned()),
        SqlType::Text {
            max_length: Some(191),
        },
    );
    w.push(" AND ").push_ident("hits").push(" > 0");
    ex.execute(w.finish()).await.map(drop)
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
