//! Family `filtering`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_filtering() {
    let report = run_reference(&[], &["filtering"]).await;
    assert_family_passes(&report, "filtering");
}

#[tokio::test]
async fn case_sensitive_like_is_caught() {
    let report = run_reference(&["filter-like-case-sensitive"], &["filtering.like-*"]).await;
    assert_shrunk(&report, "filtering.like-case-insensitive-substring");
}

#[tokio::test]
async fn neq_dropping_nulls_is_caught() {
    let report = run_reference(&["filter-neq-drops-null"], &["filtering.eq-and-neq"]).await;
    assert_shrunk(&report, "filtering.eq-and-neq");
    let f = &report.results[0].outcome.findings[0].message;
    assert!(f.contains("seeded row"), "a completeness finding: {f}");
}

#[tokio::test]
async fn unknown_filter_field_silently_ignored_is_caught() {
    let report = run_reference(
        &["unknown-filter-field-ignored"],
        &[
            "filtering.unknown-field-400-names-field",
            "filtering.eq-and-neq",
        ],
    )
    .await;
    assert_shrunk(&report, "filtering.unknown-field-400-names-field");
    assert_others_hold(&report, &["filtering.unknown-field-400-names-field"]);
}
