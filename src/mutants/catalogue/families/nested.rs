//! Mutants proving the `nested` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "nested-ignores-parent",
    &[
        "nested.lists-linked-children",
        "nested.no-children-empty-data",
        "nested.supports-collection-params",
    ],
    "Nested ignores parent.",
)];
