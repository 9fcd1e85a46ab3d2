//! Family `rate-limit`: `RateLimit` / `RateLimit-Policy` on every token-authenticated response
//! (C12, both header syntaxes, C14), the default 240/min with bursts of 40 (C13), per-token
//! buckets and overrides, and the 429 problem with `Retry-After`.
//!
//! The probes that drive a token into 429 use only the dedicated `rate_limited` token, run
//! last and alone (`last: true`), and never let the client retry the 429s they judge, so no
//! other rule is throttled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::Value;

use super::auth::protected_list;
use super::proto::{self, problem_of, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::ratelimit::{Policy, RateLimit, parse_policy, parse_ratelimit};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::spec::ApiModel;

/// The guide's default limit (requests per minute) and burst (requests per second).
pub const DEFAULT_LIMIT: u64 = 240;
pub const BURST: usize = 40;
/// Most requests sent to provoke a 429 (C13: the exact threshold is never asserted).
const DRIVE_CAP: usize = 400;
/// Requests another token sends at once while the driven token is limited.
const OTHER_WAVE: usize = 5;

const fn last(r: Rule) -> Rule {
    Rule { last: true, ..r }
}

pub const RULES: &[Rule] = &[
    Rule::observer_all("rate-limit.headers-on-every-response", headers_everywhere),
    Rule::probe("rate-limit.override-per-token", &["premium"], |c| {
        override_per_token(c).boxed()
    }),
    last(Rule::probe(
        "rate-limit.burst-40-per-second",
        &["rate_limited"],
        |c| burst(c).boxed(),
    )),
    last(Rule::probe(
        "rate-limit.default-240-per-minute-per-token",
        &[],
        |c| default_limit(c).boxed(),
    )),
    last(Rule::probe(
        "rate-limit.exceeded-429-problem",
        &["rate_limited"],
        |c| exceeded(c).boxed(),
    )),
    last(Rule::probe(
        "rate-limit.429-retry-after-and-zero-remaining",
        &["rate_limited"],
        |c| retry_after(c).boxed(),
    )),
    last(Rule::probe(
        "rate-limit.per-token-buckets",
        &["rate_limited"],
        |c| per_token(c).boxed(),
    )),
];

/// The role whose token an exchange carried, from the redacted Authorization header.
fn role_of(ex: &Exchange) -> Option<String> {
    ex.request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.strip_prefix("Bearer $SPECGATE_TOKEN_"))
        .map(str::to_ascii_lowercase)
}

/// Both headers of a response, parsed; `Err` says what is missing or malformed.
fn parsed(ex: &Exchange) -> Result<(RateLimit, Policy), String> {
    let rl = ex.header("ratelimit");
    let pol = ex.header("ratelimit-policy");
    let (Some(rl), Some(pol)) = (rl, pol) else {
        return Err(format!(
            "both RateLimit and RateLimit-Policy, got RateLimit {:?}, RateLimit-Policy {:?}",
            rl, pol
        ));
    };
    let r = parse_ratelimit(rl).ok_or_else(|| {
        format!("RateLimit as 'limit=N, remaining=N, reset=N' (or the structured-field draft), got '{rl}'")
    })?;
    let p = parse_policy(pol).ok_or_else(|| {
        format!("RateLimit-Policy as 'N;w=S' (or the structured-field draft), got '{pol}'")
    })?;
    let limit = r.limit.unwrap_or(p.limit);
    if r.remaining > limit {
        return Err(format!(
            "remaining <= limit, got RateLimit '{rl}' with policy '{pol}'"
        ));
    }
    if r.limit.is_some_and(|l| l != p.limit) {
        return Err(format!(
            "RateLimit limit equal to the RateLimit-Policy quota, got '{rl}' vs '{pol}'"
        ));
    }
    Ok((r, p))
}

fn headers_everywhere(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    let mut structured = false;
    for ex in exchanges {
        let Some(status) = ex.status() else { continue };
        let path = ex.path();
        if status == 401 || role_of(ex).is_none() || !path.starts_with(&model.base_path) {
            continue;
        }
        // Documented, protected operations only: an undocumented path never reached the
        // token check, and public endpoints have no token bucket (C12).
        if model
            .find_operation(&ex.request.method, &path)
            .is_none_or(|o| o.public)
        {
            continue;
        }
        // C12: GET /token is not counted; its headers are optional (judged when present).
        let token_info = path == format!("{}/token", model.base_path);
        if token_info && ex.header("ratelimit").is_none() {
            continue;
        }
        match parsed(ex) {
            Ok((r, p)) => {
                structured |= r.structured || p.structured;
                f.checked += 1;
            }
            Err(e) if f.items.len() < 10 => {
                f.fail(format!("{} → {status}: expected {e}", what(ex)), &[ex]);
            }
            Err(_) => f.checked += 1,
        }
    }
    if structured {
        f.note("C14: some responses use the IETF structured-field syntax rather than the guide's 'limit=…, remaining=…, reset=…' / 'N;w=S'");
    }
    f.outcome("no token-authenticated API response was observed")
}

