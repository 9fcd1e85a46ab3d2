//! Extra helpers for the protocol-level integration tests (auth, headers, errors, writes,
//! webhooks, ...). Used next to `common` (`mod common; mod helpers;`).
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::common::{TestServer, header};

/// The five security headers and their exact values (guide: "CORS & Security Headers").
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

pub fn assert_security_headers(h: &HeaderMap, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(header(h, name), Some(value), "{name} on {what}");
    }
}

/// Lowercase UUID v4 string (`conventions.ids-lowercase-uuid-v4-strings`).
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

pub fn assert_uuid_v4(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(is_uuid_v4(s), "{what} is not a lowercase uuid v4: {s}");
}

/// RFC 3339 in UTC with a `Z` suffix (fractional seconds allowed).
pub fn is_utc_timestamp(s: &str) -> bool {
    s.ends_with('Z')
        && s.len() >= 20
        && s.as_bytes()[10] == b'T'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

pub fn assert_utc_timestamp(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(
        is_utc_timestamp(s),
        "{what} is not a UTC ISO 8601 timestamp: {s}"
    );
}

pub fn parse_ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("timestamp string"))
        .expect("rfc3339")
        .with_timezone(&chrono::Utc)
}

/// A name that is unique across tests and runs.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}",
        N.fetch_add(1, Ordering::Relaxed),
        &uuid::Uuid::new_v4().to_string()[..8]
    )
}

/// Parses `RateLimit: limit=L, remaining=R, reset=S`.
pub fn parse_ratelimit(v: &str) -> Option<(u64, u64, u64)> {
    let mut limit = None;
    let mut remaining = None;
    let mut reset = None;
    for part in v.split(',') {
        let (k, val) = part.trim().split_once('=')?;
        let n: u64 = val.trim().parse().ok()?;
        match k.trim() {
            "limit" => limit = Some(n),
            "remaining" => remaining = Some(n),
            "reset" => reset = Some(n),
            _ => return None,
        }
    }
    Some((limit?, remaining?, reset?))
}

/// Asserts the RateLimit / RateLimit-Policy pair in the guide's syntax; returns (limit, remaining).
pub fn assert_rate_headers(h: &HeaderMap, what: &str) -> (u64, u64) {
    let rl = header(h, "ratelimit").unwrap_or_else(|| panic!("no RateLimit header on {what}"));
    let (limit, remaining, _reset) =
        parse_ratelimit(rl).unwrap_or_else(|| panic!("RateLimit not in the guide's syntax: {rl}"));
    assert!(remaining <= limit, "{rl}");
    let policy =
        header(h, "ratelimit-policy").unwrap_or_else(|| panic!("no RateLimit-Policy on {what}"));
    assert_eq!(
        policy,
        format!("{limit};w=60"),
        "RateLimit-Policy on {what}"
    );
    (limit, remaining)
}

/// GET a path and return (status, headers, json).
pub async fn get_json(s: &TestServer, path: &str, role: &str) -> (u16, HeaderMap, Value) {
    crate::common::parts(s.get(path, role).await).await
}

/// Ids of `data[]` in a list body.
pub fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array: {body}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every id on the first page of a list whose query string is `query` (e.g. `q=foo`).
pub async fn list_ids(s: &TestServer, path_and_query: &str, role: &str) -> Vec<String> {
    let (status, _, body) = get_json(s, path_and_query, role).await;
    assert_eq!(status, 200, "{path_and_query}: {body}");
    ids(&body)
}

/// Percent-encodes a query value.
pub fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A tiny HTTP receiver for webhook deliveries on 127.0.0.1:0.
pub struct Receiver {
    pub url: String,
    /// Status code answered to every delivery.
    pub status: Arc<AtomicU16>,
    /// Delay before answering, in milliseconds.
    pub delay_ms: Arc<AtomicU64>,
    pub rx: tokio::sync::mpsc::UnboundedReceiver<Delivery>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
    pub at: std::time::Instant,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("delivery body is JSON")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        use axum::routing::post;
        let status = Arc::new(AtomicU16::new(200));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (st, dl) = (status.clone(), delay_ms.clone());
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: axum::http::HeaderMap, body: bytes::Bytes| {
                let (st, dl, tx) = (st.clone(), dl.clone(), tx.clone());
                async move {
                    let _ = tx.send(Delivery {
                        headers,
                        body,
                        at: std::time::Instant::now(),
                    });
                    let d = dl.load(Ordering::Relaxed);
                    if d > 0 {
                        tokio::time::sleep(Duration::from_millis(d)).await;
                    }
                    axum::http::StatusCode::from_u16(st.load(Ordering::Relaxed))
                        .unwrap_or(axum::http::StatusCode::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://127.0.0.1:{}/hook", addr.port()),
            status,
            delay_ms,
            rx,
            task,
        }
    }

    /// The next delivery, or None after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Delivery> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Asserts nothing arrives within `wait`.
    pub async fn expect_none(&mut self, wait: Duration) {
        if let Some(d) = self.next(wait).await {
            panic!("unexpected delivery: {}", String::from_utf8_lossy(&d.body));
        }
    }
}
