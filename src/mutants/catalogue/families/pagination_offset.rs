//! Mutants proving the `pagination-offset` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
