//! Mutants proving the `conventions` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "booleans-accept-1",
        &["conventions.boolean-params-true-false-only"],
        "The with_count parameter is parsed leniently: 1 and yes are read as true, 0 and no as false, instead of anything but true/false being rejected.",
    ),
    Mutant::fault(
        "empty-arrays-as-null",
        &["conventions.empty-arrays-not-null"],
        "The serializer turns empty array attributes (e.g. tags: []) into null in data and included resources.",
    ),
    Mutant::fault(
        "ids-uppercase",
        &["conventions.ids-lowercase-uuid-v4-strings"],
        "Collection GETs render resource ids as uppercase UUID strings, in data and included, while single GETs keep them lowercase.",
    ),
    Mutant::fault(
        "list-content-type-text-plain",
        &["conventions.json-content-type"],
        "Collection GETs are served with Content-Type text/plain; charset=utf-8 although the body is JSON.",
    ),
    Mutant::fault(
        "null-fields-omitted",
        &["conventions.absent-optional-fields-are-null"],
        "The serializer drops attributes whose value is null from resource objects instead of emitting them as null.",
    ),
    Mutant::fault(
        "timestamp-filter-offset-ignored",
        &["conventions.timestamp-filters-utc-only"],
        "The offset of a timestamp filter is ignored (read as if it were UTC).",
    ),
    Mutant::fault(
        "timestamps-with-offset",
        &["conventions.timestamps-utc-iso8601"],
        "Every *_at timestamp in success bodies is rendered with a +00:00 offset instead of the Z suffix.",
    ),
    Mutant::fault(
        "updated-at-missing",
        &["conventions.resources-have-inserted-at-updated-at"],
        "The serializer leaves updated_at out of every resource object (data and included); only inserted_at is returned.",
    ),
];
