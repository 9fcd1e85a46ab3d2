//! Mutants proving the `versioning` rules: a Location header without the prefix, a second
//! version smuggled into one path, a field dropped since the last release without a major bump,
//! and a previous version switched off while still supported.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "location-without-prefix",
        &["versioning.version-prefix-on-all-endpoints"],
        "The Location header is built without the /api/v1 prefix.",
    ),
    Mutant::document(
        "doc-second-version-prefix",
        &["versioning.single-version-for-whole-api"],
        "GET /jobs/{id} is served from /api/v2 while the rest of the API is /api/v1.",
        |d: &mut Value| {
            if let Some(p) = d.pointer_mut("/paths/~1jobs~1{id}") {
                p["servers"] = json!([{"url": "/api/v2"}]);
            }
        },
    ),
    Mutant {
        baseline: Some(|d: &mut Value| {
            if let Some(props) = d.pointer_mut("/components/schemas/Item/properties") {
                props["legacy_code"] = json!({"type": "string"});
            }
        }),
        fault: None,
        ..Mutant::fault(
            "field-dropped-without-major-bump",
            &["versioning.breaking-changes-need-major-bump"],
            "The last release documented (and served) items' legacy_code; this deployment dropped it and still calls itself v1.",
        )
    },
    Mutant {
        previous_version: Some("/api/v0"),
        fault: None,
        ..Mutant::fault(
            "previous-version-switched-off",
            &["versioning.previous-version-keeps-working"],
            "The deprecated /api/v0 was switched off while its support window is still open.",
        )
    },
];
