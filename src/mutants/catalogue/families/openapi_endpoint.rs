//! Mutants proving the `openapi-endpoint` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "agents-doc-stale",
        &["openapi-endpoint.spec-agents-enums-describe-same-api"],
        "the guide still describes an endpoint that was never shipped.",
    ),
    Mutant::fault(
        "create-returns-200",
        &[
            "openapi-endpoint.responses-match-documented-contract",
            "envelope.post-create-201",
        ],
        "creation answered 200 instead of the documented 201.",
    ),
    Mutant::fault(
        "enum-value-undocumented",
        &[
            "openapi-endpoint.spec-agents-enums-describe-same-api",
            "openapi-doc.fixed-lists-use-enum-matching-enums-endpoint",
        ],
        "a status added to the model but not to the OpenAPI document.",
    ),
    Mutant::fault(
        "openapi-served-as-yaml",
        &["openapi-endpoint.content-type-application-json"],
        "the YAML file is served as it is, still labelled application/json.",
    ),
    Mutant::fault(
        "openapi-version-3-0",
        &["openapi-endpoint.document-is-openapi-3-1"],
        "the document still declares the OpenAPI version it was first written in.",
    ),
    Mutant::fault(
        "put-as-patch",
        &["openapi-endpoint.server-enforces-documented-required-fields"],
        "PUT validated like PATCH, so omitted required fields keep their stored values.",
    ),
    Mutant::fault(
        "undocumented-link",
        &["openapi-endpoint.every-exposed-route-documented"],
        "a link to an endpoint that was never shipped (nor documented).",
    ),
];
