//! Family `scopes`: the identity × operation matrix passes on the reference server; another
//! workspace's record served or answered 403 (instead of 404), and unenforced scopes, are
//! caught.

mod common;

use common::*;
use specgate::rules::Status;

#[tokio::test]
async fn reference_passes_scopes() {
    let report = run_reference(&[], &["scopes"]).await;
    // The polymorphic links endpoint and the token UI are there: nothing is skipped.
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
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

#[tokio::test]
async fn unscoped_links_route_is_caught() {
    let report = run_reference(&["links-route-unscoped"], &["scopes"]).await;
    assert_failed_with_evidence(&report, "scopes.polymorphic-links-use-parent-scope");
}

#[tokio::test]
async fn token_created_without_scopes_is_caught() {
    let report = run_reference(&["token-scopes-optional"], &["scopes"]).await;
    assert_failed_with_evidence(&report, "scopes.token-creation-requires-scopes");
}
