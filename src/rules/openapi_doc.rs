//! Family `openapi-doc`: what the OpenAPI document itself must say (operation ids, bodies,
//! envelopes, problem schemas, parameters, security, examples, headers, `$ref` reuse, servers)
//! plus a structural validation of the document as a stand-in for "CI validates the spec".
//! Every rule but one reads the document only; `fixed-lists-use-enum-matching-enums-endpoint`
//! also asks the live `/enums`.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::FutureExt;
use serde_json::Value;

use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::run::Ctx;
use crate::spec::walk::{self, At};
use crate::spec::{ApiModel, OasVersion, Operation, SchemaRef, pointer};

pub const RULES: &[Rule] = &[
    Rule::static_rule(
        "openapi-doc.operations-have-operationid-and-summary",
        ids_and_summaries,
    ),
    Rule::static_rule("openapi-doc.operationid-naming-convention", id_naming),
    Rule::static_rule(
        "openapi-doc.write-bodies-have-full-schema-and-required",
        write_bodies,
    ),
    Rule::static_rule("openapi-doc.responses-use-data-envelope", data_envelope),
    Rule::static_rule(
        "openapi-doc.error-responses-use-problem-schema",
        problem_schemas,
    ),
    Rule::static_rule(
        "openapi-doc.standard-error-statuses-documented",
        error_statuses,
    ),
    Rule::static_rule(
        "openapi-doc.collection-query-params-documented",
        collection_params,
    ),
    Rule::static_rule("openapi-doc.pagination-param-schemas", pagination_params),
    Rule::static_rule("openapi-doc.path-ids-uuid-format", path_ids),
    Rule::static_rule("openapi-doc.bearer-scheme-applied-globally", bearer_global),
    Rule::static_rule("openapi-doc.public-routes-override-security", public_routes),
    Rule::probe(
        "openapi-doc.fixed-lists-use-enum-matching-enums-endpoint",
        &[],
        |c| fixed_lists(c).boxed(),
    ),
    Rule::static_rule("openapi-doc.every-operation-has-example", examples),
    Rule::static_rule("openapi-doc.standard-headers-documented", standard_headers),
    Rule::static_rule(
        "openapi-doc.polymorphic-payloads-use-discriminator",
        discriminators,
    ),
    Rule::static_rule("openapi-doc.shared-definitions-use-ref", shared_refs),
    Rule::static_rule("openapi-doc.servers-url-api-v1", servers_url),
    Rule::static_rule("openapi-doc.ci-validates-spec", validates),
];

// ---------------------------------------------------------------------------------------------
// Reading operations the way the guide talks about them.

/// `GET /items/{id}` (as written in the document).
pub(crate) fn label(op: &Operation) -> String {
    format!("{} {}", op.method, op.path)
}

/// `GET /items/{id} (#/paths/~1items~1{id}/get)`.
fn at(op: &Operation) -> String {
    format!("{} (#{})", label(op), op.pointer)
}

/// Health checks live at the host root (C10).
pub(crate) fn is_health(op: &Operation) -> bool {
    op.full_path == "/health"
        || op.full_path.starts_with("/health/")
        || op.path.starts_with("/health")
}

/// The path below the API base (`/items/{id}`), or the full path when it is outside it.
pub(crate) fn rel_path<'a>(model: &ApiModel, op: &'a Operation) -> &'a str {
    op.full_path
        .strip_prefix(model.base_path.as_str())
        .filter(|r| r.starts_with('/'))
        .unwrap_or(&op.full_path)
}

/// Is the operation one of the meta endpoints (health, the spec, the agents guide, enums, token
/// introspection) that the resource conventions do not cover (C05, C54)?
pub(crate) fn is_meta(model: &ApiModel, op: &Operation) -> bool {
    is_health(op)
        || matches!(
            rel_path(model, op),
            "/openapi.json" | "/openapi.yaml" | "/agents" | "/enums" | "/token"
        )
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{') && seg.ends_with('}')
}

/// The shape of an operation's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `/items`
    Collection,
    /// `/items/{id}`
    Item,
    /// `/items/search`
    Search,
    /// `/items/bulk`
    Bulk,
    /// `/items/{id}/restore`
    Restore,
    /// `/items/{id}/comments` returning a list
    Nested,
    /// `/files/presign`, `/files/{id}/confirm`, `/exports/{id}/download`
    Action(String),
    Other,
}

pub(crate) fn shape(model: &ApiModel, op: &Operation) -> Shape {
    let segs: Vec<&str> = rel_path(model, op)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        [c] if !is_param(c) => Shape::Collection,
        [c, p] if !is_param(c) && is_param(p) => Shape::Item,
        [c, "search"] if !is_param(c) => Shape::Search,
        [c, "bulk"] if !is_param(c) => Shape::Bulk,
        [c, p, "restore"] if !is_param(c) && is_param(p) => Shape::Restore,
        [c, p, child] if !is_param(c) && is_param(p) && !is_param(child) => {
            let child_is_collection = model
                .resource(child)
                .is_some_and(|r| r.collection_path.is_some());
            if op.method == "GET" && returns_list(model, op) && child_is_collection {
                Shape::Nested
            } else {
                Shape::Action(child.to_string())
            }
        }
        [c, lit] if !is_param(c) && !is_param(lit) => Shape::Action(lit.to_string()),
        _ => Shape::Other,
    }
}

/// A GET whose `data` is an array (the model's reading, before the path shape is considered).
fn returns_list(model: &ApiModel, op: &Operation) -> bool {
    model.is_list_operation(op)
}

/// A collection listing: `GET /items` or a nested `GET /items/{id}/comments` (not an export
/// download that happens to return an array).
pub(crate) fn is_list(model: &ApiModel, op: &Operation) -> bool {
    returns_list(model, op) && matches!(shape(model, op), Shape::Collection | Shape::Nested)
}

fn schema_of<'a>(model: &'a ApiModel, r: &'a Option<SchemaRef>) -> Option<At<'a>> {
    r.as_ref().and_then(|r| walk::at(&model.doc, r))
}

fn finish(f: Findings, none: &str) -> Outcome {
    f.outcome(none)
}

// ---------------------------------------------------------------------------------------------

