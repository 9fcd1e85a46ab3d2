//! Family `links`: HATEOAS. Every resource carries `links.self` that leads back to it; links
//! are relative paths; collections carry first/prev/next/last that agree with the page math
//! (checked by walking three fixtures one per page) and an RFC 8288 `Link` header that agrees
//! with the body; the document declares each resource's links.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::openapi_doc::{is_meta, label};
use super::openapi_endpoint::body_links;
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::parse::link_header;
use crate::run::{Ctx, fixtures};
use crate::spec::{ApiModel, walk};

pub const RULES: &[Rule] = &[
    Rule::probe("links.self-on-every-resource", &[], |c| {
        self_links(c).boxed()
    }),
    Rule::observer("links.relative-paths", relative),
    Rule::probe("links.collection-first-prev-next-last", &[], |c| {
        page_links(c).boxed()
    }),
    Rule::probe("links.link-header-on-collections", &[], |c| {
        link_header_rule(c).boxed()
    }),
    Rule::static_rule("links.available-links-documented", documented),
];

/// `https://h/a?b` → `/a?b`; relative links are returned as they are.
pub(crate) fn path_and_query(link: &str) -> String {
    let no_frag = link.split('#').next().unwrap_or(link);
    match no_frag.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map(|i| rest[i..].to_string())
            .unwrap_or_else(|| "/".into()),
        None => no_frag.to_string(),
    }
}

/// A link reduced to path + sorted, decoded query pairs, for comparing two spellings.
fn canonical_link(link: &str) -> (String, Vec<(String, String)>) {
    let pq = path_and_query(link);
    let (path, query) = pq.split_once('?').unwrap_or((&pq, ""));
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    pairs.sort();
    (path.to_string(), pairs)
}

fn query_param(link: &str, name: &str) -> Option<String> {
    canonical_link(link)
        .1
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The page a link points at (no `page` parameter = page 1).
fn page_of(link: &str) -> Option<u64> {
    match query_param(link, "page") {
        None => Some(1),
        Some(p) => p.parse().ok(),
    }
}

fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => r.status.to_string(),
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

// ---------------------------------------------------------------------------------------------

/// Resource objects of a body: `data` (object or array entries), `included` entries; an object
/// counts when it has an `id` (or a job's `job_id`, C16).
fn resources_in(body: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    let is_resource =
        |v: &Value| v.get("id").is_some_and(Value::is_string) || v.get("job_id").is_some();
    match body.get("data") {
        Some(Value::Array(a)) => {
            for (i, e) in a.iter().enumerate() {
                if is_resource(e) {
                    out.push((format!("data[{i}]"), e));
                }
            }
        }
        Some(d @ Value::Object(_)) if is_resource(d) => out.push(("data".into(), d)),
        _ => {}
    }
    for (i, e) in body
        .get("included")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if is_resource(e) {
            out.push((format!("included[{i}]"), e));
        }
    }
    out
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id")
        .and_then(Value::as_str)
        .or_else(|| v.get("job_id").and_then(Value::as_str))
}

/// Is this exchange a bulk call (per-item data has no links, C17)?
fn is_bulk(ex: &Exchange) -> bool {
    ex.path().trim_end_matches('/').ends_with("/bulk")
}

