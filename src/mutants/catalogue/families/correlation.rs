//! Mutants proving the `correlation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
