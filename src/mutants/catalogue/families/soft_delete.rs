//! Mutants proving the `soft-delete` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "soft-deleted-still-listed",
        &["soft-delete.deleted-excluded-by-default"],
        "Soft deleted still listed.",
    ),
    Mutant::fault(
        "unique-names-include-deleted",
        &["soft-delete.recreate-after-delete"],
        "Unique names include deleted.",
    ),
    Mutant::fault(
        "deleted-at-local-time",
        &["soft-delete.delete-sets-deleted-at"],
        "deleted_at is stamped in the server's local time, with a +02:00 offset instead of UTC.",
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
