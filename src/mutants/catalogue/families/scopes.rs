//! Mutants proving the `scopes` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
