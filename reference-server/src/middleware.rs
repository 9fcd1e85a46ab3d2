//! Cross-cutting HTTP behaviour: security headers, request ids, CORS, deprecation headers,
//! problem+json for every error, authentication, rate limiting and scope checks.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{self, AuthToken};
use crate::model::SCOPE_RESOURCES;
use crate::problem::{self, IsProblem, Problem};
use crate::ratelimit::Decision;
use crate::state::SharedState;

pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains; preload",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "strict-origin-when-cross-origin"),
];
pub const CORS_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
pub const CORS_ALLOW_HEADERS: &str = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id, traceparent";
pub const CORS_EXPOSE_HEADERS: &str = "ETag, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Link, Deprecation, Sunset, Warning, Location, Idempotency-Replayed";

const MAX_ERROR_BODY: usize = 64 * 1024;

fn valid_request_id(v: &str) -> bool {
    (1..=128).contains(&v.len()) && v.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn valid_traceparent(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 4
        && parts[0].len() == 2
        && parts[1].len() == 32
        && parts[2].len() == 16
        && parts[3].len() == 2
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
        && parts[1] != "00000000000000000000000000000000"
        && parts[2] != "0000000000000000"
}

/// The outermost layer: runs on every request, matched or not.
pub async fn common(State(st): State<SharedState>, req: Request, next: Next) -> Response {
    let (req, mut fx) = crate::faults::before(&st, req).await;
    let path = req.uri().path().to_string();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(crate::util::new_id);
    let trace = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_traceparent(v))
        .map(str::to_string);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let origin_allowed = origin
        .as_deref()
        .filter(|o| st.config.cors_origins.iter().any(|a| a == o))
        .map(str::to_string);
    let is_preflight = req.method() == Method::OPTIONS
        && origin.is_some()
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let method = req.method().clone();
    tracing::debug!(%request_id, trace = trace.as_deref().unwrap_or("-"), %method, %path, "request");

    let mut resp = if let Some(r) = fx.respond.take() {
        r
    } else if is_preflight {
        // Fault: the framework's default 200 OK for preflights.
        let status = if st.fault("cors-preflight-200") {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        };
        let mut r = status.into_response();
        if let Some(o) = &origin_allowed {
            let h = r.headers_mut();
            set(h, "access-control-allow-origin", o);
            // Fault: the allowed methods list written before PATCH was routed.
            let methods = if st.fault("cors-methods-without-patch") {
                "GET, POST, PUT, DELETE, OPTIONS"
            } else {
                CORS_METHODS
            };
            set(h, "access-control-allow-methods", methods);
            // Fault: the allowed headers list predates idempotency keys.
            let allow = if st.fault("cors-idempotency-key-not-allowed") {
                "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, traceparent"
            } else {
                CORS_ALLOW_HEADERS
            };
            set(h, "access-control-allow-headers", allow);
            // Fault: max-age lowered to Chromium's 600 s cap.
            let max_age = if st.fault("cors-max-age-600") {
                "600"
            } else {
                "86400"
            };
            set(h, "access-control-max-age", max_age);
        }
        r
    } else {
        next.run(req).await
    };

    if resp.status().as_u16() >= 400 && resp.extensions().get::<problem::KeepBody>().is_none() {
        resp = ensure_problem(resp, &path, &method).await;
    }
    let error_path = resp.status().as_u16() >= 400;
    let bodiless = matches!(resp.status().as_u16(), 204 | 304);
    let h = resp.headers_mut();
    for (k, v) in SECURITY_HEADERS {
        // Fault: a header set by the happy-path code only, lost on error responses.
        if error_path && k == "x-frame-options" && st.fault("security-headers-missing-on-errors") {
            continue;
        }
        // Fault: nosniff set by the body writer only, so 204 and 304 responses lack it.
        if bodiless && k == "x-content-type-options" && st.fault("nosniff-missing-on-bodiless") {
            continue;
        }
        let v = match k {
            // Fault: HSTS without `preload` (dropped while the preload list was pending).
            "strict-transport-security" if st.fault("hsts-without-preload") => {
                "max-age=63072000; includeSubDomains"
            }
            // Fault: a CSP copied from a template that predates `frame-ancestors`.
            "content-security-policy" if st.fault("csp-without-frame-ancestors") => {
                "default-src 'none'"
            }
            // Fault: the framework's old default Referrer-Policy, never updated.
            "referrer-policy" if st.fault("referrer-policy-framework-default") => {
                "no-referrer-when-downgrade"
            }
            _ => v,
        };
        set(h, k, v);
    }
    set(h, "x-request-id", &request_id);
    if let Some(t) = &trace {
        // Our span in the caller's trace (W3C Trace Context, level 2 `traceresponse`).
        let span = &crate::util::new_id().replace('-', "")[..16];
        set(h, "traceresponse", &format!("00-{}-{span}-01", &t[3..35]));
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(o) = &origin_allowed {
        if st.fault("cors-wildcard-with-credentials") {
            set(h, "access-control-allow-origin", "*");
            set(h, "access-control-allow-credentials", "true");
        } else {
            set(h, "access-control-allow-origin", o);
        }
        if !is_preflight {
            // Fault: the exposed headers list predates the RateLimit headers.
            let expose = if st.fault("cors-ratelimit-not-exposed") {
                "ETag, X-Request-Id, Link, Deprecation, Sunset, Warning, Location, Idempotency-Replayed"
            } else {
                CORS_EXPOSE_HEADERS
            };
            set(h, "access-control-expose-headers", expose);
        }
    }
    // Fault: deprecation headers added by the success path only, lost on error responses.
    let drop_deprecation = error_path && st.fault("deprecation-headers-missing-on-errors");
    if path.starts_with("/api/v1") && !drop_deprecation {
        if let Some(date) = st.config.sunset {
            // Fault: Sunset computed as the successor's GA plus 6 months (GA is 13 months
            // before the configured sunset), not the 12 the policy promises.
            let date = if st.fault("sunset-six-months-after-ga") {
                date - chrono::Months::new(7)
            } else {
                date
            };
            let sunset = httpdate::fmt_http_date(
                date.and_hms_opt(0, 0, 0)
                    .map(|d| d.and_utc().into())
                    .unwrap_or(std::time::SystemTime::UNIX_EPOCH),
            );
            set(h, "deprecation", "true");
            set(h, "sunset", &sunset);
            set(
                h,
                "warning",
                &format!("299 - \"API v1 is deprecated. Migrate to v2 by {date}.\""),
            );
        }
    }
    crate::faults::after(&st, fx, resp).await
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

/// Turns any error response into problem+json (router 404/405, body limits, extractor
/// rejections) and fills in `instance` with the request path.
async fn ensure_problem(resp: Response, path: &str, method: &Method) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
    let mut value = if parts.extensions.get::<IsProblem>().is_some() {
        serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    if !value.is_object() {
        let status = parts.status.as_u16();
        let detail = match status {
            404 => format!("No route matches {path}."),
            405 => {
                let allow = parts
                    .headers
                    .get(header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                if allow.is_empty() {
                    format!("Method {method} is not allowed on {path}; see the Allow header.")
                } else {
                    format!("Method {method} is not allowed on {path}. Allowed: {allow}.")
                }
            }
            s if s >= 500 => "An unexpected error occurred. It has been logged.".to_string(),
            _ => {
                // Framework rejection texts are safe (no internals) and helpful.
                let text = String::from_utf8_lossy(&bytes).trim().to_string();
                if text.is_empty() {
                    parts
                        .status
                        .canonical_reason()
                        .unwrap_or("Error")
                        .to_string()
                } else {
                    text
                }
            }
        };
        value = Problem::new(problem::kind_for_status(status), detail).body();
    }
    if let Value::Object(m) = &mut value {
        m.entry("instance").or_insert_with(|| json!(path));
    }
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    let mut resp = Response::from_parts(parts, Body::from(bytes));
    resp.extensions_mut().insert(IsProblem);
    resp
}

/// The scope a request needs: (resource, action), from the first path segment after /api/v1/.
pub fn required_scope(method: &Method, path: &str) -> Option<(String, &'static str)> {
    let rest = path.strip_prefix("/api/v1/")?;
    let first = rest.split('/').next()?.replace('-', "_");
    if !SCOPE_RESOURCES.contains(&first.as_str()) {
        return None;
    }
    let read = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || (*method == Method::POST && path.ends_with("/search"));
    Some((first, if read { "read" } else { "write" }))
}

fn add_rate_headers(st: &SharedState, resp: &mut Response, d: &Decision) {
    // Fault: the RateLimit headers added by a hook that runs for successful responses only.
    if resp.status().as_u16() >= 400 && st.fault("ratelimit-headers-missing-on-errors") {
        return;
    }
    let h = resp.headers_mut();
    set(h, "ratelimit", &d.ratelimit_header());
    // Fault: the policy window written in minutes instead of seconds.
    if st.fault("ratelimit-policy-window-minutes") {
        set(h, "ratelimit-policy", &format!("{};w=1", d.limit));
    } else {
        set(h, "ratelimit-policy", &d.policy_header());
    }
}

/// Authentication, rate limiting and scope enforcement for the protected /api/v1 routes.
pub async fn authenticate(State(st): State<SharedState>, mut req: Request, next: Next) -> Response {
    let resolved = match query_token(&st, &req) {
        Some(headers) => resolve_token(&st, &headers).await,
        None => resolve_token(&st, req.headers()).await,
    };
    let token = match resolved {
        Ok(t) => t,
        Err(p) => return p.into_response(),
    };
    let path = req.uri().path().to_string();
    let counted = path != "/api/v1/token" || st.fault("token-info-counts-against-limit");
    // Fault: buckets keyed by workspace, so a workspace's tokens share one budget.
    let key = if st.fault("rate-limit-per-workspace") {
        &token.workspace_id
    } else {
        &token.id
    };
    // Fault: the limiter reads the configured default, never the token's override.
    let limit = if st.fault("rate-limit-override-ignored") {
        st.config.rate_limit
    } else {
        token.rate_limit
    };
    // Fault: the burst bucket sized by the per-second refill rate (limit / 60) instead of
    // the burst allowance.
    let burst = if st.fault("burst-bucket-sized-by-rate") {
        (limit / 60).max(1)
    } else {
        token.burst
    };
    let decision = st.limiter.check(key, limit, burst, counted);
    if let Some(d) = &decision {
        if !d.allowed {
            let detail = format!(
                "You have exceeded the rate limit of {} requests per minute. Retry after {} seconds.",
                d.limit, d.retry_after
            );
            let mut p = Problem::new(problem::RATE_LIMITED, detail);
            if !st.fault("429-without-retry-after") {
                p = p.header(header::RETRY_AFTER, d.retry_after.to_string());
            }
            let mut resp = p.into_response();
            // Fault: the limiter library's own plain-text 429 instead of the problem document.
            if st.fault("429-plain-text") {
                resp = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, d.retry_after.to_string())],
                    "Too Many Requests",
                )
                    .into_response();
                resp.extensions_mut().insert(problem::KeepBody);
            }
            add_rate_headers(&st, &mut resp, d);
            return resp;
        }
    }
    let scope = required_scope(req.method(), &path).map(|(resource, action)| {
        // Fault: POST maps to write with no exception for the read-only POST /search.
        if st.fault("search-requires-write-scope") && path.ends_with("/search") {
            (resource, "write")
        } else {
            (resource, action)
        }
    });
    if let Some((resource, mut action)) = scope {
        // Fault: the read-method list names GET and OPTIONS but forgot HEAD.
        if *req.method() == Method::HEAD && st.fault("head-needs-write-scope") {
            action = "write";
        }
        let allows = |res: &str| {
            // Fault: scopes matched literally, so `{resource}:write` does not grant reads.
            if st.fault("write-scope-does-not-imply-read") {
                return token
                    .scopes
                    .iter()
                    .any(|s| *s == format!("{res}:{action}") || *s == format!("all:{action}"));
            }
            // Fault: the all:write wildcard expands to a resource list that predates comments.
            if res == "comments" && action == "write" && st.fault("all-write-misses-newer-resource")
            {
                return token.scopes.iter().any(|s| s == "comments:write");
            }
            // Fault: deletes treated as admin-only, needing the all:write wildcard.
            if *req.method() == Method::DELETE && st.fault("delete-needs-all-write") {
                return token.scopes.iter().any(|s| s == "all:write");
            }
            token.allows(res, action)
        };
        // Fault: the links route registered after the scope plug's route table was built, so
        // it requires no scope at all.
        let unmapped = path.ends_with("/links") && st.fault("links-route-unscoped");
        let allowed = unmapped || allows(&resource) || (resource == "jobs" && allows("exports"));
        if !allowed && !st.fault("scopes-not-enforced") {
            let mut p = Problem::new(
                problem::INSUFFICIENT_SCOPE,
                "Token does not have the required scope.",
            )
            .with("required_scope", json!(format!("{resource}:{action}")));
            // Fault: the token's scopes left out of the 403 body ("do not leak permissions").
            if !st.fault("403-without-token-scopes") {
                p = p.with("token_scopes", json!(token.scopes));
            }
            let mut resp = p.into_response();
            if let Some(d) = &decision {
                add_rate_headers(&st, &mut resp, d);
            }
            return resp;
        }
    }
    req.extensions_mut().insert(token);
    let mut resp = next.run(req).await;
    if let Some(d) = &decision {
        add_rate_headers(&st, &mut resp, d);
    }
    resp
}

