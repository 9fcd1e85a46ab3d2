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
];
