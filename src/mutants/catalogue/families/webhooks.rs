//! Mutants proving the `webhooks` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[];
