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
];
