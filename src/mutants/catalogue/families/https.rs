//! Mutants proving the `https` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
