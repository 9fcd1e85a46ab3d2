//! Family `sorting`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_sorting() {
    let report = run_reference(&[], &["sorting"]).await;
    assert_family_passes(&report, "sorting");
}

#[tokio::test]
async fn case_insensitive_string_order_is_caught() {
    let report = run_reference(
        &["sort-case-insensitive"],
        &["sorting.ascending-and-descending"],
    )
    .await;
    assert_shrunk(&report, "sorting.ascending-and-descending");
}
