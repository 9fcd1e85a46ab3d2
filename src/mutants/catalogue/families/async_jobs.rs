//! Mutants proving the `async-jobs` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "job-without-location",
    &["async-jobs.202-location-header"],
    "Job without location.",
)];
