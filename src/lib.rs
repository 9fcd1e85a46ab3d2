//! specgate: certify a live JSON REST deployment against an API style guide.
pub mod client;
pub mod spec;
