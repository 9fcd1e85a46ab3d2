//! Mutants proving the `token-revocation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
