//! Mutants proving the `fields` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "fields-drop-id",
    &["fields.id-always-included"],
    "Fields drop id.",
)];
