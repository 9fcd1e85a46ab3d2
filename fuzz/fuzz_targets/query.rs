//! cargo-fuzz target `query`: feeds each input to [`specgate_fuzz::query`] (what it drives is
//! documented there and in docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| specgate_fuzz::query(data));
