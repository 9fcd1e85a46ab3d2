//! The fuzz harnesses: one function per cargo-fuzz target, taking the raw input bytes and
//! driving a parser of untrusted text the way specgate (or the reference server) uses it. A
//! panic, a stack overflow, a hang or a runaway allocation in here is a finding; `Ok`/`Err`
//! and `Some`/`None` results are all fine.
//!
//! The same file is compiled into the stable test `tests/fuzz_regressions.rs` (through
//! `#[path]`), which replays every committed regression input through these functions, so it
//! may only use crates the root crate depends on.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use specgate::client::ratelimit;
use specgate::parse::link_header;
use specgate::run::walk;
use specgate::spec;

/// URL of the root document of an in-memory OpenAPI input.
pub const ROOT: &str = "file:///fuzz/openapi.yaml";

/// A line that starts the next file of a multi-file OpenAPI input (a YAML comment, so a
/// single document needs none). The second file is `file:///fuzz/1.yaml`, and so on, so the
/// root can refer to `1.yaml#/components/schemas/X`.
pub const FILE_SEPARATOR: &str = "\n#%\n";

/// Splits an OpenAPI input into in-memory files keyed by URL (see [`FILE_SEPARATOR`]).
pub fn openapi_files(data: &[u8]) -> Option<BTreeMap<String, String>> {
    let text = std::str::from_utf8(data).ok()?;
    let mut files = BTreeMap::new();
    for (i, part) in text.split(FILE_SEPARATOR).enumerate().take(8) {
        let url = if i == 0 {
            ROOT.to_string()
        } else {
            format!("file:///fuzz/{i}.yaml")
        };
        files.insert(url, part.to_string());
    }
    Some(files)
}

/// Loads an in-memory document through the loader's checks and builds the model.
fn model_of(data: &[u8]) -> Option<spec::ApiModel> {
    let files = openapi_files(data)?;
    let doc = spec::load::load_in_memory(ROOT, &files).ok()?;
    Some(spec::build(doc))
}

/// `openapi_load`: text → YAML/JSON parse → `$ref` loading and checks → the API model → what
/// rules read from the model without a server: resources, list fields and documented
/// semantics, minimal request bodies and the properties write probes fill, and every static
/// (`specgate lint`) rule.
pub fn openapi_load(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = spec::load::parse_text(text);
    }
    let Some(model) = model_of(data) else {
        return;
    };
    let unique = |name: &str| format!("{name}-fuzz");
    for op in &model.operations {
        let _ = specgate::oracle::schema::Semantics::of(op);
        if op.is_collection_get() {
            let _ = specgate::oracle::schema::list_fields(&model, op);
        }
        let _ = specgate::rules::writes::body_props(&model, op);
        for schema in op.request_body.iter().flat_map(|b| b.values()).flatten() {
            let _ = specgate::generate::payload::for_body(&model, schema, &unique);
        }
        let _ = model.find_operation(&op.method, &op.full_path);
    }
    let _ = model.list_operations().count();
    let _ = specgate::rules::grammar::collection_list_ops(&model);
    let _ = specgate::rules::grammar::nested_lists(&model);
    let _ = specgate::run::dataset::primary_resource(&model);
    for rule in specgate::rules::all() {
        if let specgate::rules::Check::Static(check) = rule.check {
            let _ = check(&model);
        }
    }
}

/// `openapi_schema`: a document as in `openapi_load`, then its schemas registered and every
/// response schema compiled and run against a few instances (the response validation every
/// check run does).
pub fn openapi_schema(data: &[u8]) {
    let Some(model) = model_of(data) else {
        return;
    };
    let Ok(store) = model.schemas() else {
        return;
    };
    let instances = [
        Value::Null,
        json!({}),
        json!({"data": [{"id": "1", "name": "a", "created_at": "2024-01-01T00:00:00Z"}]}),
        json!({"type": "about:blank", "title": "x", "status": 400}),
    ];
    for op in &model.operations {
        let bodies = op.request_body.iter().flat_map(|b| b.values());
        let responses = op.responses.values().flat_map(|r| r.content.values());
        for schema in bodies.chain(responses).flatten() {
            for instance in &instances {
                let _ = store.validate(schema, instance);
            }
        }
    }
}

/// `link_header`: a `Link` header value (lines are separate fields) through the RFC 8288
/// parser, the rel → target reading the walk compares with, and the normalisation of each
/// link target (path and decoded query pairs).
pub fn link_header(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(links) = link_header::parse(&text) {
        for l in &links {
            let _ = l.rels();
            let _ = l.has_rel("next");
            let _ = walk::norm_link(&l.target);
        }
    }
    let _ = link_header::parse_fields(text.split('\n'));
    for target in walk::link_header_map(&text).values() {
        let _ = walk::norm_link(target);
    }
}

/// `ratelimit_headers`: one header value as `RateLimit`, `RateLimit-Policy`, `Retry-After` and
/// `Sunset`, and what the client derives from them (the refill instant, the pause).
pub fn ratelimit_headers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(rl) = ratelimit::parse_ratelimit(&text) {
        let _ = ratelimit::reset_at(Instant::now(), rl.reset);
    }
    let _ = ratelimit::parse_policy(&text);
    if let Some(secs) = ratelimit::parse_retry_after(&text) {
        let _ = Duration::from_secs(secs);
    }
    let _ = specgate::rules::deprecation::parse_sunset(&text);
}

/// `query`: a query string through the reference server's parsers of `filter[field][op]`,
/// `sort`, `cursor`, `fields`, `include`, paging and search, for every resource; the input as a
/// `POST /search` body when it is JSON; the input base64url-encoded as a cursor token; and
/// specgate's own round trip of an opaque cursor through a request URL.
pub fn query(data: &[u8]) {
    use reference_server::model::RESOURCES;
    use reference_server::query::{parse_list_query, parse_search_body, parse_single_query};

    let text = String::from_utf8_lossy(data);
    let pairs = reference_server::util::query_pairs(Some(&text));
    let body: Option<Value> = serde_json::from_slice(data).ok();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data);
    let cursor_pairs = [("cursor".to_string(), token)];
    for res in RESOURCES {
        let _ = parse_list_query(res, &pairs);
        let _ = parse_single_query(res, &pairs);
        let _ = parse_list_query(res, &cursor_pairs);
        if let Some(b) = &body {
            let _ = parse_search_body(res, b);
        }
    }
    // A cursor is opaque: whatever a server sends must come back unchanged in the next request.
    let sent = walk::url(
        "/api/v1/items",
        &[
            ("cursor".into(), text.to_string()),
            ("per_page".into(), "2".into()),
        ],
    );
    let (path, back) = walk::link_pairs(&sent);
    assert_eq!(path, "/api/v1/items");
    assert_eq!(walk::param(&back, "cursor"), Some(&*text), "{sent}");
}
