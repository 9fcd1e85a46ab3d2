//! Mutants proving the `etag` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "etag-unchanged-on-update",
    &[
        "etag.changes-on-every-update-even-no-op",
        "etag.stale-if-match-is-412",
    ],
    "The ETag is derived from the row's id only, so it never changes when the record does.",
)];
