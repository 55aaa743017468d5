//! `Value` parsing per column type, from text (forms, filters) and JSON
//! (payloads): the first byte picks the type, the rest is the input.
#![no_main]

use hangar::db::SqlType;
use libfuzzer_sys::fuzz_target;

const TYPES: [SqlType; 10] = [
    SqlType::Bool,
    SqlType::Int,
    SqlType::BigInt,
    SqlType::Float,
    SqlType::Text {
        max_length: Some(8),
    },
    SqlType::Bytes,
    SqlType::DateTime,
    SqlType::Date,
    SqlType::Uuid,
    SqlType::Json,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ty = TYPES[usize::from(pick) % TYPES.len()];
    let json = serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.to_owned()));
    hangar::fuzzing::value(ty, text, &json);
});
