//! Mutants proving the `token-info` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "token-info-counts-against-limit",
        &["token-info.not-counted-against-rate-limit"],
        "Token info counts against limit.",
    ),
    Mutant::fault(
        "token-info-missing-rate-limit",
        &["token-info.returns-workspace-scopes-rate-limit"],
        "Token info missing rate limit.",
    ),
    Mutant::fault(
        "token-info-public",
        &["token-info.requires-authentication"],
        "Token info public.",
    ),
    Mutant::fault(
        "token-info-wrong-scopes",
        &["token-info.scopes-match-token"],
        "Token info wrong scopes.",
    ),
];
