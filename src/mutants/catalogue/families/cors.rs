//! Mutants proving the `cors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
