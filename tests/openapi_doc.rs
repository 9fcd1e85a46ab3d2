//! Family `openapi-doc`: every rule holds on the reference server's document, and each static
//! rule fails, pointing at the place, on that document broken in exactly one way, while the
//! family's other static rules still hold. The one dynamic rule (enums against `/enums`) is
//! proven with a fault switch.

mod common;
#[path = "support/mutate.rs"]
mod mutate;

use common::*;
use mutate::*;
use serde_json::{Value, json};
use specgate::rules::{self, Check, Status};

const STATIC_RULES: &[&str] = &[
    "openapi-doc.operations-have-operationid-and-summary",
    "openapi-doc.operationid-naming-convention",
    "openapi-doc.write-bodies-have-full-schema-and-required",
    "openapi-doc.responses-use-data-envelope",
    "openapi-doc.error-responses-use-problem-schema",
    "openapi-doc.standard-error-statuses-documented",
    "openapi-doc.collection-query-params-documented",
    "openapi-doc.pagination-param-schemas",
    "openapi-doc.path-ids-uuid-format",
    "openapi-doc.bearer-scheme-applied-globally",
    "openapi-doc.public-routes-override-security",
    "openapi-doc.every-operation-has-example",
    "openapi-doc.standard-headers-documented",
    "openapi-doc.polymorphic-payloads-use-discriminator",
    "openapi-doc.shared-definitions-use-ref",
    "openapi-doc.servers-url-api-v1",
    "openapi-doc.ci-validates-spec",
];

/// Breaks the reference document with `mutate`, then asserts `id` fails with a finding naming
/// `needles` and every other static rule of the family still passes.
async fn broken(id: &str, needles: &[&str], mutate: impl FnOnce(&mut Value)) {
    let mut doc = reference_doc();
    mutate(&mut doc);
    let model = model_of(&doc).await;
    assert_static_fails(id, &static_outcome(id, &model), needles);
    for other in STATIC_RULES.iter().filter(|r| **r != id) {
        let o = static_outcome(other, &model);
        assert_eq!(
            o.status,
            Status::Passed,
            "{other} should still hold when only {id} is broken: {o:?}"
        );
    }
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the reference document has {pointer}"))
}

fn remove(doc: &mut Value, parent: &str, key: &str) {
    at(doc, parent)
        .as_object_mut()
        .expect("an object")
        .remove(key)
        .unwrap_or_else(|| panic!("{parent} has {key}"));
}

#[test]
fn every_static_rule_of_the_family_is_registered_and_tested_here() {
    let registered: Vec<&str> = rules::all()
        .into_iter()
        .filter(|r| r.id.starts_with("openapi-doc.") && matches!(r.check, Check::Static(_)))
        .map(|r| r.id)
        .collect();
    assert_eq!(registered.len(), STATIC_RULES.len(), "{registered:?}");
    for r in registered {
        assert!(STATIC_RULES.contains(&r), "{r} has no mutation test");
    }
}

#[tokio::test]
async fn reference_passes_openapi_doc() {
    let report = run_reference(&[], &["openapi-doc"]).await;
    assert_eq!(report.results.len(), STATIC_RULES.len() + 1);
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
}

#[tokio::test]
async fn reference_document_on_disk_passes_every_static_rule() {
    let model = model_of(&reference_doc()).await;
    for id in STATIC_RULES {
        let o = static_outcome(id, &model);
        assert_eq!(o.status, Status::Passed, "{id}: {o:?}");
    }
}

#[tokio::test]
async fn missing_summary_is_caught() {
    broken(
        "openapi-doc.operations-have-operationid-and-summary",
        &["GET /items", "summary", "#/paths/~1items/get"],
        |d| remove(d, "/paths/~1items/get", "summary"),
    )
    .await;
}

#[tokio::test]
async fn operation_id_without_the_conventional_verb_is_caught() {
    broken(
        "openapi-doc.operationid-naming-convention",
        &["GET /items/{id}", "fetchItem", "'get'"],
        |d| *at(d, "/paths/~1items~1{id}/get/operationId") = json!("fetchItem"),
    )
    .await;
}

#[tokio::test]
async fn create_body_without_required_is_caught() {
    broken(
        "openapi-doc.write-bodies-have-full-schema-and-required",
        &["POST /items", "required"],
        |d| remove(d, "/components/schemas/ItemCreate", "required"),
    )
    .await;
}

#[tokio::test]
async fn list_schema_without_pagination_is_caught() {
    broken(
        "openapi-doc.responses-use-data-envelope",
        &["GET /items", "pagination"],
        |d| {
            remove(d, "/components/schemas/ItemList/properties", "pagination");
            *at(d, "/components/schemas/ItemList/required") = json!(["data", "links"]);
        },
    )
    .await;
}

#[tokio::test]
async fn problem_schema_without_required_detail_is_caught() {
    broken(
        "openapi-doc.error-responses-use-problem-schema",
        &["#/components/responses/NotFound", "\"detail\""],
        |d| *at(d, "/components/schemas/Problem/required") = json!(["type", "title", "status"]),
    )
    .await;
}

