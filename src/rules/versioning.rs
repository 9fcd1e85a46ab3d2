//! Family `versioning`: one `/api/vN` prefix on every endpoint and every link the API hands
//! out, one version for the whole API, no breaking change without a major bump (against a
//! baseline document), and the previous major version still answering once it is deprecated.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::FutureExt;
use serde_json::{Value, json};

use super::openapi_doc::{is_health, is_meta, label, rel_path};
use super::openapi_endpoint::{exposed, link_path};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::run::{Ctx, fixtures};
use crate::spec::walk::{self, At};
use crate::spec::{ApiModel, Operation};

pub const RULES: &[Rule] = &[
    Rule::probe("versioning.version-prefix-on-all-endpoints", &[], |c| {
        prefix_everywhere(c).boxed()
    }),
    Rule::static_rule("versioning.single-version-for-whole-api", single_version),
    Rule::probe(
        "versioning.breaking-changes-need-major-bump",
        &["baseline-openapi"],
        |c| breaking(c).boxed(),
    ),
    Rule::probe(
        "versioning.previous-version-keeps-working",
        &["deprecated-version"],
        |c| previous_works(c).boxed(),
    ),
];

/// Compiled once: it is asked of every operation (thousands in a large document).
fn version_re() -> &'static regex::Regex {
    static RE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^/api/v(\d+)(/|$)").expect("static regex"));
    &RE
}

/// The `/api/vN` prefix of a path, if it has one.
pub(crate) fn version_of(path: &str) -> Option<String> {
    version_re()
        .captures(path)
        .map(|c| format!("/api/v{}", &c[1]))
}

async fn prefix_everywhere(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    // The document: every API path (health excepted) resolves under /api/vN/.
    let mut prefixes: BTreeSet<String> = BTreeSet::new();
    for op in model.operations.iter().filter(|o| !is_health(o)) {
        match version_of(&op.full_path) {
            Some(p) => {
                prefixes.insert(p);
                f.checked += 1;
            }
            None => f.fail(
                format!(
                    "{} resolves to {}, which does not start with /api/v<N>/ (servers: {})",
                    label(op),
                    op.full_path,
                    if model.base_path.is_empty() {
                        "none"
                    } else {
                        &model.base_path
                    }
                ),
                &[],
            ),
        }
    }
    let expected = version_of(&model.base_path)
        .or_else(|| prefixes.iter().next().cloned())
        .unwrap_or_else(|| "/api/v1".into());
    // The live API: links, Link targets and Location values (a fixture's Location included).
    if let Some(r) = fixtures::writable_resource(model) {
        if let Err(e) = fixtures::create(ctx, &r.name.clone(), json!({})).await {
            return Outcome::error(e);
        }
    }
    for op in model
        .list_operations()
        .filter(|o| o.path_params() == 0 && !o.public && !is_meta(model, o))
    {
        ctx.send(Req::get(format!("{}?per_page=2", op.full_path)).token("full"))
            .await;
    }
    let mut reported = BTreeSet::new();
    for ex in ctx.client().exchanges() {
        for (whereis, target) in exposed(&ex) {
            let path = link_path(&target);
            if path.starts_with("/health") {
                continue;
            }
            let ok = path.starts_with(&format!("{expected}/"));
            if ok {
                f.checked += 1;
            } else if reported.insert(target.clone()) {
                f.fail(
                    format!(
                        "{} {} → {}: {whereis} is '{target}'; expected a path under {expected}/",
                        ex.request.method,
                        ex.path(),
                        ex.status().unwrap_or(0)
                    ),
                    &[&ex],
                );
            }
        }
    }
    f.outcome("the document has no API operations and no links were seen")
}

