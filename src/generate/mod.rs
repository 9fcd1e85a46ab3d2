//! Input generation from the document's schemas: valid payloads for fixtures, and proptest
//! strategies (`arb_*` functions) for the query-grammar properties.
pub mod payload;
pub mod query;
