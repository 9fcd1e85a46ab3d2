//! cargo-fuzz target `openapi_load`: feeds each input to [`specgate_fuzz::openapi_load`] (what it drives is
//! documented there and in docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| specgate_fuzz::openapi_load(data));
