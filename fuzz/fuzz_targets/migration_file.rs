//! The portable migration file reader: a file that parses writes back to
//! the same migration.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    hangar::fuzzing::migration_file(text);
});
