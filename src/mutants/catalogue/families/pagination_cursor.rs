//! Mutants proving the `pagination-cursor` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
