//! Mutants proving the `jsonb` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "jsonb-merged-on-patch",
        &[
            "jsonb.patch-replaces-whole-value",
            "jsonb.empty-map-sets-empty",
        ],
        "PATCH merges JSON map fields key by key into the stored value and appends to stored arrays, instead of replacing the whole value.",
    ),
    Mutant::fault(
        "patch-null-ignored",
        &[
            "jsonb.null-sets-null",
            "put-patch.patch-explicit-null-clears",
        ],
        "PATCH drops keys whose value is null before applying the body, so an explicit null never clears a field.",
    ),
    Mutant::fault(
        "patch-resets-omitted-fields",
        &[
            "jsonb.absent-key-untouched",
            "put-patch.patch-changes-only-sent-fields",
        ],
        "PATCH is applied as a full replace, so optional fields the body leaves out are reset instead of left untouched.",
    ),
    Mutant::fault(
        "jsonb-merged-on-put",
        &["jsonb.put-replaces-jsonb"],
        "PUT deep-merges a JSON map into the stored one (an ORM's merge-on-save) instead of replacing it.",
    ),
];
