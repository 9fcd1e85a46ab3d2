//! Family `openapi-endpoint`: the served document (`GET {base}/openapi.json`: public, JSON,
//! OpenAPI 3.1) and whether the live API keeps to it: required request fields enforced, every
//! response documented (status, media type, required headers), every exposed route documented,
//! and the spec, the agents guide and `/enums` describing the same API (C52).

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::openapi_doc::{self, as_set, field_schema, is_meta, label, parse_enums, rel_path};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, fixtures};
use crate::spec::model::template_matches;
use crate::spec::walk;
use crate::spec::{ApiModel, Operation};

pub const RULES: &[Rule] = &[
    Rule::probe(
        "openapi-endpoint.served-at-get-api-v1-openapi-json",
        &[],
        |c| served_at(c).boxed(),
    ),
    Rule::probe("openapi-endpoint.public-without-token", &[], |c| {
        public(c).boxed()
    }),
    Rule::probe("openapi-endpoint.content-type-application-json", &[], |c| {
        content_type(c).boxed()
    }),
    Rule::probe("openapi-endpoint.document-is-openapi-3-1", &[], |c| {
        is_3_1(c).boxed()
    }),
    Rule::probe(
        "openapi-endpoint.server-enforces-documented-required-fields",
        &[],
        |c| enforces_required(c).boxed(),
    ),
    Rule::observer(
        "openapi-endpoint.responses-match-documented-contract",
        contract,
    ),
    Rule::probe(
        "openapi-endpoint.every-exposed-route-documented",
        &[],
        |c| routes_documented(c).boxed(),
    ),
    Rule::probe(
        "openapi-endpoint.spec-agents-enums-describe-same-api",
        &[],
        |c| same_api(c).boxed(),
    ),
];

fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => format!(
            "{} {}",
            r.status,
            r.header("content-type").unwrap_or("(no Content-Type)")
        ),
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The served document.

/// GET {base}/openapi.json without a token; when that is refused (401/403) once more with the
/// full token, so the other rules can still judge the document (the refusal is
/// `public-without-token`'s finding).
async fn fetch_doc(ctx: &Ctx) -> (Arc<Exchange>, Option<Arc<Exchange>>) {
    let path = ctx.path("/openapi.json");
    let anon = ctx.send(Req::get(path.clone()).no_retry()).await;
    if matches!(anon.status(), Some(401) | Some(403)) {
        let authed = ctx.send(Req::get(path).token("full").no_retry()).await;
        return (anon, Some(authed));
    }
    (anon, None)
}

/// The exchange to judge the document on, and a note when it needed a token.
fn judged(pair: &(Arc<Exchange>, Option<Arc<Exchange>>)) -> (&Exchange, Option<String>) {
    match &pair.1 {
        Some(authed) => (
            authed,
            Some(format!(
                "the anonymous request was refused with {}; judged on a request with the full token (see openapi-endpoint.public-without-token)",
                pair.0.status().unwrap_or(0)
            )),
        ),
        None => (&pair.0, None),
    }
}

/// Parses a served body as an OpenAPI document (JSON, or YAML).
fn parse_doc(body: &str) -> Result<Value, String> {
    let v = crate::spec::load::parse_text(body)?;
    let obj = v.as_object().ok_or("the body is not a JSON/YAML object")?;
    if !obj.get("openapi").is_some_and(Value::is_string) {
        return Err("the body has no `openapi` version field".into());
    }
    if !obj.get("info").is_some_and(Value::is_object) {
        return Err("the body has no `info` object".into());
    }
    if !["paths", "webhooks", "components"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return Err("the body has no paths, webhooks or components".into());
    }
    Ok(v)
}

async fn served_at(ctx: &Ctx) -> Outcome {
    let pair = fetch_doc(ctx).await;
    let (ex, note) = judged(&pair);
    let path = ctx.path("/openapi.json");
    let mut f = Findings::default();
    let parsed = ex.response.as_ref().map(|r| parse_doc(&r.body));
    f.check(
        ex.status() == Some(200) && matches!(parsed, Some(Ok(_))),
        || {
            format!(
                "GET {path}: expected 200 and a body that parses as an OpenAPI document, got {}{}",
                seen(ex),
                match &parsed {
                    Some(Err(e)) => format!(" ({e})"),
                    _ => String::new(),
                }
            )
        },
        &[ex],
    );
    if let Some(n) = note {
        f.note(n);
    }
    f.outcome("")
}

