//! Mutants proving the `security-headers` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
