//! Session cookie decoding (the value after Rocket decrypted it): at the
//! epoch, now, and the ends of time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    hangar::fuzzing::session_cookie(value);
});