async fn self_links(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    // Material: a record of the writable resource, children that reference a parent (so
    // includes and nested lists have content), every top-level list, and one async job.
    let Some(w) = fixtures::writable_resource(model) else {
        return Outcome::skipped(
            "no resource has full CRUD, so no fixture can be created to look at",
        );
    };
    if let Err(e) = fixtures::create(ctx, &w.name.clone(), json!({})).await {
        return Outcome::error(e);
    }
    let mut parents: Vec<(String, String)> = Vec::new();
    for r in &model.resources {
        let Some(op) = fixtures::create_op(model, r) else {
            continue;
        };
        let Some((file, s)) = walk::request_schema(model, op) else {
            continue;
        };
        let fks: Vec<String> = walk::required(&model.doc, file, s)
            .into_iter()
            .filter(|n| n.ends_with("_id"))
            .collect();
        if fks.is_empty() || parents.len() >= 2 {
            continue;
        }
        match fixtures::create(ctx, &r.name.clone(), json!({})).await {
            Ok(c) => {
                for fk in fks {
                    if let (Some(p), Some(id)) = (
                        fixtures::referenced_resource(model, &fk),
                        c.data.get(&fk).and_then(Value::as_str),
                    ) {
                        parents.push((p.name.clone(), id.to_string()));
                    }
                }
            }
            Err(e) => return Outcome::error(e),
        }
    }
    for op in model
        .list_operations()
        .filter(|o| o.path_params() == 0 && !o.public && !is_meta(model, o))
    {
        ctx.send(Req::get(format!("{}?per_page=5", op.full_path)).token("full"))
            .await;
    }
    let param = regex::Regex::new(r"\{[^}]+\}").expect("static regex");
    for (res, id) in &parents {
        let Some(r) = model.resource(res) else {
            continue;
        };
        let Some(coll) = &r.collection_path else {
            continue;
        };
        let item = format!("{coll}/{id}");
        let includes: Vec<&String> = r.includes.iter().filter(|i| !i.contains('.')).collect();
        if includes.is_empty() {
            ctx.send(Req::get(item.clone()).token("full")).await;
        } else {
            let inc = includes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",");
            ctx.send(Req::get(format!("{item}?include={inc}")).token("full"))
                .await;
            ctx.send(Req::get(format!("{coll}?per_page=5&include={inc}")).token("full"))
                .await;
        }
        for (_, nested) in &r.nested {
            let path = param.replace(nested, id.as_str()).to_string();
            ctx.send(Req::get(format!("{path}?per_page=5")).token("full"))
                .await;
        }
    }
    // An async job: a POST whose documented 202 carries a Location.
    if let Some(op) = model
        .operations
        .iter()
        .find(|o| o.method == "POST" && o.responses.contains_key("202") && o.request_body.is_some())
    {
        if let Some(schema) = op
            .request_body
            .as_ref()
            .and_then(|b| b.iter().find(|(m, _)| walk::is_json(m)))
            .and_then(|(_, s)| s.clone())
        {
            let unique = |h: &str| ctx.unique_name(h);
            let body = crate::generate::payload::for_body(model, &schema, &unique);
            let ex = ctx
                .send(
                    Req::new(Method::POST, op.full_path.clone())
                        .token("full")
                        .json(body),
                )
                .await;
            if let Some(loc) = ex.header("location").map(path_and_query) {
                ctx.send(Req::get(loc).token("full")).await;
            }
        }
    }
    // Judge every resource object the run has seen so far.
    let mut f = Findings::default();
    let mut followed: BTreeMap<(String, String), Arc<Exchange>> = BTreeMap::new();
    let mut reported = BTreeSet::new();
    let exchanges = ctx.client().exchanges();
    // Records other rules deleted since they were seen: their self link rightly answers 404.
    let deleted: BTreeSet<String> = exchanges
        .iter()
        .filter(|e| {
            e.request.method == "DELETE" && e.status().is_some_and(|s| (200..300).contains(&s))
        })
        .flat_map(|e| {
            let mut ids: Vec<String> = e
                .path()
                .rsplit('/')
                .next()
                .map(str::to_string)
                .into_iter()
                .collect();
            if let Some(body) = e
                .request
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
            {
                ids.extend(
                    body.get("ids")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string)),
                );
            }
            ids
        })
        .collect();
    for ex in exchanges.iter().cloned() {
        if is_bulk(&ex) || !ex.status().is_some_and(|s| (200..300).contains(&s)) {
            continue;
        }
        // Follow links as the identity that saw the resource (another workspace's record is a
        // 404 for everyone else, by design).
        let role = match role_of(&ex) {
            Some(r) => r,
            None if !ex.request.headers.iter().any(|(k, _)| k == "authorization") => {
                "full".to_string()
            }
            None => continue,
        };
        if !ctx.client().has_token(&role) {
            continue;
        }
        let Some(body) = ex.json() else { continue };
        for (at, obj) in resources_in(body) {
            let id = id_of(obj).unwrap_or("").to_string();
            let self_link = obj.pointer("/links/self").and_then(Value::as_str);
            let Some(link) = self_link else {
                let key = format!("{} {at}", ex.path());
                if reported.insert(key) {
                    f.fail(
                        format!(
                            "{} {} → {}: {at} (id {id}) has no links.self (links: {})",
                            ex.request.method,
                            ex.path(),
                            ex.status().unwrap_or(0),
                            obj.get("links")
                                .map(Value::to_string)
                                .unwrap_or_else(|| "absent".into())
                        ),
                        &[&ex],
                    );
                }
                continue;
            };
            f.check(
                !link.contains('?'),
                || {
                    format!(
                        "{} {}: {at} links.self '{link}' needs a query parameter",
                        ex.request.method,
                        ex.path()
                    )
                },
                &[&ex],
            );
            let target = path_and_query(link);
            if deleted.contains(&id) {
                continue;
            }
            let key = (target.clone(), role.clone());
            if !followed.contains_key(&key) && followed.len() >= 30 {
                continue;
            }
            let got = match followed.get(&key) {
                Some(g) => g.clone(),
                None => {
                    let g = ctx.send(Req::get(target.clone()).token(&role)).await;
                    followed.insert(key, g.clone());
                    g
                }
            };
            let got_id = got.json().and_then(|j| j.get("data")).and_then(id_of);
            f.check(
                got.status() == Some(200) && got_id == Some(id.as_str()),
                || {
                    format!(
                        "{} {} → {at} links.self {link}: expected GET to return 200 with id {id}, got {} with id {got_id:?}",
                        ex.request.method,
                        ex.path(),
                        seen(&got)
                    )
                },
                &[&ex, &got],
            );
        }
    }
    f.outcome("no resource objects were seen")
}

