//! Mutants proving the `jsonb` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "jsonb-merged-on-patch",
        &[
            "jsonb.patch-replaces-whole-value",
            "jsonb.empty-map-sets-empty",
        ],
        "Jsonb merged on patch.",
    ),
    Mutant::fault(
        "patch-null-ignored",
        &[
            "jsonb.null-sets-null",
            "put-patch.patch-explicit-null-clears",
        ],
        "Patch null ignored.",
    ),
    Mutant::fault(
        "patch-resets-omitted-fields",
        &[
            "jsonb.absent-key-untouched",
            "put-patch.patch-changes-only-sent-fields",
        ],
        "Patch resets omitted fields.",
    ),
    Mutant::fault(
        "jsonb-merged-on-put",
        &["jsonb.put-replaces-jsonb"],
        "PUT deep-merges a JSON map into the stored one (an ORM's merge-on-save) instead of replacing it.",
    ),
];
