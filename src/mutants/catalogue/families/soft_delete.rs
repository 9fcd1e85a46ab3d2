//! Mutants proving the `soft-delete` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "soft-deleted-still-listed",
        &["soft-delete.deleted-excluded-by-default"],
        "Collection GETs include soft-deleted records by default instead of hiding them unless asked for.",
    ),
    Mutant::fault(
        "unique-names-include-deleted",
        &["soft-delete.recreate-after-delete"],
        "The name uniqueness check also counts soft-deleted records, so recreating a deleted record's name fails with 422 already_taken.",
    ),
    Mutant::fault(
        "deleted-at-local-time",
        &["soft-delete.delete-sets-deleted-at"],
        "Deleted_at is stamped in the server's local time, with a +02:00 offset instead of UTC.",
    ),
    Mutant::fault(
        "deleted-filter-ignored",
        &["soft-delete.deleted-at-null-false-lists-deleted"],
        "The default live-records scope wins over filter[deleted_at], so soft-deleted records can never be listed.",
    ),
    Mutant::fault(
        "restore-returns-204",
        &["soft-delete.restore-returns-200"],
        "The restore answers 204 No Content instead of 200 with the restored resource.",
    ),
];
