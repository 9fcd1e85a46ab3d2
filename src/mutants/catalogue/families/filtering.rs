//! Mutants proving the `filtering` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
