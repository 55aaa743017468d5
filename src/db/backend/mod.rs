//! Everything that differs between SQLite, PostgreSQL and MySQL/MariaDB:
//! placeholders and quoting, DDL types, `LIMIT`/`OFFSET`, case-insensitive
//! and regular-expression matching, `RETURNING` vs `LAST_INSERT_ID`, value
//! binding and row decoding, and which error codes mean "try again".
//!
//! One module per backend ([`sqlite`], [`postgres`], [`mysql`]); the rest of
//! the database layer asks [`Backend`], which dispatches to them, and never
//! matches on a backend itself.

use crate::db::schema::Column;

pub(crate) mod driver;
pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod sqlite;

/// The database backend a pool talks to.
///
/// # Example
/// ```
/// use hangar::db::Backend;
/// assert_eq!(Backend::from_url("postgresql://x/y").unwrap(), Backend::Postgres);
/// assert_eq!(Backend::from_url("mariadb://x/y").unwrap(), Backend::MySql);
/// assert!(Backend::from_url("oracle://x").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// How a backend writes a case-insensitive or pattern match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatchSql {
    /// `col ILIKE ?` (PostgreSQL).
    ILike,
    /// `LOWER(col) LIKE ?` (the pattern is lowercased by the caller).
    LowerLike,
}

/// How a backend writes "insert, or update the row with this key".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Upsert {
    /// `ON CONFLICT (key) DO UPDATE SET ...` (SQLite, PostgreSQL).
    OnConflict,
    /// `ON DUPLICATE KEY UPDATE ...` (MySQL, MariaDB).
    OnDuplicateKey,
}

