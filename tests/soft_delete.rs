//! Family `soft-delete`: delete, list, filter and restore on the reference server, and the bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_soft_delete() {
    let report = run_reference(&[], &["soft-delete"]).await;
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
async fn soft_deleted_item_still_listed_is_caught() {
    let report = run_reference(&["soft-deleted-still-listed"], &["soft-delete"]).await;
    let broken = ["soft-delete.deleted-excluded-by-default"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn unique_value_held_by_deleted_record_is_caught() {
    let report = run_reference(&["unique-names-include-deleted"], &["soft-delete"]).await;
    let broken = ["soft-delete.recreate-after-delete"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
