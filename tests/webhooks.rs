//! Family `webhooks`: specgate's receiver gets signed, retried deliveries from the reference
//! server (short schedule in --reference mode); a wrong signature is caught.

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_webhooks() {
    let report = run_reference(&[], &["webhooks"]).await;
    assert_eq!(report.results.len(), 12);
    assert_all_passed(&report);
}

#[tokio::test]
async fn wrong_signature_is_caught() {
    let report = run_reference(&["webhook-wrong-signature"], &["webhooks"]).await;
    assert_failed_with_evidence(&report, "webhooks.hmac-sha256-signature");
    assert_others_hold(&report, &["webhooks.hmac-sha256-signature"]);
}

#[tokio::test]
async fn guide_schedule_without_long_wait_is_skipped_with_a_reason() {
    // The reference server on the guide's real schedule (1 min, 5 min, …, 10 s timeout).
    let rc = reference_server::Config {
        webhook_schedule: reference_server::Config::default().webhook_schedule,
        webhook_timeout: reference_server::Config::default().webhook_timeout,
        ..reference_config(&[])
    };
    let ext = start_external(rc).await;
    let report = run_external(
        ext,
        "",
        "",
        None,
        &[
            "webhooks.retry-on-non-2xx-with-backoff",
            "webhooks.failing-after-5-attempts-not-disabled",
            "webhooks.receiver-10s-timeout",
            "webhooks.at-least-once-unique-event-id",
            "webhooks.hmac-sha256-signature",
        ],
    )
    .await;
    for id in [
        "webhooks.retry-on-non-2xx-with-backoff",
        "webhooks.failing-after-5-attempts-not-disabled",
        "webhooks.receiver-10s-timeout",
        "webhooks.at-least-once-unique-event-id",
    ] {
        assert_skipped(&report, id, "long-wait");
    }
    assert_eq!(
        status(&report, "webhooks.hmac-sha256-signature"),
        specgate::rules::Status::Passed
    );
}
