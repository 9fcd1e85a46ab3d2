//! Webhooks: registration endpoints, event fan-out and signed, retried delivery.
//!
//! Every resource write emits `{type}.{action}`; the dispatcher looks up the workspace's
//! subscribed webhooks and delivers `{id, type, created_at, data, workspace_id}` by POST with
//! `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. A non-2xx answer, or no
//! answer within the timeout (10 s), is retried on the configured schedule (1m, 5m, 30m, 2h,
//! 24h); the same event id is redelivered (at-least-once). After 5 consecutive failed attempts
//! the webhook is marked `failing` but stays subscribed.

use std::sync::Weak;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use rusqlite::params;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::auth::AuthToken;
use crate::handlers::resources::{fetch_row, soft_delete};
use crate::model::{self, WEBHOOKS};
use crate::problem::{ApiResult, Problem};
use crate::query::{self, ListContext};
use crate::state::{AppState, SharedState};
use crate::util::{self, json_response};

/// Consecutive failed attempts after which a webhook is marked failing.
pub const FAILING_AFTER: i64 = 5;

#[derive(Debug)]
pub struct Event {
    workspace_id: String,
    kind: String,
    data: Value,
}

/// The sending half of the event queue, held in the app state.
#[derive(Clone)]
pub struct Events {
    tx: mpsc::UnboundedSender<Event>,
}

impl Events {
    pub fn channel() -> (Events, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events { tx }, rx)
    }

    pub fn emit(&self, workspace_id: &str, kind: &str, data: Value) {
        let _ = self.tx.send(Event {
            workspace_id: workspace_id.to_string(),
            kind: kind.to_string(),
            data,
        });
    }
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Runs until the app state is dropped, fanning events out to deliveries.
pub fn spawn_dispatcher(state: Weak<AppState>, mut rx: mpsc::UnboundedReceiver<Event>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("reference-server-webhooks/1")
        .build()
        .expect("http client");
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            let Some(st) = state.upgrade() else { break };
            let hooks = match subscribed(&st, &ev) {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "failed to look up webhooks");
                    continue;
                }
            };
            if hooks.is_empty() {
                continue;
            }
            let mut payload = json!({
                "id": util::new_id(),
                "type": ev.kind,
                "created_at": util::now(),
                "data": ev.data,
                "workspace_id": ev.workspace_id,
            });
            // Fault: the event envelope is built without the workspace it belongs to.
            if st.fault("webhook-event-without-workspace-id") {
                if let Some(p) = payload.as_object_mut() {
                    p.remove("workspace_id");
                }
            }
            let body = serde_json::to_vec(&payload).unwrap_or_default();
            for (hook_id, url, secret) in hooks {
                let st = state.clone();
                let client = client.clone();
                let body = body.clone();
                let event_id = payload["id"].as_str().unwrap_or_default().to_string();
                tokio::spawn(deliver(st, client, hook_id, url, secret, event_id, body));
            }
        }
    });
}

fn subscribed(st: &AppState, ev: &Event) -> rusqlite::Result<Vec<(String, String, String)>> {
    let conn = st.db.lock().map_err(|_| rusqlite::Error::InvalidQuery)?;
    // Fault: the fan-out looks webhooks up by event type only, forgetting the workspace.
    let any_workspace = st.fault("webhook-fanout-ignores-workspace");
    let mut stmt = conn.prepare_cached(
        "SELECT id, url, secret, events, state FROM webhooks WHERE (workspace_id = ?1 OR ?2) AND deleted_at IS NULL",
    )?;
    let rows = stmt.query_map(params![ev.workspace_id, any_workspace], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, url, secret, events, state) = row?;
        if state == "disabled" {
            continue;
        }
        let events: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
        // Fault: every webhook of the workspace gets every event, whatever it subscribed to.
        if events.contains(&ev.kind) || st.fault("webhook-subscription-ignored") {
            out.push((id, url, secret));
        }
    }
    Ok(out)
}

