//! Fault switches implemented at the HTTP layer, for specgate's own tests of the envelope,
//! errors, conventions, correlation, enums, agents and token-info rules. Each switch is a
//! minimal, realistic bug ("404s are sent as plain JSON", "the request id is not echoed"),
//! off unless named in `Config::faults`. [`before`] may rewrite the request or answer it
//! instead of the router; [`after`] may rewrite the final response (it runs last, after the
//! security headers and X-Request-Id are set). With none of these switches on, both return at
//! once without touching the request or the response.

use std::sync::atomic::Ordering;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::model::FieldKind;
use crate::problem::{self, Problem};
use crate::state::SharedState;

/// Every switch this module implements (handler-level switches live next to their code).
pub const NAMES: &[&str] = &[
    // envelope
    "single-get-unwrapped",
    "collection-missing-links",
    "create-returns-200",
    "patch-returns-partial",
    "delete-returns-200-body",
    // errors
    "problem-plain-json-on-404",
    "problem-status-as-string",
    "problem-type-relative",
    "problem-title-varies",
    "bad-request-generic-detail",
    "problem-instance-wrong",
    "errors-member-on-404",
    "validation-errors-not-arrays",
    "validation-codes-nonstandard",
    "enums-missing-error-codes",
    "error-leaks-sql",
    "malformed-json-422",
    "unknown-query-params-ignored",
    "not-found-delete-204",
    "cross-workspace-403",
    "validation-as-400",
    "missing-params-400",
    "idempotency-mismatch-409-untyped",
    "internal-error-leaks-stack",
    // conventions
    "list-content-type-text-plain",
    "ids-uppercase",
    "timestamps-with-offset",
    "timestamp-filter-offset-ignored",
    "updated-at-missing",
    "null-fields-omitted",
    "empty-arrays-as-null",
    "booleans-accept-1",
    // correlation
    "request-id-not-echoed",
    "request-id-constant-when-absent",
    "request-id-missing-on-errors",
    "traceparent-rejected",
    // enums
    "enums-public",
    "enums-no-cache-control",
    "enums-flat-values",
    "enum-values-not-enforced",
    "enums-sorted-alphabetically",
    "enums-unordered",
    // agents
    "agents-requires-auth",
    "agents-served-as-html",
    "agents-bloated",
    "agents-missing-endpoint",
    // token revocation
    "token-revocation-unauthenticated",
    // token info
    "token-info-missing-rate-limit",
    "token-info-public",
    "token-info-wrong-scopes",
];

/// Drives `enums-unordered`: each response rotates every value list one step further.
static ENUM_SHUFFLE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Largest JSON request body the request-side switches look into.
const MAX_INSPECTED_BODY: usize = 1024 * 1024;
/// Largest response body the response-side switches rewrite.
const MAX_REWRITTEN_BODY: usize = 64 * 1024 * 1024;

/// What [`after`] needs to know about the request, and an optional replacement response.
#[derive(Default)]
pub struct Seen {
    active: Vec<&'static str>,
    method: Method,
    path: String,
    query: Option<String>,
    request_id: Option<String>,
    /// Keys of a PATCH body (for `patch-returns-partial`).
    patch_keys: Vec<String>,
    /// A response answering the request instead of the router.
    pub respond: Option<Response>,
}

impl Seen {
    fn on(&self, name: &str) -> bool {
        self.active.contains(&name)
    }
}

