//! Mutants proving the `enums` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "enum-values-not-enforced",
        &["enums.values-enforced-on-write"],
        "Writes accept any string for enum fields: the allowed values are listed but never checked.",
    ),
    Mutant::fault(
        "enums-flat-values",
        &["enums.structure"],
        "GET /enums lists bare value arrays instead of {\"values\": [...]} objects.",
    ),
    Mutant::fault(
        "enums-no-cache-control",
        &["enums.cache-control-and-etag"],
        "GET /enums is served without Cache-Control and ETag (the static-asset middleware skipped it).",
    ),
    Mutant::fault(
        "enums-public",
        &[
            "enums.requires-auth",
            "auth.protected-endpoints-require-bearer",
        ],
        "GET /enums is mounted outside the authenticated scope, so it answers without a token.",
    ),
    Mutant::fault(
        "enums-unordered",
        &["enums.canonical-order"],
        "GET /enums gathers each field's values by iterating a hash map, so their order changes from one request to the next.",
    ),
];
