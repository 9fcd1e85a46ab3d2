//! Family `fields`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_fields() {
    let report = run_reference(&[], &["fields"]).await;
    assert_family_passes(&report, "fields");
}

#[tokio::test]
async fn fields_dropping_id_is_caught() {
    let report = run_reference(
        &["fields-drop-id"],
        &[
            "fields.id-always-included",
            "fields.timestamps-always-included",
        ],
    )
    .await;
    assert_shrunk(&report, "fields.id-always-included");
    assert_others_hold(&report, &["fields.id-always-included"]);
}
