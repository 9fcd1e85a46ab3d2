//! Family `jsonb`: JSON columns replaced whole on the reference server, and the bugs that merge or drop them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_jsonb() {
    let report = run_reference(&[], &["jsonb"]).await;
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
async fn jsonb_merged_on_patch_is_caught() {
    let report = run_reference(&["jsonb-merged-on-patch"], &["jsonb"]).await;
    let broken = [
        "jsonb.patch-replaces-whole-value",
        "jsonb.empty-map-sets-empty",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn jsonb_null_ignored_is_caught() {
    let report = run_reference(&["patch-null-ignored"], &["jsonb"]).await;
    let broken = ["jsonb.null-sets-null"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn jsonb_reset_when_absent_is_caught() {
    let report = run_reference(&["patch-resets-omitted-fields"], &["jsonb"]).await;
    let broken = ["jsonb.absent-key-untouched"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
