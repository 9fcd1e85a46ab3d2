//! Mutants proving the `enums` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "enum-values-not-enforced",
        &["enums.values-enforced-on-write"],
        "Enum values not enforced.",
    ),
    Mutant::fault(
        "enums-flat-values",
        &["enums.structure"],
        "Enums flat values.",
    ),
    Mutant::fault(
        "enums-no-cache-control",
        &["enums.cache-control-and-etag"],
        "Enums no cache control.",
    ),
    Mutant::fault(
        "enums-public",
        &[
            "enums.requires-auth",
            "auth.protected-endpoints-require-bearer",
        ],
        "Enums public.",
    ),
];
