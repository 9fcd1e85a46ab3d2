//! Family `pagination-cursor`: passes on the reference server; each fault switch below breaks one rule and
//! the rule fails with a shrunk counterexample (or, for scripted probes, with evidence).

mod common;

use common::*;

#[tokio::test]
async fn reference_passes_pagination_cursor() {
    let report = run_reference(&[], &["pagination-cursor"]).await;
    assert_family_passes(&report, "pagination-cursor");
}

#[tokio::test]
async fn cursor_walk_skipping_tied_rows_is_caught() {
    let report = run_reference(
        &["cursor-skips-tied-rows"],
        &[
            "pagination-cursor.next-cursor-continues-without-gaps",
            "pagination-cursor.invalid-or-expired-cursor-400",
        ],
    )
    .await;
    assert_shrunk(
        &report,
        "pagination-cursor.next-cursor-continues-without-gaps",
    );
    assert_others_hold(
        &report,
        &["pagination-cursor.next-cursor-continues-without-gaps"],
    );
}
