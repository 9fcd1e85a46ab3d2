//! Mutants proving the `deprecation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "deprecation-headers-missing-on-errors",
    &[
        "deprecation.deprecation-header",
        "deprecation.sunset-header",
        "deprecation.warning-299-header",
    ],
    "deprecation headers added by the success path only, lost on error responses.",
)
.deprecated()];