async fn public(ctx: &Ctx) -> Outcome {
    let path = ctx.path("/openapi.json");
    let ex = ctx.send(Req::get(path.clone()).no_retry()).await;
    match ex.status() {
        Some(200) => Outcome::passed(1),
        Some(s @ (401 | 403)) => Outcome::failed(
            format!("GET {path} without Authorization: expected 200 (the spec is public), got {s}"),
            vec![ex.seq],
        ),
        _ => Outcome::skipped(format!(
            "GET {path} without Authorization answered {}; whether the document is served at all is openapi-endpoint.served-at-get-api-v1-openapi-json's finding",
            seen(&ex)
        )),
    }
}

async fn content_type(ctx: &Ctx) -> Outcome {
    let pair = fetch_doc(ctx).await;
    let (ex, note) = judged(&pair);
    let path = ctx.path("/openapi.json");
    let Some(resp) = ex.response.as_ref().filter(|r| r.status == 200) else {
        return Outcome::skipped(format!(
            "GET {path} answered {}; there is no served document whose Content-Type could be judged",
            seen(ex)
        ));
    };
    let media = resp.media_type().unwrap_or_default();
    let is_json = serde_json::from_str::<Value>(&resp.body).is_ok();
    let is_yaml = !is_json && crate::spec::load::parse_text(&resp.body).is_ok();
    let mut f = Findings::default();
    if let Some(n) = note {
        f.note(n);
    }
    match media.as_str() {
        "application/json" => f.check(
            is_json,
            || {
                format!(
                    "GET {path}: labelled application/json but the body is not JSON{}",
                    if is_yaml { " (it is YAML)" } else { "" }
                )
            },
            &[ex],
        ),
        "application/x-yaml" | "application/yaml" => {
            f.check(
                is_yaml || is_json,
                || format!("GET {path}: labelled {media} but the body does not parse as YAML"),
                &[ex],
            );
            f.note(format!(
                "C53: the document at a .json path is served as {media}; application/json is expected there"
            ));
        }
        other => f.fail(
            format!(
                "GET {path}: expected Content-Type application/json (application/x-yaml only for YAML), got '{}'",
                if other.is_empty() { "(none)" } else { other }
            ),
            &[ex],
        ),
    }
    f.outcome("")
}

async fn is_3_1(ctx: &Ctx) -> Outcome {
    let pair = fetch_doc(ctx).await;
    let (ex, note) = judged(&pair);
    let re = regex::Regex::new(r"^3\.1\.\d+$").expect("static regex");
    let served = ex
        .response
        .as_ref()
        .filter(|r| r.status == 200)
        .and_then(|r| parse_doc(&r.body).ok());
    let mut f = Findings::default();
    if let Some(n) = note {
        f.note(n);
    }
    match served {
        Some(doc) => {
            let v = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
            f.check(
                re.is_match(v),
                || format!("GET {}: expected `openapi: 3.1.x`, got '{v}'", ex.path()),
                &[ex],
            );
        }
        None => {
            let v = ctx
                .model()
                .root()
                .get("openapi")
                .and_then(Value::as_str)
                .unwrap_or("");
            f.note(format!(
                "the document is not served ({}); judged the document specgate loaded ({})",
                seen(ex),
                ctx.model().doc.location
            ));
            f.check(
                re.is_match(v),
                || {
                    format!(
                        "{}: expected `openapi: 3.1.x`, got '{v}'",
                        ctx.model().doc.location
                    )
                },
                &[ex],
            );
        }
    }
    f.outcome("")
}

// ---------------------------------------------------------------------------------------------
// Required request fields are enforced.

fn reason(ex: &Exchange) -> String {
    ex.status()
        .map(|s| {
            format!(
                "{s} {}",
                ex.response
                    .as_ref()
                    .map(|r| r.body.chars().take(300).collect::<String>())
                    .unwrap_or_default()
            )
        })
        .unwrap_or_else(|| ex.error.clone().unwrap_or_default())
}

