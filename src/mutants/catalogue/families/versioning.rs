//! Mutants proving the `versioning` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
