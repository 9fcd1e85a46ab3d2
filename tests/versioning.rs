//! Family `versioning`: the prefix and single-version rules hold on the reference server; the
//! baseline and deprecated-version rules are skipped there with a reason an operator can act
//! on, and hold or fail once given a baseline document or a deprecated base path.

mod common;
#[path = "support/mutate.rs"]
mod mutate;
#[path = "support/run.rs"]
mod run;

use common::*;
use mutate::*;
use run::{REFERENCE_SPEC, Run};
use serde_json::{Value, json};
use specgate::rules::Status;
use specgate::rules::versioning::breaking_changes;
use specgate::run::RunReport;

fn outcome<'a>(report: &'a RunReport, id: &str) -> &'a specgate::rules::Outcome {
    &report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("{id} not in the report"))
        .outcome
}

/// A copy of the reference document, changed by `f`, in a temporary file.
fn write_doc(dir: &tempfile::TempDir, f: impl FnOnce(&mut Value)) -> String {
    let mut doc = reference_doc();
    f(&mut doc);
    let path = dir.path().join("baseline.json");
    std::fs::write(&path, serde_json::to_vec(&doc).expect("serialises")).expect("written");
    path.to_str().expect("utf-8").to_string()
}

#[tokio::test]
async fn reference_passes_versioning_and_skips_what_needs_configuration() {
    let report = run_reference(&[], &["versioning"]).await;
    for id in [
        "versioning.version-prefix-on-all-endpoints",
        "versioning.single-version-for-whole-api",
    ] {
        assert_eq!(
            status(&report, id),
            Status::Passed,
            "{id}: {:?}",
            outcome(&report, id)
        );
    }
    for (id, hint) in [
        (
            "versioning.breaking-changes-need-major-bump",
            "baseline_spec",
        ),
        (
            "versioning.previous-version-keeps-working",
            "deprecated_base_path",
        ),
    ] {
        let o = outcome(&report, id);
        assert_eq!(o.status, Status::Skipped, "{id}");
        assert!(
            o.reason.as_deref().unwrap_or("").contains(hint),
            "{id}: {o:?}"
        );
    }
}

