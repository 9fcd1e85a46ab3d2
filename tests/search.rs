//! Family `search`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_search() {
    let report = run_reference(&[], &["search"]).await;
    assert_family_passes(&report, "search");
}

#[tokio::test]
async fn total_count_ignoring_q_is_caught() {
    let report = run_reference(
        &["total-count-ignores-search"],
        &[
            "search.total-count-reflects-search",
            "search.q-filters-collection",
        ],
    )
    .await;
    assert_shrunk(&report, "search.total-count-reflects-search");
    assert_others_hold(&report, &["search.total-count-reflects-search"]);
}
