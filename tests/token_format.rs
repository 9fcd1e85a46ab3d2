//! Family `token-format`: passes on the reference server (the raw-token rule through its token
//! UI); each testable rule fails, with evidence, on tokens or verification that break it.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["token-format"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_token_format() {
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
async fn token_app_segment_starting_with_a_digit_is_caught() {
    caught(
        "token-app-starts-with-digit",
        "token-format.app-env-hash-shape",
    )
    .await;
}

#[tokio::test]
async fn token_env_not_matching_the_deployment_is_caught() {
    caught(
        "token-env-dev",
        "token-format.env-segment-matches-deployment",
    )
    .await;
}

#[tokio::test]
async fn prefix_only_verification_is_caught() {
    let report = run_reference(&["auth-prefix-only"], FAMILY).await;
    assert_failed_with_evidence(&report, "token-format.full-token-verified-not-prefix");
    assert_others_hold(&report, &["token-format.full-token-verified-not-prefix"]);
    // The altered tokens are redacted like the real one.
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == "token-format.full-token-verified-not-prefix")
        .expect("in the report");
    for f in &r.outcome.findings {
        for seq in &f.exchanges {
            let ex = report
                .exchanges
                .iter()
                .find(|e| e.seq == *seq)
                .expect("evidence recorded");
            let auth = ex
                .request
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            assert!(auth.contains("$SPECGATE_TOKEN_FULL_ALTERED"), "{auth}");
            assert!(!ex.curl.contains("ref_test_"), "{}", ex.curl);
        }
    }
}

#[tokio::test]
async fn raw_token_listed_again_is_caught() {
    caught("token-list-shows-raw", "token-format.raw-token-shown-once").await;
}
