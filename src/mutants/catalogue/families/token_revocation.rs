//! Mutants proving the `token-revocation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "revoked-token-cached",
    &[
        "token-revocation.self-revocation",
        "token-revocation.immediate-effect",
        "token-revocation.permanent",
    ],
    "Revoked token cached.",
)];
