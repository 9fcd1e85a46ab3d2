//! Mutants proving the `versioning` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "location-without-prefix",
    &["versioning.version-prefix-on-all-endpoints"],
    "the Location header is built without the /api/v1 prefix.",
)];
