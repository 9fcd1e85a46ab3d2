//! Family `token-info`: `GET /api/v1/token` reports the calling token's workspace, scopes and
//! rate limit, needs a token, reports each token's own scopes, and is not counted by the rate
//! limiter.

use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use serde_json::Value;

use super::observe::{self, has_type, line, request_line, seen};
use super::{Findings, Outcome, Rule};
use crate::client::ratelimit::{parse_policy, parse_ratelimit};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, data};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("token-info.returns-workspace-scopes-rate-limit", &[], |c| {
        shape(c).boxed()
    }),
    Rule::probe("token-info.requires-authentication", &[], |c| {
        requires_auth(c).boxed()
    }),
    Rule::probe("token-info.scopes-match-token", &["scoped"], |c| {
        scopes(c).boxed()
    }),
    Rule::probe("token-info.not-counted-against-rate-limit", &[], |c| {
        not_counted(c).boxed()
    }),
];

/// Roles whose tokens may be invalid by design, or are reserved for other rules.
const NOT_COMPARED: &[&str] = &[
    "expired",
    "revoked",
    "disposable_1",
    "disposable_2",
    "disposable_3",
    "rate_limited",
];

pub fn token_path(model: &ApiModel) -> Option<String> {
    model
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.full_path.ends_with("/token"))
        .map(|o| o.full_path.clone())
}

fn no_endpoint() -> Outcome {
    Outcome::skipped("the document has no GET …/token endpoint")
}

fn is_int(v: Option<&Value>) -> bool {
    v.is_some_and(|v| v.is_i64() || v.is_u64())
}

