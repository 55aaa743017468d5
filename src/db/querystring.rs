//! The one query-string language, shared by the REST API, the admin's list,
//! export and bulk actions, and [`Select::where_pairs`](crate::db::Select::where_pairs).
//!
//! A key is a lookup: `field`, `user__username`, `field__op`, and a leading
//! `-` excludes (`-user__in=1,2`). Values are text parsed for the column's
//! type; `none` means NULL for `eq`/`ne` (flask-peewee's constant). Repeated
//! keys combine as in flask-peewee:
//! - repeated values of a **match** OR together: `?user=1&user=2` is user 1 or 2;
//! - repeated **exclusions** (`-field`, `ne`, `not_in`, `is_not`) AND
//!   together: `?id__ne=1&id__ne=2` leaves out both rows.
//!
//! Which keys a surface accepts (its allow-list, reserved parameters such as
//! `page` or `ordering`, and what an unknown key gets) is the surface's
//! policy; the parsing and the combining are here, once.
//!
//! # Example
//! ```
//! # use hangar::Model;
//! # use hangar::db::{Model as _, Table as _};
//! # #[derive(Model)] struct Item { id: i64, name: String }
//! use hangar::db::{querystring, Backend, Select};
//! let filters = querystring::parse(Item::schema(), [("id__ne", "1"), ("id__ne", "2"), ("page", "3")], |k| k == "page");
//! let mut select = Select::new(Item::schema());
//! for f in filters {
//!     select = select.where_query(f.lookup.unwrap(), &f.values).unwrap();
//! }
//! let sql = select.to_statement(Backend::Sqlite).sql;
//! assert!(sql.contains(r#"(t0."id" <> ? AND t0."id" <> ?)"#), "{sql}");
//! ```

use crate::db::error::Result;
use crate::db::lookup::Lookup;
use crate::db::schema::Schema;

/// One key of a query string with all its values, in the order given.
#[derive(Debug)]
pub struct QueryFilter<'q> {
    /// The key as written (`-user__username__in`).
    pub key: &'q str,
    /// The key resolved against the schema (an unknown field or operator is
    /// the error; the surface decides whether that is a 400 or ignored).
    pub lookup: Result<Lookup>,
    /// The raw values, one per occurrence of the key.
    pub values: Vec<&'q str>,
}

/// Groups query-string `pairs` by key (in the order keys first appear) and
/// resolves each key; keys for which `reserved` is true (`page`, `ordering`,
/// an authenticator's `api_key`) are passed over.
pub fn parse<'q, I, K, V>(
    schema: &'static Schema,
    pairs: I,
    reserved: impl Fn(&str) -> bool,
) -> Vec<QueryFilter<'q>>
where
    I: IntoIterator<Item = (&'q K, &'q V)>,
    K: AsRef<str> + ?Sized + 'q,
    V: AsRef<str> + ?Sized + 'q,
{
    let mut grouped: Vec<(&'q str, Vec<&'q str>)> = Vec::new();
    for (k, v) in pairs {
        let (k, v) = (k.as_ref(), v.as_ref());
        if reserved(k) {
            continue;
        }
        match grouped.iter_mut().find(|(gk, _)| *gk == k) {
            Some((_, vals)) => vals.push(v),
            None => grouped.push((k, vec![v])),
        }
    }
    grouped
        .into_iter()
        .map(|(key, values)| QueryFilter {
            key,
            lookup: Lookup::parse(schema, key),
            values,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Backend, Select, Table as _};

    #[derive(hangar::Model)]
    struct Item {
        id: i64,
        name: String,
        score: Option<i64>,
    }

    fn sql(pairs: &[(&str, &str)]) -> (String, usize) {
        let mut select = Select::new(Item::schema());
        for f in parse(Item::schema(), pairs.iter().map(|(k, v)| (*k, *v)), |k| {
            k == "page"
        }) {
            select = select.where_query(f.lookup.unwrap(), &f.values).unwrap();
        }
        let stmt = select.to_statement(Backend::Postgres);
        let where_ = stmt.sql.split(" WHERE ").nth(1).unwrap_or("").to_owned();
        (where_, stmt.args.len())
    }

    #[test]
    fn repeated_matches_or_together() {
        let (w, n) = sql(&[("id", "1"), ("id", "2")]);
        assert_eq!(w, r#"(t0."id" = $1 OR t0."id" = $2)"#);
        assert_eq!(n, 2);
        let (w, _) = sql(&[("name__contains", "a"), ("name__contains", "b")]);
        assert!(w.starts_with("(t0.\"name\" ILIKE $1 ESCAPE '!' OR "), "{w}");
    }

    #[test]
    fn repeated_exclusions_and_together() {
        let (w, _) = sql(&[("id__ne", "1"), ("id__ne", "2")]);
        assert_eq!(w, r#"(t0."id" <> $1 AND t0."id" <> $2)"#);
        let (w, _) = sql(&[("-id", "1"), ("-id", "2")]);
        assert_eq!(
            w,
            r#"((t0."id" = $1) IS NOT TRUE AND (t0."id" = $2) IS NOT TRUE)"#
        );
        let (w, n) = sql(&[("id__not_in", "1,2"), ("id__not_in", "3")]);
        assert_eq!(w, r#"t0."id" NOT IN ($1, $2, $3)"#);
        assert_eq!(n, 3);
        let (w, _) = sql(&[("-id__in", "1"), ("-id__in", "2")]);
        assert_eq!(w, r#"(t0."id" IN ($1, $2)) IS NOT TRUE"#);
    }

    #[test]
    fn different_keys_and_together_and_reserved_keys_are_skipped() {
        let (w, n) = sql(&[("id__gte", "1"), ("page", "2"), ("id__lte", "5")]);
        assert_eq!(w, r#"t0."id" >= $1 AND t0."id" <= $2"#);
        assert_eq!(n, 2);
    }

    #[test]
    fn none_is_null_for_eq_and_ne() {
        let (w, n) = sql(&[("score", "none")]);
        assert_eq!(w, r#"t0."score" IS NULL"#);
        assert_eq!(n, 0);
        let (w, _) = sql(&[("score__ne", "None"), ("score__ne", "3")]);
        assert_eq!(w, r#"(t0."score" IS NOT NULL AND t0."score" <> $1)"#);
    }

    #[test]
    fn unknown_keys_are_reported_per_key() {
        let parsed = parse(
            Item::schema(),
            [("nope", "1"), ("id__regex", "x"), ("name", "a")],
            |_| false,
        );
        assert!(parsed[0].lookup.is_err());
        assert!(parsed[1].lookup.is_err());
        assert!(parsed[2].lookup.is_ok());
    }
}
