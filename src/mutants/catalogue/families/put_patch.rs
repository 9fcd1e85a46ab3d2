//! Mutants proving the `put-patch` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "put-merges-like-patch",
    &[
        "put-patch.put-requires-all-required-fields",
        "put-patch.put-resets-omitted-fields",
    ],
    "PUT is handled like PATCH: omitted fields keep their stored values and missing required fields are not rejected.",
)];
