//! Health probes, the served OpenAPI document and agents guide, enums, token info and token
//! revocation.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use crate::auth::AuthToken;
use crate::model::{self, FieldKind};
use crate::problem::{self, ApiResult, KeepBody, Problem};
use crate::state::SharedState;
use crate::util::{self, json_response};

pub async fn health_redirect(State(st): State<SharedState>) -> Response {
    // Fault: the legacy /health kept as an alias answering itself instead of redirecting.
    if st.fault("legacy-health-alias") {
        return json_response(StatusCode::OK, &json!({"status": "ok"}), None);
    }
    Redirect::permanent("/health/live").into_response()
}

/// Faults shared by both probes: what a misplaced or over-protected health route answers.
fn health_guard(st: &SharedState, headers: &HeaderMap, peer: SocketAddr) -> Option<Response> {
    // Fault: the health routes mounted inside the /api/v1 scope, so the host root has none.
    if st.fault("health-under-api-prefix") {
        return Some(
            Problem::new(problem::NOT_FOUND, "No route matches this path.").into_response(),
        );
    }
    // Fault: the health routes mounted behind the authentication layer.
    if st.fault("health-behind-auth") && !headers.contains_key(header::AUTHORIZATION) {
        return Some(
            Problem::new(
                problem::INVALID_TOKEN,
                "Missing Authorization header; send 'Authorization: Bearer <token>'.",
            )
            .header(header::WWW_AUTHENTICATE, "Bearer")
            .into_response(),
        );
    }
    // Fault: the health routes share the per-IP limit of the public endpoints.
    if st.fault("health-ip-rate-limited") {
        let limit = st.config.agents_limit;
        let d = st
            .limiter
            .check(&format!("ip:{}", peer.ip()), limit, limit, true)?;
        if !d.allowed {
            return Some(
                Problem::new(
                    problem::RATE_LIMITED,
                    format!(
                        "You have exceeded the rate limit of {limit} requests per minute. Retry after {} seconds.",
                        d.retry_after
                    ),
                )
                .header(header::RETRY_AFTER, d.retry_after.to_string())
                .into_response(),
            );
        }
    }
    None
}

pub async fn live(
    State(st): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = health_guard(&st, &headers, peer) {
        return r;
    }
    // Fault: liveness answers in Spring Boot Actuator's dialect.
    let status = if st.fault("live-status-up") {
        "UP"
    } else {
        "ok"
    };
    json_response(StatusCode::OK, &json!({"status": status}), None)
}

pub async fn ready(
    State(st): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = health_guard(&st, &headers, peer) {
        return r;
    }
    // Fault: readiness also checks a cache this deployment does not run, so it never passes.
    if st.fault("ready-checks-absent-cache") {
        let mut resp = json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "degraded", "checks": {"database": "ok", "cache": "unavailable"}}),
            None,
        );
        resp.extensions_mut().insert(KeepBody);
        return resp;
    }
    // Fault: a readiness probe that never looks at its dependencies.
    if st.fault("ready-ignores-database") || st.db.ping() {
        json_response(StatusCode::OK, &json!({"status": "ok"}), None)
    } else {
        let mut resp = json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "degraded", "checks": {"database": "unavailable"}}),
            None,
        );
        resp.extensions_mut().insert(KeepBody);
        resp
    }
}

fn deprecation_note(st: &SharedState) -> Option<String> {
    st.config.sunset.map(|d| {
        format!(
            "Deprecation timeline: API v1 is deprecated. It keeps working until its sunset on {d} (Sunset header); migrate to v2 before then. Every v1 response carries Deprecation, Sunset and Warning headers."
        )
    })
}

