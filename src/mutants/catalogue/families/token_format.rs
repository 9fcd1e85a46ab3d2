//! Mutants proving the `token-format` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
