//! Family `idempotency`: Idempotency-Key replay, mismatch, scoping and expiry on the reference server, and the bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_idempotency() {
    let report = run_reference(&[], &["idempotency"]).await;
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
async fn replayed_key_creating_a_second_record_is_caught() {
    let report = run_reference(&["idempotency-not-stored"], &["idempotency"]).await;
    let broken = [
        "idempotency.replay-returns-stored-response",
        "idempotency.replayed-header",
        "idempotency.stored-headers-replayed",
        "idempotency.key-reuse-different-body-rejected",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn replay_without_replayed_header_is_caught() {
    let report = run_reference(&["idempotency-no-replayed-header"], &["idempotency"]).await;
    let broken = ["idempotency.replayed-header"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn key_reused_with_another_body_replayed_is_caught() {
    let report = run_reference(&["idempotency-key-ignores-body"], &["idempotency"]).await;
    let broken = ["idempotency.key-reuse-different-body-rejected"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn keys_shared_across_workspaces_are_caught() {
    let report = run_reference(&["idempotency-keys-global"], &["idempotency"]).await;
    let broken = ["idempotency.keys-scoped-per-workspace"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn key_honoured_on_patch_is_caught() {
    let report = run_reference(&["idempotency-applied-to-patch"], &["idempotency"]).await;
    let broken = ["idempotency.ignored-on-get-put-patch-delete"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