/// Path segments after `/api/v1/` (empty when outside the API).
fn api_segments(path: &str) -> Vec<&str> {
    path.strip_prefix("/api/v1/")
        .map(|r| r.split('/').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

const META: &[&str] = &[
    "enums",
    "token",
    "tokens",
    "agents",
    "openapi.json",
    "uploads",
];

fn is_collection(path: &str) -> bool {
    let s = api_segments(path);
    s.len() == 1 && !META.contains(&s[0])
}

fn is_item(path: &str) -> bool {
    let s = api_segments(path);
    s.len() == 2 && !META.contains(&s[0]) && !matches!(s[1], "search" | "bulk" | "presign")
}

fn offset_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 25
        && v.contains('T')
        && matches!(b[b.len() - 6], b'+' | b'-')
        && b[b.len() - 3] == b':'
}

fn rewrite_query(seen: &Seen, q: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        let known = matches!(
            k.as_ref(),
            "page"
                | "per_page"
                | "with_count"
                | "cursor"
                | "sort"
                | "q"
                | "fields"
                | "include"
                | "signature"
        ) || k.starts_with("filter");
        // Fault: unknown parameters silently dropped instead of rejected.
        if seen.on("unknown-query-params-ignored") && !known {
            continue;
        }
        let mut v = v.into_owned();
        // Fault: the offset of a timestamp filter is ignored (read as if it were UTC).
        if seen.on("timestamp-filter-offset-ignored")
            && k.starts_with("filter[")
            && offset_timestamp(&v)
        {
            v = format!("{}Z", &v[..v.len() - 6]);
        }
        // Fault: lenient boolean parsing.
        if seen.on("booleans-accept-1") && k == "with_count" {
            v = match v.as_str() {
                "1" | "yes" => "true".into(),
                "0" | "no" => "false".into(),
                _ => v,
            };
        }
        out.append_pair(&k, &v);
    }
    out.finish()
}

/// Drops enum values the model does not list from a write body (fault
/// `enum-values-not-enforced`: unknown values silently ignored instead of rejected).
fn drop_unlisted_enums(path: &str, body: &mut Map<String, Value>) {
    let Some(res) = api_segments(path)
        .first()
        .and_then(|s| crate::model::resource(s))
    else {
        return;
    };
    for f in res.fields {
        if let FieldKind::Enum(values) = f.kind {
            if body
                .get(f.name)
                .and_then(Value::as_str)
                .is_some_and(|v| !values.contains(&v))
            {
                body.remove(f.name);
            }
        }
    }
}

/// Runs first: rewrites the request or prepares a replacement response.
pub async fn before(st: &SharedState, req: Request) -> (Request, Seen) {
    let faults = st.faults();
    let active: Vec<&'static str> = NAMES
        .iter()
        .copied()
        .filter(|n| faults.contains(*n))
        .collect();
    if active.is_empty() {
        return (req, Seen::default());
    }
    let (mut parts, body) = req.into_parts();
    let mut seen = Seen {
        active,
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        request_id: parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        ..Seen::default()
    };
    if let Some(q) = seen.query.clone() {
        let new = rewrite_query(&seen, &q);
        if new != q {
            let mut up = parts.uri.clone().into_parts();
            let pq = if new.is_empty() {
                seen.path.clone()
            } else {
                format!("{}?{new}", seen.path)
            };
            up.path_and_query = pq.parse().ok();
            if let Ok(uri) = Uri::from_parts(up) {
                parts.uri = uri;
            }
        }
    }
    let has_auth = parts.headers.contains_key(header::AUTHORIZATION);
    let get = parts.method == Method::GET;
    if seen.on("traceparent-rejected") && parts.headers.contains_key("traceparent") {
        seen.respond =
            Some(Problem::bad_request("Unsupported request header 'traceparent'.").into_response());
    } else if seen.on("enums-public") && get && !has_auth && seen.path == "/api/v1/enums" {
        let mut r = crate::util::json_response(
            StatusCode::OK,
            &crate::handlers::meta::enums_document(),
            None,
        );
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=5"),
        );
        seen.respond = Some(r);
    } else if seen.on("agents-requires-auth") && !has_auth && seen.path == "/api/v1/agents" {
        seen.respond = Some(
            Problem::new(problem::INVALID_TOKEN, "Missing Authorization header.")
                .header(header::WWW_AUTHENTICATE, "Bearer")
                .into_response(),
        );
    } else if seen.on("token-revocation-unauthenticated")
        && !has_auth
        && parts.method == Method::DELETE
        && seen.path.starts_with("/api/v1/tokens/")
    {
        // The revocation route mounted with the public routes: anyone who knows a token's id
        // revokes it.
        seen.respond = Some(revoke_anonymously(
            st,
            &seen.path["/api/v1/tokens/".len()..],
        ));
    } else if seen.on("token-info-public") && get && !has_auth && seen.path == "/api/v1/token" {
        seen.respond = Some(crate::util::json_response(
            StatusCode::OK,
            &json!({"data": {"token": null, "workspace": null, "scopes": [], "rate_limit": null}}),
            None,
        ));
    }
    let json_body = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let small = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n <= MAX_INSPECTED_BODY);
    let write = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    let inspect = json_body
        && small
        && write
        && (seen.on("enum-values-not-enforced")
            || (seen.on("patch-returns-partial") && parts.method == Method::PATCH));
    let body = if inspect {
        let bytes = to_bytes(body, MAX_INSPECTED_BODY).await.unwrap_or_default();
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut m)) => {
                seen.patch_keys = m.keys().cloned().collect();
                if seen.on("enum-values-not-enforced") {
                    drop_unlisted_enums(&seen.path, &mut m);
                }
                let new = serde_json::to_vec(&m).unwrap_or_default();
                parts.headers.insert(
                    header::CONTENT_LENGTH,
                    HeaderValue::from_str(&new.len().to_string())
                        .unwrap_or(HeaderValue::from_static("0")),
                );
                Body::from(new)
            }
            _ => Body::from(bytes),
        }
    } else {
        body
    };
    (Request::from_parts(parts, body), seen)
}

