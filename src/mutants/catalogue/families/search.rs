//! Mutants proving the `search` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
