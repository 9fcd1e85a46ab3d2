//! Family `openapi-endpoint` (and specgate's `schema` rule): the served document and the live
//! API's agreement with it hold on the reference server, and each rule fails, pointing at the
//! exchange, when the server is broken the way real services break.

mod common;
#[path = "support/run.rs"]
mod run;

use common::*;
use run::{REFERENCE_SPEC, Run};
use specgate::rules::Status;
use specgate::run::RunReport;

fn findings(report: &RunReport, id: &str) -> Vec<String> {
    report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("rule {id} not in the report"))
        .outcome
        .findings
        .iter()
        .map(|f| f.message.clone())
        .collect()
}

fn any_finding(report: &RunReport, id: &str, needles: &[&str]) {
    let all = findings(report, id);
    assert!(
        all.iter().any(|m| needles.iter().all(|n| m.contains(n))),
        "{id}: no finding mentions {needles:?}: {all:#?}"
    );
}

#[tokio::test]
async fn reference_passes_openapi_endpoint_and_schema() {
    let report = run_reference(&[], &["openapi-endpoint", "schema"]).await;
    assert_eq!(report.results.len(), 9);
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
        assert!(r.outcome.checked > 0, "{} judged nothing", r.info.id);
    }
}

#[tokio::test]
async fn spec_route_missing_is_caught() {
    // The document is read from disk, as the target no longer serves it.
    let report = run::run(Run {
        faults: &["openapi-not-served"],
        rules: &["openapi-endpoint"],
        spec: Some(REFERENCE_SPEC),
        ..Run::default()
    })
    .await;
    let id = "openapi-endpoint.served-at-get-api-v1-openapi-json";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["GET /api/v1/openapi.json", "expected 200", "404"],
    );
    // Nothing served: the content type cannot be judged, the version is read from the copy.
    assert_eq!(
        status(&report, "openapi-endpoint.content-type-application-json"),
        Status::Skipped
    );
    assert_eq!(
        status(&report, "openapi-endpoint.public-without-token"),
        Status::Skipped
    );
    // The 404 itself is an undocumented status of getOpenApi: the contract rule says so too.
    any_finding(
        &report,
        "openapi-endpoint.responses-match-documented-contract",
        &["GET /api/v1/openapi.json → 404", "not documented"],
    );
    assert_others_hold(
        &report,
        &[id, "openapi-endpoint.responses-match-documented-contract"],
    );
}

#[tokio::test]
async fn spec_behind_authentication_is_caught() {
    let report = run::run(Run {
        faults: &["openapi-requires-token"],
        rules: &["openapi-endpoint"],
        spec: Some(REFERENCE_SPEC),
        ..Run::default()
    })
    .await;
    let id = "openapi-endpoint.public-without-token";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["without Authorization", "expected 200", "got 401"],
    );
    // Served (with a token), JSON, 3.1: those rules still hold on the authenticated copy.
    for held in [
        "openapi-endpoint.served-at-get-api-v1-openapi-json",
        "openapi-endpoint.content-type-application-json",
        "openapi-endpoint.document-is-openapi-3-1",
    ] {
        assert_eq!(status(&report, held), Status::Passed, "{held}");
    }
    any_finding(
        &report,
        "openapi-endpoint.responses-match-documented-contract",
        &["GET /api/v1/openapi.json → 401", "not documented"],
    );
    assert_others_hold(
        &report,
        &[id, "openapi-endpoint.responses-match-documented-contract"],
    );
}

#[tokio::test]
async fn yaml_labelled_as_json_is_caught() {
    let report = run_reference(&["openapi-served-as-yaml"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.content-type-application-json";
    assert_failed_with_evidence(&report, id);
    any_finding(&report, id, &["labelled application/json", "YAML"]);
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn openapi_3_0_document_is_caught() {
    let report = run_reference(&["openapi-version-3-0"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.document-is-openapi-3-1";
    assert_failed_with_evidence(&report, id);
    any_finding(&report, id, &["3.1.x", "'3.0.3'"]);
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn put_that_keeps_omitted_required_fields_is_caught() {
    let report = run_reference(&["put-as-patch"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.server-enforces-documented-required-fields";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["PUT /api/v1/items/", "without required 'name'", "got 200"],
    );
    // POST still enforces them: no POST finding.
    assert!(
        !findings(&report, id).iter().any(|m| m.starts_with("POST")),
        "{:#?}",
        findings(&report, id)
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn undocumented_status_is_caught() {
    let report = run_reference(&["create-returns-200"], &["openapi-endpoint", "schema"]).await;
    let id = "openapi-endpoint.responses-match-documented-contract";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["POST /api/v1/items → 200", "not documented", "201"],
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn link_to_an_undocumented_route_is_caught() {
    let report = run_reference(&["undocumented-link"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.every-exposed-route-documented";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["/links/history", "/history", "matches no documented path"],
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn enum_value_only_in_enums_endpoint_is_caught() {
    let report = run_reference(&["enum-value-undocumented"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.spec-agents-enums-describe-same-api";
    assert_failed_with_evidence(&report, id);
    any_finding(&report, id, &["items.status", "paused"]);
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn agents_guide_naming_an_unshipped_endpoint_is_caught() {
    let report = run_reference(&["agents-doc-stale"], &["openapi-endpoint"]).await;
    let id = "openapi-endpoint.spec-agents-enums-describe-same-api";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &["POST /api/v1/items/import", "does not document"],
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn body_that_breaks_its_schema_is_caught() {
    let report = run_reference(&["amount-cents-as-string"], &["schema", "openapi-endpoint"]).await;
    let id = "schema.response-body-matches-schema";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &[
            "GET /api/v1/items/",
            "/data/amount_cents",
            "integer",
            "#/components/responses/ItemSingle",
        ],
    );
    assert_others_hold(&report, &[id]);
}
