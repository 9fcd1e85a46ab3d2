//! Mutants proving the `search` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "list-ignores-q",
        &["search.q-filters-collection"],
        "The GET list handler never passes q on to the query builder (only POST /search searches), so q returns the whole collection.",
    ),
    Mutant::fault(
        "search-case-sensitive",
        &["search.case-insensitive"],
        "Search matches words with a case-sensitive substring test (instr instead of a case-folded match), so TECH does not find tech.",
    ),
    Mutant::fault(
        "search-words-ored",
        &["search.multiple-words-anded"],
        "Multiple search words are ORed, so q=alpha beta also returns records containing only alpha.",
    ),
    Mutant::fault(
        "search-or-precedence",
        &["search.composes-with-filters"],
        "The search's OR across searchable fields is appended without parentheses (`… AND name LIKE ? OR description LIKE ?`), so a description match escapes the filters.",
    ),
    Mutant::fault(
        "search-blank-q-rejected",
        &["search.blank-q-ignored"],
        "A blank or whitespace-only q is rejected with 400 (minimum length 1) instead of ignored.",
    ),
    Mutant::document(
        "q-searchable-fields-undocumented",
        &["search.searchable-fields-documented"],
        "The contract documents q as a bare \"Search query.\" string, naming no searchable field (no x-searchable).",
        undocument_searchable,
    ),
];

/// Drops every `x-searchable` and rewrites every `q` parameter's description to a bare one.
fn undocument_searchable(doc: &mut Value) {
    match doc {
        Value::Object(m) => {
            m.remove("x-searchable");
            if m.get("name") == Some(&json!("q")) && m.get("in") == Some(&json!("query")) {
                m.insert("description".into(), json!("Search query."));
            }
            m.values_mut().for_each(undocument_searchable);
        }
        Value::Array(a) => a.iter_mut().for_each(undocument_searchable),
        _ => {}
    }
}
