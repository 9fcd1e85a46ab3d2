//! Family `agents`: `GET /api/v1/agents` is public (C49: always called without a token),
//! served as text/markdown (text/plain passes with a warning), limited to 60 requests a minute
//! per client IP (probed once, at the very end of the run, so the exhausted IP budget disturbs
//! nothing), under 50 KB, and complete: every documented method and path, how to authenticate,
//! and JSON examples.

use std::sync::Arc;

use futures_util::FutureExt;

use super::observe::{line, request_line, seen};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("agents.public-no-auth", &[], |c| public(c).boxed()),
    Rule::probe("agents.content-type-markdown", &[], |c| markdown(c).boxed()),
    Rule::probe("agents.under-50kb", &[], |c| size(c).boxed()),
    Rule::probe("agents.complete-auth-endpoints-fields-examples", &[], |c| {
        complete(c).boxed()
    }),
    Rule {
        last: true,
        ..Rule::probe("agents.rate-limited-by-ip-60-per-minute", &[], |c| {
            ip_limit(c).boxed()
        })
    },
];

/// The per-IP budget the guide sets.
const PER_MINUTE: usize = 60;
/// The guide's size ceiling.
const MAX_BYTES: usize = 50 * 1024;

fn agents_path(model: &ApiModel) -> Option<String> {
    model
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.full_path.ends_with("/agents"))
        .map(|o| o.full_path.clone())
}

/// Fetches the document without a token; Err = skip or failure already decided.
async fn fetch(ctx: &Ctx) -> Result<Arc<Exchange>, Outcome> {
    let path = agents_path(ctx.model())
        .ok_or_else(|| Outcome::skipped("the document has no GET …/agents endpoint"))?;
    let ex = ctx.send(Req::get(path).no_retry()).await;
    match ex.status() {
        Some(200) => Ok(ex),
        _ => Err(Outcome::skipped(format!(
            "the agents document could not be read without a token ({} → {}); see agents.public-no-auth",
            request_line(&ex),
            seen(&ex)
        ))),
    }
}

