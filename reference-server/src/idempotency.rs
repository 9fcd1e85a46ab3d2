//! Idempotency-Key handling for POST requests (Stripe convention).
//!
//! Keys are scoped to the workspace. The first 2xx response for a key is stored (status,
//! headers, body) and replayed for 24 h with `Idempotency-Replayed: true`; the same key with a
//! different request (method, path or body) is refused with 422 (C01: the guide's rule bullet
//! says 422, its problem table suggests 409). A per-key lock makes concurrent duplicates wait
//! for the first one and then replay it, so one row is created.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{OptionalExtension, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::AuthToken;
use crate::problem::Problem;
use crate::state::SharedState;

/// Largest request body we fingerprint (file uploads are up to 10 MB plus multipart overhead).
const MAX_BODY: usize = 12 * 1024 * 1024;
const MAX_KEY_LEN: usize = 255;
/// Response headers stored with the key and replayed.
const STORED_HEADERS: &[&str] = &["content-type", "etag", "location"];

pub async fn idempotency(State(st): State<SharedState>, req: Request, next: Next) -> Response {
    // Fault: every POST must carry a key, the read-only POST /search included.
    if st.fault("search-requires-idempotency-key")
        && req.method() == Method::POST
        && req.uri().path().ends_with("/search")
        && !req.headers().contains_key("idempotency-key")
    {
        return Problem::bad_request("The Idempotency-Key header is required on POST requests.")
            .into_response();
    }
    let applies = (req.method() == Method::POST
        || (req.method() == Method::PATCH && st.fault("idempotency-applied-to-patch")))
        && !req.uri().path().ends_with("/search")
        && req.headers().contains_key("idempotency-key");
    if !applies {
        return next.run(req).await;
    }
    // Fault: keys accepted on collection POSTs only; an action under an item
    // (`/{id}/restore`) refuses them.
    let segments = req.uri().path().trim_matches('/').split('/').count();
    if st.fault("idempotency-key-rejected-on-actions") && segments > 4 {
        return Problem::bad_request("Idempotency-Key is only supported when creating a resource.")
            .into_response();
    }
    let key = match req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
    {
        // Printable ASCII only: a header value may also carry tabs, which a key must not.
        Some(k)
            if !k.trim().is_empty()
                && k.len() <= MAX_KEY_LEN
                && k.bytes().all(|b| (0x20..=0x7e).contains(&b)) =>
        {
            k.to_string()
        }
        _ => {
            return Problem::bad_request(format!(
                "Idempotency-Key must be 1-{MAX_KEY_LEN} visible characters."
            ))
            .into_response();
        }
    };
    let Some(workspace) = req
        .extensions()
        .get::<AuthToken>()
        .map(|t| t.workspace_id.clone())
        .map(|w| {
            if st.fault("idempotency-keys-global") {
                String::new()
            } else {
                w
            }
        })
    else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::new(
                crate::problem::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            )
            .into_response();
        }
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b" ");
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    if !st.fault("idempotency-key-ignores-body") {
        h.update(&bytes);
    }
    let fingerprint = hex::encode(h.finalize());

    let lock = {
        let mut locks = match st.idem_locks.lock() {
            Ok(l) => l,
            Err(_) => return Problem::internal().into_response(),
        };
        locks
            .entry((workspace.clone(), key.clone()))
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
            .clone()
    };
    let guard = lock.lock().await;

    let result = async {
        if let Some(resp) = lookup(&st, &workspace, &key, &fingerprint)? {
            return Ok::<Response, Problem>(resp);
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        let resp = next.run(req).await;
        if !resp.status().is_success() {
            return Ok(resp);
        }
        let (rparts, rbody) = resp.into_parts();
        let rbytes = to_bytes(rbody, usize::MAX)
            .await
            .map_err(|_| Problem::internal())?;
        if !st.fault("idempotency-not-stored") {
            let headers: Vec<(String, String)> = STORED_HEADERS
                .iter()
                .filter_map(|name| {
                    rparts
                        .headers
                        .get(*name)
                        .and_then(|v| v.to_str().ok())
                        .map(|v| (name.to_string(), v.to_string()))
                })
                .collect();
            let conn = st.db.lock()?;
            conn.execute(
                "INSERT OR REPLACE INTO idempotency_keys
                 (workspace_id, key, fingerprint, status, headers, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    workspace,
                    key,
                    fingerprint,
                    rparts.status.as_u16() as i64,
                    serde_json::to_string(&headers).unwrap_or_default(),
                    rbytes.to_vec(),
                    crate::util::now(),
                ],
            )?;
        }
        Ok(Response::from_parts(rparts, Body::from(rbytes)))
    }
    .await;
    drop(guard);
    if let Ok(mut locks) = st.idem_locks.lock() {
        // Drop the lock entry once nobody else holds or waits for it.
        if Arc::strong_count(&lock) <= 2 {
            locks.remove(&(workspace, key));
        }
    }
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A stored response for the key, replayed; or a 422 when the key was used for another request.
fn lookup(
    st: &SharedState,
    workspace: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Response>, Problem> {
    let conn = st.db.lock()?;
    let row = conn
        .query_row(
            "SELECT fingerprint, status, headers, body, created_at FROM idempotency_keys
             WHERE workspace_id = ?1 AND key = ?2",
            params![workspace, key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((stored_fp, status, headers, body, created_at)) = row else {
        return Ok(None);
    };
    // Fault: the lookup never checks the key's age (and nothing purges old keys).
    let never_expire = st.fault("idempotency-keys-never-expire");
    let expired = !never_expire
        && chrono::DateTime::parse_from_rfc3339(&created_at)
            .map(|t| {
                let age = chrono::Utc::now().signed_duration_since(t);
                age.to_std()
                    .map(|a| a >= st.config.idempotency_ttl)
                    .unwrap_or(false)
            })
            .unwrap_or(true);
    if expired {
        conn.execute(
            "DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND key = ?2",
            params![workspace, key],
        )?;
        return Ok(None);
    }
    if stored_fp != fingerprint {
        return Err(Problem::new(
            crate::problem::VALIDATION_FAILED,
            "This Idempotency-Key was already used with a different request body; use a new key for a new request.",
        )
        .with("errors", json!({"idempotency_key": ["idempotency_key_mismatch"]})));
    }
    let headers: Vec<(String, String)> = serde_json::from_str(&headers).unwrap_or_default();
    let mut resp = (
        StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
        body,
    )
        .into_response();
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(&v)) {
            resp.headers_mut().insert(k, v);
        }
    }
    if !st.fault("idempotency-no-replayed-header") {
        resp.headers_mut()
            .insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    Ok(Some(resp))
}

/// Test hook: makes every stored key `by` older, as if that much time had passed (the
/// in-process target offers it so that key expiry can be observed without waiting 24 h).
pub fn age_keys(st: &SharedState, by: std::time::Duration) -> Result<usize, Problem> {
    let conn = st.db.lock()?;
    let rows: Vec<(String, String, String)> = {
        let mut stmt =
            conn.prepare("SELECT workspace_id, key, created_at FROM idempotency_keys")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::zero());
    for (ws, key, created) in &rows {
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(created) else {
            continue;
        };
        let aged = crate::util::ts(t.with_timezone(&chrono::Utc) - by);
        conn.execute(
            "UPDATE idempotency_keys SET created_at = ?1 WHERE workspace_id = ?2 AND key = ?3",
            params![aged, ws, key],
        )?;
    }
    Ok(rows.len())
}
