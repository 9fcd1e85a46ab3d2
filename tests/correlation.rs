//! Family `correlation`: passes on the reference server; each rule fails, with evidence, when
//! request ids or trace context are mishandled.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["correlation"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_correlation() {
    let report = run_reference(&[], FAMILY).await;
    assert_eq!(report.results.len(), 4);
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
async fn constant_generated_id_is_caught() {
    caught(
        "request-id-constant-when-absent",
        "correlation.generated-uuid-when-absent",
    )
    .await;
}

#[tokio::test]
async fn client_id_not_echoed_is_caught() {
    caught("request-id-not-echoed", "correlation.client-id-echoed").await;
}

#[tokio::test]
async fn request_id_missing_on_errors_is_caught() {
    caught(
        "request-id-missing-on-errors",
        "correlation.on-every-response",
    )
    .await;
}

#[tokio::test]
async fn traceparent_rejected_is_caught() {
    caught("traceparent-rejected", "correlation.traceparent-supported").await;
}
