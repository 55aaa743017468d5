//! PostgreSQL's dialect: numbered placeholders, column types, the catalogue queries.

use std::fmt::Write;

use crate::db::schema::SqlType;

/// Every column of the current schema's tables, from the catalogue itself
/// (`information_schema` is several times slower): table, column, type as
/// declared (`character varying(80)`, `numeric(10,2)`), nullable (1/0), text
/// length, part of the primary key (1/0), default, auto-increment (identity
/// or serial).
pub(crate) const COLUMNS: &str = "SELECT t.relname::text, a.attname::text, \
     format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 0 ELSE 1 END, \
     CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod > 4 THEN (a.atttypmod - 4)::int8 END, \
     CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary \
       AND a.attnum = ANY(i.indkey)) THEN 1 ELSE 0 END, \
     pg_get_expr(d.adbin, d.adrelid), \
     CASE WHEN a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' \
       THEN 1 ELSE 0 END \
     FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace \
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped \
     LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum \
     WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') \
     ORDER BY t.relname, a.attnum";

/// Every valid index over plain key columns (not the primary key's, not
/// partial or over expressions, INCLUDE columns left out): table, index,
/// unique (1/0), backs a constraint (1/0), column, position.
pub(crate) const INDEXES: &str = "SELECT t.relname::text, i.relname::text, \
     CASE WHEN ix.indisunique THEN 1 ELSE 0 END, \
     CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid \
       AND c.contype IN ('u', 'p')) THEN 1 ELSE 0 END, \
     a.attname::text, k.ord::int8 \
     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
     JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
     WHERE n.nspname = current_schema() AND NOT ix.indisprimary AND ix.indisvalid \
     AND ix.indexprs IS NULL AND ix.indpred IS NULL AND k.ord <= ix.indnkeyatts \
     ORDER BY t.relname, i.relname, k.ord";

/// Every foreign key: table, constraint, column, referenced table and
/// column, `ON DELETE` rule.
pub(crate) const FOREIGN_KEYS: &str = "SELECT cl.relname::text, c.conname::text, a.attname::text, \
     rt.relname::text, ra.attname::text, \
     CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
       WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END \
     FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
     JOIN pg_namespace n ON n.oid = cl.relnamespace JOIN pg_class rt ON rt.oid = c.confrelid \
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
     JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
     WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY cl.relname, c.conname";

pub(crate) const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_name = $1";

pub(crate) fn push_placeholder(sql: &mut String, n: usize) {
    let _ = write!(sql, "${n}");
}

pub(crate) fn column_type(ty: SqlType) -> String {
    match ty {
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Int => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Float => "DOUBLE PRECISION".into(),
        SqlType::Text {
            max_length: Some(n),
        } => format!("VARCHAR({n})"),
        SqlType::Text { max_length: None } => "TEXT".into(),
        SqlType::Bytes => "BYTEA".into(),
        SqlType::DateTime => "TIMESTAMPTZ".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Uuid => "UUID".into(),
        SqlType::Json => "JSONB".into(),
    }
}