fn single_version(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let mut by_prefix: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let versioned = regex::Regex::new(r"^application/vnd\.[^;]*(\.v\d+|version)|;\s*version=")
        .expect("static regex");
    for op in model.operations.iter().filter(|o| !is_health(o)) {
        if let Some(p) = version_of(&op.full_path) {
            by_prefix.entry(p).or_default().push(label(op));
        }
        // No per-operation versioning: version parameters or versioned media types.
        for p in &op.parameters {
            let n = p.name.to_ascii_lowercase();
            f.check(
                !matches!(
                    n.as_str(),
                    "version" | "api-version" | "api_version" | "x-api-version" | "accept-version" | "v"
                ),
                || {
                    format!(
                        "{} (#{}): parameter '{}' versions a single operation; the version belongs to the whole API (/api/vN)",
                        label(op),
                        p.pointer,
                        p.name
                    )
                },
                &[],
            );
        }
        let media: Vec<&String> = op
            .responses
            .values()
            .flat_map(|r| r.content.keys())
            .chain(op.request_body.iter().flat_map(|b| b.keys()))
            .collect();
        for m in media {
            f.check(
                !versioned.is_match(m),
                || {
                    format!(
                        "{}: media type '{m}' versions a single operation (vendor media type)",
                        label(op)
                    )
                },
                &[],
            );
        }
    }
    f.check(
        by_prefix.len() <= 1,
        || {
            format!(
                "the API's paths use {} version prefixes: {}",
                by_prefix.len(),
                by_prefix
                    .iter()
                    .map(|(p, ops)| format!("{p} ({} operations, e.g. {})", ops.len(), ops[0]))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        &[],
    );
    f.outcome("the document has no API operations")
}

// ---------------------------------------------------------------------------------------------
// Breaking changes against a baseline document.

/// `/items/{id}` and `/items/{item_id}` are the same endpoint.
fn norm_template(p: &str) -> String {
    p.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn non_null(t: BTreeSet<String>) -> BTreeSet<String> {
    t.into_iter().filter(|x| x != "null").collect()
}

const MAX_DIFF_DEPTH: usize = 6;

/// Schema pairs one diff compares at most (wide recursive schemas would otherwise explode).
const DIFF_BUDGET: usize = 20_000;

/// Compares the property trees of two schemas; `request` flips which changes break.
fn diff_schema(
    old: (&ApiModel, At<'_>),
    new: (&ApiModel, At<'_>),
    at: &str,
    request: bool,
    depth: usize,
    budget: &mut usize,
    out: &mut Vec<String>,
) {
    if depth > MAX_DIFF_DEPTH || *budget == 0 {
        return;
    }
    *budget -= 1;
    let (om, (of, os)) = old;
    let (nm, (nf, ns)) = new;
    let (Some((of, os)), Some((nf, ns))) = (om.doc.resolve(of, os), nm.doc.resolve(nf, ns)) else {
        return;
    };
    let ot = non_null(walk::types(&om.doc, of, os));
    let nt = non_null(walk::types(&nm.doc, nf, ns));
    if !ot.is_empty() && !nt.is_empty() && !ot.is_subset(&nt) && !nt.is_subset(&ot) {
        out.push(format!("{at}: type changed from {ot:?} to {nt:?}"));
        return;
    }
    if request {
        let oreq = walk::required(&om.doc, of, os);
        let nreq = walk::required(&nm.doc, nf, ns);
        for r in nreq.difference(&oreq) {
            out.push(format!("{at}.{r}: became required"));
        }
    }
    let oprops = walk::properties(&om.doc, of, os, true);
    let nprops = walk::properties(&nm.doc, nf, ns, true);
    for (name, o) in &oprops {
        match nprops.get(name) {
            None => out.push(format!(
                "{at}.{name}: {} field removed",
                if request { "request" } else { "response" }
            )),
            Some(n) => diff_schema(
                (om, *o),
                (nm, *n),
                &format!("{at}.{name}"),
                request,
                depth + 1,
                budget,
                out,
            ),
        }
    }
    if let (Some(oi), Some(ni)) = (os.get("items"), ns.get("items")) {
        diff_schema(
            (om, (of, oi)),
            (nm, (nf, ni)),
            &format!("{at}[]"),
            request,
            depth + 1,
            budget,
            out,
        );
    }
}

/// Breaking changes from `old` to `new`: removed/renamed endpoints, removed response fields,
/// changed field types, removed request fields and newly required request fields.
pub fn breaking_changes(old: &ApiModel, new: &ApiModel) -> Vec<String> {
    let mut out = Vec::new();
    let mut budget = DIFF_BUDGET;
    let find = |op: &Operation| {
        new.operations.iter().find(|n| {
            n.method == op.method && norm_template(&n.full_path) == norm_template(&op.full_path)
        })
    };
    for op in &old.operations {
        let Some(n) = find(op) else {
            out.push(format!(
                "{} {} ({}) was removed or renamed",
                op.method,
                op.full_path,
                op.operation_id.as_deref().unwrap_or("no operationId")
            ));
            continue;
        };
        for status in op.responses.keys().filter(|s| s.starts_with('2')) {
            let (Some(o), Some(ns)) = (
                walk::response_schema(old, op, status, None),
                walk::response_schema(new, n, status, None),
            ) else {
                continue;
            };
            diff_schema(
                (old, o),
                (new, ns),
                &format!("{} {} → {status}", op.method, op.full_path),
                false,
                0,
                &mut budget,
                &mut out,
            );
        }
        if let (Some(o), Some(ns)) = (walk::request_schema(old, op), walk::request_schema(new, n)) {
            diff_schema(
                (old, o),
                (new, ns),
                &format!("{} {} request body", op.method, op.full_path),
                true,
                0,
                &mut budget,
                &mut out,
            );
        }
    }
    out
}

async fn breaking(ctx: &Ctx) -> Outcome {
    let Some(location) = ctx.shared.config.baseline_spec.clone() else {
        return Outcome::skipped(
            "needs a baseline document: set baseline_spec = \"<path or URL of the last release's OpenAPI document>\" in specgate.toml",
        );
    };
    let baseline = match crate::spec::load(&location, None).await {
        Ok(d) => crate::spec::build(d),
        Err(e) => return Outcome::error(format!("the baseline document could not be loaded: {e}")),
    };
    let model = ctx.model();
    let (old_v, new_v) = (
        version_of(&baseline.base_path),
        version_of(&model.base_path),
    );
    if old_v != new_v {
        return Outcome::passed(1).note(format!(
            "the baseline {location} is {} and the target {}: a new major version may break",
            old_v.unwrap_or_else(|| "unversioned".into()),
            new_v.unwrap_or_else(|| "unversioned".into())
        ));
    }
    let changes = breaking_changes(&baseline, model);
    let mut f = Findings {
        checked: baseline.operations.len(),
        ..Findings::default()
    };
    for c in changes.iter().take(20) {
        f.fail(
            format!(
                "{c} since the baseline {location}, within the same major version {}",
                model.base_path
            ),
            &[],
        );
    }
    f.outcome("the baseline has no operations")
}

async fn previous_works(ctx: &Ctx) -> Outcome {
    let Some(prev) = ctx.shared.config.deprecated_base_path.clone() else {
        return Outcome::skipped(
            "needs the base path of the deprecated version: set deprecated_base_path = \"/api/v1\" (for example) in specgate.toml",
        );
    };
    let prev = prev.trim_end_matches('/').to_string();
    let model = ctx.model();
    let mut f = Findings::default();
    for op in model
        .list_operations()
        .filter(|o| o.path_params() == 0 && !o.public && !is_meta(model, o))
    {
        let path = format!("{prev}{}", rel_path(model, op));
        let ex = ctx
            .send(
                Req::get(format!("{path}?per_page=1"))
                    .token("full")
                    .no_retry(),
            )
            .await;
        let ok = ex.status().is_some_and(|s| (200..300).contains(&s));
        f.check(
            ok,
            || {
                format!(
                    "GET {path} (the deprecated version of {}): expected 2xx, got {}",
                    label(op),
                    ex.status()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| ex.error.clone().unwrap_or_default())
                )
            },
            &[&ex],
        );
        // One record through the old prefix too.
        let first = ex
            .json()
            .and_then(|j| j.pointer("/data/0/id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(id) = first {
            let item = format!("{path}/{id}");
            let ex = ctx
                .send(Req::get(item.clone()).token("full").no_retry())
                .await;
            f.check(
                ex.status() == Some(200),
                || {
                    format!(
                        "GET {item} (deprecated version): expected 200, got {}",
                        ex.status().unwrap_or(0)
                    )
                },
                &[&ex],
            );
        }
    }
    f.outcome("the document has no collection to read through the deprecated prefix")
}
