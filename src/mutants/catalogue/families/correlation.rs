//! Mutants proving the `correlation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "request-id-constant-when-absent",
        &["correlation.generated-uuid-when-absent"],
        "Request id constant when absent.",
    ),
    Mutant::fault(
        "request-id-missing-on-errors",
        &["correlation.on-every-response"],
        "Request id missing on errors.",
    ),
    Mutant::fault(
        "request-id-not-echoed",
        &["correlation.client-id-echoed"],
        "Request id not echoed.",
    ),
    Mutant::fault(
        "traceparent-rejected",
        &["correlation.traceparent-supported"],
        "Traceparent rejected.",
    ),
];