async fn deliver(
    state: Weak<AppState>,
    client: reqwest::Client,
    hook_id: String,
    url: String,
    secret: String,
    event_id: String,
    body: Vec<u8>,
) {
    let delivery_id = util::new_id();
    let schedule = match state.upgrade() {
        Some(st) => {
            if let Ok(conn) = st.db.lock() {
                let _ = conn.execute(
                    "INSERT INTO webhook_deliveries (id, webhook_id, event_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![delivery_id, hook_id, event_id, String::from_utf8_lossy(&body), util::now()],
                );
            }
            st.config.webhook_schedule.clone()
        }
        None => return,
    };
    let mut body = body;
    for attempt in 0..=schedule.len() {
        // Fault: the retry loop forgets to wait, so every attempt fires back to back.
        let no_backoff = state
            .upgrade()
            .is_some_and(|st| st.fault("webhook-retry-without-backoff"));
        if attempt > 0 && !no_backoff {
            tokio::time::sleep(schedule[attempt - 1]).await;
        }
        let Some(st) = state.upgrade() else { return };
        // Fault: each attempt re-serialises the event with a freshly minted id, so a retry
        // looks like a new event to the receiver.
        if attempt > 0 && st.fault("webhook-retry-new-event-id") {
            if let Ok(mut p) = serde_json::from_slice::<Value>(&body) {
                p["id"] = json!(util::new_id());
                body = serde_json::to_vec(&p).unwrap_or_default();
            }
        }
        let alive = st
            .db
            .lock()
            .ok()
            .and_then(|c| {
                c.query_row(
                    "SELECT deleted_at IS NULL FROM webhooks WHERE id = ?1",
                    [&hook_id],
                    |r| r.get::<_, bool>(0),
                )
                .ok()
            })
            .unwrap_or(false);
        if !alive {
            return;
        }
        let signature = if st.fault("webhook-wrong-signature") {
            sign(&format!("{secret}x"), &body)
        } else {
            sign(&secret, &body)
        };
        // Fault: deliveries use the HTTP client's lax default timeout instead of the 10 s one.
        let timeout = if st.fault("webhook-no-delivery-timeout") {
            std::time::Duration::from_secs(300)
        } else {
            st.config.webhook_timeout
        };
        // Fault: deliveries sent with PUT (an "upsert the event" client helper).
        let method = if st.fault("webhook-delivered-via-put") {
            reqwest::Method::PUT
        } else {
            reqwest::Method::POST
        };
        let disable = st.fault("webhook-disabled-after-failures");
        drop(st);
        let result = client
            .request(method, &url)
            .timeout(timeout)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-webhook-signature", signature)
            .header("x-webhook-id", &event_id)
            .body(body.clone())
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let Some(st) = state.upgrade() else { return };
        if let Ok(conn) = st.db.lock() {
            let now = util::now();
            let _ = conn.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?1, delivered_at = CASE WHEN ?2 THEN ?3 END WHERE id = ?4",
                params![status, ok, now, delivery_id],
            );
            let _ = if ok {
                conn.execute(
                    "UPDATE webhooks SET failure_count = 0, last_delivery_at = ?1 WHERE id = ?2",
                    params![now, hook_id],
                )
            } else {
                // Fault: a webhook failing 5 times is switched off instead of marked failing.
                let failed_state = if disable { "disabled" } else { "failing" };
                conn.execute(
                    "UPDATE webhooks SET failure_count = failure_count + 1,
                        state = CASE WHEN failure_count + 1 >= ?1 THEN ?4 ELSE state END,
                        updated_at = ?2
                     WHERE id = ?3",
                    params![FAILING_AFTER, now, hook_id, failed_state],
                )
            };
        }
        if ok {
            return;
        }
        tracing::info!(%hook_id, attempt, ?status, "webhook delivery failed");
    }
}

fn valid_event(e: &str) -> bool {
    model::RESOURCES.iter().any(|r| {
        model::EVENT_ACTIONS
            .iter()
            .any(|a| e == format!("{}.{a}", r.type_name))
    })
}

