//! Mutants proving the `include` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "include-depth-4-accepted",
        &["include.max-depth-3"],
        "The include depth check is off by one: four-level include paths are accepted instead of rejected (the limit is 3).",
    ),
    Mutant::fault(
        "included-not-deduplicated",
        &["include.deduplicated-by-type-id"],
        "The included array repeats a resource once per reference instead of listing each type and id once.",
    ),
    Mutant::fault(
        "include-to-one-not-sideloaded",
        &["include.adds-relationships-and-included"],
        "To-one relations (the category) are referenced in relationships but their rows are never fetched into included.",
    ),
    Mutant::fault(
        "include-to-many-not-sideloaded",
        &["include.adds-relationships-and-included"],
        "The include loader lists to-many children (an item's comments) in relationships but never fetches their rows into included.",
    ),
    Mutant::fault(
        "included-empty-without-include",
        &["include.absent-without-param"],
        "The serializer always emits an empty included array, even when nothing was asked for.",
    ),
    Mutant::fault(
        "invalid-include-ignored",
        &["include.invalid-value-400"],
        "An include value naming no relation is silently dropped instead of rejected with 400.",
    ),
    Mutant::fault(
        "nested-include-stops-at-first-level",
        &["include.nested-dot-notation"],
        "A dotted include (comments.item) sideloads its first segment and silently ignores the rest.",
    ),
    Mutant::fault(
        "included-without-links",
        &["include.included-have-links"],
        "Sideloaded rows go through a bare serializer that leaves out their links.",
    ),
    Mutant::fault(
        "include-ignored-on-single",
        &["include.collections-and-single"],
        "GET /{id} accepts include but never resolves it: only the list handler was wired up.",
    ),
    Mutant::document(
        "include-values-undocumented",
        &["include.valid-includes-documented"],
        "The include parameter is documented as a free-form string list, without its valid paths.",
        free_form_include,
    ),
];

/// The items list documents `include` as any string list, with no `x-includes`.
fn free_form_include(doc: &mut Value) {
    if let Some(p) = doc.pointer_mut("/components/parameters/ItemInclude") {
        p["description"] = json!("Sideload related resources (comma-separated).");
        p["schema"] = json!({"type": "array", "items": {"type": "string"}});
    }
    if let Some(Value::Object(op)) = doc.pointer_mut("/paths/~1items/get") {
        op.remove("x-includes");
    }
}
