//! Mutants proving the `soft-delete` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
