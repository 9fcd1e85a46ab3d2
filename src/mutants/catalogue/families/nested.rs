//! Mutants proving the `nested` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "nested-ignores-parent",
        &[
            "nested.lists-linked-children",
            "nested.no-children-empty-data",
            "nested.supports-collection-params",
        ],
        "Nested collections (/{parent}/{id}/{children}) forget the parent condition and list every child in the workspace.",
    ),
    Mutant::fault(
        "nested-create-forwarded",
        &["nested.read-only"],
        "A convenience route forwards POST /parents/{id}/children to the child collection with the parent filled in.",
    ),
    Mutant::fault(
        "nested-missing-parent-empty",
        &["nested.missing-parent-404"],
        "The nested list skips the parent lookup and answers an empty page for a parent that does not exist.",
    ),
    Mutant::document(
        "nested-grandchild-documented",
        &["nested.max-one-level"],
        "A grandchild endpoint /items/{id}/comments/{comment_id}/replies is documented.",
        grandchild_path,
    ),
    Mutant::document(
        "nested-tagged-with-child",
        &["nested.documented-with-parent"],
        "Nested lists are documented under the child resource's tag instead of the parent's.",
        child_tags,
    ),
];

/// Adds `GET /items/{id}/comments/{comment_id}/replies`, a copy of the nested comments list.
fn grandchild_path(doc: &mut Value) {
    let Some(mut item) = doc.pointer("/paths/~1items~1{id}~1comments").cloned() else {
        return;
    };
    let param = json!({"name": "comment_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}});
    match item.get_mut("parameters") {
        Some(Value::Array(ps)) => ps.push(param),
        _ => item["parameters"] = json!([param]),
    }
    if let Some(op) = item.get_mut("get") {
        op["operationId"] = json!("listCommentReplies");
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        paths.insert("/items/{id}/comments/{comment_id}/replies".into(), item);
    }
}

/// Tags each nested list with its child resource's tag.
fn child_tags(doc: &mut Value) {
    for (path, tag) in [
        ("/paths/~1items~1{id}~1comments/get", "Comments"),
        ("/paths/~1categories~1{id}~1items/get", "Items"),
    ] {
        if let Some(op) = doc.pointer_mut(path) {
            op["tags"] = json!([tag]);
        }
    }
}
