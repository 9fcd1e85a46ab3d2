//! Mutants proving the `links` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "absolute-links",
        &["links.relative-paths"],
        "Collection links built from a configured public URL instead of a path.",
    ),
    Mutant::fault(
        "job-missing-self-link",
        &["links.self-on-every-resource"],
        "The status endpoint renders the job without its links.",
    ),
    Mutant::fault(
        "link-header-missing-last",
        &["links.link-header-on-collections"],
        "The Link header on collections leaves out the rel=\"last\" link.",
    ),
    Mutant::fault(
        "next-link-on-last-page",
        &["links.collection-first-prev-next-last"],
        "The last page still links to a next page (page+1), both in links.next and in the Link header.",
    ),
    Mutant::document(
        "links-free-form-map",
        &["links.available-links-documented"],
        "The item schema documents links as a free-form map of strings, without naming its links.",
        free_form_links,
    ),
];

/// `Item.links` becomes `{type: object, additionalProperties: {type: string}}`.
fn free_form_links(doc: &mut Value) {
    if let Some(l) = doc.pointer_mut("/components/schemas/Item/properties/links") {
        *l = json!({
            "type": "object",
            "description": "HATEOAS links (relative paths)",
            "additionalProperties": {"type": "string"}
        });
    }
}
