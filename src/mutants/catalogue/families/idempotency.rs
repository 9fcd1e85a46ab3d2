//! Mutants proving the `idempotency` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
