//! Mutants proving the `fields` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
