//! Mutants proving the `include` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "include-depth-4-accepted",
        &["include.max-depth-3"],
        "Include depth 4 accepted.",
    ),
    Mutant::fault(
        "included-not-deduplicated",
        &["include.deduplicated-by-type-id"],
        "Included not deduplicated.",
    ),
];
