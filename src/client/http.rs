//! The one HTTP client. Follows the Flowmailer client guidelines: keep-alive, at most N
//! concurrent connections (10 by default), timeouts, a response-body cap, retries with backoff on
//! transient failures, 429 + Retry-After honoured, pacing from RateLimit headers, certificate
//! verification always on (a private CA is added with `--ca-cert`), and redirects never followed
//! with the token to another host (redirects are not followed at all: rules judge them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::exchange::{Exchange, RecordedRequest, RecordedResponse, shell_quote};
use super::redact::Redactor;

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub max_connections: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// Transport retries (connect errors, timeouts, 502/503/504).
    pub retries: u32,
    /// Longest Retry-After / RateLimit pause honoured before giving up.
    pub max_pause: Duration,
    /// PEM file of an extra trusted CA.
    pub ca_cert: Option<std::path::PathBuf>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            retries: 2,
            max_pause: Duration::from_secs(65),
            ca_cert: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to build the HTTP client: {0}")]
    Build(String),
    #[error("failed to read CA certificate {path}: {message}")]
    CaCert { path: String, message: String },
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Raw {
        bytes: Vec<u8>,
        content_type: String,
    },
}

/// How to send X-Request-Id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestId {
    /// A fresh id from the run's seeded generator.
    Auto,
    Omit,
    Given(String),
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: reqwest::Method,
    /// A path relative to the target's origin (`/api/v1/items?x=1`) or an absolute URL.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Role name of the token to send as `Authorization: Bearer` (from the credentials).
    pub token: Option<String>,
    pub request_id: RequestId,
    /// Retry transport failures and honour 429 (false when the response itself is under test).
    pub retry: bool,
    /// The response may carry a freshly minted secret (a raw token shown once): every JSON
    /// string the predicate accepts is registered as a secret, recorded as the placeholder,
    /// before the exchange is logged.
    pub mints: Option<(IsSecret, &'static str)>,
}

/// Tells a freshly minted secret among a response's JSON strings (see [`Req::mints`]).
pub type IsSecret = fn(&str) -> bool;

impl Req {
    pub fn new(method: reqwest::Method, target: impl Into<String>) -> Req {
        Req {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: None,
            token: None,
            request_id: RequestId::Auto,
            retry: true,
            mints: None,
        }
    }
    pub fn get(target: impl Into<String>) -> Req {
        Req::new(reqwest::Method::GET, target)
    }
    pub fn token(mut self, role: &str) -> Req {
        self.token = Some(role.to_string());
        self
    }
    pub fn header(mut self, k: &str, v: impl Into<String>) -> Req {
        self.headers.push((k.to_string(), v.into()));
        self
    }
    pub fn json(mut self, v: Value) -> Req {
        self.body = Some(Body::Json(v));
        self
    }
    pub fn raw(mut self, bytes: Vec<u8>, content_type: &str) -> Req {
        self.body = Some(Body::Raw {
            bytes,
            content_type: content_type.into(),
        });
        self
    }
    pub fn no_retry(mut self) -> Req {
        self.retry = false;
        self
    }
    pub fn request_id(mut self, id: RequestId) -> Req {
        self.request_id = id;
        self
    }
    /// See [`Req::mints`].
    pub fn mints_secret(mut self, is_secret: IsSecret, placeholder: &'static str) -> Req {
        self.mints = Some((is_secret, placeholder));
        self
    }
}

/// Every string in `v` that `is_secret` accepts.
fn secret_strings(v: &Value, is_secret: IsSecret, out: &mut Vec<String>) {
    match v {
        Value::String(s) if is_secret(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| secret_strings(x, is_secret, out)),
        Value::Object(m) => m.values().for_each(|x| secret_strings(x, is_secret, out)),
        _ => {}
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Pace {
    remaining: Option<u64>,
    reset_at: Option<Instant>,
}

/// The shared client of a run; cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    origin: Url,
    config: ClientConfig,
    permits: Arc<Semaphore>,
    log: Arc<Mutex<Vec<Arc<Exchange>>>>,
    seq: Arc<AtomicU64>,
    rng: Arc<Mutex<ChaCha8Rng>>,
    /// role → raw token.
    tokens: Arc<HashMap<String, String>>,
    redactor: Arc<RwLock<Redactor>>,
    pace: Arc<Mutex<HashMap<String, Pace>>>,
}

/// Human description of a transport error, without internals.
pub fn describe_error(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "failed to read the response body".to_string()
    } else if e.is_redirect() {
        "redirect error".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    let mut seen = 0;
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) && seen < 3 {
            msg.push_str(": ");
            msg.push_str(&text);
            seen += 1;
        }
        source = s.source();
    }
    msg
}