#[tokio::test]
async fn item_path_without_404_is_caught() {
    broken(
        "openapi-doc.standard-error-statuses-documented",
        &["GET /items/{id}", "404"],
        |d| remove(d, "/paths/~1items~1{id}/get/responses", "404"),
    )
    .await;
}

#[tokio::test]
async fn list_without_cursor_parameter_is_caught() {
    broken(
        "openapi-doc.collection-query-params-documented",
        &["GET /items ", "cursor"],
        |d| {
            let params = at(d, "/paths/~1items/get/parameters")
                .as_array_mut()
                .expect("array");
            params.retain(|p| p["$ref"] != "#/components/parameters/Cursor");
        },
    )
    .await;
}

#[tokio::test]
async fn per_page_maximum_of_1000_is_caught() {
    broken(
        "openapi-doc.pagination-param-schemas",
        &["per_page", "maximum 500", "maximum Some(1000)"],
        |d| *at(d, "/components/parameters/PerPage/schema/maximum") = json!(1000),
    )
    .await;
}

#[tokio::test]
async fn id_parameter_without_uuid_format_is_caught() {
    broken(
        "openapi-doc.path-ids-uuid-format",
        &["'id'", "format uuid"],
        |d| remove(d, "/components/parameters/Id/schema", "format"),
    )
    .await;
}

#[tokio::test]
async fn missing_global_security_is_caught() {
    broken(
        "openapi-doc.bearer-scheme-applied-globally",
        &["#/security", "BearerAuth"],
        |d| remove(d, "", "security"),
    )
    .await;
}

#[tokio::test]
async fn liveness_without_public_override_is_caught() {
    broken(
        "openapi-doc.public-routes-override-security",
        &["GET /health/live", "security: []"],
        |d| remove(d, "/paths/~1health~1live/get", "security"),
    )
    .await;
}

#[tokio::test]
async fn operation_without_any_example_is_caught() {
    broken(
        "openapi-doc.every-operation-has-example",
        &["GET /token", "example"],
        |d| {
            remove(
                d,
                "/paths/~1token/get/responses/200/content/application~1json",
                "examples",
            )
        },
    )
    .await;
}

#[tokio::test]
async fn single_resource_response_without_etag_is_caught() {
    broken(
        "openapi-doc.standard-headers-documented",
        &["GET /items/{id}", "etag"],
        |d| remove(d, "/components/responses/ItemSingle/headers", "ETag"),
    )
    .await;
}

#[tokio::test]
async fn one_of_without_discriminator_is_caught() {
    broken(
        "openapi-doc.polymorphic-payloads-use-discriminator",
        &["#/components/schemas/Included/items", "discriminator"],
        |d| remove(d, "/components/schemas/Included/items", "discriminator"),
    )
    .await;
}

#[tokio::test]
async fn inline_parameter_copied_into_two_operations_is_caught() {
    broken(
        "openapi-doc.shared-definitions-use-ref",
        &[
            "inline parameter",
            "#/paths/~1items/get/parameters/1",
            "#/paths/~1categories/get/parameters/1",
        ],
        |d| {
            let per_page = at(d, "/components/parameters/PerPage").clone();
            for op in [
                "/paths/~1items/get/parameters",
                "/paths/~1categories/get/parameters",
            ] {
                let params = at(d, op).as_array_mut().expect("array");
                let i = params
                    .iter()
                    .position(|p| p["$ref"] == "#/components/parameters/PerPage")
                    .expect("PerPage is referenced");
                assert_eq!(i, 1);
                params[i] = per_page.clone();
            }
        },
    )
    .await;
}

#[tokio::test]
async fn unversioned_server_url_is_caught() {
    broken(
        "openapi-doc.servers-url-api-v1",
        &["#/servers/0/url", "'/v1'"],
        |d| *at(d, "/servers/0/url") = json!("/v1"),
    )
    .await;
}

#[tokio::test]
async fn invalid_json_schema_is_caught() {
    broken(
        "openapi-doc.ci-validates-spec",
        &["#/components/schemas/Item", "not a valid JSON Schema"],
        |d| {
            *at(
                d,
                "/components/schemas/Item/properties/amount_cents/minimum",
            ) = json!("zero")
        },
    )
    .await;
}

#[tokio::test]
async fn example_that_contradicts_its_schema_is_caught() {
    broken(
        "openapi-doc.ci-validates-spec",
        &["#/paths/~1token/get/responses/200/content/application~1json/examples/token/value", "does not match"],
        |d| {
            *at(
                d,
                "/paths/~1token/get/responses/200/content/application~1json/examples/token/value/data/rate_limit/limit",
            ) = json!("240");
        },
    )
    .await;
}

#[tokio::test]
async fn enum_value_missing_from_the_spec_is_caught() {
    let id = "openapi-doc.fixed-lists-use-enum-matching-enums-endpoint";
    let report = run_reference(&["enum-value-undocumented"], &["openapi-doc"]).await;
    assert_failed_with_evidence(&report, id);
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .expect("ran");
    assert!(
        r.outcome
            .findings
            .iter()
            .any(|f| f.message.contains("paused")),
        "{:?}",
        r.outcome.findings
    );
    assert_others_hold(&report, &[id]);
}
