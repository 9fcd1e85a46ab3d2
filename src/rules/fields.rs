//! stub
use super::Rule;
pub const RULES: &[Rule] = &[];