/// GET /api/v1/openapi.json — `openapi.yaml` read from disk on every request, served as JSON.
pub async fn openapi(
    State(st): State<SharedState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Fault: the spec route was dropped from the router.
    if st.fault("openapi-not-served") {
        return Err(Problem::new(
            problem::NOT_FOUND,
            "No route matches /api/v1/openapi.json.",
        ));
    }
    // Fault: the spec route was mounted behind the authentication layer.
    if st.fault("openapi-requires-token") && !headers.contains_key(header::AUTHORIZATION) {
        return Err(Problem::new(
            problem::INVALID_TOKEN,
            "A valid Bearer token is required.",
        ));
    }
    util::no_query(q.as_deref())?;
    let path = st.config.docs_dir.join("openapi.yaml");
    let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "failed to read openapi.yaml");
        Problem::internal()
    })?;
    // Fault: the YAML file is served as it is, still labelled application/json.
    if st.fault("openapi-served-as-yaml") {
        let mut resp = (StatusCode::OK, text).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Ok(resp);
    }
    let mut doc: Value = yaml_serde::from_str(&text).map_err(|e| {
        tracing::error!(error = %e, "failed to parse openapi.yaml");
        Problem::internal()
    })?;
    // Fault: the document still declares the OpenAPI version it was first written in.
    if st.fault("openapi-version-3-0") {
        doc["openapi"] = json!("3.0.3");
    }
    if let Some(note) = deprecation_note(&st) {
        if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
            let desc = info
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            info.insert("description".into(), json!(format!("{desc}\n\n{note}")));
        }
    }
    Ok(json_response(StatusCode::OK, &doc, None))
}

/// GET /api/v1/agents — `API.md` read from disk on every request.
pub async fn agents(State(st): State<SharedState>, RawQuery(q): RawQuery) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let path = st.config.docs_dir.join("API.md");
    let mut text = tokio::fs::read_to_string(&path).await.map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "failed to read API.md");
        Problem::internal()
    })?;
    // Fault: the deprecation timeline added to the OpenAPI description only, not the guide.
    if let Some(note) =
        deprecation_note(&st).filter(|_| !st.fault("agents-missing-deprecation-timeline"))
    {
        text.push_str(&format!("\n\n## Deprecation timeline\n\n{note}\n"));
    }
    // Fault: the guide still describes an endpoint that was never shipped.
    if st.fault("agents-doc-stale") {
        text.push_str("\n\nImport items from a CSV file with `POST /api/v1/items/import`.\n");
    }
    let mut resp = (StatusCode::OK, text).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/markdown; charset=utf-8"),
    );
    Ok(resp)
}

fn enum_entry(values: &[&str], description: &str) -> Value {
    json!({"values": values, "description": description})
}

/// All valid scopes, generated from the routed resources.
pub fn all_scopes() -> Vec<String> {
    let mut v: Vec<String> = model::SCOPE_RESOURCES
        .iter()
        .flat_map(|r| [format!("{r}:read"), format!("{r}:write")])
        .collect();
    v.push("all:read".into());
    v.push("all:write".into());
    v
}

/// The enums document, built from the model at runtime.
pub fn enums_document() -> Value {
    let mut data = Map::new();
    for res in model::RESOURCES {
        let mut fields = Map::new();
        for f in res.fields {
            if let FieldKind::Enum(values) = f.kind {
                fields.insert(f.name.into(), enum_entry(values, f.description));
            }
        }
        if !fields.is_empty() {
            data.insert(res.name.into(), Value::Object(fields));
        }
    }
    let events: Vec<String> = model::RESOURCES
        .iter()
        .flat_map(|r| {
            model::EVENT_ACTIONS
                .iter()
                .map(move |a| format!("{}.{a}", r.type_name))
        })
        .collect();
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    data.insert(
        "exports".into(),
        json!({"format": enum_entry(model::EXPORT_FORMATS, "Export file format")}),
    );
    data.insert(
        "files".into(),
        json!({
            "resource_type": enum_entry(model::FILE_RESOURCE_TYPES, "Kind of resource a file is attached to"),
            "content_type": enum_entry(model::FILE_MIME_TYPES, "Accepted MIME types"),
            "status": enum_entry(model::FILE_STATUS, "Upload state of a file"),
        }),
    );
    data.insert(
        "jobs".into(),
        json!({"status": enum_entry(model::JOB_STATUSES, "Async job status")}),
    );
    data.insert(
        "webhooks".into(),
        json!({
            "events": enum_entry(&events, "Event types a webhook can subscribe to"),
            "state": enum_entry(model::WEBHOOK_STATES, "Delivery health of a webhook"),
        }),
    );
    let scopes = all_scopes();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    data.insert(
        "scopes".into(),
        enum_entry(&scopes, "Valid token scopes ({resource}:{read|write})"),
    );
    data.insert(
        "error_codes".into(),
        enum_entry(model::ERROR_CODES, "Validation error codes"),
    );
    json!({ "data": Value::Object(data) })
}

