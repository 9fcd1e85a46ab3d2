//! Mutants proving the `sorting` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
