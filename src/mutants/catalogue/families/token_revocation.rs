//! Mutants proving the `token-revocation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "revoked-token-cached",
        &[
            "token-revocation.self-revocation",
            "token-revocation.immediate-effect",
            "token-revocation.permanent",
        ],
        "Revoking a token marks it revoked in the database but never evicts it from the in-memory auth cache, so it keeps authenticating.",
    ),
    Mutant::fault(
        "token-revocation-returns-200",
        &["token-revocation.delete-returns-204"],
        "The revocation answers 200 with a body instead of 204 No Content.",
    ),
    Mutant::fault(
        "token-revocation-unauthenticated",
        &["token-revocation.requires-authentication"],
        "The revocation route is mounted with the public routes, so an anonymous DELETE revokes any token by id.",
    ),
    Mutant::fault(
        "token-revocation-any-member",
        &["token-revocation.requires-admin-or-self"],
        "The admin check is missing: any token of the workspace may revoke another.",
    ),
    Mutant::fault(
        "last-admin-token-revocable",
        &["token-revocation.last-admin-token-protected"],
        "The lockout guard is missing, so the workspace's last admin token can be revoked.",
    ),
];
