//! Mutants proving the `errors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "bad-request-generic-detail",
        &["errors.detail-specific-to-occurrence"],
        "Every 400 problem gets the same detail, \"The request is invalid.\", and loses invalid_param, so nothing says what was wrong.",
    ),
    Mutant::fault(
        "enums-missing-error-codes",
        &["errors.error-codes-in-enums"],
        "GET /enums lists the field enums and scopes but leaves out the error_codes entry.",
    ),
    Mutant::fault(
        "error-leaks-sql",
        &["errors.no-internal-leakage"],
        "A non-UUID id in an item URL answers 400 whose detail is the raw rusqlite syntax error, with the SQL query and source file location.",
    ),
    Mutant::fault(
        "errors-member-on-404",
        &["errors.errors-member-only-on-validation"],
        "Not Found problem documents carry an errors member ({\"id\": [\"not_found\"]}), which belongs on validation errors only.",
    ),
    Mutant::fault(
        "idempotency-mismatch-409-untyped",
        &["errors.type-stable-uri-from-table", "errors.conflict-409"],
        "Reusing an Idempotency-Key with a different body answers 409 with an ad-hoc idempotency-key-reused problem type that is not in the error table, instead of 422.",
    ),
    Mutant::fault(
        "internal-error-leaks-stack",
        &["errors.internal-error-500"],
        "Plain collection GETs fail with a 500 whose detail is the Rust panic message (database is locked) and a stack backtrace.",
    ),
    Mutant::fault(
        "malformed-json-422",
        &["errors.malformed-json-400"],
        "A malformed JSON body answers 422 validation-failed (errors.body: invalid_format) instead of 400 Bad Request.",
    ),
    Mutant::fault(
        "missing-params-400",
        &["errors.missing-required-params-422-invalid-params"],
        "Missing or invalid required query parameters answer 400 bad-request instead of 422 invalid-params.",
    ),
    Mutant::fault(
        "not-found-delete-204",
        &["errors.not-found-404"],
        "DELETE on an item that does not exist answers 204 No Content instead of 404 Not Found.",
    ),
    Mutant::fault(
        "problem-instance-wrong",
        &["errors.instance-is-request-path"],
        "Problem documents set instance to a random urn:uuid: instead of the request path.",
    ),
    Mutant::fault(
        "problem-plain-json-on-404",
        &["errors.problem-json-content-type"],
        "Not Found problems are served with Content-Type application/json instead of application/problem+json.",
    ),
    Mutant::fault(
        "problem-status-as-string",
        &["errors.required-members-status-matches"],
        "Problem documents serialise the status member as a string (\"404\") instead of an integer.",
    ),
    Mutant::fault(
        "problem-title-varies",
        &["errors.title-constant-per-type"],
        "Not Found problems on non-GET requests are titled \"Resource Not Found\" while GET ones say \"Not Found\", so the title differs within one problem type.",
    ),
    Mutant::fault(
        "problem-type-relative",
        &["errors.type-stable-uri-from-table"],
        "Problem type members are relative paths (/problems/{slug}) instead of the absolute type URIs from the error table.",
    ),
    Mutant::fault(
        "unknown-query-params-ignored",
        &["errors.unrecognized-query-param-400"],
        "Unknown parameters silently dropped instead of rejected.",
    ),
    Mutant::fault(
        "validation-as-400",
        &["errors.validation-failed-422"],
        "Body validation failures answer 400 bad-request (errors member kept) instead of 422 validation-failed.",
    ),
    Mutant::fault(
        "validation-codes-nonstandard",
        &["errors.validation-codes-standard"],
        "Missing fields are reported with the code required instead of cant_be_blank, and GET /enums adds required to the error codes.",
    ),
    Mutant::fault(
        "validation-errors-not-arrays",
        &["errors.errors-map-field-to-snake-codes"],
        "Each field in a problem's errors map carries its first code as a bare string instead of an array of codes.",
    ),
];
