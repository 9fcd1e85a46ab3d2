//! Family `conventions`: passes on the reference server; each rule fails, with evidence, when
//! the server breaks one of the base conventions.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["conventions"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_conventions() {
    let report = run_reference(&[], FAMILY).await;
    assert_eq!(report.results.len(), 8);
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
async fn list_served_as_text_plain_is_caught() {
    caught(
        "list-content-type-text-plain",
        "conventions.json-content-type",
    )
    .await;
}

#[tokio::test]
async fn uppercase_ids_are_caught() {
    caught("ids-uppercase", "conventions.ids-lowercase-uuid-v4-strings").await;
}

#[tokio::test]
async fn timestamps_with_offset_are_caught() {
    caught(
        "timestamps-with-offset",
        "conventions.timestamps-utc-iso8601",
    )
    .await;
}

#[tokio::test]
async fn timestamp_filter_ignoring_the_offset_is_caught() {
    caught(
        "timestamp-filter-offset-ignored",
        "conventions.timestamp-filters-utc-only",
    )
    .await;
}

#[tokio::test]
async fn missing_updated_at_is_caught() {
    caught(
        "updated-at-missing",
        "conventions.resources-have-inserted-at-updated-at",
    )
    .await;
}

#[tokio::test]
async fn omitted_null_fields_are_caught() {
    caught(
        "null-fields-omitted",
        "conventions.absent-optional-fields-are-null",
    )
    .await;
}

#[tokio::test]
async fn empty_arrays_as_null_are_caught() {
    caught("empty-arrays-as-null", "conventions.empty-arrays-not-null").await;
}

#[tokio::test]
async fn booleans_accepting_1_are_caught() {
    caught(
        "booleans-accept-1",
        "conventions.boolean-params-true-false-only",
    )
    .await;
}
