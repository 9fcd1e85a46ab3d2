//! Mutants proving the `conventions` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
