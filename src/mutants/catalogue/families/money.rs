//! Mutants proving the `money` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
