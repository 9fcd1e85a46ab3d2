//! Family `pagination-offset`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_pagination_offset() {
    let report = run_reference(&[], &["pagination-offset"]).await;
    assert_family_passes(&report, "pagination-offset");
}

#[tokio::test]
async fn off_by_one_last_link_is_caught() {
    let report = run_reference(
        &["offset-last-link-off-by-one"],
        &[
            "pagination-offset.pagination-object-shape",
            "pagination-offset.per-page-clamped-to-500",
        ],
    )
    .await;
    assert_shrunk(&report, "pagination-offset.pagination-object-shape");
    assert_others_hold(&report, &["pagination-offset.pagination-object-shape"]);
}

#[tokio::test]
async fn unclamped_per_page_is_caught_and_shrunk_to_501() {
    let report = run_reference(
        &["per-page-not-clamped"],
        &["pagination-offset.per-page-clamped-to-500"],
    )
    .await;
    assert_shrunk(&report, "pagination-offset.per-page-clamped-to-500");
    let f = &report.results[0].outcome.findings[0].message;
    assert!(
        f.contains("`501`"),
        "shrinks to the smallest violating value: {f}"
    );
}

#[tokio::test]
async fn total_count_ignoring_q_is_caught() {
    let report = run_reference(
        &["total-count-ignores-search"],
        &["pagination-offset.total-count-after-filters-and-search"],
    )
    .await;
    assert_shrunk(
        &report,
        "pagination-offset.total-count-after-filters-and-search",
    );
}
