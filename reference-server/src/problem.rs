//! RFC 9457 problem details: the one error type every handler returns.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Standard problem types of the guide: (status, slug, title).
pub const BAD_REQUEST: (u16, &str, &str) = (400, "bad-request", "Bad Request");
pub const INVALID_TOKEN: (u16, &str, &str) = (401, "invalid-token", "Invalid Token");
pub const INSUFFICIENT_SCOPE: (u16, &str, &str) = (403, "insufficient-scope", "Insufficient Scope");
pub const NOT_FOUND: (u16, &str, &str) = (404, "not-found", "Not Found");
pub const METHOD_NOT_ALLOWED: (u16, &str, &str) = (405, "method-not-allowed", "Method Not Allowed");
pub const CONFLICT: (u16, &str, &str) = (409, "conflict", "Conflict");
pub const PRECONDITION_FAILED: (u16, &str, &str) =
    (412, "precondition-failed", "Precondition Failed");
pub const PAYLOAD_TOO_LARGE: (u16, &str, &str) = (413, "payload-too-large", "Payload Too Large");
pub const UNSUPPORTED_MEDIA: (u16, &str, &str) =
    (415, "unsupported-media-type", "Unsupported Media Type");
pub const VALIDATION_FAILED: (u16, &str, &str) = (422, "validation-failed", "Validation Failed");
pub const INVALID_PARAMS: (u16, &str, &str) = (422, "invalid-params", "Invalid Parameters");
pub const UPLOAD_FAILED: (u16, &str, &str) = (422, "upload-failed", "Upload Failed");
pub const PRECONDITION_REQUIRED: (u16, &str, &str) =
    (428, "precondition-required", "Precondition Required");
pub const RATE_LIMITED: (u16, &str, &str) = (429, "rate-limit-exceeded", "Rate Limit Exceeded");
pub const INTERNAL: (u16, &str, &str) = (500, "internal-error", "Internal Error");
pub const UNAVAILABLE: (u16, &str, &str) = (503, "service-unavailable", "Service Unavailable");

/// Problem type base URI, set once at start-up (the server's `problem_base`).
static BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn set_base(base: &str) {
    let _ = BASE.set(base.trim_end_matches('/').to_string());
}

fn base() -> &'static str {
    BASE.get()
        .map(String::as_str)
        .unwrap_or("https://api.example.com/problems")
}

/// An error response in RFC 9457 form (boxed: it travels in every handler's `Err`).
#[derive(Debug, Clone)]
pub struct Problem(Box<ProblemData>);

/// The members of a [`Problem`].
#[derive(Debug, Clone)]
pub struct ProblemData {
    pub status: u16,
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Extension members (`errors`, `required_scope`, ...).
    pub extra: Map<String, Value>,
    /// Extra response headers (Allow, Retry-After, ...).
    pub headers: Vec<(header::HeaderName, String)>,
}

pub type ApiResult<T> = Result<T, Problem>;

impl std::ops::Deref for Problem {
    type Target = ProblemData;
    fn deref(&self) -> &ProblemData {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemData {
        &mut self.0
    }
}

impl Problem {
    pub fn new(kind: (u16, &'static str, &'static str), detail: impl Into<String>) -> Problem {
        Problem(Box::new(ProblemData {
            status: kind.0,
            slug: kind.1,
            title: kind.2,
            detail: detail.into(),
            extra: Map::new(),
            headers: Vec::new(),
        }))
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(BAD_REQUEST, detail)
    }

    pub fn not_found() -> Problem {
        Problem::new(NOT_FOUND, "The requested resource does not exist.")
    }

    pub fn internal() -> Problem {
        Problem::new(
            INTERNAL,
            "An unexpected error occurred. It has been logged.",
        )
    }

    /// 422 validation-failed with a field → codes map.
    pub fn validation(errors: Map<String, Value>) -> Problem {
        let n = errors.len();
        let detail = if n == 1 {
            "1 field has validation errors.".to_string()
        } else {
            format!("{n} fields have validation errors.")
        };
        Problem::new(VALIDATION_FAILED, detail).with("errors", Value::Object(errors))
    }

    pub fn validation_one(field: &str, code: &str) -> Problem {
        let mut m = Map::new();
        m.insert(field.into(), json!([code]));
        Problem::validation(m)
    }

    pub fn with(mut self, key: &str, value: Value) -> Problem {
        self.extra.insert(key.into(), value);
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Problem {
        self.headers.push((name, value.into()));
        self
    }

    pub fn type_uri(&self) -> String {
        format!("{}/{}", base(), self.slug)
    }

    /// The JSON body; `instance` is filled in by the response middleware from the request path.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.type_uri()));
        m.insert("title".into(), json!(self.title));
        m.insert("status".into(), json!(self.status));
        m.insert("detail".into(), json!(self.detail));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

/// Marker extension telling the response middleware that the body is already a problem.
#[derive(Clone, Copy)]
pub struct IsProblem;

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.0.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().append(name, v);
            }
        }
        resp.extensions_mut().insert(IsProblem);
        resp
    }
}

impl From<crate::db::DbError> for Problem {
    fn from(e: crate::db::DbError) -> Problem {
        match e {
            crate::db::DbError::Unavailable => Problem::new(
                UNAVAILABLE,
                "The service is temporarily unavailable. Retry later.",
            ),
            other => {
                tracing::error!(error = %other, "database error");
                Problem::internal()
            }
        }
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Problem {
        tracing::error!(error = %e, "sql error");
        Problem::internal()
    }
}

/// Maps a status code produced outside our handlers (router 404/405, body-limit 413, ...)
/// to its problem kind.
pub fn kind_for_status(status: u16) -> (u16, &'static str, &'static str) {
    match status {
        400 => BAD_REQUEST,
        401 => INVALID_TOKEN,
        403 => INSUFFICIENT_SCOPE,
        404 => NOT_FOUND,
        405 => METHOD_NOT_ALLOWED,
        409 => CONFLICT,
        412 => PRECONDITION_FAILED,
        413 => PAYLOAD_TOO_LARGE,
        415 => UNSUPPORTED_MEDIA,
        422 => VALIDATION_FAILED,
        428 => PRECONDITION_REQUIRED,
        429 => RATE_LIMITED,
        503 => UNAVAILABLE,
        s if s >= 500 => INTERNAL,
        _ => BAD_REQUEST,
    }
}

/// Marker extension for error-status responses whose body is deliberately not a problem
/// (the readiness probe's `{"status": "degraded", ...}`).
#[derive(Clone, Copy)]
pub struct KeepBody;
