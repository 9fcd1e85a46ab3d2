//! Family `put-patch`: replacement and partial-update semantics on the reference server, and the bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_put_patch() {
    let report = run_reference(&[], &["put-patch"]).await;
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
async fn put_merged_like_patch_is_caught() {
    let report = run_reference(&["put-merges-like-patch"], &["put-patch"]).await;
    let broken = [
        "put-patch.put-requires-all-required-fields",
        "put-patch.put-resets-omitted-fields",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn patch_resetting_omitted_fields_is_caught() {
    let report = run_reference(&["patch-resets-omitted-fields"], &["put-patch"]).await;
    let broken = ["put-patch.patch-changes-only-sent-fields"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn patch_ignoring_null_is_caught() {
    let report = run_reference(&["patch-null-ignored"], &["put-patch"]).await;
    let broken = ["put-patch.patch-explicit-null-clears"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