impl Client {
    pub fn new(
        origin: Url,
        config: ClientConfig,
        tokens: HashMap<String, String>,
        seed: u64,
    ) -> Result<Client, ClientError> {
        let inner = Self::transport(&config, |b| b)?;
        let redactor = Redactor::new(tokens.iter().flat_map(|(role, t)| {
            let var = format!("$SPECGATE_TOKEN_{}", role.to_ascii_uppercase());
            // A token sent as Basic credentials (to prove it is refused) is hidden too.
            let b64 = |s: String| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(s)
            };
            [
                (b64(format!("{t}:")), format!("<base64 of {var}:>")),
                (b64(format!(":{t}")), format!("<base64 of :{var}>")),
                (t.clone(), var),
            ]
        }));
        Ok(Client {
            inner,
            origin,
            permits: Arc::new(Semaphore::new(config.max_connections.max(1))),
            config,
            log: Arc::new(Mutex::new(Vec::new())),
            seq: Arc::new(AtomicU64::new(0)),
            rng: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed))),
            tokens: Arc::new(tokens),
            redactor: Arc::new(RwLock::new(redactor)),
            pace: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The same client (log, credentials, pacing) over a differently configured transport,
    /// e.g. one limited to a TLS version (`https.*` rules). Exchanges land in the same log.
    pub fn with_transport(
        &self,
        tweak: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<Client, ClientError> {
        let mut c = self.clone();
        c.inner = Self::transport(&self.config, tweak)?;
        Ok(c)
    }

    fn transport(
        config: &ClientConfig,
        tweak: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<reqwest::Client, ClientError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(config.max_connections)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("specgate/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| ClientError::CaCert {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| ClientError::CaCert {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            builder = builder.add_root_certificate(cert);
        }
        tweak(builder)
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))
    }

    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// A copy of the redactor as it is now.
    pub fn redactor(&self) -> Redactor {
        self.redactor.read().map(|r| r.clone()).unwrap_or_default()
    }

    /// Adds a secret the run derived itself (e.g. an altered copy of a token sent to prove it
    /// is refused): from now on it is recorded as `placeholder`, never in clear.
    pub fn add_secret(&self, secret: &str, placeholder: &str) {
        if let Ok(mut r) = self.redactor.write() {
            r.add(secret, placeholder);
        }
    }

    pub fn has_token(&self, role: &str) -> bool {
        self.tokens.contains_key(role)
    }

    /// The raw token of a role (for rules that must put it somewhere unusual, e.g. a query
    /// string, to prove the server refuses it).
    pub fn raw_token(&self, role: &str) -> Option<&str> {
        self.tokens.get(role).map(String::as_str)
    }

    /// Every exchange recorded so far, in send order.
    pub fn exchanges(&self) -> Vec<Arc<Exchange>> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A UUID v4 from the run's seeded generator (reproducible with `--seed`).
    pub fn uuid(&self) -> String {
        let bytes: [u8; 16] = self.rng.lock().map(|mut r| r.random()).unwrap_or([0; 16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    pub fn random_u64(&self) -> u64 {
        self.rng.lock().map(|mut r| r.random()).unwrap_or(0)
    }

    fn resolve(&self, target: &str) -> Result<Url, String> {
        if target.starts_with("http://") || target.starts_with("https://") {
            Url::parse(target).map_err(|e| format!("invalid URL {target}: {e}"))
        } else {
            self.origin
                .join(target)
                .map_err(|e| format!("invalid path {target}: {e}"))
        }
    }

    /// Sends a request on behalf of `rule` and records the exchange.
    pub async fn send(&self, rule: &str, req: Req) -> Arc<Exchange> {
        let started = Instant::now();
        let seq = self.seq.fetch_add(1, Ordering::SeqCst);
        let request_id = match &req.request_id {
            RequestId::Auto => Some(self.uuid()),
            RequestId::Omit => None,
            RequestId::Given(v) => Some(v.clone()),
        };
        let url = self.resolve(&req.target);
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(id) = &request_id {
            headers.push(("x-request-id".into(), id.clone()));
        }
        let token = req.token.as_ref().and_then(|r| self.tokens.get(r).cloned());
        if let Some(t) = &token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        let (body_bytes, body_type) = match &req.body {
            Some(Body::Json(v)) => (
                Some(serde_json::to_vec(v).unwrap_or_default()),
                Some("application/json".to_string()),
            ),
            Some(Body::Raw {
                bytes,
                content_type,
            }) => (Some(bytes.clone()), Some(content_type.clone())),
            None => (None, None),
        };
        if let Some(ct) = &body_type {
            if !req
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("content-type".into(), ct.clone()));
            }
        }
        headers.extend(req.headers.iter().cloned());
        let mut attempts = 0;
        let mut outcome: Result<RecordedResponse, String> = Err("not sent".into());
        if let Ok(url) = &url {
            let same_origin = url.origin() == self.origin.origin();
            loop {
                attempts += 1;
                if let Some(role) = &req.token {
                    self.wait_for_budget(role).await;
                }
                outcome = self
                    .attempt(
                        &req.method,
                        url,
                        &headers,
                        body_bytes.as_deref(),
                        same_origin,
                    )
                    .await;
                let retry_after = match &outcome {
                    Ok(r) if r.status == 429 && req.retry => Some(retry_after_secs(r).unwrap_or(1)),
                    Ok(r) if matches!(r.status, 502..=504) && req.retry && idempotent(&req) => {
                        Some(backoff(attempts))
                    }
                    Err(_) if req.retry && idempotent(&req) => Some(backoff(attempts)),
                    _ => None,
                };
                if let (Ok(r), Some(role)) = (&outcome, &req.token) {
                    self.record_pace(role, r);
                }
                match retry_after {
                    Some(secs)
                        if attempts <= self.config.retries
                            && Duration::from_secs(secs) <= self.config.max_pause =>
                    {
                        tokio::time::sleep(
                            Duration::from_secs(secs).max(Duration::from_millis(100)),
                        )
                        .await;
                    }
                    _ => break,
                }
            }
        } else if let Err(e) = &url {
            outcome = Err(e.clone());
        }
        if let (Some((is_secret, placeholder)), Ok(r)) = (req.mints, &outcome) {
            let mut minted = Vec::new();
            if let Some(j) = &r.json {
                secret_strings(j, is_secret, &mut minted);
            }
            for m in minted {
                self.add_secret(&m, placeholder);
            }
        }
        let red = &self.redactor();
        let rec_headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.clone(), red.redact(v)))
            .collect();
        let url_text = url
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_else(|_| req.target.clone());
        let body_text = body_bytes.as_ref().map(|b| red.redact(&recorded_body(b)));
        let curl = curl_line(
            req.method.as_str(),
            &red.redact(&url_text),
            &rec_headers,
            body_text.as_deref(),
        );
        let (response, error) = match outcome {
            Ok(mut r) => {
                r.body = red.redact(&r.body);
                r.body_problem = r.body_problem.map(|p| red.redact(&p));
                r.headers = r
                    .headers
                    .into_iter()
                    .map(|(k, v)| (k, red.redact(&v)))
                    .collect();
                (Some(r), None)
            }
            Err(e) => (None, Some(red.redact(&e))),
        };
        let ex = Arc::new(Exchange {
            seq,
            rule: rule.to_string(),
            request: RecordedRequest {
                method: req.method.to_string(),
                url: red.redact(&url_text),
                headers: rec_headers,
                body: body_text,
            },
            response,
            error,
            elapsed_ms: started.elapsed().as_millis() as u64,
            attempts,
            curl,
        });
        if let Ok(mut log) = self.log.lock() {
            log.push(ex.clone());
        }
        ex
    }

    async fn attempt(
        &self,
        method: &reqwest::Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<&[u8]>,
        same_origin: bool,
    ) -> Result<RecordedResponse, String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| "client closed".to_string())?;
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            // Never send a token anywhere but the target's origin.
            if !same_origin && k.eq_ignore_ascii_case("authorization") {
                continue;
            }
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
                map.append(k, v);
            }
        }
        let mut rb = self.inner.request(method.clone(), url.clone()).headers(map);
        if let Some(b) = body {
            rb = rb.body(b.to_vec());
        }
        let mut resp = rb.send().await.map_err(|e| describe_error(&e))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = self.config.max_body_bytes;
        let declared = resp.content_length();
        // A body that declares itself over the cap is not read beyond what evidence keeps.
        let limit = if declared.is_some_and(|n| n > cap as u64) {
            TRUNCATED_BODY_KEPT.min(cap)
        } else {
            cap
        };
        let mut bytes = Vec::new();
        let mut truncated = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        let take = limit - bytes.len();
                        bytes.extend_from_slice(&chunk[..take]);
                        truncated = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(format!(
                        "{} after {} bytes",
                        describe_error(&e),
                        bytes.len()
                    ));
                }
            }
        }
        let (json, body_problem) = if truncated {
            // Nothing can judge a cut body: keep only its start, so a target answering every
            // request with gigabytes costs the run's log kilobytes per exchange.
            bytes.truncate(TRUNCATED_BODY_KEPT);
            bytes.shrink_to_fit();
            let declared = declared
                .map(|n| format!(" (Content-Length {n})"))
                .unwrap_or_default();
            (
                None,
                Some(format!(
                    "response body larger than {}{declared}: cut, only the first {} bytes kept",
                    size_text(cap),
                    bytes.len()
                )),
            )
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => (Some(v), None),
                Err(e) if !bytes.is_empty() && claims_json(&headers) => {
                    (None, Some(format!("invalid JSON: {e}")))
                }
                Err(_) => (None, None),
            }
        };
        Ok(RecordedResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            truncated,
            body_problem,
            json,
        })
    }

    fn record_pace(&self, role: &str, r: &RecordedResponse) {
        let Some(h) = r.header("ratelimit") else {
            return;
        };
        let Some(parsed) = crate::client::ratelimit::parse_ratelimit(h) else {
            return;
        };
        if let Ok(mut p) = self.pace.lock() {
            p.insert(
                role.to_string(),
                Pace {
                    remaining: Some(parsed.remaining),
                    reset_at: Some(crate::client::ratelimit::reset_at(
                        Instant::now(),
                        parsed.reset,
                    )),
                },
            );
        }
    }

    /// Pauses while a token's RateLimit budget is exhausted (never longer than `max_pause`).
    async fn wait_for_budget(&self, role: &str) {
        let wait = self.pace.lock().ok().and_then(|p| {
            let pace = p.get(role)?;
            if pace.remaining? > 1 {
                return None;
            }
            pace.reset_at
                .map(|t| t.saturating_duration_since(Instant::now()))
        });
        if let Some(w) = wait.filter(|w| !w.is_zero()) {
            // The budget refills continuously (token bucket): a short pause is usually enough.
            tokio::time::sleep(w.min(Duration::from_secs(1)).min(self.config.max_pause)).await;
            if let Ok(mut p) = self.pace.lock() {
                p.remove(role);
            }
        }
    }
}

