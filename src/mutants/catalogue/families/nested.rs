//! Mutants proving the `nested` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