async fn shape(ctx: &Ctx) -> Outcome {
    let Some(path) = token_path(ctx.model()) else {
        return no_endpoint();
    };
    let ex = ctx.send(Req::get(path).token("full")).await;
    let d = data(&ex);
    let get = |p: &str| d.and_then(|d| d.pointer(p));
    let mut wrong = Vec::new();
    if get("/workspace/id")
        .and_then(Value::as_str)
        .is_none_or(|s| uuid::Uuid::parse_str(s).is_err())
    {
        wrong.push("data.workspace.id (UUID string)");
    }
    if get("/workspace/slug")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        wrong.push("data.workspace.slug (string)");
    }
    if !get("/scopes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().all(Value::is_string))
    {
        wrong.push("data.scopes (array of strings)");
    }
    for (p, what) in [
        ("/rate_limit/limit", "data.rate_limit.limit (integer)"),
        (
            "/rate_limit/remaining",
            "data.rate_limit.remaining (integer)",
        ),
        (
            "/rate_limit/reset_at",
            "data.rate_limit.reset_at (integer epoch seconds, C15)",
        ),
    ] {
        if !is_int(get(p)) {
            wrong.push(what);
        }
    }
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200) && wrong.is_empty(),
        || {
            format!(
                "{}: expected 200 with {}, got {}",
                line(&ex),
                if wrong.is_empty() {
                    "data.workspace, data.scopes and data.rate_limit".to_string()
                } else {
                    wrong.join(", ")
                },
                seen(&ex)
            )
        },
        &[&ex],
    );
    let header_limit = ex
        .header("ratelimit")
        .and_then(parse_ratelimit)
        .and_then(|r| r.limit)
        .or_else(|| {
            ex.header("ratelimit-policy")
                .and_then(parse_policy)
                .map(|p| p.limit)
        });
    if let (Some(h), Some(b)) = (
        header_limit,
        get("/rate_limit/limit").and_then(Value::as_u64),
    ) {
        f.check(
            h == b,
            || {
                format!(
                    "{}: data.rate_limit.limit is {b} but the RateLimit header says limit={h}",
                    line(&ex)
                )
            },
            &[&ex],
        );
    }
    if let Some(ws) = ctx
        .shared
        .config
        .tokens
        .get("full")
        .and_then(|t| t.workspace.clone())
    {
        let slug = get("/workspace/slug").and_then(Value::as_str);
        let id = get("/workspace/id").and_then(Value::as_str);
        f.check(
            slug == Some(ws.as_str()) || id == Some(ws.as_str()),
            || {
                format!(
                    "{}: the full-access token is configured for workspace \"{ws}\", but data.workspace is {}",
                    line(&ex),
                    get("/workspace").map(|w| w.to_string()).unwrap_or_else(|| "missing".into())
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn requires_auth(ctx: &Ctx) -> Outcome {
    let Some(path) = token_path(ctx.model()) else {
        return no_endpoint();
    };
    let ex = ctx.send(Req::get(path).no_retry()).await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(401) && has_type(&ex, "invalid-token"),
        || {
            format!(
                "{} without Authorization: expected 401 with a type ending /problems/invalid-token, got {}",
                request_line(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn scopes(ctx: &Ctx) -> Outcome {
    let Some(path) = token_path(ctx.model()) else {
        return no_endpoint();
    };
    let mut f = Findings::default();
    let roles: Vec<(String, Vec<String>)> = ctx
        .shared
        .config
        .tokens
        .iter()
        .filter(|(r, t)| t.token.is_some() && !NOT_COMPARED.contains(&r.as_str()))
        .map(|(r, t)| (r.clone(), t.scopes.clone()))
        .collect();
    for (role, configured) in roles {
        if configured.is_empty() && role != "empty" {
            f.note(format!(
                "token role '{role}' has no scopes declared in the configuration; not compared"
            ));
            continue;
        }
        let ex = ctx
            .send(Req::get(path.clone()).token(&role).no_retry())
            .await;
        if ex.status() == Some(401) {
            f.note(format!(
                "token role '{role}' was refused (401: revoked or expired?); not compared"
            ));
            continue;
        }
        let mut reported: Vec<String> = data(&ex)
            .and_then(|d| d.get("scopes"))
            .map(observe::codes_of)
            .unwrap_or_default();
        reported.sort();
        let mut want = configured.clone();
        want.sort();
        f.check(
            ex.status() == Some(200) && reported == want,
            || {
                format!(
                    "{} as '{role}': expected data.scopes {want:?} (the token's configured scopes), got {}",
                    request_line(&ex),
                    if ex.status() == Some(200) {
                        format!("{reported:?}")
                    } else {
                        seen(&ex)
                    }
                )
            },
            &[&ex],
        );
    }
    f.outcome("no token role with declared scopes to compare")
}

fn header_remaining(ex: &Exchange) -> Option<u64> {
    ex.header("ratelimit")
        .and_then(parse_ratelimit)
        .map(|r| r.remaining)
}

fn body_remaining(ex: &Exchange) -> Option<u64> {
    data(ex)?.pointer("/rate_limit/remaining")?.as_u64()
}

async fn not_counted(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let Some(path) = token_path(model) else {
        return no_endpoint();
    };
    let Some(counted) = observe::plain_list(model).map(|o| o.full_path.clone()) else {
        return Outcome::skipped("the document has no collection GET to use as a counted request");
    };
    // A token with a modest limit refills slowly enough for a drop of 20 to show.
    let role = if ctx.has("premium") {
        "premium"
    } else {
        "full"
    };
    const CALLS: usize = 20;
    let started = Instant::now();
    let before = ctx.send(Req::get(counted.clone()).token(role)).await;
    let infos: Vec<Arc<Exchange>> = futures_util::future::join_all(
        (0..CALLS).map(|_| ctx.send(Req::get(path.clone()).token(role))),
    )
    .await;
    let after = ctx.send(Req::get(counted).token(role)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut f = Findings::default();
    let limit = before
        .header("ratelimit")
        .and_then(parse_ratelimit)
        .and_then(|r| r.limit)
        .or_else(|| {
            before
                .header("ratelimit-policy")
                .and_then(parse_policy)
                .map(|p| p.limit)
        })
        .or_else(|| {
            ctx.shared
                .config
                .tokens
                .get(role)
                .and_then(|t| t.rate_limit)
        });
    if let Some(l) = limit {
        let refill = l as f64 / 60.0 * elapsed;
        if refill >= 10.0 {
            f.note(format!(
                "the '{role}' token refills {refill:.0} requests during the probe ({elapsed:.1}s); a drop of {CALLS} may be masked"
            ));
        }
    }
    const SLACK: u64 = 2;
    let (r1, r2) = (header_remaining(&before), header_remaining(&after));
    if let (Some(r1), Some(r2)) = (r1, r2) {
        f.check(
            r2 + 1 + SLACK >= r1,
            || {
                format!(
                    "RateLimit remaining went from {r1} ({}) to {r2} ({}) across {CALLS} calls to {path}: they were counted",
                    request_line(&before),
                    request_line(&after)
                )
            },
            &[&before, &after],
        );
    }
    let reported: Vec<(u64, &Arc<Exchange>)> = infos
        .iter()
        .filter_map(|e| {
            body_remaining(e)
                .or_else(|| header_remaining(e))
                .map(|r| (r, e))
        })
        .collect();
    if let Some((min, lowest)) = reported.iter().min_by_key(|(r, _)| *r) {
        let floor = r1.or_else(|| reported.iter().map(|(r, _)| *r).max());
        if let Some(floor) = floor {
            f.check(
                min + SLACK >= floor,
                || {
                    format!(
                        "{}: remaining dropped to {min} during {CALLS} token-info calls (from {floor}); they must not count",
                        line(lowest)
                    )
                },
                &[lowest, &before],
            );
        }
    }
    if infos.iter().any(|e| e.status() == Some(429)) {
        let e = infos
            .iter()
            .find(|e| e.status() == Some(429))
            .expect("found");
        f.fail(
            format!("{}: token info was rate-limited (429)", line(e)),
            &[e],
        );
    }
    f.outcome(
        "neither RateLimit headers nor data.rate_limit.remaining were reported; nothing to compare",
    )
}
