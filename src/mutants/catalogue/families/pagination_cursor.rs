//! Mutants proving the `pagination-cursor` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "cursor-skips-tied-rows",
    &["pagination-cursor.next-cursor-continues-without-gaps"],
    "Cursor skips tied rows.",
)];