fn ids_and_summaries(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut seen: BTreeMap<&str, &Operation> = BTreeMap::new();
    for op in &model.operations {
        let id = op.operation_id.as_deref().map(str::trim).unwrap_or("");
        let summary = op.summary.as_deref().map(str::trim).unwrap_or("");
        let mut missing = Vec::new();
        if id.is_empty() {
            missing.push("operationId");
        }
        if summary.is_empty() {
            missing.push("summary");
        }
        f.check(
            missing.is_empty(),
            || {
                format!(
                    "{}: expected an operationId and a summary, missing {}",
                    at(op),
                    missing.join(" and ")
                )
            },
            &[],
        );
        if !id.is_empty() {
            if let Some(first) = seen.insert(id, op) {
                f.fail(
                    format!(
                        "{}: operationId '{id}' is also used by {} (operationIds must be unique)",
                        at(op),
                        label(first)
                    ),
                    &[],
                );
            }
        }
    }
    finish(f, "the document has no operations")
}

fn is_camel_case(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `presign` → `presign`, `send-invite` → `sendInvite`.
fn camel(seg: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in seg.chars() {
        if c == '-' || c == '_' || c == '.' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Does `id` start with verb `v` followed by an upper-case letter (or end)?
fn has_verb(id: &str, v: &str) -> bool {
    id.strip_prefix(v)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The verbs C54 accepts for an operation, or None when only camelCase is judged.
fn expected_verbs(model: &ApiModel, op: &Operation) -> Option<Vec<String>> {
    let multipart = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.keys().any(|m| m.starts_with("multipart/")));
    let v = |xs: &[&str]| Some(xs.iter().map(|s| s.to_string()).collect());
    match (shape(model, op), op.method.as_str()) {
        (Shape::Collection, "GET") if is_list(model, op) => v(&["list"]),
        (Shape::Collection, "POST") if multipart => v(&["create", "upload"]),
        (Shape::Collection, "POST") => v(&["create"]),
        (Shape::Item, "GET") => v(&["get"]),
        (Shape::Item, "PUT") => v(&["replace", "update"]),
        (Shape::Item, "PATCH") => v(&["update"]),
        (Shape::Item, "DELETE") => v(&["delete"]),
        (Shape::Search, _) => v(&["search"]),
        (Shape::Bulk, "POST") => v(&["bulkCreate"]),
        (Shape::Bulk, "PATCH") | (Shape::Bulk, "PUT") => v(&["bulkUpdate"]),
        (Shape::Bulk, "DELETE") => v(&["bulkDelete"]),
        (Shape::Restore, _) => v(&["restore"]),
        (Shape::Nested, _) => v(&["list"]),
        (Shape::Action(a), _) => Some(vec![camel(&a)]),
        _ => None,
    }
}

fn id_naming(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in &model.operations {
        // C54: health and meta operations are not judged; public upload targets neither.
        if is_meta(model, op) || op.public {
            continue;
        }
        let Some(id) = op.operation_id.as_deref() else {
            continue;
        };
        f.check(
            is_camel_case(id),
            || {
                format!(
                    "{}: operationId '{id}' is not camelCase (e.g. listItems)",
                    at(op)
                )
            },
            &[],
        );
        if let Some(verbs) = expected_verbs(model, op) {
            f.check(
                verbs.iter().any(|v| has_verb(id, v)),
                || {
                    format!(
                        "{}: operationId '{id}' should start with {} (convention: listItems, getItem, createItem, updateItem, deleteItem, searchItems, bulkCreateItems)",
                        at(op),
                        verbs
                            .iter()
                            .map(|v| format!("'{v}'"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                },
                &[],
            );
        }
    }
    let mut o = finish(
        f,
        "the document has no resource operations with an operationId",
    );
    o.notes.push(
        "C54: judged camelCase and the verb prefix only; health and meta operations are not judged"
            .into(),
    );
    o
}

fn structured_media(m: &str) -> bool {
    walk::is_json(m) || m.starts_with("multipart/") || m == "application/x-www-form-urlencoded"
}

fn write_bodies(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in model
        .operations
        .iter()
        .filter(|o| matches!(o.method.as_str(), "POST" | "PUT" | "PATCH"))
    {
        let sh = shape(model, op);
        let creates = matches!(
            (&sh, op.method.as_str()),
            (Shape::Collection, "POST") | (Shape::Item, "PUT") | (Shape::Bulk, "POST")
        );
        let Some(body) = &op.request_body else {
            // Bodiless actions (restore, confirm) are fine; writes to a resource are not.
            let needs_body = creates || matches!(op.method.as_str(), "PUT" | "PATCH");
            if needs_body && !op.public {
                f.fail(
                    format!(
                        "{}: expected a requestBody with a full schema, found none",
                        at(op)
                    ),
                    &[],
                );
            }
            continue;
        };
        let structured: Vec<(&String, &Option<SchemaRef>)> =
            body.iter().filter(|(m, _)| structured_media(m)).collect();
        for (media, schema) in structured {
            let Some((file, s)) = schema_of(model, schema) else {
                f.fail(
                    format!(
                        "{} {media}: expected a request body schema, found none",
                        at(op)
                    ),
                    &[],
                );
                continue;
            };
            let types = walk::types(&model.doc, file, s);
            let props = walk::properties(&model.doc, file, s, true);
            f.check(
                (types.is_empty() || types.contains("object")) && !props.is_empty(),
                || {
                    format!(
                        "{} {media}: expected an object schema listing its properties, got type {:?} with {} properties",
                        at(op),
                        types,
                        props.len()
                    )
                },
                &[],
            );
            if creates {
                let req = walk::required(&model.doc, file, s);
                f.check(
                    !req.is_empty(),
                    || {
                        format!(
                            "{} {media}: a create/replace body must mark its required fields (`required` is missing or empty)",
                            at(op)
                        )
                    },
                    &[],
                );
            }
            for (name, (pf, ps)) in &props {
                if !name.ends_with("_id") {
                    continue;
                }
                let Some((pf, ps)) = model.doc.resolve(pf, ps) else {
                    continue;
                };
                let types = walk::types(&model.doc, pf, ps);
                let format = ps.get("format").and_then(Value::as_str);
                f.check(
                    types.contains("string") && format == Some("uuid"),
                    || {
                        format!(
                            "{} {media}: foreign key '{name}' should be type string, format uuid; got type {:?}, format {:?}",
                            at(op),
                            types,
                            format
                        )
                    },
                    &[],
                );
            }
        }
    }
    finish(f, "the document has no POST, PUT or PATCH operations")
}

/// Does a schema define `pagination` with offset or cursor keys?
fn has_pagination(model: &ApiModel, props: &BTreeMap<String, At<'_>>) -> bool {
    props.get("pagination").is_some_and(|(file, p)| {
        let keys = walk::properties(&model.doc, file, p, true);
        (keys.contains_key("page") && keys.contains_key("per_page"))
            || keys.contains_key("next_cursor")
            || keys.contains_key("has_more")
    })
}

fn data_envelope(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in &model.operations {
        // C05: the envelope covers /api resource endpoints, not health, the spec or the agents guide.
        if is_health(op) || matches!(rel_path(model, op), "/openapi.json" | "/agents") {
            continue;
        }
        let list = is_list(model, op);
        for (status, resp) in &op.responses {
            if !(status.starts_with('2') && status.len() == 3) || status == "204" {
                continue;
            }
            for (media, schema) in resp.content.iter().filter(|(m, _)| walk::is_json(m)) {
                let Some((file, s)) = schema_of(model, schema) else {
                    continue;
                };
                let props = walk::properties(&model.doc, file, s, false);
                let types = walk::types(&model.doc, file, s);
                if props.is_empty() && !types.contains("object") {
                    // Raw content (a file download that may be JSON), not a resource response.
                    continue;
                }
                f.check(
                    props.contains_key("data"),
                    || {
                        format!(
                            "{} → {status} {media}: expected a {{\"data\": …}} envelope, the schema has properties {:?}",
                            at(op),
                            props.keys().collect::<Vec<_>>()
                        )
                    },
                    &[],
                );
                if list && status.starts_with('2') {
                    f.check(
                        has_pagination(model, &props) && props.contains_key("links"),
                        || {
                            format!(
                                "{} → {status}: a collection response should carry a pagination object (offset or cursor keys) and links, the schema has {:?}",
                                at(op),
                                props.keys().collect::<Vec<_>>()
                            )
                        },
                        &[],
                    );
                }
            }
        }
    }
    finish(f, "the document declares no 2xx JSON responses")
}

const PROBLEM_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance", "errors"];
const PROBLEM_REQUIRED: &[&str] = &["type", "title", "status", "detail"];

fn problem_schemas(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut notes = BTreeSet::new();
    for op in &model.operations {
        if is_health(op) {
            notes.insert("C05: health responses ({\"status\": …}) are not judged".to_string());
            continue;
        }
        for (status, resp) in &op.responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let problem = resp.content.get("application/problem+json");
            let Some(schema) = problem else {
                f.fail(
                    format!(
                        "{} → {status}: expected application/problem+json content, got {:?}",
                        at(op),
                        resp.content.keys().collect::<Vec<_>>()
                    ),
                    &[],
                );
                continue;
            };
            let Some((file, s)) = schema_of(model, schema) else {
                f.fail(
                    format!(
                        "{} → {status}: application/problem+json has no schema",
                        at(op)
                    ),
                    &[],
                );
                continue;
            };
            let props = walk::properties(&model.doc, file, s, false);
            let req = walk::required(&model.doc, file, s);
            let missing: Vec<&str> = PROBLEM_MEMBERS
                .iter()
                .copied()
                .filter(|m| !props.contains_key(*m))
                .collect();
            let not_required: Vec<&str> = PROBLEM_REQUIRED
                .iter()
                .copied()
                .filter(|m| !req.contains(*m))
                .collect();
            f.check(
                missing.is_empty() && not_required.is_empty(),
                || {
                    format!(
                        "{} → {status} (#{}): expected an RFC 9457 schema with properties {PROBLEM_MEMBERS:?} and {PROBLEM_REQUIRED:?} required; missing properties {missing:?}, not required {not_required:?}",
                        at(op),
                        resp.pointer
                    )
                },
                &[],
            );
        }
    }
    let mut o = finish(f, "the document declares no 4xx/5xx responses");
    o.notes.extend(notes);
    o
}

fn documents(op: &Operation, status: u16) -> bool {
    let range = format!("{}XX", status / 100);
    op.responses.contains_key(&status.to_string())
        || op.responses.contains_key(&range)
        || op.responses.contains_key(&range.to_lowercase())
}

/// A PUT/PATCH of a resource representation (a JSON body), as opposed to raw bytes sent to an
/// upload URL.
fn updates_representation(model: &ApiModel, op: &Operation) -> bool {
    matches!(op.method.as_str(), "PUT" | "PATCH")
        && shape(model, op) == Shape::Item
        && op
            .request_body
            .as_ref()
            .is_some_and(|b| b.keys().any(|m| walk::is_json(m)))
}

/// A single-resource GET whose entry has an `id` (jobs and token info have none, C07/C16).
fn gets_resource(model: &ApiModel, op: &Operation) -> bool {
    op.method == "GET"
        && shape(model, op) == Shape::Item
        && walk::entry_schema(model, op)
            .is_some_and(|(f, s)| walk::properties(&model.doc, f, s, false).contains_key("id"))
}

fn error_statuses(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut notes: BTreeSet<String> = BTreeSet::new();
    for op in &model.operations {
        if is_health(op) {
            continue;
        }
        let sh = shape(model, op);
        let mut want: Vec<(u16, &str)> = Vec::new();
        if !op.public {
            want.extend([
                (401, "it is protected"),
                (403, "it is protected"),
                (429, "it is protected"),
                (500, "it is protected"),
            ]);
        }
        if op.path_params() > 0 {
            want.push((404, "its path has an id parameter"));
        }
        if updates_representation(model, op) {
            want.push((412, "it is a conditional update"));
        }
        if op.request_body.is_some() && sh != Shape::Search && op.method != "GET" {
            want.push((422, "it takes a request body"));
        }
        let has_params = op
            .parameters
            .iter()
            .any(|p| p.location == "query" || p.location == "path");
        if has_params || op.request_body.is_some() {
            want.push((400, "it takes parameters or a body"));
        }
        let only_default = op.responses.contains_key("default");
        for (status, why) in want {
            if documents(op, status) {
                f.checked += 1;
                continue;
            }
            if only_default {
                f.checked += 1;
                notes.insert(format!(
                    "{}: {status} is covered only by `default`",
                    label(op)
                ));
                continue;
            }
            f.fail(
                format!(
                    "{}: expected a documented {status} response ({why}), documented: {:?}",
                    at(op),
                    op.responses.keys().collect::<Vec<_>>()
                ),
                &[],
            );
        }
        // C11: SHOULD-level additions, reported as warnings.
        if op.method == "PUT" && updates_representation(model, op) && !documents(op, 428) {
            notes.insert(format!(
                "C11: {} documents no 428 (Precondition Required)",
                label(op)
            ));
        }
        if sh == Shape::Bulk
            && op.extensions.get("x-bulk-mode").and_then(Value::as_str) == Some("partial")
            && !documents(op, 207)
        {
            notes.insert(format!(
                "C11: {} is a partial-success bulk operation without a 207 response",
                label(op)
            ));
        }
    }
    let mut o = finish(f, "the document has no operations");
    o.notes.push(
        "C11: applicability matrix (401/403/429/500 protected, 404 {id} paths, 412 PUT/PATCH, 422 writes, 400 params or body); 409 cannot be placed from the document and is not required".into(),
    );
    o.notes.extend(notes);
    o
}

/// (resource, query parameter) pairs: the query parameters some operation of each resource
/// (first path segment) takes. Gathered once, not per collection: documents have thousands of
/// operations.
fn resource_query_params(model: &ApiModel) -> BTreeSet<(&str, &str)> {
    model
        .operations
        .iter()
        .flat_map(|o| {
            let resource = rel_path(model, o)
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            o.parameters
                .iter()
                .filter(|p| p.location == "query")
                .map(move |p| (resource, p.name.as_str()))
        })
        .collect()
}

fn collection_params(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut notes = BTreeSet::new();
    let taken = resource_query_params(model);
    let resource_takes = |resource: &str, param: &str| taken.contains(&(resource, param));
    for op in model.list_operations().filter(|o| is_list(model, o)) {
        let modes: Vec<String> = op
            .extensions
            .get("x-pagination")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut want: Vec<&str> = vec!["per_page", "sort", "q", "filter", "fields", "include"];
        if modes.is_empty() || modes.iter().any(|m| m == "offset") {
            want.extend(["page", "with_count"]);
        }
        if modes.is_empty() || modes.iter().any(|m| m == "cursor") {
            want.push("cursor");
        }
        // The listed resource: the last literal segment (`/items/{id}/comments` → comments).
        let resource = rel_path(model, op)
            .split('/')
            .rfind(|s| !s.is_empty() && !is_param(s))
            .unwrap_or("")
            .to_string();
        let mut missing = Vec::new();
        for p in want {
            let present = if p == "filter" {
                op.param("filter", "query").is_some()
                    || op
                        .parameters
                        .iter()
                        .any(|q| q.location == "query" && q.name.starts_with("filter["))
            } else {
                op.param(p, "query").is_some()
            };
            if present {
                continue;
            }
            if (p == "fields" || p == "include") && !resource_takes(&resource, p) {
                notes.insert(format!(
                    "{}: no operation of '{resource}' takes `{p}`; the resource is taken not to offer it",
                    label(op)
                ));
                continue;
            }
            missing.push(p);
        }
        f.check(
            missing.is_empty(),
            || {
                format!(
                    "{}: a collection operation should document page, per_page, cursor, sort, q, filter[*], fields, include and with_count; missing {missing:?}",
                    at(op)
                )
            },
            &[],
        );
    }
    let mut o = finish(f, "the document has no collection operations");
    o.notes.extend(notes);
    o
}

fn pagination_params(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    // (name, type, default, minimum, maximum)
    type Spec = (&'static str, &'static str, Value, Option<i64>, Option<i64>);
    let specs: [Spec; 3] = [
        ("page", "integer", Value::from(1), Some(1), None),
        ("per_page", "integer", Value::from(100), Some(1), Some(500)),
        ("with_count", "boolean", Value::Bool(true), None, None),
    ];
    let mut seen = BTreeSet::new();
    for op in &model.operations {
        for (name, ty, default, min, max) in &specs {
            let Some(p) = op.param(name, "query") else {
                continue;
            };
            if !seen.insert((p.pointer.clone(), name.to_string())) {
                continue;
            }
            let s = p.schema.clone().unwrap_or(Value::Null);
            let types = walk::types(&model.doc, model.doc.base.as_str(), &s);
            let got_default = s.get("default").cloned().unwrap_or(Value::Null);
            let got_min = s.get("minimum").and_then(Value::as_i64);
            let got_max = s.get("maximum").and_then(Value::as_i64);
            f.check(
                types.contains(*ty)
                    && got_default == *default
                    && got_min == *min
                    && (max.is_none() || got_max == *max),
                || {
                    format!(
                        "{} parameter {name}: expected type {ty}, default {default}{}{}; got type {types:?}, default {got_default}, minimum {got_min:?}, maximum {got_max:?}",
                        at(op),
                        min.map(|m| format!(", minimum {m}")).unwrap_or_default(),
                        max.map(|m| format!(", maximum {m}")).unwrap_or_default(),
                    )
                },
                &[],
            );
        }
    }
    finish(f, "no operation documents page, per_page or with_count")
}

fn path_ids(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in &model.operations {
        for p in op.parameters.iter().filter(|p| p.location == "path") {
            if !(p.name == "id" || p.name.ends_with("_id")) {
                continue;
            }
            let s = p.schema.clone().unwrap_or(Value::Null);
            let types = walk::types(&model.doc, model.doc.base.as_str(), &s);
            let format = s.get("format").and_then(Value::as_str).map(str::to_string);
            f.check(
                types.contains("string") && format.as_deref() == Some("uuid"),
                || {
                    format!(
                        "{} path parameter '{}' (#{}): expected type string, format uuid; got type {types:?}, format {format:?}",
                        label(op),
                        p.name,
                        p.pointer
                    )
                },
                &[],
            );
        }
    }
    finish(f, "no operation has an id path parameter")
}

fn bearer_global(model: &ApiModel) -> Outcome {
    let root = model.root();
    let schemes = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let bearer: Vec<&String> = schemes
        .map(|m| {
            m.iter()
                .filter(|(_, s)| {
                    let s = model.doc.deref(s);
                    s.get("type").and_then(Value::as_str) == Some("http")
                        && s.get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case("bearer"))
                })
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    let mut f = Findings::default();
    f.check(
        !bearer.is_empty(),
        || {
            format!(
                "#/components/securitySchemes: expected an entry with type http, scheme bearer; got {:?}",
                schemes.map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default()
            )
        },
        &[],
    );
    let global: Vec<String> = root
        .get("security")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys().cloned())
                .collect()
        })
        .unwrap_or_default();
    f.check(
        bearer.iter().any(|b| global.contains(b)),
        || {
            format!(
                "#/security: expected a top-level security requirement naming the bearer scheme {bearer:?}, got {global:?}"
            )
        },
        &[],
    );
    finish(f, "")
}

fn public_routes(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut notes = Vec::new();
    let base = &model.base_path;
    for (want, host_root) in [
        ("/health/live".to_string(), true),
        ("/health/ready".to_string(), true),
        (format!("{base}/agents"), false),
        (format!("{base}/openapi.json"), false),
    ] {
        let found = model.operations.iter().find(|o| {
            o.method == "GET"
                && (o.full_path == want
                    // C10: a health path without a servers override resolves against /api/v1.
                    || (host_root && o.path == want))
        });
        match found {
            None => f.fail(
                format!(
                    "expected a documented GET {want} with `security: []`, the document has none"
                ),
                &[],
            ),
            Some(op) => {
                if host_root && op.full_path != want {
                    notes.push(format!(
                        "C10: {} has no servers override, so it resolves to {}; read at the host root",
                        label(op),
                        op.full_path
                    ));
                }
                f.check(
                    op.public,
                    || {
                        format!(
                            "{}: expected `security: []` (a public override), got {}",
                            at(op),
                            op.raw
                                .get("security")
                                .map(Value::to_string)
                                .unwrap_or_else(|| "no operation-level security (the global bearer requirement applies)".into())
                        )
                    },
                    &[],
                );
            }
        }
    }
    let mut o = finish(f, "");
    o.notes.extend(notes);
    o
}

// ---------------------------------------------------------------------------------------------
// Enums: the schema's enum arrays against GET /enums.

/// `{resource: {field: [values]}}` of an enums document (`data` unwrapped; each entry either an
/// array or `{values: [...]}`); `scopes` and `error_codes` (C50) are returned apart.
pub(crate) type EnumTable = BTreeMap<String, BTreeMap<String, Vec<Value>>>;

pub(crate) fn enum_values_of(entry: &Value) -> Option<Vec<Value>> {
    entry
        .as_array()
        .or_else(|| entry.get("values").and_then(Value::as_array))
        .cloned()
}

pub(crate) fn parse_enums(body: &Value) -> (EnumTable, BTreeMap<String, Vec<Value>>) {
    let data = body.get("data").unwrap_or(body);
    let mut table = EnumTable::new();
    let mut extra = BTreeMap::new();
    for (key, v) in data.as_object().into_iter().flatten() {
        let key_norm = key.replace('-', "_");
        if key_norm == "scopes" || key_norm == "error_codes" {
            if let Some(vals) = enum_values_of(v) {
                extra.insert(key_norm, vals);
            }
            continue;
        }
        let Some(fields) = v.as_object() else {
            continue;
        };
        let entry = table.entry(key_norm).or_default();
        for (field, fv) in fields {
            if let Some(vals) = enum_values_of(fv) {
                entry.insert(field.clone(), vals);
            }
        }
    }
    (table, extra)
}

/// Where a resource's field is declared: the entry schema of its GET operations, else the
/// request bodies of its writes. Returns the property schema and a description of where.
pub(crate) fn field_schema<'a>(
    model: &'a ApiModel,
    resource: &str,
    field: &str,
) -> Option<(At<'a>, String)> {
    let of_resource = |o: &&Operation| {
        rel_path(model, o).trim_start_matches('/').split('/').next() == Some(resource)
    };
    let ops: Vec<&Operation> = model.operations.iter().filter(of_resource).collect();
    for op in ops.iter().filter(|o| o.method == "GET") {
        if let Some((file, s)) = walk::entry_schema(model, op) {
            if let Some(p) = walk::properties(&model.doc, file, s, true).get(field) {
                return Some((*p, format!("{} response data.{field}", label(op))));
            }
        }
    }
    for op in ops.iter().filter(|o| o.request_body.is_some()) {
        if let Some((file, s)) = walk::request_schema(model, op) {
            if let Some(p) = walk::properties(&model.doc, file, s, true).get(field) {
                return Some((*p, format!("{} request body .{field}", label(op))));
            }
        }
    }
    None
}

pub(crate) fn as_set(v: &[Value]) -> BTreeSet<String> {
    v.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x.to_string())
        })
        .collect()
}

