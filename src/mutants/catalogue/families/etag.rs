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
        "PUT and PATCH write the row without bumping its version, so the ETag stays the same after an update.",
    ),
    Mutant::fault(
        "put-without-if-match-accepted",
        &["etag.put-without-if-match-is-428"],
        "PUT without an If-Match header is applied instead of refused with 428 Precondition Required.",
    ),
    Mutant::fault(
        "restore-stale-etag",
        &["etag.all-single-resource-responses"],
        "The restore response's ETag is computed from the row read before the update, so it names a stale version.",
    ),
    Mutant::fault(
        "collection-etag",
        &["etag.collections-have-no-etag"],
        "A conditional-GET helper tags every 200 GET with an ETag, collections included.",
    ),
    Mutant::fault(
        "if-match-never-matches",
        &["etag.matching-if-match-succeeds"],
        "If-Match is compared with its quotes stripped against the quoted ETag, so even the current ETag gets 412.",
    ),
    Mutant::fault(
        "patch-requires-if-match",
        &["etag.patch-if-match-recommended-not-required"],
        "PATCH is guarded like PUT: without If-Match it is refused with 428.",
    ),
    Mutant::fault(
        "etag-unquoted",
        &["etag.opaque-entity-tag"],
        "The single GET sets the ETag header from the bare hash, without the entity-tag quotes.",
    ),
];
