//! Mutants proving the `include` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