/// Finds the enums endpoint (`{base}/enums`) and fetches it with the full token.
pub(crate) async fn fetch_enums(
    ctx: &Ctx,
) -> Result<std::sync::Arc<crate::client::Exchange>, Outcome> {
    let path = ctx.path("/enums");
    if !ctx
        .model()
        .operations
        .iter()
        .any(|o| o.method == "GET" && o.full_path == path)
    {
        return Err(Outcome::skipped(format!(
            "the document has no GET {path}; document the enums endpoint to compare enum values"
        )));
    }
    let ex = ctx.send(Req::get(path.clone()).token("full")).await;
    if ex.status() != Some(200) || ex.json().is_none() {
        return Err(Outcome::failed(
            format!(
                "GET {path}: expected 200 with a JSON body to compare enum values, got {}",
                ex.status()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| ex.error.clone().unwrap_or_default())
            ),
            vec![ex.seq],
        ));
    }
    Ok(ex)
}

async fn fixed_lists(ctx: &Ctx) -> Outcome {
    let ex = match fetch_enums(ctx).await {
        Ok(ex) => ex,
        Err(o) => return o,
    };
    let model = ctx.model();
    let (table, _) = parse_enums(ex.json().unwrap_or(&Value::Null));
    let mut f = Findings::default();
    for (resource, fields) in &table {
        for (field, values) in fields {
            let live = as_set(values);
            match field_schema(model, resource, field) {
                None => f.fail(
                    format!(
                        "GET /enums lists {resource}.{field} {live:?}, but no schema of '{resource}' declares a property '{field}'"
                    ),
                    &[&ex],
                ),
                Some(((file, s), whereis)) => match walk::enum_values(&model.doc, file, s) {
                    None => f.fail(
                        format!(
                            "{whereis}: GET /enums lists {resource}.{field} {live:?}, but the schema declares no enum"
                        ),
                        &[&ex],
                    ),
                    Some(doc_values) => {
                        let declared = as_set(&doc_values);
                        f.check(
                            declared == live,
                            || {
                                format!(
                                    "{whereis}: expected the enum to equal GET /enums {resource}.{field} {live:?}, the schema declares {declared:?} (only in /enums: {:?}, only in the schema: {:?})",
                                    live.difference(&declared).collect::<Vec<_>>(),
                                    declared.difference(&live).collect::<Vec<_>>()
                                )
                            },
                            &[&ex],
                        );
                        let order_doc: Vec<String> =
                            doc_values.iter().map(|v| as_set(std::slice::from_ref(v)).into_iter().collect()).collect();
                        let order_live: Vec<String> =
                            values.iter().map(|v| as_set(std::slice::from_ref(v)).into_iter().collect()).collect();
                        if declared == live && order_doc != order_live {
                            f.note(format!(
                                "C51: {resource}.{field} order differs: schema {order_doc:?}, /enums {order_live:?}"
                            ));
                        }
                    }
                },
            }
        }
    }
    f.outcome("GET /enums lists no resource fields")
}

