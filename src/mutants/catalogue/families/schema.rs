//! Mutants proving the `schema` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
