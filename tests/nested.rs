//! Family `nested`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_nested() {
    let report = run_reference(&[], &["nested"]).await;
    assert_family_passes(&report, "nested");
}

#[tokio::test]
async fn nested_list_ignoring_its_parent_is_caught() {
    let report = run_reference(
        &["nested-ignores-parent"],
        &[
            "nested.lists-linked-children",
            "nested.supports-collection-params",
        ],
    )
    .await;
    assert_failed_with_evidence(&report, "nested.lists-linked-children");
    assert_shrunk(&report, "nested.supports-collection-params");
}
