//! Family `token-info`: passes on the reference server; each rule fails, with evidence, when
//! the token introspection endpoint misbehaves.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["token-info"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_token_info() {
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
async fn missing_rate_limit_is_caught() {
    caught(
        "token-info-missing-rate-limit",
        "token-info.returns-workspace-scopes-rate-limit",
    )
    .await;
}

#[tokio::test]
async fn anonymous_token_info_is_caught() {
    caught("token-info-public", "token-info.requires-authentication").await;
}

#[tokio::test]
async fn wrong_scopes_are_caught() {
    caught("token-info-wrong-scopes", "token-info.scopes-match-token").await;
}

#[tokio::test]
async fn counted_token_info_is_caught() {
    caught(
        "token-info-counts-against-limit",
        "token-info.not-counted-against-rate-limit",
    )
    .await;
}
