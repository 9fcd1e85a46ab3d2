//! HTTP handlers, one module per area.
pub mod meta;
pub mod resources;
