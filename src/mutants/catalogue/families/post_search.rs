//! Mutants proving the `post-search` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "post-search-ignores-sort",
    &["post-search.same-capabilities-as-get"],
    "Post search ignores sort.",
)];