// ---------------------------------------------------------------------------------------------

fn has_example(v: &Value) -> bool {
    v.get("example").is_some()
        || v.get("examples").is_some_and(|e| match e {
            Value::Object(m) => !m.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => false,
        })
}

fn op_has_example(model: &ApiModel, op: &Operation) -> bool {
    let doc = &model.doc;
    let file = doc.base.as_str();
    let raw = &op.raw;
    let media_examples = |content: Option<&Value>| {
        content
            .and_then(Value::as_object)
            .is_some_and(|c| c.values().any(|m| has_example(doc.deref(m))))
    };
    if let Some(body) = raw.get("requestBody").and_then(|b| doc.resolve(file, b)) {
        if media_examples(body.1.get("content")) {
            return true;
        }
    }
    // Success responses only: error responses share their examples through components.
    for (status, r) in raw
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(s, _)| s.starts_with('2') || s.starts_with('3'))
    {
        let Some((rf, r)) = doc.resolve(file, r) else {
            continue;
        };
        if media_examples(r.get("content")) {
            return true;
        }
        // A bodiless success (204, 3xx) can only show its headers.
        let bodiless = r
            .get("content")
            .and_then(Value::as_object)
            .is_none_or(|c| c.is_empty())
            || status == "204";
        let header_example = r
            .get("headers")
            .and_then(Value::as_object)
            .is_some_and(|h| {
                h.values()
                    .any(|hv| doc.resolve(rf, hv).is_some_and(|(_, hv)| has_example(hv)))
            });
        if bodiless && header_example {
            return true;
        }
    }
    raw.get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter()
                .any(|p| doc.resolve(file, p).is_some_and(|(_, p)| has_example(p)))
        })
}

