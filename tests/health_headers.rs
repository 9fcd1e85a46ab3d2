//! Families `health` and `security-headers`: pass on the reference server, fail when it is
//! broken the way real services break.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_health_and_security_headers() {
    let report = run_reference(&[], &["health", "security-headers"]).await;
    assert!(report.results.len() >= 13);
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
async fn security_header_lost_on_error_paths_is_caught() {
    let report = run_reference(
        &["security-headers-missing-on-errors"],
        &["security-headers", "health"],
    )
    .await;
    assert_failed_with_evidence(&report, "security-headers.x-frame-options-deny");
    assert_others_hold(&report, &["security-headers.x-frame-options-deny"]);
}

#[tokio::test]
async fn readiness_that_ignores_the_database_is_caught() {
    let report = run_reference(&["ready-ignores-database"], &["health"]).await;
    assert_failed_with_evidence(&report, "health.ready-503-when-dependency-down");
    assert_others_hold(
        &report,
        &[
            "health.ready-503-when-dependency-down",
            "health.live-has-no-dependency-checks",
        ],
    );
}
