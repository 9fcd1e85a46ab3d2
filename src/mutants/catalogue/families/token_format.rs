//! Mutants proving the `token-format` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "auth-prefix-only",
        &["token-format.full-token-verified-not-prefix"],
        "Auth prefix only.",
    ),
    Mutant::fault(
        "token-app-starts-with-digit",
        &["token-format.app-env-hash-shape"],
        "Token app starts with digit.",
    ),
    Mutant::fault(
        "token-env-dev",
        &["token-format.env-segment-matches-deployment"],
        "Token env dev.",
    ),
    Mutant::fault(
        "token-list-shows-raw",
        &["token-format.raw-token-shown-once"],
        "the raw token kept in the session for the \"copy your token\" banner and never cleared, so the token listing shows it again.",
    ),
];
