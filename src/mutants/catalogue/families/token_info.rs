//! Mutants proving the `token-info` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "token-info-counts-against-limit",
        &["token-info.not-counted-against-rate-limit"],
        "GET /token is counted against the token's rate limit like any other request, so checking the budget uses it up.",
    ),
    Mutant::fault(
        "token-info-missing-rate-limit",
        &["token-info.returns-workspace-scopes-rate-limit"],
        "GET /token returns the token's workspace and scopes but leaves out the rate_limit object.",
    ),
    Mutant::fault(
        "token-info-public",
        &["token-info.requires-authentication"],
        "GET /token without an Authorization header answers 200 with null token, workspace and rate_limit instead of 401.",
    ),
    Mutant::fault(
        "token-info-wrong-scopes",
        &["token-info.scopes-match-token"],
        "GET /token always reports scopes [\"all:read\"] instead of the calling token's own scopes.",
    ),
];
