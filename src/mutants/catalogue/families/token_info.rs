//! Mutants proving the `token-info` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
