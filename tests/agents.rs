//! Family `agents`: passes on the reference server; each rule fails, with evidence, when the
//! agents document or its per-IP limit is broken.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["agents"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_agents() {
    let report = run_reference(&[], FAMILY).await;
    assert_eq!(report.results.len(), 5);
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
async fn agents_requiring_a_token_is_caught() {
    caught("agents-requires-auth", "agents.public-no-auth").await;
}

#[tokio::test]
async fn agents_served_as_html_is_caught() {
    caught("agents-served-as-html", "agents.content-type-markdown").await;
}

#[tokio::test]
async fn agents_without_ip_limit_is_caught() {
    caught(
        "agents-not-ip-limited",
        "agents.rate-limited-by-ip-60-per-minute",
    )
    .await;
}

#[tokio::test]
async fn bloated_agents_document_is_caught() {
    caught("agents-bloated", "agents.under-50kb").await;
}

#[tokio::test]
async fn agents_document_missing_endpoints_is_caught() {
    caught(
        "agents-missing-endpoint",
        "agents.complete-auth-endpoints-fields-examples",
    )
    .await;
}
