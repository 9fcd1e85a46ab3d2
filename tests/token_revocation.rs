//! Family `token-revocation`: passes on the reference server; a verified-token cache that
//! revocation does not invalidate is caught.

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_token_revocation() {
    let report = run_reference(&[], &["token-revocation"]).await;
    assert_eq!(report.results.len(), 7);
    assert_all_passed(&report);
}

#[tokio::test]
async fn revoked_token_still_accepted_is_caught() {
    let report = run_reference(&["revoked-token-cached"], &["token-revocation"]).await;
    assert_failed_with_evidence(&report, "token-revocation.immediate-effect");
    // The same cache keeps a self-revoked token alive, and it is still accepted at the end.
    assert_failed_with_evidence(&report, "token-revocation.self-revocation");
    assert_others_hold(
        &report,
        &[
            "token-revocation.immediate-effect",
            "token-revocation.self-revocation",
            "token-revocation.permanent",
        ],
    );
}
