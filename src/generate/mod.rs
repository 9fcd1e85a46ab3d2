//! Input generation from the document's schemas: valid payloads for fixtures (and, later,
//! proptest strategies as `arb_*` functions).
pub mod payload;
