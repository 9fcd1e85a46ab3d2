//! Mutants proving the `put-patch` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
