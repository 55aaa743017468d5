//! The query-string language: pairs, lookups (`owner__name__istartswith`),
//! repeated and `in` values, orderings, rendered on every backend.
#![no_main]

mod models;

use hangar::db::{Backend, Table as _};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|query: &str| {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        hangar::fuzzing::query_string(models::Pet::schema(), query, backend);
        hangar::fuzzing::query_string(models::Person::schema(), query, backend);
    }
});