/// A complete valid body for `op` (required fields; required references point at fixtures).
async fn valid_body(ctx: &Ctx, op: &Operation) -> Result<Value, String> {
    let model = ctx.model();
    let schema = op
        .request_body
        .as_ref()
        .and_then(|b| b.iter().find(|(m, _)| walk::is_json(m)))
        .and_then(|(_, s)| s.clone())
        .ok_or_else(|| format!("{} documents no JSON body", label(op)))?;
    let unique = |hint: &str| ctx.unique_name(hint);
    let mut body = crate::generate::payload::for_body(model, &schema, &unique);
    let required = walk::at(&model.doc, &schema)
        .map(|(f, s)| walk::required(&model.doc, f, s))
        .unwrap_or_default();
    // A required list generated empty gets one element (its first enum value, or a minimal item).
    if let Some((file, s)) = walk::at(&model.doc, &schema) {
        let props = walk::properties(&model.doc, file, s, true);
        for name in &required {
            let empty = body
                .get(name)
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            let Some((pf, ps)) = props
                .get(name)
                .and_then(|(pf, ps)| model.doc.resolve(pf, ps))
            else {
                continue;
            };
            if let (true, Some(items)) = (empty, ps.get("items")) {
                let item = walk::enum_values(&model.doc, pf, items)
                    .and_then(|v| v.into_iter().next())
                    .unwrap_or_else(|| {
                        crate::generate::payload::minimal(model, pf, items, &unique, 1)
                    });
                body[name.as_str()] = json!([item]);
            }
        }
    }
    for fk in required.iter().filter(|n| n.ends_with("_id")) {
        if let Some(parent) = fixtures::referenced_resource(model, fk) {
            let p = fixtures::create(ctx, &parent.name.clone(), json!({})).await?;
            body[fk.as_str()] = json!(p.id);
        }
    }
    Ok(body)
}

fn names_field(ex: &Exchange, field: &str) -> bool {
    let errors = ex.json().and_then(|j| j.get("errors"));
    let codes = errors.and_then(|e| e.get(field)).and_then(Value::as_array);
    codes.is_some_and(|c| c.iter().any(|x| x == "cant_be_blank"))
}

fn is_problem(ex: &Exchange) -> bool {
    ex.response
        .as_ref()
        .and_then(|r| r.media_type())
        .is_some_and(|m| m == "application/problem+json")
}