pub async fn enums(
    State(st): State<SharedState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let mut doc = enums_document();
    // Fault: a status added to the model but not to the OpenAPI document.
    if st.fault("enum-value-undocumented") {
        if let Some(v) = doc
            .pointer_mut("/data/items/status/values")
            .and_then(Value::as_array_mut)
        {
            v.push(json!("paused"));
        }
    }
    if let Some(v) = doc
        .pointer_mut("/data/scopes/values")
        .and_then(Value::as_array_mut)
    {
        // Fault: the scope list built from the read scopes only.
        if st.fault("enums-scopes-read-only") {
            v.retain(|s| s.as_str().is_some_and(|s| s.ends_with(":read")));
        }
        // Fault: a hand-maintained scope list still naming a resource that was removed.
        if st.fault("enums-scopes-stale-list") {
            v.push(json!("projects:read"));
            v.push(json!("projects:write"));
        }
        // Fault: the admin flag listed among the scopes.
        if st.fault("enums-scopes-include-admin") {
            v.push(json!("admin"));
        }
    }
    let tag = format!("\"enums-{}\"", &util::etag(&doc.to_string(), 0)[1..13]);
    if util::header_str(&headers, "if-none-match").is_some_and(|v| util::etag_matches(v, &tag)) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&tag).expect("ascii tag"),
        );
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=5"),
        );
        return Ok(r);
    }
    let mut resp = json_response(StatusCode::OK, &doc, Some(&tag));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    Ok(resp)
}

/// GET /api/v1/token — introspection; not counted by the rate limiter.
pub async fn token_info(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let d = st.limiter.check(&t.id, t.rate_limit, t.burst, false);
    let (remaining, reset) = d
        .map(|d| (d.remaining, d.reset))
        .unwrap_or((t.rate_limit, 0));
    let reset_at = chrono::Utc::now().timestamp() + reset as i64;
    // Fault: the workspace looked up as "the" workspace (the first one), not the token's.
    let (ws_id, ws_slug) = if st.fault("token-info-default-workspace") {
        let conn = st.db.lock()?;
        conn.query_row(
            "SELECT id, slug FROM workspaces ORDER BY inserted_at, id LIMIT 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?
    } else {
        (t.workspace_id.clone(), t.workspace_slug.clone())
    };
    let body = json!({"data": {
        "token": {"id": t.id, "name": t.name, "prefix": t.prefix, "admin": t.is_admin},
        "workspace": {"id": ws_id, "slug": ws_slug},
        "scopes": t.scopes,
        "rate_limit": {"limit": t.rate_limit, "remaining": remaining, "reset_at": reset_at},
    }});
    Ok(json_response(StatusCode::OK, &body, None))
}

/// DELETE /api/v1/tokens/{id} — by an admin token of the workspace, or by the token itself.
pub async fn revoke_token(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    let Some((ws, target_admin, revoked)) = crate::auth::token_workspace(&conn, &id)? else {
        return Err(Problem::not_found());
    };
    if ws != t.workspace_id {
        return Err(Problem::not_found());
    }
    // Fault `token-revocation-any-member`: the admin check is missing.
    if id != t.id && !t.is_admin && !st.fault("token-revocation-any-member") {
        return Err(Problem::new(
            problem::INSUFFICIENT_SCOPE,
            "Only a workspace admin token or the token itself may revoke a token.",
        )
        .with("required_scope", json!("tokens:write"))
        .with("token_scopes", json!(t.scopes)));
    }
    if !revoked {
        if target_admin {
            let admins: i64 = conn.query_row(
                "SELECT COUNT(*) FROM tokens WHERE workspace_id = ?1 AND is_admin = 1 AND revoked_at IS NULL",
                [&ws],
                |r| r.get(0),
            )?;
            // Fault `last-admin-token-revocable`: the lockout guard is missing.
            if admins <= 1 && !st.fault("last-admin-token-revocable") {
                return Err(Problem::new(
                    problem::CONFLICT,
                    "This is the workspace's last admin token; it cannot be revoked (that would lock the workspace out).",
                ));
            }
        }
        conn.execute(
            "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2",
            [&util::now(), &id],
        )?;
        if !st.fault("revoked-token-cached") {
            st.tokens.evict_token(&id);
        }
    }
    // Fault: the revocation answers 200 with the revoked token instead of 204 No Content.
    if st.fault("token-revocation-returns-200") {
        return Ok(json_response(
            StatusCode::OK,
            &json!({"data": {"id": id, "revoked": true}}),
            None,
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
