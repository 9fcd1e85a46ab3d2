//! Mutants proving the `enums` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
