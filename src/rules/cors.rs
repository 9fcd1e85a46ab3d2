//! Family `cors`: preflights (OPTIONS with Origin and Access-Control-Request-Method, no token,
//! C32) and real requests from the configured browser origin (`cors_origin`) and from an
//! origin the API must not allow. `*` is never acceptable on an authenticated API.

use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;

use super::auth::protected_list;
use super::proto::{seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;

/// An origin no API allows.
pub const EVIL_ORIGIN: &str = "https://evil.example";

pub const RULES: &[Rule] = &[
    Rule::probe(
        "cors.allow-origin-explicit-never-wildcard",
        &["browser-origin"],
        |c| explicit_origin(c).boxed(),
    ),
    Rule::probe("cors.allow-methods", &["browser-origin"], |c| {
        methods(c).boxed()
    }),
    Rule::probe("cors.allow-headers", &["browser-origin"], |c| {
        allow_headers(c).boxed()
    }),
    Rule::probe("cors.expose-headers", &["browser-origin"], |c| {
        expose_headers(c).boxed()
    }),
    Rule::probe("cors.max-age-86400", &["browser-origin"], |c| {
        max_age(c).boxed()
    }),
    Rule::probe("cors.preflight-204", &["browser-origin"], |c| {
        preflight_204(c).boxed()
    }),
];

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const ALLOW_HEADERS: [&str; 6] = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-Id",
];
const EXPOSE_HEADERS: [&str; 8] = [
    "ETag",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-Id",
    "Link",
    "Deprecation",
    "Sunset",
];

fn origin(ctx: &Ctx) -> String {
    ctx.shared.config.cors_origin.clone().unwrap_or_default()
}

fn target(ctx: &Ctx) -> Option<String> {
    protected_list(ctx)
}

