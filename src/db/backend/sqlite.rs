//! SQLite's dialect: column types and the catalogue queries.
//!
//! Timestamps are stored as fixed-width RFC 3339 text (`...ffffffZ`) so text
//! order is time order; dates as `YYYY-MM-DD`; UUIDs as 16-byte blobs; JSON as
//! text.

use crate::db::schema::SqlType;

/// `DEFAULT` for `now`: the same fixed-width text the binder writes.
pub(crate) const NOW_DEFAULT: &str = "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))";

/// Every column: table, column, declared type, nullable (1/0; a primary key
/// never is), no length (SQLite ignores it), part of the primary key (1/0),
/// default as written, auto-increment (an `INTEGER` sole primary key: the rowid).
pub(crate) const COLUMNS: &str = "SELECT m.name, p.name, p.type, \
     CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END, NULL, \
     CASE WHEN p.pk > 0 THEN 1 ELSE 0 END, p.dflt_value, \
     CASE WHEN p.pk = 1 AND upper(p.type) = 'INTEGER' AND \
       (SELECT COUNT(*) FROM pragma_table_info(m.name) q WHERE q.pk > 0) = 1 THEN 1 ELSE 0 END \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid";

/// Every index over plain columns (not the primary key's, not partial or
/// over expressions: no model states those, so no diff may drop them):
/// table, index, unique (1/0), backs a constraint (1/0: an inline
/// `UNIQUE`), column, position.
pub(crate) const INDEXES: &str = "SELECT m.name, il.name, il.\"unique\", \
     CASE WHEN il.origin = 'u' THEN 1 ELSE 0 END, ii.name, ii.seqno \
     FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND il.origin <> 'pk' \
     AND il.partial = 0 AND NOT EXISTS (SELECT 1 FROM pragma_index_info(il.name) x \
       WHERE x.name IS NULL) \
     ORDER BY m.name, il.name, ii.seqno";

/// Every foreign key: table, constraint name (none in SQLite), column,
/// referenced table and column (NULL: its primary key), `ON DELETE` rule.
pub(crate) const FOREIGN_KEYS: &str =
    "SELECT m.name, NULL, f.\"from\", f.\"table\", f.\"to\", f.on_delete \
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, f.id";

pub(crate) const TABLE_EXISTS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?";

pub(crate) fn column_type(ty: SqlType) -> &'static str {
    match ty {
        SqlType::Bool => "BOOLEAN",
        SqlType::Int | SqlType::BigInt => "INTEGER",
        SqlType::Float => "REAL",
        SqlType::Text { .. } | SqlType::DateTime | SqlType::Date | SqlType::Json => "TEXT",
        SqlType::Bytes | SqlType::Uuid => "BLOB",
    }
}
