//! Mutants proving the `links` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
