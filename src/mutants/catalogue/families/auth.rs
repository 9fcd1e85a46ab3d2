//! Mutants proving the `auth` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "access-token-query-accepted",
    &["auth.tokens-sole-auth-mechanism"],
    "Access token query accepted.",
)];
