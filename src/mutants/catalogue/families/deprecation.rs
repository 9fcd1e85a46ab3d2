//! Mutants proving the `deprecation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
