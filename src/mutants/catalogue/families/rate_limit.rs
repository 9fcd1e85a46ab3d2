//! Mutants proving the `rate-limit` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "429-without-retry-after",
    &["rate-limit.429-retry-after-and-zero-remaining"],
    "429 without retry after.",
)];
