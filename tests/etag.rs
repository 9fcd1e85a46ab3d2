//! Family `etag`: conditional requests on the reference server, and the ETag bugs that break them.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_etag() {
    let report = run_reference(&[], &["etag"]).await;
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
async fn etag_unchanged_on_update_is_caught() {
    let report = run_reference(&["etag-unchanged-on-update"], &["etag"]).await;
    let broken = [
        "etag.required-on-single-get-put-patch",
        "etag.changes-on-every-update-even-no-op",
        "etag.stale-if-match-is-412",
        "etag.if-none-match-unchanged-304",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn put_without_if_match_accepted_is_caught() {
    let report = run_reference(&["put-without-if-match-accepted"], &["etag"]).await;
    let broken = ["etag.put-without-if-match-is-428"];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}
