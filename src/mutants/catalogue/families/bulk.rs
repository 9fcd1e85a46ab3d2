//! Mutants proving the `bulk` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
