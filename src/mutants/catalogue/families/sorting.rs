//! Mutants proving the `sorting` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "sort-case-insensitive",
        &[
            "sorting.ascending-and-descending",
            "sorting.compound-sort",
            "sorting.composes-with-filters-search-pagination",
            "sorting.cursor-includes-sort",
        ],
        "Text sort keys are ordered with COLLATE NOCASE, so case variants interleave instead of sorting in code-point order.",
    ),
    Mutant::fault(
        "unknown-sort-field-ignored",
        &["sorting.invalid-field-400-names-field"],
        "An unknown sort field is silently dropped (the list falls back to the default order) instead of rejected with 400.",
    ),
    Mutant::fault(
        "default-sort-oldest-first",
        &["sorting.default-newest-first"],
        "The default order is ORDER BY inserted_at without DESC, so lists come oldest first.",
    ),
    Mutant::fault(
        "sort-fourth-field-500",
        &["sorting.max-three-fields"],
        "The ORDER BY builder has room for 3 sort keys and a 4th overflows it: 500 instead of 400.",
    ),
    Mutant::fault(
        "jsonb-field-sortable",
        &["sorting.jsonb-not-sortable"],
        "JSONB columns are accepted as sort keys (ordered by their JSON text) instead of rejected with 400.",
    ),
    Mutant::document(
        "sort-param-free-form",
        &["sorting.sortable-fields-documented"],
        "The contract documents sort as a free-form string (\"Sort order, e.g. -inserted_at.\") with no enum, pattern or list of sortable fields.",
        free_form_sort,
    ),
];

/// Drops every `x-sortable` and turns every `sort` parameter into an undocumented string.
fn free_form_sort(doc: &mut Value) {
    match doc {
        Value::Object(m) => {
            m.remove("x-sortable");
            if m.get("name") == Some(&json!("sort")) && m.get("in") == Some(&json!("query")) {
                m.insert(
                    "description".into(),
                    json!("Sort order, e.g. -inserted_at."),
                );
                m.insert("schema".into(), json!({"type": "string"}));
                m.remove("style");
                m.remove("explode");
                m.remove("example");
            }
            m.values_mut().for_each(free_form_sort);
        }
        Value::Array(a) => a.iter_mut().for_each(free_form_sort),
        _ => {}
    }
}
