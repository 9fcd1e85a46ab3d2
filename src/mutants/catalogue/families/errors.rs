//! Mutants proving the `errors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
