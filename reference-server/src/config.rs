//! Server configuration: everything an operator (or a test) can tune, with the guide's defaults.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Runtime configuration of one server instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks an ephemeral port.
    pub addr: SocketAddr,
    /// SQLite file; `None` = a private in-memory database.
    pub db_path: Option<PathBuf>,
    /// Directory holding `openapi.yaml` and `API.md` (read from disk on every request).
    pub docs_dir: PathBuf,
    /// Prefix of problem `type` URIs.
    pub problem_base: String,
    /// Origins allowed by CORS.
    pub cors_origins: Vec<String>,
    /// Default per-token limit (requests per minute) and burst (requests per second).
    pub rate_limit: u32,
    pub burst: u32,
    /// Per-IP limit of the public agents endpoint (requests per minute).
    pub agents_limit: u32,
    /// When set, /api/v1 is deprecated: Deprecation, Sunset and Warning headers are sent.
    pub sunset: Option<chrono::NaiveDate>,
    pub idempotency_ttl: Duration,
    /// Delays between webhook delivery attempts (guide: 1m, 5m, 30m, 2h, 24h).
    pub webhook_schedule: Vec<Duration>,
    pub webhook_timeout: Duration,
    /// Hosts for which plain-http webhook URLs are accepted (loopback by default).
    pub webhook_http_hosts: Vec<String>,
    /// Delay of each async job step (pending → running → completed).
    pub job_step: Duration,
    /// How long export downloads stay available.
    pub export_ttl: Duration,
    /// Token prefix segments: `{app}_{env}_{64 hex}`.
    pub token_app: String,
    pub token_env: String,
    /// Named fault switches, each breaking one rule on purpose (for specgate's own tests).
    pub faults: BTreeSet<String>,
    /// TLS certificate and key (PEM); plain HTTP when absent.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// argon2id cost of the tokens `seed` creates (tests use the light cost).
    pub hash_cost: crate::auth::HashCost,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: ([127, 0, 0, 1], 8080).into(),
            db_path: None,
            docs_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            problem_base: "https://api.example.com/problems".into(),
            cors_origins: vec!["https://app.example.com".into()],
            rate_limit: 240,
            burst: 40,
            agents_limit: 60,
            sunset: None,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            webhook_schedule: [60, 300, 1800, 7200, 86400]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            webhook_timeout: Duration::from_secs(10),
            webhook_http_hosts: vec!["127.0.0.1".into(), "localhost".into(), "[::1]".into()],
            job_step: Duration::from_millis(150),
            export_ttl: Duration::from_secs(24 * 3600),
            token_app: "ref".into(),
            token_env: "test".into(),
            faults: BTreeSet::new(),
            tls: None,
            hash_cost: crate::auth::HashCost::Standard,
        }
    }
}
