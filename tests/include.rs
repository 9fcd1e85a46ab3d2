//! Family `include`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_include() {
    let report = run_reference(&[], &["include"]).await;
    assert_family_passes(&report, "include");
}

#[tokio::test]
async fn duplicated_included_entries_are_caught() {
    let report = run_reference(
        &["included-not-deduplicated"],
        &["include.deduplicated-by-type-id"],
    )
    .await;
    assert_shrunk(&report, "include.deduplicated-by-type-id");
}

#[tokio::test]
async fn a_depth_4_include_accepted_is_caught() {
    let report = run_reference(
        &["include-depth-4-accepted"],
        &["include.max-depth-3", "include.invalid-value-400"],
    )
    .await;
    assert_shrunk(&report, "include.max-depth-3");
    assert_others_hold(&report, &["include.max-depth-3"]);
}
