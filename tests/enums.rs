//! Family `enums`: passes on the reference server; each rule fails (or, for the canonical
//! order, warns as C51 prescribes), with evidence, when the enums endpoint misbehaves.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["enums"];

async fn caught(fault: &str, rule: &str) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    assert_others_hold(&report, &[rule]);
}

#[tokio::test]
async fn reference_passes_enums() {
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
    let order = report
        .results
        .iter()
        .find(|r| r.info.id == "enums.canonical-order")
        .expect("in the report");
    assert!(order.outcome.checked > 0);
    assert!(
        order.outcome.notes.is_empty(),
        "the reference keeps the spec's order: {:?}",
        order.outcome.notes
    );
}

#[tokio::test]
async fn public_enums_are_caught() {
    caught("enums-public", "enums.requires-auth").await;
}

#[tokio::test]
async fn missing_cache_control_is_caught() {
    caught("enums-no-cache-control", "enums.cache-control-and-etag").await;
}

#[tokio::test]
async fn flat_value_lists_are_caught() {
    caught("enums-flat-values", "enums.structure").await;
}

#[tokio::test]
async fn unlisted_values_accepted_are_caught() {
    caught("enum-values-not-enforced", "enums.values-enforced-on-write").await;
}

/// C51: the canonical order is not known from outside, so a different order is a warning,
/// never a failure. The rule must still notice it.
#[tokio::test]
async fn alphabetical_order_is_warned_about() {
    let report = run_reference(&["enums-sorted-alphabetically"], FAMILY).await;
    assert_others_hold(&report, &[]);
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == "enums.canonical-order")
        .expect("in the report");
    assert_eq!(r.outcome.status, Status::Passed);
    assert!(
        r.outcome
            .notes
            .iter()
            .any(|n| n.contains("C51") && n.contains("items.priority")),
        "{:?}",
        r.outcome.notes
    );
}
