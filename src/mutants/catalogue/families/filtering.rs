//! Mutants proving the `filtering` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "filter-like-case-sensitive",
        &[
            "filtering.like-case-insensitive-substring",
            "filtering.jsonb-path-filter",
        ],
        "Filter like case sensitive.",
    ),
    Mutant::fault(
        "filter-neq-drops-null",
        &[
            "filtering.eq-and-neq",
            "filtering.in-and-nin",
            "filtering.multiple-filters-anded",
            "filtering.jsonb-path-filter",
        ],
        "Filter neq drops null.",
    ),
    Mutant::fault(
        "unknown-filter-field-ignored",
        &["filtering.unknown-field-400-names-field"],
        "Unknown filter field ignored.",
    ),
];
