//! The drivers: binding values, decoding rows and reading error codes,
//! one module per backend, each compiled only with its Cargo feature
//! (`sqlite`, `postgres`, `mysql`). The dialects (SQL text) stay compiled for
//! all three, so SQL and migrations can be written for any backend.

/// Binds values for a server backend (PostgreSQL, MySQL): a `NULL` binds as
/// its column's type, integers narrow or widen to the column; only JSON
/// differs (`$json` is its bound type, `$to_json` turns a value into it).
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! server_arguments {
    ($args:ty, $values:expr, $json:ty, |$j:ident| $to_json:expr) => {{
        use sqlx::Arguments as _;
        let mut a = <$args>::default();
        for (v, ty) in $values {
            match v {
                Value::Null => match ty {
                    SqlType::Bool => a.add(Option::<bool>::None),
                    SqlType::Int => a.add(Option::<i32>::None),
                    SqlType::BigInt => a.add(Option::<i64>::None),
                    SqlType::Float => a.add(Option::<f64>::None),
                    SqlType::Text { .. } => a.add(Option::<String>::None),
                    SqlType::Bytes => a.add(Option::<Vec<u8>>::None),
                    SqlType::DateTime => a.add(Option::<time::OffsetDateTime>::None),
                    SqlType::Date => a.add(Option::<time::Date>::None),
                    SqlType::Uuid => a.add(Option::<uuid::Uuid>::None),
                    SqlType::Json => a.add(Option::<$json>::None),
                },
                Value::Bool(b) => a.add(b),
                Value::Int(i) if ty == SqlType::Int => match i32::try_from(i) {
                    Ok(i) => a.add(i),
                    Err(e) => Err(e.into()),
                },
                Value::Int(i) if ty == SqlType::Float => a.add(i as f64),
                Value::Int(i) => a.add(i),
                Value::Float(f) => a.add(f),
                Value::Text(s) => a.add(s),
                Value::Bytes(b) => a.add(b),
                Value::DateTime(d) => a.add(d),
                Value::Date(d) => a.add(d),
                Value::Uuid(u) => a.add(u),
                Value::Json($j) => a.add($to_json),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(a)
    }};
}

mod decode;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "hangar needs at least one database driver: enable the `sqlite`, `postgres` or `mysql` feature"
);

/// A `match` over an enum with one variant per backend (`Sqlite`, `Postgres`,
/// `MySql`, each holding a driver value), with an arm for each backend this
/// build compiles: `each_backend!(pool, Pool(p) => p.close().await)`.
macro_rules! each_backend {
    ($value:expr, $enum:ident($inner:pat) => $body:expr) => {
        match $value {
            #[cfg(feature = "sqlite")]
            $enum::Sqlite($inner) => $body,
            #[cfg(feature = "postgres")]
            $enum::Postgres($inner) => $body,
            #[cfg(feature = "mysql")]
            $enum::MySql($inner) => $body,
        }
    };
}
pub(crate) use each_backend;

/// What a database error means, as each driver reads its codes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    /// A lock or serialization conflict, or a server going away: the
    /// statement may succeed if tried again (503, not 500).
    pub(crate) transient: bool,
    /// The server dropped the connection.
    pub(crate) connection_lost: bool,
    /// An invalid regular expression in a filter.
    pub(crate) bad_regex: bool,
    /// The column a constraint error names.
    pub(crate) column: Option<String>,
}

/// Reads a driver error with the driver it came from.
pub(crate) fn diagnose(err: &dyn sqlx::error::DatabaseError) -> Diagnosis {
    #[cfg(feature = "postgres")]
    if let Some(pg) = err.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return postgres::diagnose(pg);
    }
    #[cfg(feature = "mysql")]
    if let Some(my) = err.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return mysql::diagnose(my);
    }
    #[cfg(feature = "sqlite")]
    if err
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        return sqlite::diagnose(err);
    }
    Diagnosis::default()
}
