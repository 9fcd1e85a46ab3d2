//! Mutants proving the `conventions` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "booleans-accept-1",
        &["conventions.boolean-params-true-false-only"],
        "lenient boolean parsing.",
    ),
    Mutant::fault(
        "empty-arrays-as-null",
        &["conventions.empty-arrays-not-null"],
        "Empty arrays as null.",
    ),
    Mutant::fault(
        "ids-uppercase",
        &["conventions.ids-lowercase-uuid-v4-strings"],
        "Ids uppercase.",
    ),
    Mutant::fault(
        "list-content-type-text-plain",
        &["conventions.json-content-type"],
        "List content type text plain.",
    ),
    Mutant::fault(
        "null-fields-omitted",
        &["conventions.absent-optional-fields-are-null"],
        "Null fields omitted.",
    ),
    Mutant::fault(
        "timestamp-filter-offset-ignored",
        &["conventions.timestamp-filters-utc-only"],
        "the offset of a timestamp filter is ignored (read as if it were UTC).",
    ),
    Mutant::fault(
        "timestamps-with-offset",
        &["conventions.timestamps-utc-iso8601"],
        "Timestamps with offset.",
    ),
    Mutant::fault(
        "updated-at-missing",
        &["conventions.resources-have-inserted-at-updated-at"],
        "Updated at missing.",
    ),
];
