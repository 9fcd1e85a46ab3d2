//! Family `health`: liveness and readiness probes at the host root.

use futures_util::FutureExt;
use serde_json::Value;

use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;

pub const RULES: &[Rule] = &[
    Rule::probe("health.live-200", &[], |c| live_200(c).boxed()),
    Rule::probe("health.ready-200-when-healthy", &[], |c| {
        ready_200(c).boxed()
    }),
    Rule::probe("health.no-auth", &[], |c| no_auth(c).boxed()),
    Rule::probe("health.top-level-routes", &[], |c| top_level(c).boxed()),
    Rule::probe("health.never-rate-limited", &[], |c| {
        never_limited(c).boxed()
    }),
    Rule::probe("health.legacy-health-redirects-to-live", &[], |c| {
        legacy_redirect(c).boxed()
    }),
    Rule::probe(
        "health.live-has-no-dependency-checks",
        &["dependency-outage"],
        |c| live_without_deps(c).boxed(),
    ),
    Rule::probe(
        "health.ready-503-when-dependency-down",
        &["dependency-outage"],
        |c| ready_503(c).boxed(),
    ),
];

fn status_ok(ex: &Exchange) -> bool {
    ex.status() == Some(200)
        && ex.json().and_then(|j| j.get("status")) == Some(&Value::String("ok".into()))
}

fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => format!("{} {}", r.status, r.body_summary(200)),
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

async fn expect_ok(ctx: &Ctx, path: &str) -> Outcome {
    let ex = ctx.send(Req::get(path).no_retry()).await;
    let mut f = Findings::default();
    f.check(
        status_ok(&ex),
        || {
            format!(
                "GET {path}: expected 200 {{\"status\": \"ok\"}}, got {}",
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn live_200(ctx: &Ctx) -> Outcome {
    expect_ok(ctx, "/health/live").await
}

async fn ready_200(ctx: &Ctx) -> Outcome {
    expect_ok(ctx, "/health/ready").await
}

async fn no_auth(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    for path in ["/health/live", "/health/ready"] {
        let ex = ctx.send(Req::get(path).no_retry()).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "GET {path} without Authorization: expected 200, got {}",
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn top_level(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    for path in ["/health/live", "/health/ready"] {
        let ex = ctx.send(Req::get(path).no_retry()).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "GET {path} at the host root: expected 200, got {}",
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn never_limited(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let sends = (0..300).map(|i| {
        let path = if i % 2 == 0 {
            "/health/live"
        } else {
            "/health/ready"
        };
        ctx.send(Req::get(path).no_retry())
    });
    let results = futures_util::future::join_all(sends).await;
    let limited: Vec<&Exchange> = results
        .iter()
        .filter(|e| e.status() == Some(429))
        .map(|e| e.as_ref())
        .collect();
    f.checked = results.len();
    if let Some(first) = limited.first() {
        f.fail(
            format!(
                "{} of 300 health requests got 429 (health must never be rate-limited)",
                limited.len()
            ),
            &[first],
        );
    }
    f.outcome("")
}

async fn legacy_redirect(ctx: &Ctx) -> Outcome {
    let ex = ctx.send(Req::get("/health").no_retry()).await;
    let status = ex.status().unwrap_or(0);
    let location = ex.header("location").unwrap_or("");
    let mut f = Findings::default();
    f.check(
        (300..400).contains(&status) && location.trim_end_matches('/').ends_with("/health/live"),
        || format!("GET /health: expected a 3xx redirect with Location ending /health/live, got {status} Location '{location}'"),
        &[&ex],
    );
    f.outcome("")
}

struct Restore<'a>(&'a Ctx);
impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Some(h) = &self.0.shared.hooks {
            h.set_dependency_down(false);
        }
    }
}

async fn with_outage(ctx: &Ctx) -> (std::sync::Arc<Exchange>, std::sync::Arc<Exchange>) {
    let hooks = ctx
        .shared
        .hooks
        .clone()
        .expect("needs checked by the engine");
    let _restore = Restore(ctx);
    hooks.set_dependency_down(true);
    let live = ctx.send(Req::get("/health/live").no_retry()).await;
    let ready = ctx.send(Req::get("/health/ready").no_retry()).await;
    (live, ready)
}

async fn live_without_deps(ctx: &Ctx) -> Outcome {
    let (live, ready) = with_outage(ctx).await;
    let mut f = Findings::default();
    f.check(
        status_ok(&live),
        || {
            format!(
                "during a dependency outage /health/live must stay 200 ok, got {}",
                seen(&live)
            )
        },
        &[&live],
    );
    f.check(
        ready.status() == Some(503),
        || {
            format!(
                "during the outage /health/ready should report it (503), got {}",
                seen(&ready)
            )
        },
        &[&ready],
    );
    f.outcome("")
}

async fn ready_503(ctx: &Ctx) -> Outcome {
    let (_, ready) = with_outage(ctx).await;
    let body = ready.json();
    let mut f = Findings::default();
    f.check(
        ready.status() == Some(503)
            && body.and_then(|b| b.get("status")) == Some(&Value::String("degraded".into()))
            && body.and_then(|b| b.get("checks")).is_some_and(|c| c.as_object().is_some_and(|m| !m.is_empty())),
        || format!("during a dependency outage: expected 503 {{\"status\": \"degraded\", \"checks\": {{...}}}}, got {}", seen(&ready)),
        &[&ready],
    );
    f.outcome("")
}
