//! Mutants proving the `etag` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "etag-unchanged-on-update",
        &[
            "etag.required-on-single-get-put-patch",
            "etag.stale-if-match-is-412",
            "etag.if-none-match-unchanged-304",
            "etag.changes-on-every-update-even-no-op",
        ],
        "Etag unchanged on update.",
    ),
    Mutant::fault(
        "put-without-if-match-accepted",
        &["etag.put-without-if-match-is-428"],
        "Put without if match accepted.",
    ),
];