fn examples(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in &model.operations {
        f.check(
            op_has_example(model, op),
            || {
                format!(
                    "{}: expected at least one example/examples (request body, success response, headers of a bodiless success, or an operation parameter), found none",
                    at(op)
                )
            },
            &[],
        );
    }
    finish(f, "the document has no operations")
}

/// Response headers (lower-cased) an operation documents for statuses matching `pick`.
fn response_headers(op: &Operation, pick: impl Fn(&str) -> bool) -> BTreeSet<String> {
    op.responses
        .iter()
        .filter(|(s, _)| pick(s))
        .flat_map(|(_, r)| r.headers.keys().cloned())
        .collect()
}

fn header_param(op: &Operation, name: &str) -> bool {
    op.parameters
        .iter()
        .any(|p| p.location == "header" && p.name.eq_ignore_ascii_case(name))
}

fn standard_headers(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let ok2 = |s: &str| s.starts_with('2');
    // Documented at all: as a header parameter or a response header anywhere.
    let mut everywhere: BTreeSet<String> = BTreeSet::new();
    for op in &model.operations {
        everywhere.extend(response_headers(op, |_| true));
        everywhere.extend(
            op.parameters
                .iter()
                .filter(|p| p.location == "header")
                .map(|p| p.name.to_ascii_lowercase()),
        );
    }
    for h in [
        "ETag",
        "If-Match",
        "If-None-Match",
        "Idempotency-Key",
        "RateLimit",
        "RateLimit-Policy",
        "Retry-After",
        "X-Request-Id",
        "Deprecation",
        "Sunset",
    ] {
        f.check(
            everywhere.contains(&h.to_ascii_lowercase()),
            || format!("expected the {h} header to be documented (a header parameter or a response header), no operation mentions it"),
            &[],
        );
    }
    for op in &model.operations {
        if is_health(op) {
            continue;
        }
        let sh = shape(model, op);
        let resp2 = response_headers(op, ok2);
        let mut want_resp: Vec<&str> = Vec::new();
        let mut want_param: Vec<&str> = Vec::new();
        if gets_resource(model, op) || updates_representation(model, op) {
            want_resp.push("etag");
        }
        if updates_representation(model, op) {
            want_param.push("If-Match");
        }
        if sh == Shape::Collection && op.method == "POST" {
            want_param.push("Idempotency-Key");
        }
        if !op.public && !matches!(rel_path(model, op), "/token") {
            want_resp.extend(["ratelimit", "ratelimit-policy"]);
        }
        for h in want_resp {
            f.check(
                resp2.contains(h),
                || format!("{}: expected the 2xx response to document the {h} header, documented {resp2:?}", at(op)),
                &[],
            );
        }
        for h in want_param {
            f.check(
                header_param(op, h),
                || format!("{}: expected a {h} header parameter", at(op)),
                &[],
            );
        }
        if documents(op, 429) {
            let r429 = response_headers(op, |s| s == "429" || s == "4XX");
            f.check(
                r429.contains("retry-after"),
                || {
                    format!(
                        "{}: the 429 response should document Retry-After, documented {r429:?}",
                        at(op)
                    )
                },
                &[],
            );
        }
    }
    let mut o = finish(f, "");
    o.notes.push(
        "per operation: ETag on single-resource GET/PUT/PATCH (C07), If-Match on PUT/PATCH, Idempotency-Key on creates, RateLimit(-Policy) on protected 2xx (C12), Retry-After on 429; the rest documented once".into(),
    );
    o
}

