//! Mutants proving the `correlation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "request-id-constant-when-absent",
        &["correlation.generated-uuid-when-absent"],
        "When the client sends no X-Request-Id, every response carries the same hard-coded id instead of a freshly generated UUID.",
    ),
    Mutant::fault(
        "request-id-missing-on-errors",
        &["correlation.on-every-response"],
        "X-Request-Id is set on successful responses only; 4xx and 5xx responses go out without it.",
    ),
    Mutant::fault(
        "request-id-not-echoed",
        &["correlation.client-id-echoed"],
        "A client-supplied X-Request-Id is ignored: the response carries a newly generated id instead of echoing it.",
    ),
    Mutant::fault(
        "traceparent-rejected",
        &["correlation.traceparent-supported"],
        "Any request carrying a W3C traceparent header is refused with 400 Bad Request (Unsupported request header 'traceparent').",
    ),
];
