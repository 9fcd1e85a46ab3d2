//! Mutants proving the `token-format` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "auth-prefix-only",
        &["token-format.full-token-verified-not-prefix"],
        "Authentication matches tokens on their 16-character prefix only and never verifies the hash, so any token sharing a live prefix is accepted.",
    ),
    Mutant::fault(
        "token-app-starts-with-digit",
        &["token-format.app-env-hash-shape"],
        "Tokens are minted with an app segment that starts with a digit (9...), breaking the {app}_{env}_{hash} shape.",
    ),
    Mutant::fault(
        "token-env-dev",
        &["token-format.env-segment-matches-deployment"],
        "Tokens are minted with env segment dev whatever environment the deployment runs in.",
    ),
    Mutant::fault(
        "token-list-shows-raw",
        &["token-format.raw-token-shown-once"],
        "The raw token kept in the session for the \"copy your token\" banner and never cleared, so the token listing shows it again.",
    ),
];