/// Fault `access-token-query-accepted`: a legacy fallback that takes the token from
/// `?access_token=` when no Authorization header is sent (tokens then leak into logs).
fn query_token(st: &SharedState, req: &Request) -> Option<HeaderMap> {
    if !st.fault("access-token-query-accepted") || req.headers().contains_key(header::AUTHORIZATION)
    {
        return None;
    }
    let raw = form_urlencoded::parse(req.uri().query()?.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())?;
    let mut h = req.headers().clone();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {raw}")).ok()?,
    );
    Some(h)
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(problem::INVALID_TOKEN, detail).header(header::WWW_AUTHENTICATE, "Bearer")
}

async fn resolve_token(st: &SharedState, headers: &HeaderMap) -> Result<AuthToken, Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            // Fault: the missing-header branch answers the framework's generic 401 problem.
            if st.fault("missing-token-generic-401") {
                return Problem::new(
                    (401, "unauthorized", "Unauthorized"),
                    "Authentication required.",
                )
                .header(header::WWW_AUTHENTICATE, "Bearer");
            }
            unauthorized("Missing Authorization header; send 'Authorization: Bearer <token>'.")
        })?
        .to_str()
        .map_err(|_| unauthorized("The Authorization header is not valid."))?;
    // Fault: another scheme answered as a malformed request (400) instead of 401.
    if st.fault("non-bearer-scheme-400")
        && value
            .split_once(' ')
            .is_some_and(|(scheme, _)| !scheme.eq_ignore_ascii_case("bearer"))
    {
        return Err(Problem::new(
            problem::BAD_REQUEST,
            "The Authorization header must use the Bearer scheme.",
        ));
    }
    let raw = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| unauthorized("The Authorization header must use the Bearer scheme."))?;
    if !auth::well_formed(raw) {
        return Err(unauthorized("The token is invalid, revoked or expired."));
    }
    // Fault: `expires_at` is never compared (an empty "now" precedes every expiry).
    let now = if st.fault("token-expiry-ignored") {
        String::new()
    } else {
        crate::util::now()
    };
    if let Some(t) = st.tokens.get(raw) {
        if t.expired(&now) {
            return Err(unauthorized("The token is invalid, revoked or expired."));
        }
        return Ok(t);
    }
    let candidates = {
        let conn = st.db.lock()?;
        auth::candidates(&conn, raw, &now, st.config.rate_limit, st.config.burst)?
    };
    let raw_owned = raw.to_string();
    let prefix_only = st.fault("auth-prefix-only");
    let found = tokio::task::spawn_blocking(move || {
        candidates
            .into_iter()
            .find(|(_, hash)| prefix_only || auth::verify_hash(&raw_owned, hash))
            .map(|(t, _)| t)
    })
    .await
    .map_err(|_| Problem::internal())?;
    match found {
        Some(t) => {
            st.tokens.put(raw, t.clone());
            Ok(t)
        }
        None => Err(unauthorized("The token is invalid, revoked or expired.")),
    }
}

/// Per-IP limit for the public agents endpoint (token-less, so keyed by client address).
pub async fn ip_limit(
    State(st): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    // Fault: the public agents endpoint without its per-IP limit.
    if st.fault("agents-not-ip-limited") {
        return next.run(req).await;
    }
    let limit = st.config.agents_limit;
    let decision = st
        .limiter
        .check(&format!("ip:{}", peer.ip()), limit, limit, true);
    if let Some(d) = &decision {
        if !d.allowed {
            let mut resp = Problem::new(
                problem::RATE_LIMITED,
                format!(
                    "You have exceeded the rate limit of {limit} requests per minute for this endpoint. Retry after {} seconds.",
                    d.retry_after
                ),
            )
            .header(header::RETRY_AFTER, d.retry_after.to_string())
            .into_response();
            add_rate_headers(&st, &mut resp, d);
            return resp;
        }
    }
    let mut resp = next.run(req).await;
    if let Some(d) = &decision {
        add_rate_headers(&st, &mut resp, d);
    }
    resp
}
