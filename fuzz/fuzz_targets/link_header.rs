//! cargo-fuzz target `link_header`: feeds each input to [`specgate_fuzz::link_header`] (what it drives is
//! documented there and in docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| specgate_fuzz::link_header(data));
