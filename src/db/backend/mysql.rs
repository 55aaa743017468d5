//! MySQL / MariaDB's dialect: backtick quoting, column types, the catalogue queries.
//!
//! Tables are `utf8mb4_bin` so text compares like PostgreSQL and SQLite.

use crate::db::schema::SqlType;

pub(crate) const QUOTE: char = '`';

pub(crate) const TABLE_OPTIONS: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Every column of the current database: table, column, type, nullable
/// (1/0), text length, part of the primary key (1/0), default,
/// auto-increment (1/0).
pub(crate) const COLUMNS: &str = "SELECT CAST(c.table_name AS CHAR), CAST(c.column_name AS CHAR), \
     CAST(c.column_type AS CHAR), CASE WHEN c.is_nullable = 'YES' THEN 1 ELSE 0 END, \
     CAST(c.character_maximum_length AS SIGNED), CASE WHEN c.column_key = 'PRI' THEN 1 ELSE 0 END, \
     CAST(c.column_default AS CHAR), CASE WHEN c.extra LIKE '%auto_increment%' THEN 1 ELSE 0 END \
     FROM information_schema.columns c JOIN information_schema.tables t \
       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
     WHERE c.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' \
     ORDER BY c.table_name, c.ordinal_position";

/// Every index over whole plain columns (not the primary key, not over
/// expressions or prefixes: no model states those): table, index, unique
/// (1/0), backs a constraint (never: MySQL drops unique keys as indexes),
/// column, position.
pub(crate) const INDEXES: &str = "SELECT CAST(table_name AS CHAR), CAST(index_name AS CHAR), \
     CASE WHEN non_unique = 0 THEN 1 ELSE 0 END, 0, CAST(column_name AS CHAR), \
     CAST(seq_in_index AS SIGNED) FROM information_schema.statistics s \
     WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' \
     AND NOT EXISTS (SELECT 1 FROM information_schema.statistics x \
       WHERE x.table_schema = s.table_schema AND x.table_name = s.table_name \
       AND x.index_name = s.index_name AND (x.column_name IS NULL OR x.sub_part IS NOT NULL)) \
     ORDER BY table_name, index_name, seq_in_index";

/// Every foreign key: table, constraint, column, referenced table and
/// column, `ON DELETE` rule.
pub(crate) const FOREIGN_KEYS: &str = "SELECT CAST(k.table_name AS CHAR), \
     CAST(k.constraint_name AS CHAR), CAST(k.column_name AS CHAR), \
     CAST(k.referenced_table_name AS CHAR), CAST(k.referenced_column_name AS CHAR), \
     CAST(r.delete_rule AS CHAR) FROM information_schema.key_column_usage k \
     JOIN information_schema.referential_constraints r ON r.constraint_schema = k.table_schema \
       AND r.constraint_name = k.constraint_name AND r.table_name = k.table_name \
     WHERE k.table_schema = DATABASE() AND k.referenced_table_name IS NOT NULL \
     ORDER BY k.table_name, k.constraint_name";

pub(crate) const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
     WHERE table_schema = DATABASE() AND table_name = ?";

/// The DDL type; `indexed`: the column has an index or key (MySQL cannot
/// index TEXT without a prefix length, so unbounded text becomes VARCHAR(255)).
pub(crate) fn column_type(ty: SqlType, indexed: bool) -> String {
    match ty {
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Int => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Float => "DOUBLE PRECISION".into(),
        SqlType::Text {
            max_length: Some(n),
        } => format!("VARCHAR({n})"),
        // MySQL cannot index TEXT without a prefix length
        SqlType::Text { max_length: None } if indexed => "VARCHAR(255)".into(),
        SqlType::Text { max_length: None } => "LONGTEXT".into(),
        SqlType::Bytes => "LONGBLOB".into(),
        SqlType::DateTime => "DATETIME(6)".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Uuid => "BINARY(16)".into(),
        SqlType::Json => "JSON".into(),
    }
}