fn url_allowed(st: &SharedState, url: &str) -> Result<(), &'static str> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "invalid_format")?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or("");
            // Fault: any plain-http URL accepted, not only loopback ones.
            if st.config.webhook_http_hosts.iter().any(|h| h == host)
                || st.fault("webhook-http-urls-accepted")
            {
                Ok(())
            } else {
                // Payloads are signed, not encrypted: https only (loopback excepted).
                Err("invalid_format")
            }
        }
        _ => Err("invalid_format"),
    }
}

pub async fn create(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let body = util::parse_json_object(&body)?;
    let mut errors = serde_json::Map::new();
    for k in body.keys() {
        if !["url", "events", "secret"].contains(&k.as_str()) {
            errors.insert(k.clone(), json!(["unknown_field"]));
        }
    }
    let url = match body.get("url").and_then(Value::as_str) {
        Some(u) if !u.trim().is_empty() => {
            if let Err(code) = url_allowed(&st, u) {
                errors.insert("url".into(), json!([code]));
            }
            u.to_string()
        }
        _ => {
            errors.insert("url".into(), json!(["cant_be_blank"]));
            String::new()
        }
    };
    let events: Vec<String> = match body.get("events").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => {
            let ev: Vec<String> = a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if ev.len() != a.len() || !ev.iter().all(|e| valid_event(e)) {
                errors.insert("events".into(), json!(["inclusion"]));
            }
            ev
        }
        _ => {
            errors.insert("events".into(), json!(["cant_be_blank"]));
            vec![]
        }
    };
    let secret = match body.get("secret").and_then(Value::as_str) {
        // Lengths in characters, as the document's minLength/maxLength count them.
        Some(s) if s.chars().count() < 16 => {
            errors.insert("secret".into(), json!(["too_short"]));
            String::new()
        }
        Some(s) if s.chars().count() > 200 => {
            errors.insert("secret".into(), json!(["too_long"]));
            String::new()
        }
        Some(s) => s.to_string(),
        None => {
            errors.insert("secret".into(), json!(["cant_be_blank"]));
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let conn = st.db.lock()?;
    let id = util::new_id();
    let now = util::now();
    conn.execute(
        "INSERT INTO webhooks (id, workspace_id, url, events, secret, state, inserted_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?6)",
        params![id, t.workspace_id, url, serde_json::to_string(&events).unwrap_or_default(), secret, now],
    )?;
    let row = fetch_row(&conn, &WEBHOOKS, &t.workspace_id, &id)?.ok_or_else(Problem::internal)?;
    // Fault: the registration answered 200 instead of 201 Created.
    let status = if st.fault("webhook-create-returns-200") {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut resp = json_response(
        status,
        &json!({"data": Value::Object(row.data)}),
        Some(&util::etag(&id, row.version)),
    );
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/webhooks/{id}")) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

pub async fn list(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(q.as_deref());
    let q = query::parse_list_query(&WEBHOOKS, &pairs)?;
    let conn = st.db.lock()?;
    let out = query::run_list(
        &conn,
        &ListContext {
            res: &WEBHOOKS,
            workspace_id: &t.workspace_id,
            parent: None,
            base_path: "/api/v1/webhooks",
        },
        &q,
    )?;
    Ok(crate::handlers::resources::list_response(out))
}

pub async fn get_one(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    match fetch_row(&conn, &WEBHOOKS, &t.workspace_id, &id)? {
        Some(r) if !r.deleted => Ok(json_response(
            StatusCode::OK,
            &json!({"data": Value::Object(r.data)}),
            Some(&util::etag(&id, r.version)),
        )),
        _ => Err(Problem::not_found()),
    }
}

pub async fn delete(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    match fetch_row(&conn, &WEBHOOKS, &t.workspace_id, &id)? {
        Some(r) if !r.deleted => {
            soft_delete(&conn, &WEBHOOKS, &t.workspace_id, &id)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(Problem::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
