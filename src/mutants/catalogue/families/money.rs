//! Mutants proving the `money` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "money-cents-as-decimal",
    &["money.integer-cents"],
    "Money cents as decimal.",
)];
