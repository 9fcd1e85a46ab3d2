//! Family `post-search`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_post_search() {
    let report = run_reference(&[], &["post-search"]).await;
    assert_family_passes(&report, "post-search");
}

#[tokio::test]
async fn post_search_ignoring_sort_is_caught() {
    let report = run_reference(
        &["post-search-ignores-sort"],
        &["post-search.same-capabilities-as-get"],
    )
    .await;
    assert_shrunk(&report, "post-search.same-capabilities-as-get");
}