impl Backend {
    /// Picks the backend from a URL scheme (`sqlite:`, `postgres:`/`postgresql:`,
    /// `mysql:`/`mariadb:`).
    pub fn from_url(url: &str) -> Option<Backend> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::MySql),
            _ => None,
        }
    }

    /// Whether this build has the backend's driver (its Cargo feature:
    /// `sqlite`, `postgres`, `mysql`).
    ///
    /// ```
    /// assert!(hangar::db::Backend::Sqlite.has_driver()); // a default feature
    /// ```
    pub fn has_driver(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::MySql => cfg!(feature = "mysql"),
        }
    }

    /// [`Error::Config`](crate::db::Error::Config) naming the Cargo feature
    /// to enable, for a backend this build has no driver for.
    pub(crate) fn missing_driver(self) -> crate::db::Error {
        crate::db::Error::Config(format!(
            "hangar was built without the {name} driver: enable its feature, \
             `hangar = {{ ..., features = [\"{name}\"] }}` in Cargo.toml",
            name = self.name()
        ))
    }

    /// The backend's name as migration files spell it: `sqlite`,
    /// `postgres`, `mysql`.
    ///
    /// ```
    /// assert_eq!(hangar::db::Backend::MySql.name(), "mysql");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    fn quote_char(self) -> char {
        match self {
            Backend::MySql => mysql::QUOTE,
            Backend::Sqlite | Backend::Postgres => '"',
        }
    }

    /// Quotes an identifier (`"x"` or `` `x` ``).
    ///
    /// ```
    /// use hangar::db::Backend;
    /// assert_eq!(Backend::MySql.quote("a`b"), "`a``b`");
    /// ```
    pub fn quote(self, ident: &str) -> String {
        let mut s = String::with_capacity(ident.len() + 2);
        self.push_quoted(&mut s, ident);
        s
    }

    /// Appends a quoted identifier to `sql` (quote characters doubled).
    pub fn push_quoted(self, sql: &mut String, ident: &str) {
        let q = self.quote_char();
        sql.push(q);
        for ch in ident.chars() {
            if ch == q {
                sql.push(q);
            }
            sql.push(ch);
        }
        sql.push(q);
    }

    /// Appends the placeholder for the `n`th (1-based) bound value.
    pub(crate) fn push_placeholder(self, sql: &mut String, n: usize) {
        match self {
            Backend::Postgres => postgres::push_placeholder(sql, n),
            Backend::Sqlite | Backend::MySql => sql.push('?'),
        }
    }

    /// Whether `INSERT ... RETURNING` gives back the new key (else the
    /// driver's `LAST_INSERT_ID`).
    pub fn supports_returning(self) -> bool {
        !matches!(self, Backend::MySql)
    }

    /// The column type in DDL.
    pub fn column_type(self, col: &Column) -> String {
        let indexed = col.unique || col.index || col.primary_key || col.references.is_some();
        match self {
            Backend::Sqlite => sqlite::column_type(col.sql_type).into(),
            Backend::Postgres => postgres::column_type(col.sql_type),
            Backend::MySql => mysql::column_type(col.sql_type, indexed),
        }
    }

    /// What follows `CREATE TABLE (...)`.
    pub fn table_options(self) -> &'static str {
        match self {
            Backend::MySql => mysql::TABLE_OPTIONS,
            Backend::Sqlite | Backend::Postgres => "",
        }
    }

    /// The query counting tables named `?` in the current schema.
    /// The query listing every column (read by `introspect`).
    pub(crate) fn columns_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => sqlite::COLUMNS,
            Backend::Postgres => postgres::COLUMNS,
            Backend::MySql => mysql::COLUMNS,
        }
    }

    /// The query listing every index (read by `introspect`).
    pub(crate) fn indexes_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => sqlite::INDEXES,
            Backend::Postgres => postgres::INDEXES,
            Backend::MySql => mysql::INDEXES,
        }
    }

    /// The query listing every foreign key (read by `introspect`).
    pub(crate) fn foreign_keys_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => sqlite::FOREIGN_KEYS,
            Backend::Postgres => postgres::FOREIGN_KEYS,
            Backend::MySql => mysql::FOREIGN_KEYS,
        }
    }

    pub(crate) fn table_exists_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => sqlite::TABLE_EXISTS,
            Backend::Postgres => postgres::TABLE_EXISTS,
            Backend::MySql => mysql::TABLE_EXISTS,
        }
    }

    /// The tail of an `INSERT INTO t` that gives no column.
    pub(crate) fn insert_defaults(self) -> &'static str {
        match self {
            Backend::MySql => " () VALUES ()",
            Backend::Sqlite | Backend::Postgres => " DEFAULT VALUES",
        }
    }

    /// Whether an `UPDATE` that changes nothing reports zero rows (MySQL
    /// counts changed rows, not matched ones).
    pub(crate) fn counts_changed_rows(self) -> bool {
        self == Backend::MySql
    }

    /// How an upsert is written.
    pub(crate) fn upsert(self) -> Upsert {
        match self {
            Backend::MySql => Upsert::OnDuplicateKey,
            Backend::Sqlite | Backend::Postgres => Upsert::OnConflict,
        }
    }

    /// How a case-insensitive `LIKE` is written.
    pub(crate) fn ilike(self) -> MatchSql {
        match self {
            Backend::Postgres => MatchSql::ILike,
            Backend::Sqlite | Backend::MySql => MatchSql::LowerLike,
        }
    }

    /// The operator and pattern for a regular-expression match.
    pub(crate) fn regexp(self, pattern: &str, insensitive: bool) -> (&'static str, String) {
        match self {
            Backend::Postgres => (if insensitive { "~*" } else { "~" }, pattern.to_owned()),
            // MySQL/MariaDB (PCRE/ICU) and the regex crate behind SQLite's
            // REGEXP read `(?i)`
            Backend::Sqlite | Backend::MySql if insensitive => ("REGEXP", format!("(?i){pattern}")),
            Backend::Sqlite | Backend::MySql => ("REGEXP", pattern.to_owned()),
        }
    }

    /// ` OFFSET n` without a limit (SQLite and MySQL need a `LIMIT` first).
    pub(crate) fn offset_only(self, offset: u64) -> String {
        match self {
            Backend::MySql => format!(" LIMIT 18446744073709551615 OFFSET {offset}"),
            Backend::Sqlite => format!(" LIMIT -1 OFFSET {offset}"),
            Backend::Postgres => format!(" OFFSET {offset}"),
        }
    }

    /// The clause that locks the selected rows of the root table (alias
    /// `t0`) until the transaction ends: `FOR UPDATE OF t0` on PostgreSQL
    /// (joined rows stay unlocked, and outer joins are allowed), `FOR UPDATE`
    /// on MySQL (MariaDB has no `OF`); nothing on SQLite, whose write
    /// transactions already exclude every other writer.
    pub(crate) fn row_lock(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE OF t0",
            Backend::MySql => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }
}

/// The part of `msg` between `start` and the next `end`.
pub(crate) fn between<'a>(msg: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &msg[msg.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes_identifiers() {
        assert_eq!(Backend::Postgres.quote("user"), "\"user\"");
        assert_eq!(Backend::MySql.quote("a`b"), "`a``b`");
        assert_eq!(Backend::Sqlite.quote("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn placeholders_per_backend() {
        let mut s = String::new();
        Backend::Postgres.push_placeholder(&mut s, 3);
        Backend::MySql.push_placeholder(&mut s, 3);
        Backend::Sqlite.push_placeholder(&mut s, 3);
        assert_eq!(s, "$3??");
    }
}
