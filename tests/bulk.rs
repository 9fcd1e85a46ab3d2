//! Family `bulk`: bulk create, update and delete (partial and atomic) on the reference server, and the bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_bulk() {
    let report = run_reference(&[], &["bulk"]).await;
    assert_eq!(report.results.len(), 10);
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
async fn summary_that_does_not_add_up_is_caught() {
    let report = run_reference(&["bulk-summary-miscount"], &["bulk"]).await;
    let broken = ["bulk.207-summary-counts"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn atomic_batch_persisting_valid_items_is_caught() {
    let report = run_reference(&["atomic-bulk-persists-valid"], &["bulk"]).await;
    let broken = ["bulk.atomic-by-default"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn bulk_create_without_idempotency_is_caught() {
    let report = run_reference(&["idempotency-not-stored"], &["bulk"]).await;
    let broken = ["bulk.idempotency-key-on-bulk-create"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn undocumented_partial_success_is_caught() {
    let report = run_reference(&["bulk-update-undocumented-207"], &["bulk"]).await;
    let broken = [
        "bulk.partial-success-documented-per-endpoint",
        "bulk.atomic-by-default",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
