//! Family `async-jobs`: passes on the reference server (its failing job comes from the
//! documented `simulate_failure` hook); a 202 without Location is caught.

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_async_jobs() {
    let report = run_reference(&[], &["async-jobs"]).await;
    assert_eq!(report.results.len(), 7);
    assert_all_passed(&report);
}

#[tokio::test]
async fn accepted_without_location_is_caught() {
    let report = run_reference(&["job-without-location"], &["async-jobs"]).await;
    assert_failed_with_evidence(&report, "async-jobs.202-location-header");
    assert_others_hold(&report, &["async-jobs.202-location-header"]);
}