fn is_object_schema(model: &ApiModel, file: &str, s: &Value) -> bool {
    let t = walk::types(&model.doc, file, s);
    t.contains("object") && !t.contains("null") || (t.is_empty() && s.get("properties").is_some())
}

fn discriminators(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut notes = Vec::new();
    for (file, root) in &model.doc.files {
        walk::for_each(root, String::new(), &mut |ptr, v| {
            let Some(obj) = v.as_object() else { return };
            // Only schema objects: skip examples and extensions.
            if ptr.contains("/example") || ptr.contains("/x-") {
                return;
            }
            for key in ["oneOf", "anyOf"] {
                let Some(branches) = obj.get(key).and_then(Value::as_array) else {
                    continue;
                };
                let objects = branches.iter().all(|b| {
                    model
                        .doc
                        .resolve(file, b)
                        .is_some_and(|(bf, b)| is_object_schema(model, bf, b))
                });
                if branches.len() < 2 {
                    continue;
                }
                if objects {
                    f.check(
                        obj.contains_key("discriminator"),
                        || {
                            format!(
                                "#{ptr}: {key} over {} object schemas declares no discriminator",
                                branches.len()
                            )
                        },
                        &[],
                    );
                } else {
                    notes.push(format!(
                        "#{ptr}: {key} over non-object branches (no discriminator applies)"
                    ));
                }
            }
        });
    }
    let mut o = f.outcome("the document has no oneOf/anyOf over object schemas");
    if o.status == super::Status::Skipped {
        o.status = super::Status::Passed;
        o.reason = None;
    }
    o.notes.extend(notes.into_iter().take(10));
    o
}

