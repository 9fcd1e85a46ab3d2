//! Helpers shared by the protocol families (auth, scopes, token revocation, rate limits, CORS,
//! async jobs, webhooks, deprecation, HTTPS): how to describe what came back, problem checks,
//! the scope a request needs, and request bodies generated from the document.

use std::time::Duration;

use serde_json::{Value, json};

use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::spec::Operation;

/// First path segments the guide defines no scope for (C34): token introspection and
/// revocation, enums, and the auxiliary job/export/webhook/upload endpoints.
pub const AUXILIARY: &[&str] = &[
    "token",
    "tokens",
    "enums",
    "jobs",
    "exports",
    "webhooks",
    "uploads",
    "openapi.json",
    "agents",
];

/// Roles the run may revoke, drain or that never authenticate: kept out of access matrices.
pub const SPECIAL_ROLES: &[&str] = &[
    "expired",
    "revoked",
    "disposable_1",
    "disposable_2",
    "disposable_3",
    "rate_limited",
];

/// "STATUS body…" or the transport error, for findings.
pub fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => {
            let body = r.body_summary(200);
            if body.is_empty() {
                format!("{}", r.status)
            } else {
                format!("{} {body}", r.status)
            }
        }
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

/// `METHOD path` of an exchange (query included), for findings.
pub fn what(ex: &Exchange) -> String {
    let target = url::Url::parse(&ex.request.url)
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|_| ex.request.url.clone());
    format!("{} {target}", ex.request.method)
}

/// Is the response `application/problem+json` with a `type` ending `/problems/<slug>`?
/// Returns what is wrong otherwise.
pub fn problem_of(ex: &Exchange, slug: &str, title: Option<&str>) -> Result<(), String> {
    let Some(resp) = &ex.response else {
        return Err("no response".into());
    };
    let media = resp.media_type().unwrap_or_default();
    if media != "application/problem+json" {
        return Err(format!(
            "Content-Type application/problem+json, got '{}'",
            resp.header("content-type").unwrap_or("(none)")
        ));
    }
    let body = ex.json();
    let ty = body
        .and_then(|b| b.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !ty.ends_with(&format!("/problems/{slug}")) {
        return Err(format!(
            "a problem type ending /problems/{slug}, got type '{ty}'"
        ));
    }
    if let Some(t) = title {
        let got = body
            .and_then(|b| b.get("title"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if got != t {
            return Err(format!("title '{t}', got '{got}'"));
        }
    }
    Ok(())
}

/// The path with every `{param}` replaced by `id`.
pub fn fill(template: &str, id: &str) -> String {
    template
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                id
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The first segment after the base path, kebab-case mapped to snake_case (C34).
pub fn first_segment(ctx: &Ctx, full_path: &str) -> Option<String> {
    let rest = full_path.strip_prefix(ctx.base())?.trim_start_matches('/');
    let first = rest.split('/').next()?;
    (!first.is_empty()).then(|| first.replace('-', "_"))
}

/// Is `op` a read in the scope model (GET/HEAD/OPTIONS, or POST …/search, C31)?
pub fn is_read(op_method: &str, full_path: &str) -> bool {
    matches!(op_method, "GET" | "HEAD" | "OPTIONS")
        || (op_method == "POST" && full_path.ends_with("/search"))
}

/// The scope an operation needs, `(resource, "read"|"write")`, when the guide defines one:
/// protected, under the base path, not an auxiliary endpoint (C34).
pub fn scope_of(ctx: &Ctx, op: &Operation) -> Option<(String, &'static str)> {
    if op.public {
        return None;
    }
    let res = first_segment(ctx, &op.full_path)?;
    if AUXILIARY.contains(&res.as_str()) || op.full_path.ends_with("/presign") {
        return None;
    }
    let action = if is_read(&op.method, &op.full_path) {
        "read"
    } else {
        "write"
    };
    Some((res, action))
}

/// Does a token holding `scopes` allow `action` on `resource` (write implies read)?
pub fn allows(scopes: &[String], resource: &str, action: &str) -> bool {
    scopes.iter().any(|s| {
        let Some((r, a)) = s.split_once(':') else {
            return false;
        };
        (r == "all" || r == resource) && (a == "write" || (a == "read" && action == "read"))
    })
}

/// Configured roles with a token and declared scopes that the matrices may use.
pub fn identities(ctx: &Ctx) -> Vec<(String, Vec<String>)> {
    ctx.shared
        .config
        .tokens
        .iter()
        .filter(|(role, t)| {
            t.token.is_some() && !SPECIAL_ROLES.contains(&role.as_str()) && ctx.has(role)
        })
        .map(|(role, t)| (role.clone(), t.scopes.clone()))
        .collect()
}

/// A minimal JSON body for an operation that takes one (`{}` otherwise).
pub fn body_for(ctx: &Ctx, op: &Operation) -> Value {
    let Some(schema) = op
        .request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
    else {
        return json!({});
    };
    let unique = |hint: &str| ctx.unique_name(hint);
    crate::generate::payload::for_body(ctx.model(), &schema, &unique)
}

/// A request for `op` at `path`, with a JSON body where the method carries one.
pub fn request_for(ctx: &Ctx, op: &Operation, path: &str) -> Req {
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = Req::new(method, path.to_string()).no_retry();
    if matches!(op.method.as_str(), "POST" | "PUT" | "PATCH") {
        req = req.json(body_for(ctx, op));
    }
    req
}

/// `GET /token` data for a role (workspace, scopes, rate limit), with the exchange.
pub async fn token_info(ctx: &Ctx, role: &str) -> (Option<Value>, std::sync::Arc<Exchange>) {
    let ex = ctx
        .send(Req::get(ctx.path("/token")).token(role).no_retry())
        .await;
    let data = (ex.status() == Some(200))
        .then(|| crate::run::data(&ex).cloned())
        .flatten();
    (data, ex)
}

/// The workspace id `GET /token` reports for a role.
pub async fn workspace_of(ctx: &Ctx, role: &str) -> Option<String> {
    token_info(ctx, role)
        .await
        .0
        .and_then(|d| d.pointer("/workspace/id").cloned())
        .and_then(|v| v.as_str().map(str::to_string))
}

/// A token of the target's shape (`{app}_{env}_` + 64 hex) that was never issued: the
/// header of the full-access token (never its secret part) and random hex.
pub fn unknown_token(ctx: &Ctx) -> String {
    let prefix = ctx
        .client()
        .raw_token("full")
        .and_then(|t| {
            let mut parts = t.splitn(3, '_');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(e), Some(_)) => Some(format!("{a}_{e}_")),
                _ => None,
            }
        })
        .unwrap_or_else(|| {
            format!(
                "specgate_{}_",
                ctx.shared.config.environment.as_deref().unwrap_or("test")
            )
        });
    let hex = format!("{}{}", ctx.client().uuid(), ctx.client().uuid()).replace('-', "");
    let token = format!("{prefix}{hex}");
    // Not a secret, but token-shaped: keep it out of reports so leak scanners stay quiet.
    ctx.client().add_secret(&token, "$SPECGATE_UNISSUED_TOKEN");
    token
}

/// The most recent exchange of the run (a failed fixture's request, for evidence).
pub fn last_exchange(ctx: &Ctx) -> Option<std::sync::Arc<Exchange>> {
    ctx.client().exchanges().pop()
}

/// Seconds as a `Duration` (negative or NaN → zero).
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_finite() && s > 0.0 { s } else { 0.0 })
}

