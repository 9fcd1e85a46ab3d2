//! Mutants proving the `cors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "cors-wildcard-with-credentials",
    &["cors.allow-origin-explicit-never-wildcard"],
    "Cors wildcard with credentials.",
)];
