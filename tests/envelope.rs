//! Family `envelope`: passes on the reference server; each rule fails, with evidence, when the
//! server breaks its envelope the way real services do.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["envelope"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_envelope() {
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
async fn single_resource_without_data_wrapper_is_caught() {
    caught(
        "single-get-unwrapped",
        "envelope.get-single-200-data-object",
    )
    .await;
}

#[tokio::test]
async fn collection_without_links_is_caught() {
    caught(
        "collection-missing-links",
        "envelope.get-collection-200-data-pagination-links",
    )
    .await;
}

#[tokio::test]
async fn create_answering_200_is_caught() {
    caught("create-returns-200", "envelope.post-create-201").await;
}

#[tokio::test]
async fn patch_returning_only_changed_fields_is_caught() {
    caught("patch-returns-partial", "envelope.put-patch-200").await;
}

#[tokio::test]
async fn delete_with_a_body_is_caught() {
    caught("delete-returns-200-body", "envelope.delete-204-empty").await;
}
