//! Mutants proving the `files` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
