//! Entry points for the cargo-fuzz targets in `fuzz/` (built only with
//! `--cfg fuzzing`, which cargo-fuzz sets): the parsers that take bytes
//! from clients or from files, each run the way a request runs it.

use crate::db::{Backend, Registry, Schema, Select, SqlType, Value};

/// A query string as the REST API reads it: pairs, the query-string
/// language, values parsed per column, the SELECT rendered on `backend`.
pub fn query_string(schema: &'static Schema, query: &str, backend: Backend) {
    // as Rocket hands a request's query to the API
    let uri = format!("/?{query}");
    let Ok(origin) = rocket::http::uri::Origin::parse(&uri) else {
        return;
    };
    let pairs: Vec<(String, String)> = origin
        .query()
        .map(|q| {
            q.segments()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut select = Select::new(schema);
    for filter in crate::db::querystring::parse(schema, pairs.iter().map(|(k, v)| (k, v)), |k| {
        k == "page" || k == "ordering"
    }) {
        let Ok(lookup) = filter.lookup else { continue };
        let Ok(values) = lookup.values_from_strings(&filter.values) else {
            continue;
        };
        if let Ok(next) = select.clone().where_lookup_values(lookup, values) {
            select = next;
        }
    }
    for (_, spec) in pairs.iter().filter(|(k, _)| k == "ordering") {
        for part in spec.split(',') {
            if let Ok(next) = select.clone().order_by(part.trim()) {
                select = next;
            }
        }
    }
    let _ = select.statement(backend, &Registry::default());
    let _ = select.count_statement(backend, &Registry::default());
}

/// A text value parsed as `ty` (a form field or filter value), and a JSON
/// value taken as `ty` (a payload field); a parsed value's text parses again.
pub fn value(ty: SqlType, text: &str, json: &serde_json::Value) {
    if let Ok(v) = Value::parse(ty, text) {
        let again = Value::parse(ty, &v.to_string());
        assert!(
            again.is_ok() || matches!(v, Value::Null),
            "{ty:?}: {text:?} parsed as {v:?}, whose text {:?} does not",
            v.to_string()
        );
    }
    let _ = Value::from_json(ty, json);
}

/// A REST write body, as JSON and as a form.
pub fn payload(body: &str) {
    use crate::rest::payload::{decode, BodyKind};
    for kind in [BodyKind::Json, BodyKind::Form, BodyKind::Unnamed] {
        let _ = decode(kind, body);
    }
}

/// An admin form body: the urlencoded pairs Rocket reads, then the
/// model's columns parsed from them.
pub fn admin_form(schema: &'static Schema, body: &str) {
    let Ok(params) = rocket::form::Form::<crate::admin::request::Params>::parse(body) else {
        return;
    };
    let editable: Vec<&'static crate::db::Column> = schema
        .columns
        .iter()
        .filter(|c| !c.auto_increment)
        .collect();
    let _ = crate::admin::forms::parse_submission(&editable, &[], &params.0);
}

/// A decrypted session cookie value, at a fixed time.
pub fn session_cookie(value: &str) {
    let config = crate::auth::AuthConfig::default();
    for now in [0, 1_700_000_000, i64::MAX, i64::MIN] {
        let _ = crate::auth::Session::decode(value, &config, now);
    }
}

/// A portable migration file: it parses, and what it writes back parses
/// to the same migration.
pub fn migration_file(text: &str) {
    let Ok(file) = toml::from_str::<crate::db::manage::migrate::MigrationFile>(text) else {
        return;
    };
    let written = file.to_toml();
    let again: crate::db::manage::migrate::MigrationFile =
        toml::from_str(&written).unwrap_or_else(|e| panic!("{written}\nno longer parses: {e}"));
    assert_eq!(again, file, "the file written back differs:\n{written}");
}