/// A canonical text of a definition for structural comparison (keys sorted; descriptions and
/// examples ignored).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m
                .keys()
                .filter(|k| {
                    !matches!(
                        k.as_str(),
                        "description" | "summary" | "example" | "examples" | "title"
                    ) && !k.starts_with("x-")
                })
                .collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k:?}:{}", canonical(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Is an inline schema substantial enough that duplicating it matters?
fn substantial_schema(v: &Value) -> bool {
    v.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.len() >= 2)
}

/// Does a response object define something itself (an inline header or schema) rather than
/// only assembling `$ref`s?
fn inline_substance(r: &Value) -> bool {
    let inline_header = r
        .get("headers")
        .and_then(Value::as_object)
        .is_some_and(|h| h.values().any(|v| v.get("$ref").is_none()));
    let inline_schema = r
        .get("content")
        .and_then(Value::as_object)
        .is_some_and(|c| {
            c.values().any(|m| {
                m.get("schema")
                    .is_some_and(|s| s.get("$ref").is_none() && substantial_schema(s))
            })
        });
    inline_header || inline_schema
}

fn shared_refs(model: &ApiModel) -> Outcome {
    let root = model.root();
    // canonical text → (kind, pointers)
    let mut seen: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut add = |kind: &str, v: &Value, ptr: String| {
        if v.get("$ref").is_some() {
            return;
        }
        seen.entry((kind.to_string(), canonical(v)))
            .or_default()
            .push(ptr);
    };
    for (path, item) in root
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let item_ptr = format!("/paths/{}", pointer::escape(path));
        let item = model.doc.deref(item);
        for (i, p) in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            add("parameter", p, format!("{item_ptr}/parameters/{i}"));
        }
        for m in crate::spec::model::METHODS {
            let Some(op) = item.get(*m) else { continue };
            let op_ptr = format!("{item_ptr}/{m}");
            for (i, p) in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                add("parameter", p, format!("{op_ptr}/parameters/{i}"));
            }
            for (status, r) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let rptr = format!("{op_ptr}/responses/{}", pointer::escape(status));
                if r.get("$ref").is_none() && inline_substance(r) {
                    add("response", r, rptr.clone());
                }
                for (media, mt) in r
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(s) = mt.get("schema").filter(|s| substantial_schema(s)) {
                        add(
                            "schema",
                            s,
                            format!("{rptr}/content/{}/schema", pointer::escape(media)),
                        );
                    }
                }
            }
            if let Some(content) = op
                .get("requestBody")
                .and_then(|b| b.get("content"))
                .and_then(Value::as_object)
            {
                for (media, mt) in content {
                    if let Some(s) = mt.get("schema").filter(|s| substantial_schema(s)) {
                        add(
                            "schema",
                            s,
                            format!(
                                "{op_ptr}/requestBody/content/{}/schema",
                                pointer::escape(media)
                            ),
                        );
                    }
                }
            }
        }
    }
    let mut f = Findings::default();
    for ((kind, _), ptrs) in &seen {
        f.check(
            ptrs.len() < 2,
            || {
                format!(
                    "the same inline {kind} is defined {} times ({}); define it once under components and use $ref",
                    ptrs.len(),
                    ptrs.iter().map(|p| format!("#{p}")).collect::<Vec<_>>().join(", ")
                )
            },
            &[],
        );
    }
    // Nothing inline to compare means everything shared is already a $ref.
    f.checked = f.checked.max(1);
    finish(f, "")
}

fn servers_url(model: &ApiModel) -> Outcome {
    let root = model.root();
    let url = root
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut f = Findings::default();
    let versioned = regex::Regex::new(r"/api/v\d+/?$").expect("static regex");
    f.check(
        versioned.is_match(url),
        || format!("#/servers/0/url: expected a base URL ending in /api/v1, got '{url}'"),
        &[],
    );
    let base = &model.base_path;
    let mut notes = Vec::new();
    for path in root
        .get("paths")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        f.check(
            base.is_empty() || !path.starts_with(&format!("{base}/")),
            || {
                format!(
                    "#/paths/{}: paths are relative to the server URL {base}; '{path}' repeats it",
                    pointer::escape(&path)
                )
            },
            &[],
        );
        if path.starts_with("/health") {
            let overridden = model
                .operations
                .iter()
                .filter(|o| o.path == path)
                .all(|o| o.full_path == path);
            if !overridden {
                notes.push(format!(
                    "C10: {path} has no servers override; it resolves to {base}{path}, read at the host root"
                ));
            }
        }
    }
    if !url.ends_with("/api/v1") && versioned.is_match(url) {
        notes.push(format!(
            "the base URL '{url}' is another major version than v1"
        ));
    }
    let mut o = finish(f, "");
    o.notes.extend(notes);
    o
}

// ---------------------------------------------------------------------------------------------
// Structural validation (a stand-in for spectral / openapi-generator validate in CI).

fn valid_status_key(s: &str) -> bool {
    s == "default"
        || (s.len() == 3
            && s.as_bytes()[0].is_ascii_digit()
            && (1..=5).contains(&(s.as_bytes()[0] - b'0'))
            && (s[1..].chars().all(|c| c.is_ascii_digit()) || s[1..].eq_ignore_ascii_case("xx")))
}

fn meta_errors(version: OasVersion, schema: &Value) -> Vec<String> {
    let v = match version {
        OasVersion::V31 => jsonschema::draft202012::meta::validator(),
        OasVersion::V30 => jsonschema::draft4::meta::validator(),
    };
    let mut s = schema.clone();
    if version == OasVersion::V30 {
        crate::spec::schema::rewrite_nullable(&mut s);
    }
    v.iter_errors(&s)
        .take(3)
        .map(|e| format!("{} at '{}'", e, e.instance_path()))
        .collect()
}

