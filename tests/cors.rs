//! Family `cors`: passes on the reference server (origin `https://app.example.com`); a
//! wildcard origin with credentials is caught.

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_cors() {
    let report = run_reference(&[], &["cors"]).await;
    assert_eq!(report.results.len(), 6);
    assert_all_passed(&report);
}

#[tokio::test]
async fn wildcard_origin_with_credentials_is_caught() {
    let report = run_reference(&["cors-wildcard-with-credentials"], &["cors"]).await;
    assert_failed_with_evidence(&report, "cors.allow-origin-explicit-never-wildcard");
    assert_others_hold(&report, &["cors.allow-origin-explicit-never-wildcard"]);
}

#[tokio::test]
async fn without_a_configured_origin_cors_rules_are_skipped_with_a_reason() {
    let ext = start_external(reference_config(&[])).await;
    let report = run_external(ext, "", "", None, &["cors"]).await;
    assert_eq!(report.results.len(), 6);
    for r in &report.results {
        assert_skipped(&report, &r.info.id, "cors_origin");
    }
}

#[tokio::test]
async fn a_configured_origin_is_used_for_a_remote_target() {
    let ext = start_external(reference_config(&[])).await;
    let report = run_external(
        ext,
        "cors_origin = \"https://app.example.com\"",
        "",
        None,
        &["cors"],
    )
    .await;
    assert_all_passed(&report);
}
