//! Mutants proving the `openapi-doc` rules: contracts as real teams ship them, one omission or
//! slip each, planted in the reference document (static rules) or the served enum list.
use serde_json::{Value, json};

use crate::mutants::Mutant;

/// The value at JSON pointer `ptr`, when the document has it (a document that moved on leaves
/// the mutant unplanted, and the kill matrix reports it as surviving).
fn at<'a>(d: &'a mut Value, ptr: &str) -> Option<&'a mut Value> {
    d.pointer_mut(ptr)
}

/// Sets `ptr` to `v`.
fn set(d: &mut Value, ptr: &str, v: Value) {
    if let Some(x) = at(d, ptr) {
        *x = v;
    }
}

/// Removes member `key` of the object at `ptr`.
fn remove(d: &mut Value, ptr: &str, key: &str) {
    if let Some(o) = at(d, ptr).and_then(Value::as_object_mut) {
        o.remove(key);
    }
}

pub const MUTANTS: &[Mutant] = &[
    Mutant::document(
        "doc-operation-without-summary",
        &["openapi-doc.operations-have-operationid-and-summary"],
        "GET /items ships without a summary (the generator's annotation was forgotten).",
        |d| remove(d, "/paths/~1items/get", "summary"),
    ),
    Mutant::document(
        "doc-operation-id-off-convention",
        &["openapi-doc.operationid-naming-convention"],
        "GET /items/{id} is named fetchItem instead of getItem.",
        |d| {
            set(
                d,
                "/paths/~1items~1{id}/get/operationId",
                json!("fetchItem"),
            )
        },
    ),
    Mutant::document(
        "doc-create-body-without-required",
        &["openapi-doc.write-bodies-have-full-schema-and-required"],
        "The ItemCreate schema lost its required list.",
        |d| remove(d, "/components/schemas/ItemCreate", "required"),
    ),
    Mutant::document(
        "doc-list-without-pagination",
        &["openapi-doc.responses-use-data-envelope"],
        "The item list schema documents data and links but no pagination object.",
        |d| {
            remove(d, "/components/schemas/ItemList/properties", "pagination");
            set(
                d,
                "/components/schemas/ItemList/required",
                json!(["data", "links"]),
            );
        },
    ),
    Mutant::document(
        "doc-problem-detail-optional",
        &["openapi-doc.error-responses-use-problem-schema"],
        "The Problem schema no longer requires detail.",
        |d| {
            set(
                d,
                "/components/schemas/Problem/required",
                json!(["type", "title", "status"]),
            )
        },
    ),
    Mutant::document(
        "doc-get-without-404",
        &["openapi-doc.standard-error-statuses-documented"],
        "GET /items/{id} documents no 404 response.",
        |d| remove(d, "/paths/~1items~1{id}/get/responses", "404"),
    ),
    Mutant::document(
        "doc-list-without-cursor-param",
        &["openapi-doc.collection-query-params-documented"],
        "GET /items supports cursor pagination but the cursor parameter is undocumented.",
        |d| {
            if let Some(params) =
                at(d, "/paths/~1items/get/parameters").and_then(Value::as_array_mut)
            {
                params.retain(|p| p["$ref"] != "#/components/parameters/Cursor");
            }
        },
    ),
    Mutant::document(
        "doc-per-page-maximum-1000",
        &["openapi-doc.pagination-param-schemas"],
        "The per_page parameter documents a maximum of 1000 instead of 500.",
        |d| {
            set(
                d,
                "/components/parameters/PerPage/schema/maximum",
                json!(1000),
            )
        },
    ),
    Mutant::document(
        "doc-id-without-uuid-format",
        &["openapi-doc.path-ids-uuid-format"],
        "The shared id path parameter is a plain string, without format uuid.",
        |d| remove(d, "/components/parameters/Id/schema", "format"),
    ),
    Mutant::document(
        "doc-no-global-security",
        &["openapi-doc.bearer-scheme-applied-globally"],
        "The bearer scheme is declared but never applied at the top level.",
        |d| remove(d, "", "security"),
    ),
    Mutant::document(
        "doc-liveness-not-public",
        &["openapi-doc.public-routes-override-security"],
        "GET /health/live inherits the global bearer requirement (no security: [] override).",
        |d| remove(d, "/paths/~1health~1live/get", "security"),
    ),
    Mutant::document(
        "doc-operation-without-example",
        &["openapi-doc.every-operation-has-example"],
        "GET /token documents its response without any example.",
        |d| {
            remove(
                d,
                "/paths/~1token/get/responses/200/content/application~1json",
                "examples",
            )
        },
    ),
    Mutant::document(
        "doc-single-without-etag-header",
        &["openapi-doc.standard-headers-documented"],
        "The single-item response no longer documents its ETag header.",
        |d| remove(d, "/components/responses/ItemSingle/headers", "ETag"),
    ),
    Mutant::document(
        "doc-oneof-without-discriminator",
        &["openapi-doc.polymorphic-payloads-use-discriminator"],
        "The included oneOf lost its discriminator.",
        |d| remove(d, "/components/schemas/Included/items", "discriminator"),
    ),
    Mutant::document(
        "doc-inline-parameter-copies",
        &["openapi-doc.shared-definitions-use-ref"],
        "Per_page is pasted inline into two operations instead of referencing the shared parameter.",
        |d| {
            let Some(per_page) = at(d, "/components/parameters/PerPage").cloned() else {
                return;
            };
            for op in [
                "/paths/~1items/get/parameters",
                "/paths/~1categories/get/parameters",
            ] {
                if let Some(params) = at(d, op).and_then(Value::as_array_mut) {
                    for p in params.iter_mut() {
                        if p["$ref"] == "#/components/parameters/PerPage" {
                            *p = per_page.clone();
                        }
                    }
                }
            }
        },
    ),
    Mutant::document(
        "doc-server-url-unversioned",
        &["openapi-doc.servers-url-api-v1"],
        "The servers URL is /v1 instead of /api/v1.",
        |d| set(d, "/servers/0/url", json!("/v1")),
    ),
    Mutant::document(
        "doc-invalid-json-schema",
        &["openapi-doc.ci-validates-spec"],
        "A hand edit made amount_cents' minimum the string \"zero\": the document no longer validates.",
        |d| {
            set(
                d,
                "/components/schemas/Item/properties/amount_cents/minimum",
                json!("zero"),
            )
        },
    ),
];