#[tokio::test]
async fn location_without_version_prefix_is_caught() {
    let report = run_reference(&["location-without-prefix"], &["versioning"]).await;
    let id = "versioning.version-prefix-on-all-endpoints";
    assert_failed_with_evidence(&report, id);
    assert!(
        outcome(&report, id)
            .findings
            .iter()
            .any(|f| f.message.contains("Location is '/items/") && f.message.contains("/api/v1/")),
        "{:?}",
        outcome(&report, id).findings
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn second_version_prefix_is_caught() {
    let id = "versioning.single-version-for-whole-api";
    let mut doc = reference_doc();
    doc["paths"]["/jobs/{id}"]["servers"] = json!([{"url": "/api/v2"}]);
    let model = model_of(&doc).await;
    assert_static_fails(
        id,
        &static_outcome(id, &model),
        &["/api/v1", "/api/v2", "GET /jobs/{id}"],
    );
    assert_eq!(
        static_outcome(id, &model_of(&reference_doc()).await).status,
        Status::Passed
    );
}

#[tokio::test]
async fn per_operation_version_parameter_is_caught() {
    let id = "versioning.single-version-for-whole-api";
    let mut doc = reference_doc();
    doc["paths"]["/items"]["get"]["parameters"]
        .as_array_mut()
        .expect("array")
        .push(json!({"name": "api-version", "in": "query", "schema": {"type": "string"}}));
    let model = model_of(&doc).await;
    assert_static_fails(
        id,
        &static_outcome(id, &model),
        &["GET /items", "'api-version'"],
    );
}

#[tokio::test]
async fn breaking_changes_are_found_and_additions_are_not() {
    let old = model_of(&reference_doc()).await;
    let mut doc = reference_doc();
    // Breaking: a type change, a removed response field, a newly required field, a removed endpoint.
    doc["components"]["schemas"]["Item"]["properties"]["amount_cents"]["type"] = json!("string");
    doc["components"]["schemas"]["Category"]["properties"]
        .as_object_mut()
        .expect("object")
        .remove("deleted_at");
    doc["components"]["schemas"]["ItemCreate"]["required"] = json!(["name", "currency"]);
    doc["paths"]
        .as_object_mut()
        .expect("object")
        .remove("/jobs/{id}");
    // Not breaking: a new optional property and a new endpoint.
    doc["components"]["schemas"]["Item"]["properties"]["nickname"] =
        json!({"type": ["string", "null"]});
    doc["paths"]["/items/{id}/history"] = doc["paths"]["/items/{id}/comments"].clone();
    doc["paths"]["/items/{id}/history"]["get"]["operationId"] = json!("listItemHistory");
    let new = model_of(&doc).await;
    let changes = breaking_changes(&old, &new);
    for needle in [
        ".data.amount_cents: type changed from {\"integer\"} to {\"string\"}",
        "GET /api/v1/categories/{id} → 200.data.deleted_at: response field removed",
        "POST /api/v1/items request body.currency: became required",
        "GET /api/v1/jobs/{id} (getJob) was removed or renamed",
    ] {
        assert!(
            changes.iter().any(|c| c.contains(needle)),
            "{needle} not in {changes:#?}"
        );
    }
    assert!(
        !changes
            .iter()
            .any(|c| c.contains("nickname") || c.contains("history")),
        "{changes:#?}"
    );
    assert!(breaking_changes(&old, &old).is_empty());
}

#[tokio::test]
async fn baseline_equal_to_the_target_passes() {
    let report = run::run(Run {
        rules: &["versioning.breaking-changes-need-major-bump"],
        baseline: Some(REFERENCE_SPEC),
        ..Run::default()
    })
    .await;
    let o = outcome(&report, "versioning.breaking-changes-need-major-bump");
    assert_eq!(o.status, Status::Passed, "{o:?}");
    assert!(o.checked > 40, "{o:?}");
}

#[tokio::test]
async fn field_dropped_since_the_baseline_is_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The last release documented (and served) a field the target no longer has.
    let baseline = write_doc(&dir, |d| {
        d["components"]["schemas"]["Item"]["properties"]["legacy_code"] = json!({"type": "string"});
    });
    let report = run::run(Run {
        rules: &["versioning"],
        baseline: Some(&baseline),
        ..Run::default()
    })
    .await;
    let id = "versioning.breaking-changes-need-major-bump";
    let o = outcome(&report, id);
    assert_eq!(o.status, Status::Failed, "{o:?}");
    assert!(!o.harness_error);
    assert!(
        o.findings.iter().any(|f| f
            .message
            .contains("GET /api/v1/items/{id} → 200.data.legacy_code: response field removed")
            && f.message.contains(&baseline)),
        "{:#?}",
        o.findings
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn deprecated_version_still_answering_passes() {
    let report = run::run(Run {
        rules: &["versioning.previous-version-keeps-working"],
        deprecated_base_path: Some("/api/v1"),
        ..Run::default()
    })
    .await;
    let o = outcome(&report, "versioning.previous-version-keeps-working");
    assert_eq!(o.status, Status::Passed, "{o:?}");
}

#[tokio::test]
async fn deprecated_version_switched_off_is_caught() {
    let report = run::run(Run {
        rules: &["versioning"],
        deprecated_base_path: Some("/api/v0"),
        ..Run::default()
    })
    .await;
    let id = "versioning.previous-version-keeps-working";
    assert_failed_with_evidence(&report, id);
    assert!(
        outcome(&report, id)
            .findings
            .iter()
            .any(|f| f.message.contains("GET /api/v0/items") && f.message.contains("got 404")),
        "{:?}",
        outcome(&report, id).findings
    );
    assert_others_hold(&report, &[id]);
}