/// `data.rate_limit` of `GET /token` for a role.
async fn token_limit(ctx: &Ctx, role: &str) -> (Option<Value>, Arc<Exchange>) {
    let (d, ex) = proto::token_info(ctx, role).await;
    (d.and_then(|d| d.get("rate_limit").cloned()), ex)
}

fn num(v: &Option<Value>, k: &str) -> Option<u64> {
    v.as_ref().and_then(|v| v.get(k)).and_then(Value::as_u64)
}

async fn counted_get(ctx: &Ctx, role: &str, list: &str) -> Arc<Exchange> {
    ctx.send(Req::get(list.to_string()).token(role).no_retry())
        .await
}

async fn override_per_token(ctx: &Ctx) -> Outcome {
    let role = "premium";
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let (rl, tex) = token_limit(ctx, role).await;
    let ex = counted_get(ctx, role, &list).await;
    let mut f = Findings::default();
    let declared = ctx
        .shared
        .config
        .tokens
        .get(role)
        .and_then(|t| t.rate_limit);
    let info = num(&rl, "limit");
    match parsed(&ex) {
        Ok((_, p)) => {
            f.check(
                info == Some(p.limit),
                || format!("the premium token's /token rate_limit.limit ({info:?}) and RateLimit-Policy quota ({}) disagree", p.limit),
                &[&ex, &tex],
            );
            let expected = declared.unwrap_or(p.limit);
            f.check(
                p.limit != DEFAULT_LIMIT && p.limit == expected,
                || format!("{}: the premium token should report its own limit ({}) rather than the default {DEFAULT_LIMIT}, got RateLimit-Policy quota {}", what(&ex), declared.map(|d| d.to_string()).unwrap_or_else(|| "an override".into()), p.limit),
                &[&ex],
            );
        }
        Err(e) => f.fail(format!("{}: expected {e}", what(&ex)), &[&ex]),
    }
    f.outcome("")
}

/// Waits until `role` has at least `need` requests of budget (per `GET /token`), up to 30 s.
async fn rested(ctx: &Ctx, role: &str, need: u64) -> Option<String> {
    let started = Instant::now();
    loop {
        let (rl, _) = token_limit(ctx, role).await;
        let (Some(rem), Some(limit)) = (num(&rl, "remaining"), num(&rl, "limit")) else {
            return None;
        };
        if rem >= need {
            return None;
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Some(format!(
                "the {role} token had only {rem} of {limit} requests left after 30 s"
            ));
        }
        let per_sec = (limit as f64 / 60.0).max(0.1);
        let wait = ((need - rem) as f64 / per_sec).min(5.0);
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
    }
}

async fn burst(ctx: &Ctx) -> Outcome {
    let role = "rate_limited";
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let mut f = Findings::default();
    if let Some(w) = rested(ctx, role, BURST as u64 + 1).await {
        f.note(format!("{w}; the burst may start on a partly used bucket"));
    }
    let (before, _) = token_limit(ctx, role).await;
    let start_remaining = num(&before, "remaining");
    let started = Instant::now();
    let sends = (0..BURST).map(|_| counted_get(ctx, role, &list));
    let results = futures_util::future::join_all(sends).await;
    let took = started.elapsed();
    if took > Duration::from_secs(1) {
        f.note(format!(
            "the {BURST} requests took {} ms, longer than one second (client concurrency or latency)",
            took.as_millis()
        ));
    }
    let limited: Vec<&Exchange> = results
        .iter()
        .filter(|e| e.status() == Some(429))
        .map(|e| e.as_ref())
        .collect();
    f.checked += results.len();
    if let Some(first) = limited.first() {
        f.fail(
            format!(
                "{} of a burst of {BURST} requests from a rested token got 429 (bursts of up to {BURST} per second must pass): {}",
                limited.len(),
                seen(first)
            ),
            &[first],
        );
    }
    let remaining: Vec<u64> = results
        .iter()
        .filter_map(|e| e.header("ratelimit").and_then(parse_ratelimit))
        .map(|r| r.remaining)
        .collect();
    let lowest = remaining.iter().min().copied();
    let falls = match (lowest, start_remaining) {
        (Some(l), Some(s)) => l < s,
        (Some(l), None) => remaining.iter().max().is_some_and(|m| *m > l),
        _ => false,
    };
    f.check(
        falls,
        || format!("remaining should go down during the burst: before {start_remaining:?}, lowest seen {lowest:?}"),
        &results.iter().take(1).map(|e| e.as_ref()).collect::<Vec<_>>(),
    );
    f.note("C13: only 'a burst of 40 from a rested token passes and remaining falls' is asserted, never the exact 429 threshold");
    f.outcome("")
}