async fn public(ctx: &Ctx) -> Outcome {
    let Some(path) = agents_path(ctx.model()) else {
        return Outcome::skipped("the document has no GET …/agents endpoint");
    };
    let ex = ctx.send(Req::get(path).no_retry()).await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200)
            && ex
                .response
                .as_ref()
                .is_some_and(|r| !r.body.trim().is_empty()),
        || {
            format!(
                "{} without Authorization: expected 200 with a non-empty body, got {}",
                request_line(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn markdown(ctx: &Ctx) -> Outcome {
    let ex = match fetch(ctx).await {
        Ok(e) => e,
        Err(o) => return o,
    };
    let media = ex.response.as_ref().and_then(|r| r.media_type());
    let mut f = Findings::default();
    match media.as_deref() {
        Some("text/markdown") => f.checked += 1,
        Some("text/plain") => {
            f.checked += 1;
            f.note(format!(
                "C49: {} is served as text/plain (warning; the guide says text/markdown)",
                request_line(&ex)
            ));
        }
        other => f.fail(
            format!(
                "{}: expected Content-Type text/markdown, got {}",
                line(&ex),
                other.unwrap_or("no Content-Type")
            ),
            &[&ex],
        ),
    }
    f.outcome("")
}

async fn size(ctx: &Ctx) -> Outcome {
    let ex = match fetch(ctx).await {
        Ok(e) => e,
        Err(o) => return o,
    };
    let r = ex.response.as_ref().expect("fetched");
    let len = r.body.len();
    let mut f = Findings::default();
    f.check(
        len < MAX_BYTES && !r.truncated,
        || {
            // A body over the client's cap is kept only in part: say so rather than its length.
            let got = match (&r.body_problem, r.truncated) {
                (Some(p), true) => p.clone(),
                _ => format!("got {len} bytes"),
            };
            format!(
                "{}: expected a body under {MAX_BYTES} bytes (50 KB), {got}",
                line(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

/// A regex matching `METHOD path` in prose, tables or code: any parameter name in braces (or
/// `:name`), the base path optional.
fn endpoint_pattern(base: &str, method: &str, path: &str) -> Option<regex::Regex> {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let mut p = String::new();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        p.push('/');
        if seg.starts_with('{') && seg.ends_with('}') {
            p.push_str(r"(?:\{[^}/\s]+\}|:[A-Za-z_]\w*|<[^>/\s]+>)");
        } else {
            p.push_str(&regex::escape(seg));
        }
    }
    if p.is_empty() {
        p.push('/');
    }
    let base = regex::escape(base);
    regex::Regex::new(&format!(
        r"\b{method}\b[\s`|*:]{{1,8}}(?:{base})?{p}(?:[^A-Za-z0-9_/{{}}.-]|\.(?:[^A-Za-z0-9]|$)|$)"
    ))
    .ok()
}

async fn complete(ctx: &Ctx) -> Outcome {
    let ex = match fetch(ctx).await {
        Ok(e) => e,
        Err(o) => return o,
    };
    let text = ex.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
    let model = ctx.model();
    let mut f = Findings::default();
    let mut missing = Vec::new();
    for op in &model.operations {
        if op.method == "HEAD" || op.method == "OPTIONS" {
            continue;
        }
        let found = endpoint_pattern(&model.base_path, &op.method, &op.full_path)
            .is_some_and(|re| re.is_match(text));
        f.checked += 1;
        if !found {
            missing.push(format!("{} {}", op.method, op.full_path));
        }
    }
    if !missing.is_empty() {
        let n = missing.len();
        f.fail(
            format!(
                "{}: {n} documented endpoint(s) are not described: {}{}",
                line(&ex),
                missing
                    .iter()
                    .take(8)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if n > 8 { ", …" } else { "" }
            ),
            &[&ex],
        );
    }
    f.check(
        text.to_ascii_lowercase().contains("authorization: bearer"),
        || {
            format!(
                "{}: expected authentication instructions mentioning `Authorization: Bearer`",
                line(&ex)
            )
        },
        &[&ex],
    );
    let json_example = text.contains("```json")
        || regex::Regex::new(r#"\{\s*"[A-Za-z_][\w-]*"\s*:"#).is_ok_and(|re| re.is_match(text));
    f.check(
        json_example,
        || {
            format!(
                "{}: expected JSON example payloads (```json blocks or inline {{\"key\": …}})",
                line(&ex)
            )
        },
        &[&ex],
    );
    f.note("C52: parity is judged at the endpoint level (method + path), not field by field");
    f.outcome("")
}

async fn ip_limit(ctx: &Ctx) -> Outcome {
    let Some(path) = agents_path(ctx.model()) else {
        return Outcome::skipped("the document has no GET …/agents endpoint");
    };
    // Requests this run already spent on the endpoint (they count against the same budget).
    let earlier = ctx
        .client()
        .exchanges()
        .iter()
        .filter(|e| e.path() == path && e.response.is_some())
        .count();
    let first = ctx.send(Req::get(path.clone()).no_retry()).await;
    if !matches!(first.status(), Some(200) | Some(429)) {
        return Outcome::skipped(format!(
            "the agents endpoint did not answer a token-less request with 200 ({} → {}); see agents.public-no-auth",
            request_line(&first),
            seen(&first)
        ));
    }
    // 61 requests in all, sent in parallel (at most the client's 10 at a time) so they fit in
    // a second or two whatever the latency.
    let rest = futures_util::future::join_all(
        (1..=PER_MINUTE).map(|_| ctx.send(Req::get(path.clone()).no_retry())),
    )
    .await;
    let mut all: Vec<Arc<Exchange>> = vec![first];
    all.extend(rest);
    all.sort_by_key(|e| e.seq);
    let limited: Vec<&Arc<Exchange>> = all.iter().filter(|e| e.status() == Some(429)).collect();
    let ok = all.iter().filter(|e| e.status() == Some(200)).count();
    let mut f = Findings {
        checked: all.len(),
        ..Findings::default()
    };
    match limited.first() {
        None => f.fail(
            format!(
                "{} sent {} times without a token (plus {earlier} earlier in the run) within seconds: expected a 429 once the per-IP budget of {PER_MINUTE}/min is spent, got none ({ok} × 200)",
                request_line(&all[0]),
                all.len()
            ),
            &[all.last().expect("61 requests")],
        ),
        Some(l) => {
            // Fewer than 60 served in the minute (counting earlier ones) means a stricter limit.
            if ok + earlier < PER_MINUTE {
                f.fail(
                    format!(
                        "{}: 429 after only {} requests in the minute ({ok} in this burst + {earlier} earlier); the default budget is {PER_MINUTE}",
                        line(l),
                        ok + earlier
                    ),
                    &[l],
                );
            }
            if l.header("retry-after").is_none() {
                f.note(format!("{}: the 429 has no Retry-After header", line(l)));
            }
        }
    }
    f.note("C49: run once, from one source IP, at the end of the run; the per-IP limit is unreliable behind NAT or proxies");
    f.outcome("")
}
