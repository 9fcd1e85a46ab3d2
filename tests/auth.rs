//! Family `auth`: passes on the reference server; fails when the server also takes tokens from
//! the query string.

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_auth() {
    let report = run_reference(&[], &["auth"]).await;
    assert_eq!(report.results.len(), 8);
    assert_all_passed(&report);
}

#[tokio::test]
async fn token_accepted_in_the_query_string_is_caught() {
    let report = run_reference(&["access-token-query-accepted"], &["auth"]).await;
    assert_failed_with_evidence(&report, "auth.tokens-sole-auth-mechanism");
    assert_others_hold(&report, &["auth.tokens-sole-auth-mechanism"]);
}
