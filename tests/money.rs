//! Family `money`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_money() {
    let report = run_reference(&[], &["money"]).await;
    assert_family_passes(&report, "money");
}

#[tokio::test]
async fn amounts_rendered_as_decimals_are_caught() {
    let report = run_reference(&["money-cents-as-decimal"], &["money.integer-cents"]).await;
    assert_shrunk(&report, "money.integer-cents");
    let f = &report.results[0].outcome.findings[0].message;
    assert!(f.contains("not an integer"), "{f}");
}
