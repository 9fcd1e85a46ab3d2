//! Mutants proving the `bulk` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "atomic-bulk-persists-valid",
        &["bulk.atomic-by-default"],
        "A bulk PATCH with invalid items answers 422 but commits the valid items' updates instead of rolling the whole batch back.",
    ),
    Mutant::fault(
        "bulk-summary-miscount",
        &["bulk.207-summary-counts"],
        "A partly failed bulk create reports summary.succeeded as the total item count, so succeeded plus failed exceeds total.",
    ),
    Mutant::fault(
        "bulk-update-undocumented-207",
        &[
            "bulk.atomic-by-default",
            "bulk.partial-success-documented-per-endpoint",
        ],
        "A bulk PATCH with some invalid items commits the valid ones and answers 207 Multi-Status, though the endpoint is documented as atomic (422, nothing applied).",
    ),
    Mutant::fault(
        "bulk-create-returns-200",
        &["bulk.create-all-succeed-201"],
        "A bulk create in which every item succeeds answers 200 OK instead of 201 Created.",
    ),
    Mutant::fault(
        "bulk-delete-returns-204",
        &["bulk.update-delete-all-succeed-200"],
        "The bulk delete answers like a single DELETE, 204 No Content, instead of 200 with its results.",
    ),
    Mutant::fault(
        "bulk-limit-off-by-one",
        &["bulk.max-100-items"],
        "The item cap is checked one too late, so 101 items are accepted.",
    ),
    Mutant::fault(
        "bulk-all-failed-207",
        &["bulk.all-fail-422"],
        "A batch in which every item fails answers 207 Multi-Status instead of 422.",
    ),
    Mutant::fault(
        "bulk-validation-stops-at-first-error",
        &["bulk.items-validated-independently"],
        "Validation bails out at the first invalid item, so later items get no error of their own.",
    ),
    Mutant::fault(
        "bulk-results-out-of-order",
        &["bulk.mixed-207-with-per-item-results"],
        "Per-item results are collected as successes then failures, so data[] is not in input order.",
    ),
];