async fn default_limit(ctx: &Ctx) -> Outcome {
    let role = if ctx.has("rate_limited") {
        "rate_limited"
    } else {
        "full"
    };
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let mut f = Findings::default();
    let (rl, tex) = token_limit(ctx, role).await;
    // Not a 429 test: right after the burst the client may wait out a Retry-After.
    let ex = ctx.send(Req::get(list.clone()).token(role)).await;
    let info = num(&rl, "limit");
    match parsed(&ex) {
        Ok((r, p)) => {
            let overridden = info.is_some_and(|l| l != DEFAULT_LIMIT);
            let want = if overridden {
                info.unwrap_or(DEFAULT_LIMIT)
            } else {
                DEFAULT_LIMIT
            };
            f.check(
                p.limit == want && p.window == 60 && r.limit.is_none_or(|l| l == want),
                || format!("{} with the {role} token: expected RateLimit-Policy {want};w=60 and limit={want}{}, got RateLimit-Policy quota {} window {} and RateLimit limit {:?}", what(&ex), if overridden { " (the token's override per /token)" } else { "" }, p.limit, p.window, r.limit),
                &[&ex, &tex],
            );
            if overridden {
                f.note(format!(
                    "the {role} token has a per-token override ({want}); judged against it"
                ));
            }
        }
        Err(e) => f.fail(format!("{}: expected {e}", what(&ex)), &[&ex]),
    }
    // C12: GET /token is not counted — its budget never goes down.
    let mut last: Option<u64> = None;
    for _ in 0..3 {
        let (rl, ex) = token_limit(ctx, role).await;
        let rem = num(&rl, "remaining");
        let header_rem = ex
            .header("ratelimit")
            .and_then(parse_ratelimit)
            .map(|r| r.remaining);
        if let (Some(prev), Some(now)) = (last, rem) {
            f.check(
                now >= prev,
                || format!("GET /token must not count against the limit: remaining fell from {prev} to {now}"),
                &[&ex],
            );
        }
        if let (Some(h), Some(b)) = (header_rem, rem) {
            f.check(
                h + 1 >= b && b + 1 >= h,
                || format!("GET /token: RateLimit remaining {h} and data.rate_limit.remaining {b} disagree"),
                &[&ex],
            );
        }
        last = rem.or(last);
    }
    f.outcome("")
}

/// Sends counted requests (ten at a time) until one gets 429, at most [`DRIVE_CAP`].
async fn drive_to_429(
    ctx: &Ctx,
    role: &str,
    list: &str,
) -> (usize, Option<Arc<Exchange>>, Option<Arc<Exchange>>) {
    let mut sent = 0;
    let mut last = None;
    while sent < DRIVE_CAP {
        let wave =
            futures_util::future::join_all((0..10).map(|_| counted_get(ctx, role, list))).await;
        sent += wave.len();
        if let Some(hit) = wave.iter().find(|e| e.status() == Some(429)) {
            return (sent, Some(hit.clone()), None);
        }
        if let Some(bad) = wave.iter().find(|e| e.status() != Some(200)) {
            return (sent, None, Some(bad.clone()));
        }
        last = wave.last().cloned();
    }
    (sent, None, last)
}

fn no_429(role: &str, sent: usize, other: Option<Arc<Exchange>>) -> Outcome {
    match other {
        Some(ex) if ex.status() != Some(200) => Outcome::failed(
            format!(
                "while driving the {role} token towards its limit: {} → {}",
                what(&ex),
                seen(&ex)
            ),
            vec![ex.seq],
        ),
        Some(ex) => Outcome::failed(
            format!(
                "{sent} requests in quick succession with the {role} token never got 429 (the default is {DEFAULT_LIMIT}/min with bursts of {BURST}/s)"
            ),
            vec![ex.seq],
        ),
        None => Outcome::error("no request was sent"),
    }
}

