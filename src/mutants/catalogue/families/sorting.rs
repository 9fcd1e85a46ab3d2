//! Mutants proving the `sorting` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "sort-case-insensitive",
    &[
        "sorting.ascending-and-descending",
        "sorting.compound-sort",
        "sorting.composes-with-filters-search-pagination",
        "sorting.cursor-includes-sort",
    ],
    "Sort case insensitive.",
)];
