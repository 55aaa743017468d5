//! SQL text with bound values, and the one writer that produces it: table
//! and column names are quoted by [`SqlWriter::push_ident`], every value is
//! bound by [`SqlWriter::push_bind`] (placeholders are numbered there, and
//! nowhere else).

use crate::db::backend::Backend;
use crate::db::registry::Registry;
use crate::db::schema::{Schema, SqlType};
use crate::db::value::Value;

/// What running a statement gives back, so the executor can pick the
/// cheapest fetch and knows when a retry is safe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Returns {
    /// Unknown (raw SQL): fetched in full, never retried.
    #[default]
    Unknown,
    /// A read of any number of rows: retried once on a dropped connection
    /// when it runs outside a transaction.
    Rows,
    /// A read of at most one row (skips the row stream; retried like `Rows`).
    OneRow,
}

/// SQL text with its bound values (each with the column type it binds as).
///
/// Built by the query layer through [`SqlWriter`]; an app may make one for
/// raw SQL (its placeholders are then the app's business).
///
/// # Example
/// ```
/// use hangar::db::{SqlType, Statement, Value};
/// let s = Statement::new("SELECT 1").bind(Value::Int(1), SqlType::BigInt);
/// assert_eq!(s.args.len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Statement {
    /// The SQL text, with backend placeholders.
    pub sql: String,
    /// Bound values in placeholder order.
    pub args: Vec<(Value, SqlType)>,
    /// What the statement gives back.
    pub returns: Returns,
}

impl Statement {
    /// A statement with no arguments.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            args: Vec::new(),
            returns: Returns::Unknown,
        }
    }

    /// Adds a bound value.
    pub fn bind(mut self, v: Value, ty: SqlType) -> Statement {
        self.args.push((v, ty));
        self
    }

    /// Marks the statement as a read (safe to retry outside a transaction).
    pub fn read(mut self, returns: Returns) -> Statement {
        self.returns = returns;
        self
    }

    /// Whether the statement only reads.
    pub fn is_read(&self) -> bool {
        self.returns != Returns::Unknown
    }
}

/// Writes one statement for one backend: identifiers quoted, tables named
/// as the [`Registry`] says (a battery may rename its tables from config),
/// values bound with numbered placeholders.
///
/// # Example
/// ```
/// use hangar::db::{Backend, Registry, SqlType, SqlWriter, Value};
/// let registry = Registry::default();
/// let mut w = SqlWriter::new(Backend::Postgres, &registry);
/// w.push("SELECT * FROM ").push_ident("note").push(" WHERE ").push_ident("id");
/// w.push(" = ").push_bind(Value::Int(7), SqlType::BigInt);
/// let stmt = w.finish();
/// assert_eq!(stmt.sql, r#"SELECT * FROM "note" WHERE "id" = $1"#);
/// assert_eq!(stmt.args.len(), 1);
/// ```
#[derive(Debug)]
pub struct SqlWriter<'r> {
    backend: Backend,
    registry: &'r Registry,
    sql: String,
    args: Vec<(Value, SqlType)>,
}

impl<'r> SqlWriter<'r> {
    /// An empty statement for `backend`, naming tables as `registry` does.
    pub fn new(backend: Backend, registry: &'r Registry) -> SqlWriter<'r> {
        SqlWriter {
            backend,
            registry,
            sql: String::with_capacity(256),
            args: Vec::new(),
        }
    }

    /// An empty statement for `backend` over no models: bookkeeping tables
    /// and other SQL that names its tables itself ([`push_ident`](Self::push_ident)).
    ///
    /// ```
    /// use hangar::db::{Backend, SqlType, SqlWriter, Value};
    /// let mut w = SqlWriter::without_models(Backend::Postgres);
    /// w.push("DELETE FROM ").push_ident("hangar_migrations").push(" WHERE version = ");
    /// w.push_bind(Value::Int(3), SqlType::BigInt);
    /// assert_eq!(w.finish().sql, r#"DELETE FROM "hangar_migrations" WHERE version = $1"#);
    /// ```
    pub fn without_models(backend: Backend) -> SqlWriter<'static> {
        SqlWriter::new(backend, Registry::empty())
    }

    /// The backend written for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends SQL text (keywords and punctuation; never a value or a name
    /// from a request).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub fn push_ident(&mut self, ident: &str) -> &mut Self {
        self.backend.push_quoted(&mut self.sql, ident);
        self
    }

    /// Appends the quoted table name of `schema` (as registered).
    pub fn push_table(&mut self, schema: &Schema) -> &mut Self {
        let table = self.registry.table(schema);
        self.backend.push_quoted(&mut self.sql, table);
        self
    }

    /// Appends `t<alias>."column"`.
    pub fn push_column(&mut self, alias: usize, column: &str) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "t{alias}.");
        self.push_ident(column)
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn push_bind(&mut self, value: Value, ty: SqlType) -> &mut Self {
        self.args.push((value, ty));
        self.backend
            .push_placeholder(&mut self.sql, self.args.len());
        self
    }

    /// Appends the items separated by `sep`, each written by `f`.
    pub fn push_separated<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        sep: &str,
        mut f: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(sep);
            }
            f(self, item);
        }
        self
    }

    /// The statement (of unknown result; see [`SqlWriter::finish_read`]).
    pub fn finish(self) -> Statement {
        Statement {
            sql: self.sql,
            args: self.args,
            returns: Returns::Unknown,
        }
    }

    /// The statement, marked as a read giving back `returns`.
    pub fn finish_read(self, returns: Returns) -> Statement {
        self.finish().read(returns)
    }
}