/// The documented operation for `method` on the exact templated `full_path`.
pub fn op<'a>(ctx: &'a Ctx, method: &str, full_path: &str) -> Option<&'a Operation> {
    ctx.model()
        .operations
        .iter()
        .find(|o| o.method == method && o.full_path == full_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_arithmetic() {
        let s = vec!["items:read".to_string(), "comments:write".to_string()];
        assert!(allows(&s, "items", "read"));
        assert!(!allows(&s, "items", "write"));
        assert!(allows(&s, "comments", "read"));
        assert!(!allows(&s, "categories", "read"));
        assert!(allows(&["all:read".to_string()], "x", "read"));
        assert!(!allows(&["all:read".to_string()], "x", "write"));
        assert!(!allows(&[], "x", "read"));
    }

    #[test]
    fn every_testable_protocol_rule_is_implemented() {
        let families = [
            "auth",
            "scopes",
            "token-revocation",
            "rate-limit",
            "cors",
            "async-jobs",
            "webhooks",
            "deprecation",
            "https",
        ];
        let mut n = 0;
        for r in crate::rules::catalogue() {
            if families.contains(&r.family.as_str()) && !r.how.starts_with("no") {
                assert!(r.implemented, "{} is testable but not implemented", r.id);
                n += 1;
            }
        }
        assert_eq!(n, 74);
    }

    #[test]
    fn fills_templates() {
        assert_eq!(
            fill("/api/v1/items/{id}/comments", "X"),
            "/api/v1/items/X/comments"
        );
        assert!(is_read("POST", "/api/v1/items/search"));
        assert!(!is_read("POST", "/api/v1/items"));
    }
}
