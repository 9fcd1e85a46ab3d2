//! Mutants proving the `scopes` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "cross-workspace-403",
        &[
            "scopes.cross-tenant-resource-404",
            "errors.cross-workspace-404-indistinguishable",
        ],
        "Cross workspace 403.",
    ),
    Mutant::fault(
        "cross-workspace-item-readable",
        &["scopes.cross-tenant-resource-404"],
        "Cross workspace item readable.",
    ),
    Mutant::fault(
        "scopes-not-enforced",
        &[
            "scopes.read-denies-write-methods-403",
            "scopes.all-read-wildcard",
            "scopes.unscoped-resource-403",
            "scopes.empty-scopes-no-access",
            "scopes.nested-inherits-parent-scope",
            "scopes.existing-resource-without-scope-403",
            "scopes.403-problem-insufficient-scope",
            "scopes.auth-then-scope-then-handler",
        ],
        "Scopes not enforced.",
    ),
];
