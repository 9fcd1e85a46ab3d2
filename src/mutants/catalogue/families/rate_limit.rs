//! Mutants proving the `rate-limit` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