async fn preflight(
    ctx: &Ctx,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> Arc<Exchange> {
    let mut req = Req::new(Method::OPTIONS, path.to_string())
        .header("origin", origin.to_string())
        .header("access-control-request-method", method.to_string())
        .no_retry();
    if let Some(h) = headers {
        req = req.header("access-control-request-headers", h.to_string());
    }
    ctx.send(req).await
}

/// Comma-separated header values, trimmed and lower-cased.
fn list(ex: &Exchange, name: &str) -> Vec<String> {
    ex.response
        .as_ref()
        .map(|r| {
            r.headers_named(name)
                .flat_map(|v| v.split(','))
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn missing<'a>(have: &[String], want: &'a [&'a str]) -> Vec<&'a str> {
    want.iter()
        .filter(|w| !have.iter().any(|h| h == &w.to_ascii_lowercase()))
        .copied()
        .collect()
}

macro_rules! need_target {
    ($ctx:expr) => {
        match target($ctx) {
            Some(t) => t,
            None => return Outcome::skipped("the document has no protected collection to call"),
        }
    };
}

async fn explicit_origin(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let good = origin(ctx);
    let mut f = Findings::default();
    let pre_ok = preflight(ctx, &path, &good, "GET", None).await;
    let real_ok = ctx
        .send(
            Req::get(path.clone())
                .token("full")
                .header("origin", good.clone())
                .no_retry(),
        )
        .await;
    for ex in [&pre_ok, &real_ok] {
        let acao = ex.header("access-control-allow-origin");
        f.check(
            acao == Some(good.as_str()),
            || {
                format!(
                    "{} with Origin {good}: expected Access-Control-Allow-Origin: {good}, got {}",
                    what(ex),
                    acao.map(|v| format!("'{v}'"))
                        .unwrap_or_else(|| "none".into())
                )
            },
            &[ex],
        );
    }
    let pre_bad = preflight(ctx, &path, EVIL_ORIGIN, "GET", None).await;
    let real_bad = ctx
        .send(
            Req::get(path.clone())
                .token("full")
                .header("origin", EVIL_ORIGIN)
                .no_retry(),
        )
        .await;
    for ex in [&pre_bad, &real_bad] {
        let acao = ex.header("access-control-allow-origin");
        f.check(
            acao.is_none_or(|v| v != EVIL_ORIGIN && v.trim() != "*"),
            || format!("{} with the disallowed Origin {EVIL_ORIGIN}: expected no Access-Control-Allow-Origin for it, got '{}'", what(ex), acao.unwrap_or_default()),
            &[ex],
        );
    }
    for ex in [&pre_ok, &real_ok, &pre_bad, &real_bad] {
        let star = ex.response.as_ref().is_some_and(|r| {
            r.headers_named("access-control-allow-origin")
                .any(|v| v.trim() == "*")
        });
        if star {
            let creds = ex
                .header("access-control-allow-credentials")
                .unwrap_or("absent");
            f.fail(
                format!("{} → Access-Control-Allow-Origin: * on the authenticated API (Access-Control-Allow-Credentials: {creds})", what(ex)),
                &[ex],
            );
        }
    }
    f.outcome("")
}

async fn methods(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let ex = preflight(ctx, &path, &origin(ctx), "PATCH", None).await;
    let have = list(&ex, "access-control-allow-methods");
    let miss = missing(&have, &METHODS);
    let mut f = Findings::default();
    f.check(
        miss.is_empty(),
        || format!("{} (preflight for PATCH): Access-Control-Allow-Methods lacks {miss:?}, got {have:?}", what(&ex)),
        &[&ex],
    );
    f.outcome("")
}

async fn allow_headers(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let asked = ALLOW_HEADERS.join(", ").to_ascii_lowercase();
    let ex = preflight(ctx, &path, &origin(ctx), "PATCH", Some(&asked)).await;
    let have = list(&ex, "access-control-allow-headers");
    let miss = missing(&have, &ALLOW_HEADERS);
    let mut f = Findings::default();
    f.check(
        miss.is_empty(),
        || format!("{} (preflight asking for {asked}): Access-Control-Allow-Headers lacks {miss:?}, got {have:?}", what(&ex)),
        &[&ex],
    );
    f.outcome("")
}

async fn expose_headers(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let ex = ctx
        .send(
            Req::get(path)
                .token("full")
                .header("origin", origin(ctx))
                .no_retry(),
        )
        .await;
    let have = list(&ex, "access-control-expose-headers");
    let miss = missing(&have, &EXPOSE_HEADERS);
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200) && miss.is_empty(),
        || format!("{} with the allowed Origin → {}: Access-Control-Expose-Headers lacks {miss:?}, got {have:?}", what(&ex), ex.status().unwrap_or(0)),
        &[&ex],
    );
    f.outcome("")
}

async fn max_age(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let ex = preflight(ctx, &path, &origin(ctx), "GET", None).await;
    let v = ex.header("access-control-max-age");
    let mut f = Findings::default();
    f.check(
        v.map(str::trim) == Some("86400"),
        || {
            format!(
                "{} (preflight): expected Access-Control-Max-Age: 86400, got {v:?}",
                what(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn preflight_204(ctx: &Ctx) -> Outcome {
    let path = need_target!(ctx);
    let ex = preflight(
        ctx,
        &path,
        &origin(ctx),
        "POST",
        Some("authorization, content-type"),
    )
    .await;
    let mut f = Findings::default();
    let has_cors = ex.header("access-control-allow-origin").is_some()
        && ex.header("access-control-allow-methods").is_some();
    f.check(
        ex.status() == Some(204) && has_cors,
        || format!("{} (preflight with Origin and Access-Control-Request-Method, no token): expected 204 with Access-Control-Allow-Origin and -Methods, got {} (Allow-Origin {:?}, Allow-Methods {:?})", what(&ex), seen(&ex), ex.header("access-control-allow-origin"), ex.header("access-control-allow-methods")),
        &[&ex],
    );
    f.note("C32: a real preflight carries no token and must still get 204");
    f.outcome("")
}
