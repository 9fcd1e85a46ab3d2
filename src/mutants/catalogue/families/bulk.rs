//! Mutants proving the `bulk` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "atomic-bulk-persists-valid",
        &["bulk.atomic-by-default"],
        "Atomic bulk persists valid.",
    ),
    Mutant::fault(
        "bulk-summary-miscount",
        &["bulk.207-summary-counts"],
        "Bulk summary miscount.",
    ),
    Mutant::fault(
        "bulk-update-undocumented-207",
        &[
            "bulk.atomic-by-default",
            "bulk.partial-success-documented-per-endpoint",
        ],
        "Bulk update undocumented 207.",
    ),
];
