//! Mutants proving the `health` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
