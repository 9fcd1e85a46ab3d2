//! Mutants proving the `post-search` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