async fn enforces_required(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    for r in &model.resources {
        let Some(create) = fixtures::create_op(model, r) else {
            continue;
        };
        if walk::request_schema(model, create).is_none() {
            continue;
        }
        // POST: the full body must be accepted, then each required field left out in turn.
        let body = match valid_body(ctx, create).await {
            Ok(b) => b,
            Err(e) => {
                f.note(format!(
                    "{}: skipped, could not build a valid body ({e})",
                    label(create)
                ));
                continue;
            }
        };
        let full = ctx
            .send(
                Req::new(Method::POST, create.full_path.clone())
                    .token("full")
                    .json(body.clone()),
            )
            .await;
        let created_id = full
            .json()
            .and_then(|j| j.pointer("/data/id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(id) = &created_id {
            ctx.remember_created(&create.full_path, id);
        }
        if !full.status().is_some_and(|s| (200..300).contains(&s)) {
            f.note(format!(
                "{}: skipped, the generated complete body was not accepted ({}); the drop-one checks need a valid baseline",
                label(create),
                reason(&full)
            ));
            continue;
        }
        let required: Vec<String> = walk::request_schema(model, create)
            .map(|(fl, s)| walk::required(&model.doc, fl, s).into_iter().collect())
            .unwrap_or_default();
        for field in &required {
            let mut partial = body.clone();
            if let Value::Object(m) = &mut partial {
                m.remove(field);
            }
            let ex = ctx
                .send(
                    Req::new(Method::POST, create.full_path.clone())
                        .token("full")
                        .json(partial)
                        .no_retry(),
                )
                .await;
            if let Some(id) = ex
                .json()
                .and_then(|j| j.pointer("/data/id"))
                .and_then(Value::as_str)
            {
                ctx.remember_created(&create.full_path, id);
            }
            f.check(
                ex.status() == Some(422) && is_problem(&ex) && names_field(&ex, field),
                || {
                    format!(
                        "POST {} without required '{field}': expected 422 problem+json with errors.{field} containing cant_be_blank, got {}",
                        create.full_path,
                        reason(&ex)
                    )
                },
                &[&ex],
            );
        }
        // PUT: on the record just created, with a fresh If-Match, leave out each required field.
        let (Some(item_path), Some(id)) = (&r.item_path, created_id) else {
            continue;
        };
        let Some(put) = model
            .operations
            .iter()
            .find(|o| o.method == "PUT" && &o.full_path == item_path)
        else {
            continue;
        };
        let Some((pfile, pschema)) = walk::request_schema(model, put) else {
            continue;
        };
        let put_props = walk::properties(&model.doc, pfile, pschema, true);
        let put_required: Vec<String> = walk::required(&model.doc, pfile, pschema)
            .into_iter()
            .collect();
        let path = format!("{}/{id}", r.collection_path.clone().unwrap_or_default());
        for field in &put_required {
            let current = ctx.send(Req::get(path.clone()).token("full")).await;
            let (Some(etag), Some(data)) = (
                current.header("etag").map(str::to_string),
                current
                    .json()
                    .and_then(|j| j.get("data"))
                    .and_then(Value::as_object),
            ) else {
                f.note(format!(
                    "PUT {path}: skipped, GET gave no ETag or data to build a replacement from ({})",
                    seen(&current)
                ));
                break;
            };
            let mut replacement: Map<String, Value> = data
                .iter()
                .filter(|(k, _)| {
                    put_props.get(*k).is_some_and(|(_, s)| {
                        model.doc.deref(s).get("readOnly") != Some(&Value::Bool(true))
                    })
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            replacement.remove(field);
            let ex = ctx
                .send(
                    Req::new(Method::PUT, path.clone())
                        .token("full")
                        .header("If-Match", etag)
                        .json(Value::Object(replacement))
                        .no_retry(),
                )
                .await;
            f.check(
                ex.status() == Some(422) && is_problem(&ex) && names_field(&ex, field),
                || {
                    format!(
                        "PUT {path} (If-Match current) without required '{field}': expected 422 problem+json with errors.{field} containing cant_be_blank, got {}",
                        reason(&ex)
                    )
                },
                &[&current, &ex],
            );
        }
    }
    f.outcome("no resource documents a create operation with a JSON body")
}

// ---------------------------------------------------------------------------------------------
// Responses match the documented contract.

/// Does a documented media-type key cover the response's media type?
pub(crate) fn media_covered(documented: &str, actual: &str) -> bool {
    let d = documented.split(';').next().unwrap_or("").trim();
    d == actual
        || d == "*/*"
        || d.strip_suffix("/*")
            .is_some_and(|t| actual.split('/').next() == Some(t))
}

fn contract(model: &ApiModel, ex: &Exchange) -> Verdict {
    let resp = ex.response.as_ref()?;
    let method = ex.request.method.as_str();
    let path = ex.path();
    let op = model.find_operation(method, &path)?;
    let status = resp.status;
    let head = format!("{method} {path} → {status}");
    let Some(spec) = op.response_for(status) else {
        return Some(Err(format!(
            "{head}: status {status} is not documented for {} (documented: {})",
            label(op),
            op.responses.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    };
    if !resp.body.is_empty() && method != "HEAD" && !matches!(status, 204 | 304) {
        let media = resp.media_type();
        match media {
            None => {
                return Some(Err(format!(
                    "{head}: the response has a body but no Content-Type (documented: {:?})",
                    spec.content.keys().collect::<Vec<_>>()
                )));
            }
            Some(m) if !spec.content.keys().any(|d| media_covered(d, &m)) => {
                return Some(Err(format!(
                    "{head}: media type {m} is not documented for this status (documented: {:?})",
                    spec.content.keys().collect::<Vec<_>>()
                )));
            }
            _ => {}
        }
    }
    let missing: Vec<&String> = spec
        .headers
        .iter()
        .filter(|(h, required)| {
            **required && h.as_str() != "content-type" && resp.header(h).is_none()
        })
        .map(|(h, _)| h)
        .collect();
    if !missing.is_empty() {
        return Some(Err(format!(
            "{head}: documented required response headers {missing:?} are missing"
        )));
    }
    Some(Ok(()))
}

// ---------------------------------------------------------------------------------------------
// Every exposed route and field is documented.

/// Strips the query and fragment of a link, and scheme + host of an absolute URL.
pub(crate) fn link_path(link: &str) -> String {
    let no_frag = link.split('#').next().unwrap_or(link);
    let no_query = no_frag.split('?').next().unwrap_or(no_frag);
    match no_query.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map(|i| rest[i..].to_string())
            .unwrap_or_default(),
        None => no_query.to_string(),
    }
}

/// Every `links` value of an API envelope: the top-level `links` and those of the resources in
/// `data` and `included` (nested objects included): (JSON pointer, value). Documents that are
/// not envelopes (the OpenAPI document itself) have none.
pub(crate) fn body_links(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut collect = |ptr: &str, links: &Value| {
        for (rel, target) in links.as_object().into_iter().flatten() {
            if let Some(t) = target.as_str() {
                out.push((format!("{ptr}/links/{rel}"), t.to_string()));
            }
        }
    };
    if let Some(l) = v.get("links") {
        collect("", l);
    }
    for key in ["data", "included"] {
        let Some(part) = v.get(key) else { continue };
        walk::for_each(part, format!("/{key}"), &mut |ptr, node| {
            if let Some(l) = node.get("links").filter(|l| l.is_object()) {
                collect(ptr, l);
            }
        });
    }
    out
}

/// Every path an exchange exposes: body links, `Link` targets and `Location`.
pub(crate) fn exposed(ex: &Exchange) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(j) = ex.json() {
        out.extend(
            body_links(j)
                .into_iter()
                .map(|(p, l)| (format!("body {p}"), l)),
        );
    }
    if let Some(r) = &ex.response {
        if let Ok(links) = crate::parse::link_header::parse_fields(r.headers_named("link")) {
            out.extend(
                links
                    .into_iter()
                    .map(|l| (format!("Link rel={:?}", l.rels()), l.target)),
            );
        }
        if let Some(loc) = r.header("location") {
            out.push(("Location".into(), loc.to_string()));
        }
    }
    out
}

fn documented_path(model: &ApiModel, path: &str) -> bool {
    model
        .operations
        .iter()
        .any(|o| template_matches(&o.full_path, path))
}

/// `METHOD /path` mentions in a markdown document (query strings and trailing punctuation cut).
pub(crate) fn agents_endpoints(text: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[^\s`'\x22|)<>,]*)")
        .expect("static regex");
    let mut out: Vec<(String, String)> = Vec::new();
    for c in re.captures_iter(text) {
        let path = link_path(&c[2]);
        let path = path.trim_end_matches(['.', ':', ';', ',']).to_string();
        let pair = (c[1].to_string(), path);
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// Paths under the API base (or `/health`) mentioned anywhere in a markdown document.
fn agents_paths(model: &ApiModel, text: &str) -> Vec<String> {
    let base = regex::escape(&model.base_path);
    let re = regex::Regex::new(&format!(
        r"({base}/[^\s`'\x22|)<>,\]]+|/health(?:/[a-z]+)?\b)"
    ))
    .expect("escaped regex");
    let mut out: Vec<String> = Vec::new();
    for m in re.find_iter(text) {
        let p = link_path(m.as_str());
        let p = p.trim_end_matches(['.', ':', ';', ',', '/']).to_string();
        if p.len() > model.base_path.len() + 1 && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The agents guide, if the document has one.
async fn fetch_agents(ctx: &Ctx) -> Option<Arc<Exchange>> {
    let path = ctx.path("/agents");
    if !ctx
        .model()
        .operations
        .iter()
        .any(|o| o.method == "GET" && o.full_path == path)
    {
        return None;
    }
    Some(ctx.send(Req::get(path)).await)
}

/// Declared property names of an object schema, or None when it admits others explicitly
/// (`additionalProperties` other than `false`, or `patternProperties`).
fn closed_props(model: &ApiModel, file: &str, s: &Value) -> Option<BTreeSet<String>> {
    let (file, s) = model.doc.resolve(file, s)?;
    let open = s
        .get("additionalProperties")
        .is_some_and(|a| a != &Value::Bool(false))
        || s.get("patternProperties").is_some();
    if open {
        return None;
    }
    let props: BTreeSet<String> = walk::properties(&model.doc, file, s, true)
        .into_keys()
        .collect();
    Some(props).filter(|p| !p.is_empty())
}

/// Declared properties of the entries of `data` and `included` for this exchange's documented
/// response (None where the schema is open or unknown).
type EntryProps = (Option<BTreeSet<String>>, Option<BTreeSet<String>>);

fn response_entry_props(model: &ApiModel, ex: &Exchange) -> Option<EntryProps> {
    let resp = ex.response.as_ref()?;
    let op = model.find_operation(&ex.request.method, &ex.path())?;
    let spec = op.response_for(resp.status)?;
    let media = resp.media_type()?;
    let (_, schema) = spec
        .content
        .iter()
        .find(|(d, _)| media_covered(d, &media))?;
    let (file, s) = walk::at(&model.doc, schema.as_ref()?)?;
    let top = walk::properties(&model.doc, file, s, true);
    let entry = |name: &str| -> Option<BTreeSet<String>> {
        let (f, d) = top.get(name)?;
        let (f, d) = model.doc.resolve(f, d)?;
        if walk::types(&model.doc, f, d).contains("array") {
            let items = d.get("items")?;
            // A oneOf of entry kinds (included): the union of what they declare.
            let (f, items) = model.doc.resolve(f, items)?;
            if items.get("oneOf").is_some() || items.get("anyOf").is_some() {
                let props: BTreeSet<String> = walk::properties(&model.doc, f, items, true)
                    .into_keys()
                    .collect();
                return Some(props).filter(|p| !p.is_empty());
            }
            closed_props(model, f, items)
        } else {
            closed_props(model, f, d)
        }
    };
    Some((entry("data"), entry("included")))
}

async fn routes_documented(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    // Make sure there is something to look at: the agents guide, each top-level collection,
    // and a record of the writable resource.
    let agents = fetch_agents(ctx).await;
    if let Some(r) = fixtures::writable_resource(model) {
        if let Err(e) = fixtures::create(ctx, &r.name.clone(), json!({})).await {
            return Outcome::error(e);
        }
    }
    let mut lists: Vec<String> = model
        .list_operations()
        .filter(|o| o.path_params() == 0 && !o.public && !is_meta(model, o))
        .map(|o| o.full_path.clone())
        .collect();
    lists.dedup();
    for l in &lists {
        let ex = ctx
            .send(Req::get(format!("{l}?per_page=5")).token("full"))
            .await;
        // Follow each entry's own links once (item GETs expose more links).
        let selfs: Vec<String> = ex
            .json()
            .and_then(|j| j.get("data"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(2)
            .filter_map(|e| e.pointer("/links/self").and_then(Value::as_str))
            .map(link_path)
            .collect();
        for s in selfs {
            ctx.send(Req::get(s).token("full")).await;
        }
    }
    let mut f = Findings::default();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for ex in ctx.client().exchanges() {
        for (whereis, target) in exposed(&ex) {
            let path = link_path(&target);
            if path.is_empty() || !path.starts_with('/') {
                continue;
            }
            let ok = documented_path(model, &path);
            if ok {
                f.checked += 1;
            } else if reported.insert(path.clone()) {
                f.fail(
                    format!(
                        "{} {} → {}: {whereis} exposes {target}, which matches no documented path template",
                        ex.request.method,
                        ex.path(),
                        ex.status().unwrap_or(0)
                    ),
                    &[&ex],
                );
            }
        }
        // Response properties the schema does not declare.
        if let (Some((data_props, included_props)), Some(j)) =
            (response_entry_props(model, &ex), ex.json())
        {
            let mut check = |entry: &Value, props: &Option<BTreeSet<String>>, at: &str| {
                let (Some(obj), Some(props)) = (entry.as_object(), props) else {
                    return;
                };
                let extra: Vec<&String> = obj.keys().filter(|k| !props.contains(*k)).collect();
                if extra.is_empty() {
                    f.checked += 1;
                } else {
                    let key = format!("{} {at} {extra:?}", label_of(model, &ex));
                    if reported.insert(key) {
                        f.fail(
                            format!(
                                "{} {} → {}: {at} has properties {extra:?} that the documented schema does not declare",
                                ex.request.method,
                                ex.path(),
                                ex.status().unwrap_or(0)
                            ),
                            &[&ex],
                        );
                    }
                }
            };
            match j.get("data") {
                Some(Value::Array(a)) => a.iter().for_each(|e| check(e, &data_props, "data[]")),
                Some(e @ Value::Object(_)) => check(e, &data_props, "data"),
                _ => {}
            }
            for e in j
                .get("included")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                check(e, &included_props, "included[]");
            }
        }
    }
    match &agents {
        None => {
            f.note("the document has no agents endpoint; only links, Link and Location were judged")
        }
        Some(ex) if ex.status() == Some(200) => {
            let body = ex
                .response
                .as_ref()
                .map(|r| r.body.clone())
                .unwrap_or_default();
            for p in agents_paths(model, &body) {
                let ok = documented_path(model, &p);
                f.check(
                    ok,
                    || format!("GET {}: the agents guide mentions {p}, which matches no documented path template", ex.path()),
                    &[ex],
                );
            }
        }
        Some(ex) => f.note(format!(
            "GET {} answered {}; the agents guide could not be judged",
            ex.path(),
            seen(ex)
        )),
    }
    f.outcome("no links, Link or Location values were seen")
}

fn label_of(model: &ApiModel, ex: &Exchange) -> String {
    model
        .find_operation(&ex.request.method, &ex.path())
        .map(label)
        .unwrap_or_else(|| ex.path())
}

// ---------------------------------------------------------------------------------------------
// The spec, the agents guide and /enums describe the same API (C52).

async fn same_api(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    f.note("C52: parity at the endpoint (method + path) and enum-value level, not field by field");
    // Endpoints: the agents guide against the spec.
    match fetch_agents(ctx).await {
        None => f.note(format!(
            "the document has no GET {}; endpoint parity was not judged",
            ctx.path("/agents")
        )),
        Some(ex) if ex.status() != Some(200) => f.fail(
            format!(
                "GET {}: expected 200 with the agents guide to compare with the spec, got {}",
                ex.path(),
                seen(&ex)
            ),
            &[&ex],
        ),
        Some(ex) => {
            let text = ex
                .response
                .as_ref()
                .map(|r| r.body.clone())
                .unwrap_or_default();
            let mentions: Vec<(String, String)> = agents_endpoints(&text)
                .into_iter()
                .map(|(m, p)| {
                    let documented_as_is = model
                        .operations
                        .iter()
                        .any(|o| template_matches(&o.full_path, &p));
                    if documented_as_is || p.starts_with(&format!("{}/", model.base_path)) {
                        (m, p)
                    } else {
                        (m, format!("{}{p}", model.base_path))
                    }
                })
                .collect();
            for (m, p) in &mentions {
                let ok = model.operations.iter().any(|o| o.matches(m, p));
                f.check(
                    ok,
                    || format!("GET {}: the agents guide names {m} {p}, which the spec does not document", ex.path()),
                    &[&ex],
                );
            }
            for op in &model.operations {
                let named = mentions.iter().any(|(m, p)| {
                    m == &op.method
                        && (template_matches(&op.full_path, p) || same_template(&op.full_path, p))
                });
                f.check(
                    named,
                    || format!("GET {}: the spec documents {} {} ({}), which the agents guide does not mention", ex.path(), op.method, op.full_path, label(op)),
                    &[&ex],
                );
            }
        }
    }
    // Enum values: /enums against the spec's enum arrays, both ways.
    let ex = match openapi_doc::fetch_enums(ctx).await {
        Ok(ex) => ex,
        Err(o) if o.status == super::Status::Skipped => {
            f.note(o.reason.unwrap_or_default());
            return f.outcome("nothing to compare");
        }
        Err(o) => {
            let mut o = o;
            o.notes.extend(f.notes);
            return o;
        }
    };
    let (table, extra) = parse_enums(ex.json().unwrap_or(&Value::Null));
    for (resource, fields) in &table {
        for (field, values) in fields {
            let live = as_set(values);
            let declared = field_schema(model, resource, field)
                .and_then(|((file, s), _)| walk::enum_values(&model.doc, file, s))
                .map(|v| as_set(&v));
            f.check(
                declared.as_ref() == Some(&live),
                || match &declared {
                    None => format!("GET /enums lists {resource}.{field} {live:?}; the spec declares no enum for it"),
                    Some(d) => format!(
                        "{resource}.{field}: GET /enums lists {live:?}, the spec declares {d:?} (only in /enums: {:?}, only in the spec: {:?})",
                        live.difference(d).collect::<Vec<_>>(),
                        d.difference(&live).collect::<Vec<_>>()
                    ),
                },
                &[&ex],
            );
        }
    }
    // Spec enums of resource representations that /enums leaves out.
    let mut resources: BTreeSet<String> = BTreeSet::new();
    for op in model
        .operations
        .iter()
        .filter(|o| o.method == "GET" && !is_meta(model, o) && !o.public)
    {
        let Some(res) = rel_path(model, op)
            .trim_start_matches('/')
            .split('/')
            .next()
        else {
            continue;
        };
        let Some((file, s)) = walk::entry_schema(model, op) else {
            continue;
        };
        // Nested lists describe the child; key them by the child resource.
        let res = if op.path_params() > 0 && model.is_list_operation(op) {
            rel_path(model, op)
                .rsplit('/')
                .next()
                .unwrap_or(res)
                .to_string()
        } else {
            res.to_string()
        };
        if !resources.insert(format!("{res} {}", op.pointer)) {
            continue;
        }
        for (field, (pf, ps)) in walk::properties(&model.doc, file, s, false) {
            let Some(values) = walk::enum_values(&model.doc, pf, ps) else {
                continue;
            };
            if values.len() < 2 {
                continue; // a const discriminator, not a fixed list
            }
            let listed = table.get(&res).and_then(|m| m.get(&field));
            f.check(
                listed.is_some(),
                || {
                    format!(
                        "{} declares {res}.{field} as an enum {:?}, but GET /enums has no {res}.{field}",
                        label(op),
                        as_set(&values)
                    )
                },
                &[&ex],
            );
        }
    }
    // C50: scopes and error_codes, compared when the spec names them.
    for (key, values) in &extra {
        let names: &[&str] = if key == "scopes" {
            &["Scope", "Scopes"]
        } else {
            &["ErrorCode", "ErrorCodes"]
        };
        let schema = names.iter().find_map(|n| {
            model
                .root()
                .pointer(&format!("/components/schemas/{n}"))
                .map(|s| (model.doc.base.as_str(), s))
        });
        match schema.and_then(|(file, s)| walk::enum_values(&model.doc, file, s)) {
            Some(declared) => {
                let (d, l) = (as_set(&declared), as_set(values));
                f.check(
                    d == l,
                    || {
                        format!(
                            "GET /enums {key} {l:?} differs from the spec's {} {d:?}",
                            names[0]
                        )
                    },
                    &[&ex],
                );
            }
            None => f.note(format!(
                "C50: the spec has no {} schema to compare GET /enums {key} with",
                names[0]
            )),
        }
    }
    f.outcome("neither the agents guide nor /enums could be compared")
}

/// `/items/{id}` and `/items/{item_id}` are the same template.
fn same_template(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<String> {
        s.trim_end_matches('/')
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') || seg.starts_with(':') {
                    "{}".to_string()
                } else {
                    seg.to_string()
                }
            })
            .collect()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_mentions_are_extracted() {
        let text = "| `GET /api/v1/items/{id}` | getItem |\nCall POST /api/v1/items/search. Then `DELETE /api/v1/items/bulk`, GET /api/v1/items?page=2&per_page=25.";
        assert_eq!(
            agents_endpoints(text),
            vec![
                ("GET".to_string(), "/api/v1/items/{id}".to_string()),
                ("POST".to_string(), "/api/v1/items/search".to_string()),
                ("DELETE".to_string(), "/api/v1/items/bulk".to_string()),
                ("GET".to_string(), "/api/v1/items".to_string()),
            ]
        );
    }

    #[test]
    fn link_paths_drop_query_and_origin() {
        assert_eq!(link_path("/api/v1/items?page=2"), "/api/v1/items");
        assert_eq!(link_path("https://h:1/api/v1/x#y"), "/api/v1/x");
        assert!(same_template("/a/{id}/b", "/a/{x}/b"));
        assert!(media_covered("application/*", "application/json"));
        assert!(!media_covered("application/json", "text/plain"));
    }
}
