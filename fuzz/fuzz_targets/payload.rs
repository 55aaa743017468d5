//! The REST write body decoder: JSON objects, forms, a form's `data` field.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    hangar::fuzzing::payload(body);
});
