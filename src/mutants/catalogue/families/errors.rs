//! Mutants proving the `errors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "bad-request-generic-detail",
        &["errors.detail-specific-to-occurrence"],
        "Bad request generic detail.",
    ),
    Mutant::fault(
        "enums-missing-error-codes",
        &["errors.error-codes-in-enums"],
        "Enums missing error codes.",
    ),
    Mutant::fault(
        "error-leaks-sql",
        &["errors.no-internal-leakage"],
        "Error leaks sql.",
    ),
    Mutant::fault(
        "errors-member-on-404",
        &["errors.errors-member-only-on-validation"],
        "Errors member on 404.",
    ),
    Mutant::fault(
        "idempotency-mismatch-409-untyped",
        &["errors.type-stable-uri-from-table", "errors.conflict-409"],
        "Idempotency mismatch 409 untyped.",
    ),
    Mutant::fault(
        "internal-error-leaks-stack",
        &["errors.internal-error-500"],
        "Internal error leaks stack.",
    ),
    Mutant::fault(
        "malformed-json-422",
        &["errors.malformed-json-400"],
        "Malformed json 422.",
    ),
    Mutant::fault(
        "missing-params-400",
        &["errors.missing-required-params-422-invalid-params"],
        "Missing params 400.",
    ),
    Mutant::fault(
        "not-found-delete-204",
        &["errors.not-found-404"],
        "Not found delete 204.",
    ),
    Mutant::fault(
        "problem-instance-wrong",
        &["errors.instance-is-request-path"],
        "Problem instance wrong.",
    ),
    Mutant::fault(
        "problem-plain-json-on-404",
        &["errors.problem-json-content-type"],
        "Problem plain json on 404.",
    ),
    Mutant::fault(
        "problem-status-as-string",
        &["errors.required-members-status-matches"],
        "Problem status as string.",
    ),
    Mutant::fault(
        "problem-title-varies",
        &["errors.title-constant-per-type"],
        "Problem title varies.",
    ),
    Mutant::fault(
        "problem-type-relative",
        &["errors.type-stable-uri-from-table"],
        "Problem type relative.",
    ),
    Mutant::fault(
        "unknown-query-params-ignored",
        &["errors.unrecognized-query-param-400"],
        "unknown parameters silently dropped instead of rejected.",
    ),
    Mutant::fault(
        "validation-as-400",
        &["errors.validation-failed-422"],
        "Validation as 400.",
    ),
    Mutant::fault(
        "validation-codes-nonstandard",
        &["errors.validation-codes-standard"],
        "Validation codes nonstandard.",
    ),
    Mutant::fault(
        "validation-errors-not-arrays",
        &["errors.errors-map-field-to-snake-codes"],
        "Validation errors not arrays.",
    ),
];
