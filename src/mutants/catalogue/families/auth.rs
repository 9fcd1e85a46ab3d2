//! Mutants proving the `auth` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
