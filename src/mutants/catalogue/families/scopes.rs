//! Mutants proving the `scopes` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "cross-workspace-403",
        &[
            "scopes.cross-tenant-resource-404",
            "errors.cross-workspace-404-indistinguishable",
        ],
        "Fetching a record that belongs to another workspace answers 403 insufficient-scope instead of 404, revealing that it exists.",
    ),
    Mutant::fault(
        "cross-workspace-item-readable",
        &["scopes.cross-tenant-resource-404"],
        "A single GET falls back to looking the id up in any workspace, so a record of another workspace is returned to the caller.",
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
        "The scope check is computed but never enforced, so any valid token can read and write every resource.",
    ),
    Mutant::fault(
        "head-needs-write-scope",
        &["scopes.read-allows-get-head-options"],
        "The read-method list names GET and OPTIONS but forgot HEAD, so HEAD needs the write scope.",
    ),
    Mutant::fault(
        "write-scope-does-not-imply-read",
        &["scopes.write-implies-read"],
        "Scopes matched literally, so {resource}:write does not grant reads (not even of records the token just created).",
    ),
    Mutant::fault(
        "delete-needs-all-write",
        &["scopes.write-allows-all-methods"],
        "Deletes treated as admin-only, so {resource}:write cannot DELETE without the all:write wildcard.",
    ),
    Mutant::fault(
        "all-write-misses-newer-resource",
        &["scopes.all-write-wildcard"],
        "The all:write wildcard expands to a resource list that predates comments.",
    ),
    Mutant::fault(
        "enums-scopes-include-admin",
        &["scopes.scope-strings-resource-colon-action"],
        "The admin flag listed among the scopes in /enums as a bare 'admin'.",
    ),
    Mutant::fault(
        "enums-scopes-read-only",
        &["scopes.valid-scopes-discoverable-in-enums"],
        "The /enums scope list built from the read scopes only.",
    ),
    Mutant::fault(
        "enums-scopes-stale-list",
        &["scopes.valid-scopes-generated-from-resources"],
        "A hand-maintained /enums scope list still naming a resource (projects) that was removed.",
    ),
    Mutant::fault(
        "references-not-scope-checked",
        &["scopes.cross-resource-write-needs-read-on-referenced"],
        "A referenced record checked for existence only, not for the token's read scope on it.",
    ),
    Mutant::fault(
        "403-without-token-scopes",
        &["scopes.403-reports-required-and-token-scopes"],
        "The token's scopes left out of the 403 body (\"do not leak permissions\").",
    ),
    Mutant::fault(
        "links-route-unscoped",
        &["scopes.polymorphic-links-use-parent-scope"],
        "The polymorphic links route registered after the scope plug's route table was built, so it needs no scope at all.",
    ),
    Mutant::fault(
        "token-scopes-optional",
        &["scopes.token-creation-requires-scopes"],
        "An omitted scopes list on token creation defaults to none instead of being required.",
    ),
];
