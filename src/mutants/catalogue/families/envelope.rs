//! Mutants proving the `envelope` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
