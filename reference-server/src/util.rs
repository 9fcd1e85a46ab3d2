//! Small shared helpers: timestamps, query-string decoding, ETags and JSON responses.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// Storage and wire format of every timestamp: UTC, microseconds, `Z`.
pub const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn now() -> String {
    chrono::Utc::now().format(TS_FORMAT).to_string()
}

pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format(TS_FORMAT).to_string()
}

pub fn in_future(d: std::time::Duration) -> String {
    ts(chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero()))
}

/// Parses an RFC 3339 timestamp (any offset) and normalises it to UTC in [`TS_FORMAT`].
pub fn normalise_timestamp(s: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| ts(t.with_timezone(&chrono::Utc)))
}

/// Decodes a raw query string into ordered (key, value) pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Rejects any query parameter at all (for endpoints that take none).
pub fn no_query(raw: Option<&str>) -> Result<(), Problem> {
    match query_pairs(raw).into_iter().next() {
        Some((k, _)) => Err(
            Problem::bad_request(format!("Unrecognized query parameter '{k}'."))
                .with("invalid_param", Value::String(k)),
        ),
        None => Ok(()),
    }
}

/// Strong entity tag of a row version.
pub fn etag(id: &str, version: i64) -> String {
    let h = Sha256::digest(format!("{id}:{version}").as_bytes());
    format!("\"{}\"", hex::encode(&h[..10]))
}

/// Does an `If-Match` / `If-None-Match` header value match `current`? (`*` matches anything.)
pub fn etag_matches(header_value: &str, current: &str) -> bool {
    header_value
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current)
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A JSON response with status and optional ETag.
pub fn json_response(status: StatusCode, body: &Value, etag: Option<&str>) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (status, bytes).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    resp
}

/// Parses a JSON request body; malformed JSON → 400, non-object → 400.
pub fn parse_json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Problem> {
    if body.is_empty() {
        return Err(Problem::bad_request(
            "The request body is empty; a JSON object is required.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Problem::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(Problem::bad_request(format!(
            "Malformed JSON in request body: {e}."
        ))),
    }
}

pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
