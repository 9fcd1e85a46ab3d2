//! Mutants proving the `security-headers` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "security-headers-missing-on-errors",
    &["security-headers.x-frame-options-deny"],
    "a header set by the happy-path code only, lost on error responses.",
)];
