//! Mutants proving the `health` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "ready-ignores-database",
    &[
        "health.live-has-no-dependency-checks",
        "health.ready-503-when-dependency-down",
    ],
    "a readiness probe that never looks at its dependencies.",
)];
