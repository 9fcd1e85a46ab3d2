//! Mutants proving the `openapi-endpoint` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
