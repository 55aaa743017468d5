//! The admin's form parser: urlencoded pairs into every column type.
#![no_main]

mod models;

use hangar::db::Table as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    hangar::fuzzing::admin_form(models::Person::schema(), body);
    hangar::fuzzing::admin_form(models::Pet::schema(), body);
});