/// How much of a body cut at the size cap is kept as evidence (reports show 4 KiB of it).
const TRUNCATED_BODY_KEPT: usize = 64 * 1024;

/// "16 MiB", "64 KiB" or "1000 bytes".
fn size_text(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Does the Content-Type say JSON (`application/json`, `…+json`)?
fn claims_json(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

fn idempotent(req: &Req) -> bool {
    !matches!(req.method, reqwest::Method::POST | reqwest::Method::PATCH)
        || req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("idempotency-key"))
}

fn backoff(attempt: u32) -> u64 {
    (1u64 << attempt.min(4)).min(8) / 2
}

fn retry_after_secs(r: &RecordedResponse) -> Option<u64> {
    r.header("retry-after")
        .and_then(crate::client::ratelimit::parse_retry_after)
}

/// Longest request body recorded whole (and pasted into a curl line); of a longer one (an
/// upload) only the start is kept, which also keeps redaction cheap.
const RECORDED_BODY_MAX: usize = 64 * 1024;
const CUT_MARK: &str = "…[request body cut: ";

fn recorded_body(b: &[u8]) -> String {
    if b.len() <= RECORDED_BODY_MAX {
        return String::from_utf8_lossy(b).into_owned();
    }
    format!(
        "{}{CUT_MARK}{}-bytes]",
        String::from_utf8_lossy(&b[..RECORDED_BODY_MAX]),
        b.len()
    )
}

fn curl_line(method: &str, url: &str, headers: &[(String, String)], body: Option<&str>) -> String {
    let mut parts = vec!["curl".to_string(), "-sS".into(), "-i".into()];
    if method != "GET" {
        parts.push("-X".into());
        parts.push(method.into());
    }
    parts.push(shell_quote(url));
    for (k, v) in headers {
        parts.push("-H".into());
        // Token placeholders stay expandable environment variables.
        let hv = format!("{k}: {v}");
        if v.contains("$SPECGATE_TOKEN_") {
            parts.push(format!("\"{}\"", hv.replace('"', "\\\"")));
        } else {
            parts.push(shell_quote(&hv));
        }
    }
    if let Some(b) = body {
        if let Some((_, total)) = b.rsplit_once(CUT_MARK) {
            // An upload of megabytes: name the body instead of pasting it.
            parts.push("--data-binary".into());
            parts.push(format!("@request-body-{}.bin", total.trim_end_matches(']')));
        } else {
            parts.push("--data-raw".into());
            parts.push(shell_quote(b));
        }
    }
    parts.join(" ")
}