async fn exceeded(ctx: &Ctx) -> Outcome {
    let role = "rate_limited";
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let (sent, hit, other) = drive_to_429(ctx, role, &list).await;
    let Some(ex) = hit else {
        return no_429(role, sent, other);
    };
    let mut f = Findings::default();
    f.check(
        problem_of(&ex, "rate-limit-exceeded", None).is_ok(),
        || {
            format!(
                "{} → 429 after {sent} requests: expected {}",
                what(&ex),
                problem_of(&ex, "rate-limit-exceeded", None)
                    .err()
                    .unwrap_or_default()
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn retry_after(ctx: &Ctx) -> Outcome {
    let role = "rate_limited";
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let (sent, hit, other) = drive_to_429(ctx, role, &list).await;
    let Some(ex) = hit else {
        return no_429(role, sent, other);
    };
    let mut f = Findings::default();
    let ra = ex.header("retry-after");
    let secs = ra.and_then(crate::client::ratelimit::parse_retry_after);
    f.check(
        secs.is_some(),
        || {
            format!(
                "{} → 429: expected Retry-After in whole seconds, got {}",
                what(&ex),
                ra.map(|v| format!("'{v}'"))
                    .unwrap_or_else(|| "no Retry-After header".into())
            )
        },
        &[&ex],
    );
    let rl = ex.header("ratelimit").and_then(parse_ratelimit);
    f.check(
        rl.is_some_and(|r| r.remaining == 0),
        || {
            format!(
                "{} → 429: expected RateLimit with remaining=0, got {:?}",
                what(&ex),
                ex.header("ratelimit")
            )
        },
        &[&ex],
    );
    match secs {
        Some(s) if s <= 65 => {
            // The harness honours Retry-After before using the token again.
            tokio::time::sleep(Duration::from_secs(s) + Duration::from_millis(200)).await;
            let again = counted_get(ctx, role, &list).await;
            f.check(
                again.status() == Some(200),
                || {
                    format!(
                        "after waiting Retry-After ({s} s) a request must succeed: {} → {}",
                        what(&again),
                        seen(&again)
                    )
                },
                &[&again, &ex],
            );
        }
        Some(s) => f.note(format!(
            "Retry-After is {s} s; the request after it was not awaited"
        )),
        None => {}
    }
    f.outcome("")
}

async fn per_token(ctx: &Ctx) -> Outcome {
    let role = "rate_limited";
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let ws = ctx
        .shared
        .config
        .tokens
        .get(role)
        .and_then(|t| t.workspace.clone());
    let other = proto::identities(ctx)
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r != role && r != "empty")
        .find(|r| {
            ctx.shared
                .config
                .tokens
                .get(r)
                .is_some_and(|t| t.workspace == ws)
        })
        .unwrap_or_else(|| "full".into());
    // The other token's budget before and after: its own bucket does not drain with the
    // driven token's traffic.
    let before = counted_get(ctx, &other, &list).await;
    let (sent, hit, other_ex) = drive_to_429(ctx, role, &list).await;
    let Some(ex) = hit else {
        return no_429(role, sent, other_ex);
    };
    // A few requests at once, not one: a bucket shared by the workspace refills enough for a
    // single request within milliseconds of the 429, but not for a handful.
    let wave =
        futures_util::future::join_all((0..OTHER_WAVE).map(|_| counted_get(ctx, &other, &list)))
            .await;
    let refused: Vec<&Arc<Exchange>> = wave.iter().filter(|e| e.status() != Some(200)).collect();
    let b = refused.first().copied().unwrap_or(&wave[0]);
    let mut f = Findings::default();
    f.check(
        refused.is_empty(),
        || format!("while the {role} token gets 429, the {other} token of the same workspace must not be limited: {} of {OTHER_WAVE} requests sent at once were refused, e.g. {} → {}", refused.len(), what(b), seen(b)),
        &[b, &ex],
    );
    let remaining = |e: &Exchange| {
        e.header("ratelimit")
            .and_then(parse_ratelimit)
            .map(|r| r.remaining)
    };
    let after = wave.iter().filter_map(|e| remaining(e)).max();
    if let (Some(r0), Some(r1)) = (remaining(&before), after) {
        // Its own use is at most 1 + OTHER_WAVE requests; anything beyond twice that was
        // spent by the driven token.
        f.check(
            r1 + 2 * (OTHER_WAVE as u64 + 1) >= r0,
            || format!("the {other} token's budget fell from remaining={r0} to {r1} while only the {role} token was driven ({sent} requests): the two share a bucket"),
            &[&before, b, &ex],
        );
    }
    f.outcome("")
}