fn validates(model: &ApiModel) -> Outcome {
    let root = model.root();
    let mut f = Findings::default();
    let version = root.get("openapi").and_then(Value::as_str).unwrap_or("");
    f.check(
        regex::Regex::new(r"^3\.(0|1)\.\d+$")
            .expect("static regex")
            .is_match(version),
        || format!("#/openapi: expected 3.0.x or 3.1.x, got '{version}'"),
        &[],
    );
    let schemes: BTreeSet<String> = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let check_security = |f: &mut Findings, v: Option<&Value>, ptr: &str| {
        for req in v.and_then(Value::as_array).into_iter().flatten() {
            for name in req.as_object().into_iter().flat_map(|o| o.keys()) {
                f.check(
                    schemes.contains(name),
                    || format!("#{ptr}: security requirement '{name}' names no components.securitySchemes entry"),
                    &[],
                );
            }
        }
    };
    check_security(&mut f, root.get("security"), "/security");
    // Component names must match ^[a-zA-Z0-9.\-_]+$ (OpenAPI: Components Object).
    let name_re = regex::Regex::new(r"^[a-zA-Z0-9.\-_]+$").expect("static regex");
    for (kind, entries) in root
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if kind.starts_with("x-") {
            continue;
        }
        for name in entries.as_object().into_iter().flat_map(|m| m.keys()) {
            f.check(
                name_re.is_match(name),
                || {
                    format!(
                        "#/components/{kind}/{}: component names must match ^[a-zA-Z0-9.-_]+$",
                        pointer::escape(name)
                    )
                },
                &[],
            );
        }
    }
    // Tag names are unique.
    let mut tags = BTreeSet::new();
    for t in root
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = t.get("name").and_then(Value::as_str) {
            f.check(
                tags.insert(n.to_string()),
                || format!("#/tags: the tag '{n}' is declared twice"),
                &[],
            );
        }
    }
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for op in &model.operations {
        check_security(
            &mut f,
            op.raw.get("security"),
            &format!("{}/security", op.pointer),
        );
        if let Some(id) = &op.operation_id {
            if let Some(prev) = ids.insert(id.clone(), op.pointer.clone()) {
                f.fail(
                    format!(
                        "#{}: duplicate operationId '{id}' (also #{prev})",
                        op.pointer
                    ),
                    &[],
                );
            }
        }
        // Responses: present, valid keys, each with a description.
        let responses = op.raw.get("responses").and_then(Value::as_object);
        f.check(
            responses.is_some_and(|r| !r.is_empty()),
            || {
                format!(
                    "#{}/responses: an operation needs at least one response",
                    op.pointer
                )
            },
            &[],
        );
        for (status, r) in responses.into_iter().flatten() {
            f.check(
                valid_status_key(status),
                || {
                    format!(
                        "#{}/responses: '{status}' is not a status code, range (4XX) or default",
                        op.pointer
                    )
                },
                &[],
            );
            let r = model.doc.deref(r);
            f.check(
                r.get("description").is_some_and(Value::is_string),
                || {
                    format!(
                        "#{}/responses/{}: a response object needs a description",
                        op.pointer,
                        pointer::escape(status)
                    )
                },
                &[],
            );
        }
        // Parameters: name, a valid `in`, path parameters required and matching the template.
        for p in &op.parameters {
            f.check(
                matches!(p.location.as_str(), "query" | "header" | "path" | "cookie"),
                || {
                    format!(
                        "#{}: parameter '{}' has in: '{}' (query, header, path or cookie)",
                        p.pointer, p.name, p.location
                    )
                },
                &[],
            );
            if p.location == "path" {
                f.check(
                    p.required,
                    || {
                        format!(
                            "#{}: path parameter '{}' must be required: true",
                            p.pointer, p.name
                        )
                    },
                    &[],
                );
                f.check(
                    op.path.contains(&format!("{{{}}}", p.name)),
                    || {
                        format!(
                            "#{}: path parameter '{}' does not occur in the template {}",
                            p.pointer, p.name, op.path
                        )
                    },
                    &[],
                );
            }
        }
        for seg in op.path.split('/').filter(|s| is_param(s)) {
            let name = &seg[1..seg.len() - 1];
            f.check(
                op.param(name, "path").is_some(),
                || format!("#{}: the template {} has {{{name}}} but no path parameter '{name}' is declared", op.pointer, op.path),
                &[],
            );
        }
    }
    // Every schema is a valid JSON Schema of the document's dialect, and compiles.
    let mut schema_ptrs: Vec<(String, &Value)> = Vec::new();
    for (name, s) in root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        schema_ptrs.push((format!("/components/schemas/{}", pointer::escape(name)), s));
    }
    walk::for_each(root, String::new(), &mut |ptr, v| {
        if ptr.starts_with("/paths/") && ptr.ends_with("/schema") && !ptr.contains("/example") {
            schema_ptrs.push((ptr.to_string(), v));
        }
    });
    let store = model.schemas();
    if let Err(e) = &store {
        f.fail(
            format!("the document's schemas cannot be registered: {e}"),
            &[],
        );
    }
    let file = model.doc.base.to_string();
    for (ptr, s) in &schema_ptrs {
        let errors = meta_errors(model.version(), s);
        f.check(
            errors.is_empty(),
            || format!("#{ptr}: not a valid JSON Schema: {}", errors.join("; ")),
            &[],
        );
        if let Err(e) = crate::spec::schema::compiles_alone(model.version(), s) {
            f.fail(format!("#{ptr}: {e}"), &[]);
        }
    }
    // Media-type examples validate against their schema (spectral: oas3-valid-media-example).
    if let Ok(store) = &store {
        walk::for_each(root, String::new(), &mut |ptr, v| {
            if !(ptr.starts_with("/paths/") || ptr.starts_with("/components/"))
                || !ptr.contains("/content/")
                || v.get("schema").is_none()
                || ptr.contains("/example")
            {
                return;
            }
            let media = ptr
                .rsplit('/')
                .next()
                .map(pointer::unescape)
                .unwrap_or_default();
            if !walk::is_json(&media) && !media.ends_with("problem+json") {
                return;
            }
            let at = SchemaRef {
                file: file.clone(),
                pointer: format!("{ptr}/schema"),
            };
            let mut samples: Vec<(String, &Value)> = Vec::new();
            if let Some(e) = v.get("example") {
                samples.push((format!("{ptr}/example"), e));
            }
            for (name, e) in v
                .get("examples")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let e = model.doc.deref(e);
                if let Some(value) = e.get("value") {
                    samples.push((
                        format!("{ptr}/examples/{}/value", pointer::escape(name)),
                        value,
                    ));
                }
            }
            for (eptr, sample) in samples {
                // An uncompilable schema is reported above.
                if let Ok(violations) = store.validate(&at, sample) {
                    f.check(
                        violations.is_empty(),
                        || {
                            format!(
                                "#{eptr}: the example does not match its schema: {}",
                                violations
                                    .iter()
                                    .take(3)
                                    .map(|v| format!("{} at '{}'", v.message, v.instance_path))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        },
                        &[],
                    );
                }
            }
        });
    }
    let mut o = finish(f, "");
    o.notes.push(
        "proxy for CI validation: OpenAPI structure (version, responses, parameters, security names, unique operationIds), every schema checked against the JSON Schema meta-schema and compiled, media-type examples validated".into(),
    );
    o
}
