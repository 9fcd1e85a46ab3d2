//! cargo-fuzz target `ratelimit_headers`: feeds each input to [`specgate_fuzz::ratelimit_headers`] (what it drives is
//! documented there and in docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| specgate_fuzz::ratelimit_headers(data));
