//! Mutants proving the `envelope` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "collection-missing-links",
        &["envelope.get-collection-200-data-pagination-links"],
        "Collection missing links.",
    ),
    Mutant::fault(
        "delete-returns-200-body",
        &["envelope.delete-204-empty"],
        "Delete returns 200 body.",
    ),
    Mutant::fault(
        "patch-returns-partial",
        &["envelope.put-patch-200"],
        "Patch returns partial.",
    ),
    Mutant::fault(
        "single-get-unwrapped",
        &["envelope.get-single-200-data-object"],
        "Single get unwrapped.",
    ),
];
