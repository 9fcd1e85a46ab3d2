//! Mutants proving the `openapi-doc` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