/// The token role an exchange was sent with (`Bearer $SPECGATE_TOKEN_<ROLE>` after redaction).
fn role_of(ex: &Exchange) -> Option<String> {
    ex.request
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .and_then(|(_, v)| v.strip_prefix("Bearer $SPECGATE_TOKEN_"))
        .filter(|r| {
            r.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_ascii_lowercase)
}

fn relative(_: &ApiModel, ex: &Exchange) -> Verdict {
    let body = ex.json()?;
    let links = body_links(body);
    if links.is_empty() {
        return None;
    }
    let bad: Vec<String> = links
        .iter()
        .filter(|(_, l)| !l.starts_with('/') || l.contains("://") || l.starts_with("//"))
        .map(|(p, l)| format!("{p} = '{l}'"))
        .collect();
    if bad.is_empty() {
        Some(Ok(()))
    } else {
        Some(Err(format!(
            "{} {} → {}: expected relative paths (starting with /, no scheme or host), got {}{}",
            ex.request.method,
            ex.path(),
            ex.status().unwrap_or(0),
            bad.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if bad.len() > 3 {
                format!(" and {} more", bad.len() - 3)
            } else {
                String::new()
            }
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// A three-page walk over fixtures.

struct Walk {
    /// The list request of page 1 (path and query).
    first: String,
    /// Page number → the exchange that showed it.
    pages: Vec<(u64, Arc<Exchange>)>,
    /// Whether the collection is in cursor mode (C21).
    cursor: bool,
    /// Pages the collection reports (offset mode).
    total_pages: Option<u64>,
    notes: Vec<String>,
}

fn links_of(ex: &Exchange) -> Option<&serde_json::Map<String, Value>> {
    ex.json()
        .and_then(|j| j.get("links"))
        .and_then(Value::as_object)
}

fn link(ex: &Exchange, rel: &str) -> Option<String> {
    links_of(ex)
        .and_then(|l| l.get(rel))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Creates three records of the writable resource whose names share a token, and walks the
/// list filtered to them with `per_page=1`: page 1, `next` from it, and `last`.
async fn walk_three(ctx: &Ctx) -> Result<Walk, Outcome> {
    let model = ctx.model();
    let Some(r) = fixtures::writable_resource(model) else {
        return Err(Outcome::skipped(
            "no resource has full CRUD, so no fixtures can be created to walk a collection",
        ));
    };
    let Some(coll) = r.collection_path.clone() else {
        return Err(Outcome::skipped(
            "the writable resource has no collection path",
        ));
    };
    let token = format!("lk{}", &ctx.client().uuid()[..10]);
    let create_schema_has_name = fixtures::create_op(model, r)
        .and_then(|op| walk::request_schema(model, op))
        .is_some_and(|(f, s)| walk::properties(&model.doc, f, s, true).contains_key("name"));
    let mut notes = Vec::new();
    let filter = if create_schema_has_name
        && r.filterable
            .get("name")
            .is_some_and(|ops| ops.iter().any(|o| o == "like"))
    {
        Some(format!("filter[name][like]={token}"))
    } else if create_schema_has_name && r.searchable.iter().any(|s| s == "name") {
        Some(format!("q={token}"))
    } else {
        notes.push(format!(
            "{coll} cannot be narrowed to the fixtures (no name filter or search); walked the whole collection"
        ));
        None
    };
    for i in 0..3 {
        let overrides = if create_schema_has_name {
            json!({"name": ctx.unique_name(&format!("{token} {i}"))})
        } else {
            json!({})
        };
        fixtures::create(ctx, &r.name.clone(), overrides)
            .await
            .map_err(Outcome::error)?;
    }
    let first = match &filter {
        Some(q) => format!("{coll}?per_page=1&{q}"),
        None => format!("{coll}?per_page=1"),
    };
    let p1 = ctx.send(Req::get(first.clone()).token("full")).await;
    if p1.status() != Some(200) {
        return Err(Outcome::failed(
            format!(
                "GET {first}: expected 200 with the first page, got {}",
                seen(&p1)
            ),
            vec![p1.seq],
        ));
    }
    let pagination = p1.json().and_then(|j| j.get("pagination"));
    let cursor =
        pagination.is_some_and(|p| p.get("page").is_none() && p.get("next_cursor").is_some());
    let total_pages = pagination
        .and_then(|p| p.get("total_pages"))
        .and_then(Value::as_u64);
    let mut pages = vec![(1, p1.clone())];
    if let Some(next) = link(&p1, "next") {
        let p2 = ctx
            .send(Req::get(path_and_query(&next)).token("full"))
            .await;
        pages.push((2, p2.clone()));
        if let Some(next) = link(&p2, "next").filter(|_| cursor) {
            let p3 = ctx
                .send(Req::get(path_and_query(&next)).token("full"))
                .await;
            pages.push((3, p3));
        }
    }
    if let (Some(last), Some(n)) = (link(&p1, "last"), total_pages.filter(|n| *n > 2)) {
        let pl = ctx
            .send(Req::get(path_and_query(&last)).token("full"))
            .await;
        pages.push((n, pl));
    }
    Ok(Walk {
        first,
        pages,
        cursor,
        total_pages,
        notes,
    })
}

async fn page_links(ctx: &Ctx) -> Outcome {
    let w = match walk_three(ctx).await {
        Ok(w) => w,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    for n in &w.notes {
        f.note(n.clone());
    }
    let per_page_kept = |l: &str| query_param(l, "per_page").as_deref() == Some("1");
    let filter_of = |l: &str| -> Vec<(String, String)> {
        canonical_link(l)
            .1
            .into_iter()
            .filter(|(k, _)| k.starts_with("filter[") || k == "q")
            .collect()
    };
    let wanted_filter = filter_of(&w.first);
    if w.cursor {
        f.note("C21: cursor mode; first/last may be absent, prev/next judged by following them");
        let (_, p1) = &w.pages[0];
        f.check(
            link(p1, "prev").is_none(),
            || {
                format!(
                    "GET {}: the first cursor page should have links.prev null, got {:?}",
                    w.first,
                    link(p1, "prev")
                )
            },
            &[p1],
        );
        if let Some((_, last)) = w.pages.last().filter(|(n, _)| *n == 3) {
            f.check(
                link(last, "next").is_none(),
                || format!("GET {}: the third of three records should be the last cursor page (links.next null), got {:?}", last.path(), link(last, "next")),
                &[last],
            );
        }
        return f.outcome("");
    }
    let total = w.total_pages.unwrap_or(0);
    if w.notes.is_empty() {
        f.check(
            total == 3,
            || {
                format!(
                    "GET {}: three records one per page should give total_pages 3, got {:?}",
                    w.first, w.total_pages
                )
            },
            &[&w.pages[0].1],
        );
    }
    for (page, ex) in &w.pages {
        let Some(links) = links_of(ex) else {
            f.fail(
                format!(
                    "GET {} (page {page}): expected a links object, found none",
                    ex.path()
                ),
                &[ex],
            );
            continue;
        };
        let missing: Vec<&str> = ["first", "prev", "next", "last"]
            .into_iter()
            .filter(|k| !links.contains_key(*k))
            .collect();
        f.check(
            missing.is_empty(),
            || format!("GET {} (page {page}): links must carry first, prev, next and last (null when not applicable); missing {missing:?}", ex.path()),
            &[ex],
        );
        let shown = ex
            .json()
            .and_then(|j| j.pointer("/pagination/page"))
            .and_then(Value::as_u64);
        f.check(
            shown == Some(*page),
            || {
                format!(
                    "GET {}: expected pagination.page {page}, got {shown:?}",
                    ex.request.url
                )
            },
            &[ex],
        );
        let expect = |rel: &str, want: Option<u64>| (rel.to_string(), want);
        let wants = [
            expect("first", Some(1)),
            expect("prev", (*page > 1).then(|| page - 1)),
            expect("next", (*page < total).then(|| page + 1)),
            expect("last", Some(total.max(1))),
        ];
        for (rel, want) in wants {
            let got = link(ex, &rel);
            let got_page = got.as_deref().and_then(page_of);
            f.check(
                got_page == want,
                || {
                    format!(
                        "GET {} (page {page} of {total}): expected links.{rel} {}, got {}",
                        path_and_query(&ex.request.url),
                        want.map(|p| format!("→ page {p}"))
                            .unwrap_or_else(|| "null".into()),
                        got.clone()
                            .map(|g| format!("'{g}'"))
                            .unwrap_or_else(|| "null".into())
                    )
                },
                &[ex],
            );
            if let Some(g) = &got {
                f.check(
                    per_page_kept(g) && filter_of(g) == wanted_filter,
                    || format!("GET {} (page {page}): links.{rel} '{g}' should keep per_page=1 and the filter {wanted_filter:?}", path_and_query(&ex.request.url)),
                    &[ex],
                );
            }
        }
    }
    f.outcome("")
}

/// Judges one collection response's `Link` header against its body links (C48).
fn judge_link_header(f: &mut Findings, ex: &Exchange) {
    let Some(body_links) = links_of(ex) else {
        return;
    };
    let fields: Vec<&str> = ex
        .response
        .as_ref()
        .map(|r| r.headers_named("link").collect())
        .unwrap_or_default();
    let head = format!(
        "{} {} → {}",
        ex.request.method,
        path_and_query(&ex.request.url),
        ex.status().unwrap_or(0)
    );
    let parsed = match link_header::parse_fields(fields.iter().copied()) {
        Ok(p) => p,
        Err(e) => {
            f.fail(
                format!(
                    "{head}: the Link header '{}' does not parse (RFC 8288): {e}",
                    fields.join(", ")
                ),
                &[ex],
            );
            return;
        }
    };
    let by_rel = |rel: &str| -> Vec<&str> {
        parsed
            .iter()
            .filter(|l| l.has_rel(rel))
            .map(|l| l.target.as_str())
            .collect()
    };
    for rel in ["next", "last", "first", "prev"] {
        let body = body_links.get(rel).and_then(Value::as_str);
        let header = by_rel(rel);
        let required = matches!(rel, "next" | "last");
        match (body, header.first()) {
            (Some(b), Some(h)) => f.check(
                canonical_link(b) == canonical_link(h),
                || format!("{head}: Link rel=\"{rel}\" is <{h}> but links.{rel} is '{b}'"),
                &[ex],
            ),
            (Some(b), None) if required => f.fail(
                format!(
                    "{head}: links.{rel} is '{b}', so the Link header must carry rel=\"{rel}\"; the header is {}",
                    if fields.is_empty() { "absent".to_string() } else { format!("'{}'", fields.join(", ")) }
                ),
                &[ex],
            ),
            (None, Some(h)) => f.fail(
                format!("{head}: Link rel=\"{rel}\" is <{h}> but links.{rel} is null"),
                &[ex],
            ),
            _ => {}
        }
    }
}

async fn link_header_rule(ctx: &Ctx) -> Outcome {
    let w = match walk_three(ctx).await {
        Ok(w) => w,
        Err(o) => return o,
    };
    let model = ctx.model();
    let mut f = Findings::default();
    f.note("C48: parsed per RFC 8288; rel=next and rel=last required when the body has them, first/prev optional but must agree");
    let walked: BTreeSet<u64> = w.pages.iter().map(|(_, e)| e.seq).collect();
    for (_, ex) in &w.pages {
        judge_link_header(&mut f, ex);
    }
    // Every other collection response the run has seen.
    for ex in ctx.client().exchanges() {
        if walked.contains(&ex.seq) || ex.status() != Some(200) || ex.request.method != "GET" {
            continue;
        }
        let Some(op) = model.find_operation("GET", &ex.path()) else {
            continue;
        };
        if model.is_list_operation(op) {
            judge_link_header(&mut f, &ex);
        }
    }
    f.outcome("no collection responses were seen")
}

// ---------------------------------------------------------------------------------------------

fn documented(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut seen = BTreeSet::new();
    for op in model
        .operations
        .iter()
        .filter(|o| o.method == "GET" && !is_meta(model, o) && !o.public)
    {
        let Some((file, s)) = walk::entry_schema(model, op) else {
            continue;
        };
        let props = walk::properties(&model.doc, file, s, true);
        if !(props.contains_key("id") || props.contains_key("job_id")) {
            continue; // not a resource representation (downloads, token info)
        }
        let links = props.get("links");
        let link_props: Vec<String> = links
            .map(|(lf, l)| {
                walk::properties(&model.doc, lf, l, true)
                    .into_keys()
                    .collect()
            })
            .unwrap_or_default();
        if !seen.insert((op.full_path.clone(), link_props.clone())) {
            continue;
        }
        f.check(
            link_props.iter().any(|p| p == "self"),
            || {
                format!(
                    "{} (#{}): the resource schema should define links as an object with its properties (self at least), got {}",
                    label(op),
                    op.pointer,
                    if links.is_none() { "no links property".to_string() } else { format!("properties {link_props:?}") }
                )
            },
            &[],
        );
    }
    f.outcome("the document has no resource representations")
}
