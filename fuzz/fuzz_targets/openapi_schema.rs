//! cargo-fuzz target `openapi_schema`: feeds each input to [`specgate_fuzz::openapi_schema`] (what it drives is
//! documented there and in docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| specgate_fuzz::openapi_schema(data));
