//! Mutants proving the `async-jobs` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
