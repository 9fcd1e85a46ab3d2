//! Mutants proving the `openapi-endpoint` rules.
use serde_json::Value;

use crate::mutants::Mutant;

/// The reference document as it is: for mutants whose server no longer serves it to the
/// harness, so the contract is read from disk.
fn unchanged(_: &mut Value) {}

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "agents-doc-stale",
        &["openapi-endpoint.spec-agents-enums-describe-same-api"],
        "The guide still describes an endpoint that was never shipped.",
    ),
    Mutant::fault(
        "create-returns-200",
        &[
            "openapi-endpoint.responses-match-documented-contract",
            "envelope.post-create-201",
        ],
        "Creation answered 200 instead of the documented 201.",
    ),
    Mutant::fault(
        "enum-value-undocumented",
        &[
            "openapi-endpoint.spec-agents-enums-describe-same-api",
            "openapi-doc.fixed-lists-use-enum-matching-enums-endpoint",
        ],
        "A status added to the model but not to the OpenAPI document.",
    ),
    Mutant::fault(
        "openapi-served-as-yaml",
        &["openapi-endpoint.content-type-application-json"],
        "The YAML file is served as it is, still labelled application/json.",
    ),
    Mutant::fault(
        "openapi-version-3-0",
        &["openapi-endpoint.document-is-openapi-3-1"],
        "The document still declares the OpenAPI version it was first written in.",
    ),
    Mutant::fault(
        "put-as-patch",
        &["openapi-endpoint.server-enforces-documented-required-fields"],
        "PUT validated like PATCH, so omitted required fields keep their stored values.",
    ),
    Mutant::fault(
        "undocumented-link",
        &["openapi-endpoint.every-exposed-route-documented"],
        "A link to an endpoint that was never shipped (nor documented).",
    ),
    Mutant {
        document: Some(unchanged),
        ..Mutant::fault(
            "openapi-not-served",
            &["openapi-endpoint.served-at-get-api-v1-openapi-json"],
            "The spec route dropped from the router in a refactor, so GET /api/v1/openapi.json is 404.",
        )
    },
    Mutant {
        document: Some(unchanged),
        ..Mutant::fault(
            "openapi-requires-token",
            &["openapi-endpoint.public-without-token"],
            "The spec route mounted behind the authentication layer, so tools without a token get 401.",
        )
    },
];
