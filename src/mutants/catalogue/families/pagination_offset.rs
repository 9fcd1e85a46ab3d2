//! Mutants proving the `pagination-offset` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "offset-last-link-off-by-one",
        &["pagination-offset.pagination-object-shape"],
        "Offset last link off by one.",
    ),
    Mutant::fault(
        "per-page-not-clamped",
        &["pagination-offset.per-page-clamped-to-500"],
        "Per page not clamped.",
    ),
    Mutant::fault(
        "total-count-ignores-search",
        &[
            "pagination-offset.total-count-after-filters-and-search",
            "pagination-offset.empty-result-shape",
            "search.total-count-reflects-search",
        ],
        "Total count ignores search.",
    ),
];
