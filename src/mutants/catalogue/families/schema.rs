//! Mutants proving the `schema` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "amount-cents-as-string",
    &["schema.response-body-matches-schema"],
    "A money column read back as text.",
)];
