//! Mutants proving the `post-search` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "post-search-ignores-sort",
        &["post-search.same-capabilities-as-get"],
        "POST /search drops the body's sort and returns the default order.",
    ),
    Mutant::fault(
        "post-search-returns-201",
        &["post-search.same-format-as-get"],
        "POST /search answers 201 Created, the status every other POST gets, instead of the 200 of a GET.",
    ),
    Mutant::fault(
        "search-requires-write-scope",
        &["post-search.safe-read-only"],
        "The scope check maps every POST to {resource}:write with no exception for POST /search, so a read-only token is refused a search.",
    ),
    Mutant::fault(
        "search-requires-idempotency-key",
        &["post-search.no-idempotency-key-needed"],
        "The idempotency middleware demands an Idempotency-Key on every POST, the read-only POST /search included, and answers 400 without one.",
    ),
];
