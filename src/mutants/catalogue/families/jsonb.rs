//! Mutants proving the `jsonb` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
