//! Family `scopes`: the identity × operation matrix passes on the reference server; another
//! workspace's record served or answered 403 (instead of 404), and unenforced scopes, are
//! caught.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_scopes() {
    let report = run_reference(&[], &["scopes"]).await;
    assert_skipped(
        &report,
        "scopes.polymorphic-links-use-parent-scope",
        "no polymorphic link endpoint",
    );
    assert_skipped(
        &report,
        "scopes.token-creation-requires-scopes",
        "ui_session",
    );
    for r in &report.results {
        if r.outcome.status != Status::Skipped {
            assert_eq!(
                r.outcome.status,
                Status::Passed,
                "{}: {:?}",
                r.info.id,
                r.outcome
            );
        }
    }
    assert_eq!(report.count(Status::Passed), report.results.len() - 2);
}

#[tokio::test]
async fn another_workspaces_item_readable_is_caught() {
    let report = run_reference(&["cross-workspace-item-readable"], &["scopes"]).await;
    assert_failed_with_evidence(&report, "scopes.cross-tenant-resource-404");
    assert_others_hold(&report, &["scopes.cross-tenant-resource-404"]);
}

#[tokio::test]
async fn forbidden_instead_of_not_found_across_workspaces_is_caught() {
    let report = run_reference(&["cross-workspace-403"], &["scopes"]).await;
    assert_failed_with_evidence(&report, "scopes.cross-tenant-resource-404");
    assert_others_hold(&report, &["scopes.cross-tenant-resource-404"]);
}

#[tokio::test]
async fn unenforced_scopes_are_caught() {
    let report = run_reference(&["scopes-not-enforced"], &["scopes"]).await;
    for id in [
        "scopes.unscoped-resource-403",
        "scopes.read-denies-write-methods-403",
        "scopes.empty-scopes-no-access",
        "scopes.existing-resource-without-scope-403",
        "scopes.nested-inherits-parent-scope",
    ] {
        assert_failed_with_evidence(&report, id);
    }
}
