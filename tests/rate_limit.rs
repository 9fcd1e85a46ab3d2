//! Family `rate-limit`: passes on the reference server with only the dedicated `rate_limited`
//! token on the default limits; a 429 without Retry-After is caught; and driving that token
//! into 429 leaves every other rule of a full run untouched.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_rate_limit() {
    let report = run_reference(&[], &["rate-limit"]).await;
    assert_eq!(report.results.len(), 7);
    assert_all_passed(&report);
}

#[tokio::test]
async fn too_many_requests_without_retry_after_is_caught() {
    let report = run_reference(&["429-without-retry-after"], &["rate-limit"]).await;
    assert_failed_with_evidence(&report, "rate-limit.429-retry-after-and-zero-remaining");
    assert_others_hold(&report, &["rate-limit.429-retry-after-and-zero-remaining"]);
}

/// The families of this part of the suite, and the only skips a reference deployment cannot
/// avoid (a sunset date, TLS).
const FAMILIES: [&str; 9] = [
    "auth",
    "scopes",
    "token-revocation",
    "rate-limit",
    "cors",
    "async-jobs",
    "webhooks",
    "deprecation",
    "https",
];
const EXPECTED_SKIPS: [&str; 7] = [
    "deprecation.supported-12-months-after-ga",
    "deprecation.deprecation-header",
    "deprecation.sunset-header",
    "deprecation.warning-299-header",
    "deprecation.timeline-in-agents-and-openapi",
    "https.tls-1-2-or-higher",
    "https.plain-http-redirected-or-refused",
];

#[tokio::test]
async fn full_reference_run_is_not_disturbed_by_rate_limiting() {
    let started = std::time::Instant::now();
    let report = run_reference(&[], &[]).await;
    let wall = started.elapsed();
    // Only the rate-limit rules (and the agents endpoint's per-IP limit rule, which drives its
    // own IP budget to 429 on purpose) ever saw a 429.
    for ex in &report.exchanges {
        if ex.status() == Some(429) {
            assert!(
                ex.rule.starts_with("rate-limit.")
                    || ex.rule == "agents.rate-limited-by-ip-60-per-minute",
                "{} got a 429: {} {}",
                ex.rule,
                ex.request.method,
                ex.request.url
            );
        }
    }
    // No rule of any family failed because of throttling.
    for r in &report.results {
        if r.outcome.status == Status::Failed {
            assert!(
                !r.outcome
                    .findings
                    .iter()
                    .any(|f| f.message.contains("429") || f.message.contains("rate limit")),
                "{} failed because of rate limiting: {:?}",
                r.info.id,
                r.outcome.findings
            );
        }
    }
    // Every rule of these families passed, except the skips a reference deployment cannot
    // avoid.
    let mut per_family = std::collections::BTreeMap::<String, u64>::new();
    for r in report
        .results
        .iter()
        .filter(|r| FAMILIES.contains(&r.info.family.as_str()))
    {
        *per_family.entry(r.info.family.clone()).or_default() += r.duration_ms;
        if EXPECTED_SKIPS.contains(&r.info.id.as_str()) {
            assert_eq!(
                r.outcome.status,
                Status::Skipped,
                "{}: {:?}",
                r.info.id,
                r.outcome
            );
        } else {
            assert_eq!(
                r.outcome.status,
                Status::Passed,
                "{}: {:?}",
                r.info.id,
                r.outcome
            );
        }
    }
    assert_eq!(per_family.len(), FAMILIES.len(), "{per_family:?}");
    eprintln!(
        "full run: {} ms wall ({} ms in the run), per family: {per_family:?}",
        wall.as_millis(),
        report.duration_ms
    );
}