/// Fault `token-revocation-unauthenticated`: revokes token `id` for an anonymous caller.
fn revoke_anonymously(st: &SharedState, id: &str) -> Response {
    let revoked = st.db.lock().ok().and_then(|conn| {
        conn.execute(
            "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            [&crate::util::now(), id],
        )
        .ok()
    });
    st.tokens.evict_token(id);
    match revoked {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => Problem::internal().into_response(),
    }
}

fn media_type(h: &axum::http::HeaderMap) -> String {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn set(h: &mut axum::http::HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// Applies `f` to every resource object of a success body (`data`, its elements, `included`).
fn each_resource(v: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match v.get_mut("data") {
        Some(Value::Object(m)) => f(m),
        Some(Value::Array(a)) => a
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(&mut *f),
        _ => {}
    }
    if let Some(Value::Array(a)) = v.get_mut("included") {
        a.iter_mut().filter_map(Value::as_object_mut).for_each(f);
    }
}

fn offset_timestamps(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    Value::String(s) if k.ends_with("_at") && s.ends_with('Z') => {
                        s.pop();
                        s.push_str("+00:00");
                    }
                    other => offset_timestamps(other),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(offset_timestamps),
        _ => {}
    }
}

/// A problem body of `kind` for this request (instance = the request path).
fn problem_body(seen: &Seen, kind: (u16, &'static str, &'static str), detail: &str) -> Value {
    let mut b = Problem::new(kind, detail).body();
    b["instance"] = json!(seen.path);
    b
}

fn row_in_any_workspace(st: &SharedState, table: &str, id: &str) -> bool {
    if crate::model::resource(table).is_none() {
        return false;
    }
    st.db
        .lock()
        .ok()
        .and_then(|c| {
            c.query_row(
                &format!("SELECT 1 FROM {table} WHERE id = ?1"),
                [id],
                |_| Ok(()),
            )
            .ok()
        })
        .is_some()
}

/// Runs last: rewrites the response the way the active switches say.
pub async fn after(st: &SharedState, seen: Seen, resp: Response) -> Response {
    if seen.active.is_empty() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let h = &mut parts.headers;
    let rid = HeaderName::from_static("x-request-id");
    // Correlation: header-only faults.
    if seen.on("request-id-not-echoed") && seen.request_id.is_some() {
        set(h, rid.clone(), &crate::util::new_id());
    }
    if seen.on("request-id-constant-when-absent") && seen.request_id.is_none() {
        set(h, rid.clone(), "3f8e2a4c-0000-4000-8000-000000000000");
    }
    if seen.on("request-id-missing-on-errors") && parts.status.as_u16() >= 400 {
        h.remove(&rid);
    }
    if seen.on("enums-no-cache-control") && seen.path == "/api/v1/enums" {
        h.remove(header::CACHE_CONTROL);
    }
    if seen.on("delete-returns-200-body")
        && seen.method == Method::DELETE
        && parts.status == StatusCode::NO_CONTENT
        && is_item(&seen.path)
    {
        parts.status = StatusCode::OK;
        set(h, header::CONTENT_TYPE, "application/json");
        h.remove(header::CONTENT_LENGTH);
        let id = api_segments(&seen.path).get(1).map(|s| s.to_string());
        let body = json!({"data": {"id": id, "deleted": true}});
        return Response::from_parts(parts, Body::from(body.to_string()));
    }
    let media = media_type(h);
    let rewritable = matches!(
        media.as_str(),
        "application/json" | "application/problem+json" | "text/markdown"
    );
    if !rewritable {
        return Response::from_parts(parts, body);
    }
    let bytes = to_bytes(body, MAX_REWRITTEN_BODY).await.unwrap_or_default();
    if media == "text/markdown" {
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if seen.path == "/api/v1/agents" && parts.status == StatusCode::OK {
            if seen.on("agents-served-as-html") {
                set(
                    &mut parts.headers,
                    header::CONTENT_TYPE,
                    "text/html; charset=utf-8",
                );
            }
            if seen.on("agents-missing-endpoint") {
                text = text
                    .lines()
                    .filter(|l| !l.contains("/webhooks"))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            if seen.on("agents-bloated") {
                text.push_str("\n\n<!-- changelog -->\n");
                for i in 0..1200 {
                    text.push_str(&format!(
                        "* {i:04}: internal release note kept for history.\n"
                    ));
                }
            }
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(text));
    }
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let status = parts.status.as_u16();
    let path = seen.path.clone();
    let segs: Vec<String> = api_segments(&path).iter().map(|s| s.to_string()).collect();
    let is_problem = media == "application/problem+json";
    let type_uri = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let slug = type_uri.rsplit('/').next().unwrap_or("").to_string();
    let type_base = type_uri
        .strip_suffix(&slug)
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let list = v.get("data").is_some_and(Value::is_array) && v.get("pagination").is_some();

    // --- errors ---
    if is_problem {
        if seen.on("error-leaks-sql")
            && status == 404
            && segs.len() == 2
            && is_item(&path)
            && !crate::util::is_uuid(&segs[1])
        {
            parts.status = StatusCode::BAD_REQUEST;
            v = problem_body(
                &seen,
                problem::BAD_REQUEST,
                &format!(
                    "rusqlite::Error::SqliteFailure: near \"{id}\": syntax error in SELECT * FROM {t} WHERE id = '{id}' AND workspace_id = ?2 (src/handlers/resources.rs:183)",
                    id = segs[1],
                    t = segs[0]
                ),
            );
        }
        if seen.on("cross-workspace-403")
            && status == 404
            && seen.method == Method::GET
            && is_item(&path)
            && row_in_any_workspace(st, &segs[0], &segs[1])
        {
            parts.status = StatusCode::FORBIDDEN;
            v = problem_body(
                &seen,
                problem::INSUFFICIENT_SCOPE,
                "This resource belongs to another workspace.",
            );
        }
        if seen.on("not-found-delete-204")
            && status == 404
            && seen.method == Method::DELETE
            && is_item(&path)
        {
            parts.status = StatusCode::NO_CONTENT;
            parts.headers.remove(header::CONTENT_TYPE);
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::empty());
        }
        if seen.on("malformed-json-422")
            && status == 400
            && v.get("detail")
                .and_then(Value::as_str)
                .is_some_and(|d| d.starts_with("Malformed JSON"))
        {
            parts.status = StatusCode::UNPROCESSABLE_ENTITY;
            v = problem_body(
                &seen,
                problem::VALIDATION_FAILED,
                "The request body is invalid.",
            );
            v["errors"] = json!({"body": ["invalid_format"]});
        }
        let has_idem_error = v
            .get("errors")
            .and_then(|e| e.get("idempotency_key"))
            .is_some();
        if seen.on("idempotency-mismatch-409-untyped") && status == 422 && has_idem_error {
            parts.status = StatusCode::CONFLICT;
            v = json!({
                "type": format!("{type_base}/idempotency-key-reused"),
                "title": "Idempotency Key Reused",
                "status": 409,
                "detail": "This Idempotency-Key was used with a different request body.",
                "instance": path,
            });
        }
        if seen.on("validation-as-400") && status == 422 && slug == "validation-failed" {
            parts.status = StatusCode::BAD_REQUEST;
            v["type"] = json!(format!("{type_base}/bad-request"));
            v["title"] = json!("Bad Request");
            v["status"] = json!(400);
        }
        if seen.on("missing-params-400") && status == 422 && slug == "invalid-params" {
            parts.status = StatusCode::BAD_REQUEST;
            v["type"] = json!(format!("{type_base}/bad-request"));
            v["title"] = json!("Bad Request");
            v["status"] = json!(400);
        }
        let status = parts.status.as_u16();
        if seen.on("problem-plain-json-on-404") && status == 404 {
            set(&mut parts.headers, header::CONTENT_TYPE, "application/json");
        }
        if seen.on("problem-title-varies") && status == 404 && seen.method != Method::GET {
            v["title"] = json!("Resource Not Found");
        }
        if seen.on("bad-request-generic-detail") && status == 400 {
            v["detail"] = json!("The request is invalid.");
            if let Some(m) = v.as_object_mut() {
                m.remove("invalid_param");
            }
        }
        if seen.on("errors-member-on-404") && status == 404 {
            v["errors"] = json!({"id": ["not_found"]});
        }
        if let Some(Value::Object(errors)) = v.get_mut("errors") {
            for codes in errors.values_mut() {
                if seen.on("validation-codes-nonstandard") {
                    if let Value::Array(a) = codes {
                        for c in a.iter_mut() {
                            if c == "cant_be_blank" {
                                *c = json!("required");
                            }
                        }
                    }
                }
                if seen.on("validation-errors-not-arrays") {
                    let first = codes.get(0).cloned().unwrap_or(Value::Null);
                    *codes = first;
                }
            }
        }
        if seen.on("problem-type-relative") && !slug.is_empty() {
            let slug = v["type"]
                .as_str()
                .and_then(|t| t.rsplit('/').next())
                .unwrap_or("")
                .to_string();
            v["type"] = json!(format!("/problems/{slug}"));
        }
        if seen.on("problem-instance-wrong") && v.get("instance").is_some() {
            v["instance"] = json!(format!("urn:uuid:{}", crate::util::new_id()));
        }
        if seen.on("problem-status-as-string") {
            let s = v.get("status").map(|s| s.to_string()).unwrap_or_default();
            v["status"] = json!(s);
        }
    }

    // --- success bodies ---
    if (200..300).contains(&status) && !is_problem {
        if seen.on("internal-error-leaks-stack")
            && seen.method == Method::GET
            && status == 200
            && seen.query.is_none()
            && is_collection(&path)
        {
            parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            parts.headers.remove(header::LINK);
            set(
                &mut parts.headers,
                header::CONTENT_TYPE,
                "application/problem+json",
            );
            v = problem_body(
                &seen,
                problem::INTERNAL,
                "thread 'tokio-runtime-worker' panicked at src/query/list.rs:312:42:\ncalled `Result::unwrap()` on an `Err` value: SqliteFailure(Error { code: DatabaseBusy }, Some(\"database is locked\"))\nstack backtrace:\n   0: reference_server::query::list::run_list\n   1: reference_server::handlers::resources::list",
            );
        }
        if seen.on("single-get-unwrapped") && seen.method == Method::GET && is_item(&path) {
            if let Some(d) = v.get("data").cloned() {
                v = d;
            }
        }
        if seen.on("collection-missing-links") && seen.method == Method::GET && list {
            if let Some(m) = v.as_object_mut() {
                m.remove("links");
            }
        }
        if seen.on("create-returns-200")
            && seen.method == Method::POST
            && status == 201
            && is_collection(&path)
        {
            parts.status = StatusCode::OK;
        }
        if seen.on("patch-returns-partial") && seen.method == Method::PATCH && is_item(&path) {
            if let Some(Value::Object(d)) = v.get_mut("data") {
                d.retain(|k, _| k == "id" || seen.patch_keys.contains(k));
            }
        }
        if seen.on("list-content-type-text-plain") && seen.method == Method::GET && list {
            set(
                &mut parts.headers,
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            );
        }
        if seen.on("ids-uppercase") && seen.method == Method::GET && list {
            each_resource(&mut v, &mut |m| {
                if let Some(Value::String(id)) = m.get_mut("id") {
                    *id = id.to_ascii_uppercase();
                }
            });
        }
        if seen.on("timestamps-with-offset") {
            offset_timestamps(&mut v);
        }
        if seen.on("updated-at-missing") {
            each_resource(&mut v, &mut |m| {
                m.remove("updated_at");
            });
        }
        if seen.on("null-fields-omitted") {
            each_resource(&mut v, &mut |m| m.retain(|_, x| !x.is_null()));
        }
        if seen.on("empty-arrays-as-null") {
            each_resource(&mut v, &mut |m| {
                for x in m.values_mut() {
                    if x.as_array().is_some_and(Vec::is_empty) {
                        *x = Value::Null;
                    }
                }
            });
        }
        if path == "/api/v1/enums" {
            let data = v.get_mut("data").and_then(Value::as_object_mut);
            if let Some(data) = data {
                if seen.on("enums-missing-error-codes") {
                    data.remove("error_codes");
                }
                if seen.on("validation-codes-nonstandard") {
                    if let Some(Value::Array(a)) = data
                        .get_mut("error_codes")
                        .and_then(|e| e.get_mut("values"))
                    {
                        a.push(json!("required"));
                    }
                }
                for (key, fields) in data.iter_mut() {
                    if key == "scopes" || key == "error_codes" {
                        continue;
                    }
                    let Some(fields) = fields.as_object_mut() else {
                        continue;
                    };
                    for entry in fields.values_mut() {
                        if seen.on("enums-sorted-alphabetically") {
                            if let Some(Value::Array(a)) = entry.get_mut("values") {
                                a.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
                            }
                        }
                        // Fault: values gathered by iterating a hash map, whose order changes
                        // from one iteration to the next (Go's map range order, say).
                        if seen.on("enums-unordered") {
                            if let Some(Value::Array(a)) = entry.get_mut("values") {
                                if !a.is_empty() {
                                    let by = ENUM_SHUFFLE.fetch_add(1, Ordering::Relaxed);
                                    let n = a.len();
                                    a.rotate_left(by % n);
                                }
                            }
                        }
                        if seen.on("enums-flat-values") {
                            let values = entry.get("values").cloned().unwrap_or(json!([]));
                            *entry = values;
                        }
                    }
                }
            }
        }
        if path == "/api/v1/token" {
            if let Some(Value::Object(d)) = v.get_mut("data") {
                if seen.on("token-info-missing-rate-limit") {
                    d.remove("rate_limit");
                }
                if seen.on("token-info-wrong-scopes") {
                    d.insert("scopes".into(), json!(["all:read"]));
                }
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let bytes = serde_json::to_vec(&v).unwrap_or_default();
    Response::from_parts(parts, Body::from(bytes))
}
