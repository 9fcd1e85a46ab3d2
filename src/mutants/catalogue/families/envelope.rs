//! Mutants proving the `envelope` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "collection-missing-links",
        &["envelope.get-collection-200-data-pagination-links"],
        "Collection GETs return data and pagination but drop the links object (self, first, prev, next, last).",
    ),
    Mutant::fault(
        "delete-returns-200-body",
        &["envelope.delete-204-empty"],
        "Deleting a single resource answers 200 with {\"data\": {\"id\": ..., \"deleted\": true}} instead of 204 No Content.",
    ),
    Mutant::fault(
        "patch-returns-partial",
        &["envelope.put-patch-200"],
        "The PATCH response's data holds only id and the fields that were sent instead of the full updated resource.",
    ),
    Mutant::fault(
        "single-get-unwrapped",
        &["envelope.get-single-200-data-object"],
        "A single-resource GET returns the resource object bare at the top level instead of wrapped in {\"data\": ...}.",
    ),
];
