//! Mutants proving the `agents` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
