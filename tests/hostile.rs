//! Hostile targets (issue 6): the real `specgate` binary against servers that break HTTP on
//! purpose — malformed JSON, JSON cut mid-body, a 50 MB body, a body dripping at 1 byte/s, a
//! connection reset mid-response, invalid bytes in header values, a redirect loop, a redirect
//! to another host, a certificate from an unknown CA — and against OpenAPI documents that
//! reference themselves cyclically or run to 50 000 lines.
//!
//! Every case asserts that specgate finishes within its configured timeouts, exits with the
//! documented code and a message naming the cause (with the evidence in the JSON report where
//! the target broke a rule), never panics, never shows or forwards the token, and stays under
//! [`MAX_RSS`] (peak RSS of the child from `wait4`). Each case prints one line with its wall
//! time and peak RSS (`cargo test --test hostile -- --nocapture`; `HOSTILE_SHOW=1` prints each
//! run's output too). What is covered and what was measured: docs/hostile-targets.md.

#[path = "support/hostile.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::{Ran, RawServer, Reply, Request, head, healthy, response};

/// Memory bound every run must stay under (peak RSS of the specgate process).
const MAX_RSS: u64 = 256 * 1024 * 1024;
/// `[client] timeout_secs` of every run: the total time one request may take.
const TIMEOUT_SECS: u64 = 2;
/// Slack on top of the configured timeouts for start-up, loading and reporting.
const MARGIN: Duration = Duration::from_secs(8);
/// A run still going after this is killed (and the case fails).
const KILL_AFTER: Duration = Duration::from_secs(150);
/// The token every run holds; it must never reach another host nor any output.
const TOKEN: &str = "sg_hostile_full_0c1d2e3f4a5b6c7d";

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/openapi");

fn hostile_spec() -> String {
    format!("{FIXTURES}/hostile.yaml")
}

/// A scratch directory holding `specgate.toml` (target, spec, short client timeouts).
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new(base_url: &str, spec: &str) -> Workdir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("specgate.toml"),
            format!(
                "base_url = \"{base_url}\"\nspec = \"{spec}\"\n\
                 [client]\ntimeout_secs = {TIMEOUT_SECS}\nconnect_timeout_secs = {TIMEOUT_SECS}\nretries = 0\n"
            ),
        )
        .expect("write specgate.toml");
        Workdir { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn report_path(&self) -> PathBuf {
        self.path().join("report.json")
    }

    fn report(&self) -> Value {
        let text = std::fs::read_to_string(self.report_path()).expect("the JSON report is written");
        assert!(!text.contains(TOKEN), "the token leaked into the report");
        serde_json::from_str(&text).expect("the JSON report is valid JSON")
    }
}

/// Runs specgate with `args` in `wd`, the token in the environment, and applies the checks
/// every case shares: no panic, not killed, no token in the output, under [`MAX_RSS`], within
/// `budget`.
async fn run(case: &str, wd: &Workdir, args: &[&str], budget: Duration) -> Ran {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let dir = wd.path().to_path_buf();
    let ran = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::run_specgate(&args, &dir, &[("SPECGATE_TOKEN_FULL", TOKEN)], KILL_AFTER)
    })
    .await
    .expect("runner thread");
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    eprintln!(
        "hostile case {case:<36} exit {:>3}  wall {:>6.2}s  peak RSS {:>6.1} MiB (own, sampled {:>6.1} MiB; test process {:>5.1} MiB)",
        ran.code,
        ran.wall.as_secs_f64(),
        mib(ran.max_rss),
        mib(ran.sampled),
        mib(ran.floor),
    );
    let out = ran.output();
    if std::env::var_os("HOSTILE_SHOW").is_some() {
        eprintln!("---- {case}\n{out}");
    }
    assert!(
        ran.code >= 0,
        "{case}: specgate was killed by signal {}: {out}",
        -ran.code
    );
    assert!(
        !out.contains("panicked"),
        "{case}: specgate panicked: {out}"
    );
    assert!(
        !out.contains(TOKEN),
        "{case}: the token leaked into the output: {out}"
    );
    assert!(
        ran.max_rss < MAX_RSS,
        "{case}: peak RSS {} MiB over the {} MiB bound",
        ran.max_rss >> 20,
        MAX_RSS >> 20
    );
    assert!(
        ran.wall < budget,
        "{case}: took {:?}, over its budget of {budget:?}: {out}",
        ran.wall
    );
    ran
}

/// `check` of the hostile fixture against `server`, only `rules`, with a JSON report.
async fn check(case: &str, server: &str, rules: &str, budget: Duration) -> (Ran, Workdir) {
    let wd = Workdir::new(server, &hostile_spec());
    let report = format!("json={}", wd.report_path().display());
    let ran = run(
        case,
        &wd,
        &["check", "--rules", rules, "--report", &report],
        budget,
    )
    .await;
    (ran, wd)
}

/// Budget of a run that sends `requests` requests one after the other (no retries).
fn budget(requests: u32) -> Duration {
    Duration::from_secs(TIMEOUT_SECS) * requests + MARGIN
}

/// The rule's result in a JSON report.
fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("{id} not in the report: {report}"))
}

/// Asserts `id` failed (not as a harness error) with evidence whose message contains every
/// needle; returns the evidence.
fn failed_with<'a>(report: &'a Value, id: &str, needles: &[&str]) -> &'a Value {
    let r = rule(report, id);
    assert_eq!(r["status"], "failed", "{id}: {r}");
    let evidence = &r["evidence"];
    let first = &evidence[0];
    assert!(
        first["exchanges"].as_array().is_some_and(|e| !e.is_empty()),
        "{id} failed without an exchange as evidence: {r}"
    );
    let message = first["message"].as_str().unwrap_or("");
    for n in needles {
        assert!(message.contains(n), "{id}: '{n}' not in '{message}'");
    }
    evidence
}

/// A server whose `/` answers (so the reachability probe passes) and whose `path` gets
/// `reply`; everything else is 404.
async fn target(
    path: &'static str,
    reply: impl Fn() -> Reply + Send + Sync + 'static,
) -> RawServer {
    RawServer::start([127, 0, 0, 1], move |r: &Request| {
        if r.path() == path {
            reply()
        } else if r.path() == "/" {
            healthy()
        } else {
            Reply::Raw(response(
                "404 Not Found",
                "application/problem+json",
                br#"{"status": 404}"#,
            ))
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Broken responses on a path a rule requests: the rule fails with the cause as evidence (exit 1).

#[tokio::test]
async fn malformed_json_fails_the_rule_with_the_body_as_evidence() {
    let body: &[u8] = br#"{"status": "ok",, "checks": [}"#;
    let server = target("/health/live", move || {
        Reply::Raw(response("200 OK", "application/json", body))
    })
    .await;
    let (ran, wd) = check(
        "malformed JSON",
        &server.url(),
        "health.live-200",
        budget(2),
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    let evidence = failed_with(
        &report,
        "health.live-200",
        &["[invalid JSON: key must be a string at line 1 column 17]"],
    );
    assert_eq!(
        evidence[0]["exchanges"][0]["response"]["body"].as_str(),
        std::str::from_utf8(body).ok()
    );
    assert!(ran.stdout.contains("invalid JSON"), "{}", ran.stdout);
}

#[tokio::test]
async fn json_cut_mid_body_fails_the_rule_naming_the_short_read() {
    let server = target("/health/live", || {
        let mut bytes = head(
            "200 OK",
            &[
                ("content-type", b"application/json"),
                ("content-length", b"64"),
            ],
        );
        bytes.extend_from_slice(br#"{"status": "ok", "chec"#);
        Reply::Raw(bytes)
    })
    .await;
    let (ran, wd) = check(
        "JSON cut mid-body",
        &server.url(),
        "health.live-200",
        budget(2),
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    failed_with(
        &report,
        "health.live-200",
        &["no response", "after 22 bytes"],
    );
}

const FIFTY_MB: u64 = 50 * 1024 * 1024;

fn fifty_mb(chunked: bool) -> Reply {
    let length = FIFTY_MB.to_string();
    let framing: (&str, &[u8]) = if chunked {
        ("transfer-encoding", b"chunked")
    } else {
        ("content-length", length.as_bytes())
    };
    Reply::Stream {
        head: head("200 OK", &[("content-type", b"application/json"), framing]),
        len: FIFTY_MB,
        chunked,
    }
}

#[tokio::test]
async fn body_of_50_mb_is_cut_at_the_cap() {
    let server = target("/health/live", || fifty_mb(false)).await;
    let (ran, wd) = check("50 MB body", &server.url(), "health.live-200", budget(2)).await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    let evidence = failed_with(
        &report,
        "health.live-200",
        &["response body larger than 16 MiB (Content-Length 52428800)"],
    );
    let response = &evidence[0]["exchanges"][0]["response"];
    assert_eq!(response["truncated"], true, "{response}");
    assert!(ran.stdout.contains("larger than 16 MiB"), "{}", ran.stdout);
    // The declared length is over the cap: specgate hangs up after the evidence it keeps.
    assert!(
        server.streamed() < 16 << 20,
        "specgate read {} bytes of a body it knew was over the cap",
        server.streamed()
    );
}

#[tokio::test]
async fn chunked_50_mb_bodies_on_every_path_stay_within_the_memory_bound() {
    // No length up front: each body is read up to the 16 MiB cap and cut there, over the 300+
    // requests of the health family (10 at a time); only 64 KiB of each is kept.
    let server = RawServer::start([127, 0, 0, 1], |_: &Request| fifty_mb(true)).await;
    let (ran, wd) = check(
        "chunked 50 MB, 300+ requests",
        &server.url(),
        "health.*",
        // ~8 requests one at a time and 300 ten at a time, each bounded by the request timeout.
        Duration::from_secs(TIMEOUT_SECS) * 40 + MARGIN,
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    failed_with(
        &report,
        "health.live-200",
        &["response body larger than 16 MiB:"],
    );
    let requests = server.requests().len() as u64;
    assert!(requests > 300, "only {requests} requests");
    assert!(
        server.streamed() < requests * FIFTY_MB,
        "specgate read whole 50 MB bodies instead of hanging up at the cap"
    );
}

#[tokio::test]
async fn body_dripping_at_one_byte_per_second_is_cut_by_the_request_timeout() {
    let server = target("/health/live", || Reply::Drip {
        head: head(
            "200 OK",
            &[
                ("content-type", b"application/json"),
                ("content-length", b"16"),
            ],
        ),
        body: br#"{"status": "ok"}"#.to_vec(),
        every: Duration::from_secs(1),
    })
    .await;
    let (ran, wd) = check("drip 1 byte/s", &server.url(), "health.live-200", budget(2)).await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    let evidence = failed_with(&report, "health.live-200", &["timed out"]);
    let elapsed = evidence[0]["exchanges"][0]["elapsed_ms"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        // Unbounded, the 16 bytes would take 16 s.
        (TIMEOUT_SECS * 1000..TIMEOUT_SECS * 1000 + 3000).contains(&elapsed),
        "the request took {elapsed} ms; the total timeout is {TIMEOUT_SECS} s"
    );
}

#[tokio::test]
async fn connection_reset_mid_response_fails_the_rule_naming_the_reset() {
    let server = target("/health/live", || {
        let mut bytes = head(
            "200 OK",
            &[
                ("content-type", b"application/json"),
                ("content-length", b"1000"),
            ],
        );
        bytes.extend_from_slice(&[b' '; 100]);
        Reply::Reset(bytes)
    })
    .await;
    let (ran, wd) = check(
        "reset mid-response",
        &server.url(),
        "health.live-200",
        budget(2),
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    failed_with(&report, "health.live-200", &["reset"]);
}

#[tokio::test]
async fn invalid_bytes_in_header_values_are_refused_or_shown_lossily() {
    let server = RawServer::start([127, 0, 0, 1], |r: &Request| match r.path() {
        // A control character: no valid HTTP header value.
        "/health/live" => Reply::Raw(response_with(
            "200 OK",
            &[("x-broken", b"a\x00b\x7f")],
            br#"{"status": "ok"}"#,
        )),
        // obs-text (Latin-1 bytes, not UTF-8): legal on the wire, shown lossily.
        "/health/ready" => Reply::Raw(response_with(
            "503 Service Unavailable",
            &[("x-latin", b"caf\xe9 \xff\xfe")],
            br#"{"status": "degraded"}"#,
        )),
        _ => healthy(),
    })
    .await;
    let (ran, wd) = check(
        "invalid header bytes",
        &server.url(),
        "health.live-200,health.ready-200-when-healthy",
        budget(3),
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    failed_with(
        &report,
        "health.live-200",
        &["no response", "invalid HTTP header"],
    );
    let evidence = failed_with(&report, "health.ready-200-when-healthy", &["got 503"]);
    let headers = &evidence[0]["exchanges"][0]["response"]["headers"];
    assert!(
        headers.as_array().is_some_and(|h| h
            .iter()
            .any(|kv| kv[0] == "x-latin" && kv[1] == "caf\u{fffd} \u{fffd}\u{fffd}")),
        "the Latin-1 header should be kept, its bytes replaced: {headers}"
    );
}

fn response_with(status: &str, extra: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let len = body.len().to_string();
    let mut headers: Vec<(&str, &[u8])> = vec![
        ("content-type", b"application/json"),
        ("content-length", len.as_bytes()),
    ];
    headers.extend_from_slice(extra);
    let mut out = head(status, &headers);
    out.extend_from_slice(body);
    out
}

// ---------------------------------------------------------------------------------------------
// The reachability probe itself hit: the target counts as unreachable (exit 3), in bounded time.

#[tokio::test]
async fn probe_answered_by_a_drip_is_unreachable_after_the_timeout() {
    let server = RawServer::start([127, 0, 0, 1], |_: &Request| Reply::Drip {
        head: head("200 OK", &[("content-length", b"16")]),
        body: br#"{"status": "ok"}"#.to_vec(),
        every: Duration::from_secs(1),
    })
    .await;
    let (ran, _) = check(
        "drip on the probe",
        &server.url(),
        "health.live-200",
        budget(1),
    )
    .await;
    assert_eq!(ran.code, 3, "{}", ran.output());
    assert!(
        ran.stderr
            .contains(&format!("failed to reach the target {}", server.url()))
            && ran.stderr.contains("timed out"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn probe_answered_by_a_reset_is_unreachable() {
    let server = RawServer::start([127, 0, 0, 1], |_: &Request| {
        let mut bytes = head("200 OK", &[("content-length", b"1000")]);
        bytes.extend_from_slice(&[b'{'; 10]);
        Reply::Reset(bytes)
    })
    .await;
    let (ran, _) = check(
        "reset on the probe",
        &server.url(),
        "health.live-200",
        budget(1),
    )
    .await;
    assert_eq!(ran.code, 3, "{}", ran.output());
    assert!(
        ran.stderr.contains("failed to reach the target") && ran.stderr.contains("reset"),
        "{}",
        ran.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Redirects: never followed by the client, never with the token to another host.

#[tokio::test]
async fn redirect_loop_is_not_followed() {
    // Every path but `/` redirects to itself, the document's URL included.
    let server = RawServer::start([127, 0, 0, 1], |r: &Request| {
        if r.path() == "/" {
            return healthy();
        }
        let target = r.target.clone();
        Reply::Raw(head(
            "302 Found",
            &[("location", target.as_bytes()), ("content-length", b"0")],
        ))
    })
    .await;
    let (ran, wd) = check("redirect loop", &server.url(), "health.live-200", budget(2)).await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    failed_with(
        &report,
        "health.live-200",
        &["got 302", "[redirect to /health/live, not followed]"],
    );
    let looped = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/health/live")
        .count();
    assert_eq!(looped, 1, "the redirect was followed");

    // The document's URL loops too: its loader follows a bounded number of redirects.
    let spec = format!("{}/api/v1/openapi.json", server.url());
    let wd = Workdir::new(&server.url(), &spec);
    let ran = run(
        "redirect loop on the document",
        &wd,
        &["check", "--rules", "health.live-200"],
        budget(2),
    )
    .await;
    assert_eq!(ran.code, 2, "{}", ran.output());
    assert!(
        ran.stderr.contains(&format!("failed to read {spec}")) && ran.stderr.contains("redirect"),
        "{}",
        ran.stderr
    );
    let fetched = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/api/v1/openapi.json")
        .count();
    assert!(
        (1..=11).contains(&fetched),
        "the document was requested {fetched} times"
    );
}

#[tokio::test]
async fn endless_document_url_is_cut_at_the_document_cap() {
    // The document's URL streams filler without end (chunked, no length up front).
    let server = RawServer::start([127, 0, 0, 1], |r: &Request| {
        if r.path() == "/" {
            return healthy();
        }
        Reply::Stream {
            head: head(
                "200 OK",
                &[
                    ("content-type", b"application/json"),
                    ("transfer-encoding", b"chunked"),
                ],
            ),
            len: 1 << 40,
            chunked: true,
        }
    })
    .await;
    let spec = format!("{}/api/v1/openapi.json", server.url());
    let wd = Workdir::new(&server.url(), &spec);
    let ran = run(
        "endless document URL",
        &wd,
        &["check", "--rules", "health.live-200"],
        budget(1),
    )
    .await;
    assert_eq!(ran.code, 2, "{}", ran.output());
    assert!(
        ran.stderr.contains(&format!(
            "failed to read {spec}: document larger than 64 MiB"
        )),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn redirect_to_another_host_never_carries_the_token() {
    // 127.0.0.2 is another host than 127.0.0.1 (another origin, not just another port).
    let elsewhere = RawServer::start([127, 0, 0, 2], |_: &Request| {
        Reply::Raw(response("404 Not Found", "application/json", b"{}"))
    })
    .await;
    let other = elsewhere.url();
    let server = RawServer::start([127, 0, 0, 1], move |r: &Request| {
        match (r.method.as_str(), r.path()) {
            (_, "/") => healthy(),
            // An async job whose Location (and self link) points at the other host.
            ("POST", "/api/v1/exports") => {
                let job = format!("{other}/api/v1/jobs/j1");
                let body = format!(
                    r#"{{"data": {{"job_id": "j1", "status": "pending", "links": {{"self": "{job}"}}}}}}"#
                );
                let mut bytes = head(
                    "202 Accepted",
                    &[
                        ("content-type", b"application/json"),
                        ("location", job.as_bytes()),
                        ("content-length", body.len().to_string().as_bytes()),
                    ],
                );
                bytes.extend_from_slice(body.as_bytes());
                Reply::Raw(bytes)
            }
            // Everything else, token-carrying requests included, redirects there.
            _ => {
                let to = format!("{other}/redirected{}", r.target);
                Reply::Raw(head("307 Temporary Redirect", &[("location", to.as_bytes()), ("content-length", b"0")]))
            }
        }
    })
    .await;
    let (ran, wd) = check(
        "redirect to another host",
        &server.url(),
        "health.live-200,envelope.get-single-200-data-object,async-jobs.202-location-header",
        budget(12),
    )
    .await;
    assert_eq!(ran.code, 1, "{}", ran.output());
    let report = wd.report();
    let redirect = format!(
        "[redirect to {}/redirected/health/live, not followed]",
        elsewhere.url()
    );
    failed_with(&report, "health.live-200", &["got 307", &redirect]);
    failed_with(
        &report,
        "async-jobs.202-location-header",
        &["expected 200 with the same job, got 404"],
    );
    // The token was in play: the target received it, and answered those requests with 307s.
    let bearer = format!("Bearer {TOKEN}");
    let carried = server
        .requests()
        .into_iter()
        .filter(|r| r.header("authorization") == Some(&bearer))
        .count();
    assert!(
        carried >= 3,
        "only {carried} requests carried the token to the target"
    );
    // The other host saw no redirect followed, and the job's Location fetched without it.
    let seen = elsewhere.requests();
    assert!(
        !seen.iter().any(|r| r.path().starts_with("/redirected")),
        "a redirect was followed: {seen:?}"
    );
    assert!(
        seen.iter().any(|r| r.path() == "/api/v1/jobs/j1"),
        "the job Location was not fetched: {seen:?}"
    );
    for r in &seen {
        assert_eq!(r.header("authorization"), None, "{r:?}");
        assert!(
            !r.raw.contains(TOKEN),
            "the token reached the other host: {r:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// TLS: a certificate from a CA specgate was not told to trust.

/// A CA and a certificate it signed for 127.0.0.1: (certificate chain PEM, key PEM, CA PEM).
fn unknown_ca_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "specgate hostile test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("certificate");
    (leaf.pem(), key.serialize_pem(), ca_cert.pem())
}

#[tokio::test]
async fn certificate_from_an_unknown_ca_is_refused_before_any_request() {
    let (cert, key, ca) = unknown_ca_pki();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(cert.into_bytes(), key.into_bytes())
        .await
        .expect("TLS config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("address");
    // Records the Authorization header of every request that gets through the handshake.
    let seen: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>> = Default::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let record = record.clone();
        async move {
            let auth = headers
                .get("authorization")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            record.lock().expect("lock").push(auth);
            axum::Json(serde_json::json!({"status": "ok"}))
        }
    });
    let server = axum_server::from_tcp_rustls(listener, tls).expect("TLS server");
    let task = tokio::spawn(async move {
        let _ = server.serve(app.into_make_service()).await;
    });
    let url = format!("https://{addr}");
    let (ran, wd) = check("TLS from an unknown CA", &url, "health.live-200", budget(1)).await;
    assert_eq!(ran.code, 3, "{}", ran.output());
    assert!(
        ran.stderr
            .contains(&format!("failed to reach the target {url}"))
            && ran.stderr.contains("certificate"),
        "{}",
        ran.stderr
    );
    assert!(
        seen.lock().expect("lock").is_empty(),
        "a request got through the refused handshake"
    );
    // The same server, its CA trusted: reached, so the refusal above was the certificate's.
    std::fs::write(wd.path().join("ca.pem"), ca).expect("write CA");
    let report = format!("json={}", wd.report_path().display());
    let ran = run(
        "TLS with the CA trusted",
        &wd,
        &[
            "check",
            "--rules",
            "health.live-200",
            "--ca-cert",
            "ca.pem",
            "--report",
            &report,
        ],
        budget(2),
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.output());
    assert!(!seen.lock().expect("lock").is_empty());
    task.abort();
}

// ---------------------------------------------------------------------------------------------
// Hostile documents: cycles, self-embedding, 50 000 lines. Judged against a target that answers
// every request plausibly, so the run reaches the rules.

/// Answers GET with a one-row page, POST with a created record, PATCH/PUT with a record and
/// DELETE with 204.
async fn plausible_target() -> RawServer {
    let next = std::sync::atomic::AtomicU64::new(1);
    RawServer::start([127, 0, 0, 1], move |r: &Request| {
        let id = format!(
            "00000000-0000-4000-8000-{:012}",
            next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let record = format!(r#"{{"id": "{id}", "name": "x"}}"#);
        let (status, body) = match r.method.as_str() {
            "POST" => ("201 Created", format!(r#"{{"data": {record}}}"#)),
            "PATCH" | "PUT" => ("200 OK", format!(r#"{{"data": {record}}}"#)),
            "DELETE" => {
                return Reply::Raw(head("204 No Content", &[("content-length", b"0")]));
            }
            _ if r.path().starts_with("/health") || r.path() == "/" => {
                return healthy();
            }
            _ => (
                "200 OK",
                format!(
                    r#"{{"data": [{record}], "pagination": {{"page": 1, "per_page": 100, "total_count": 1, "total_pages": 1}}, "links": {{}}}}"#
                ),
            ),
        };
        Reply::Raw(response(status, "application/json", body.as_bytes()))
    })
    .await
}

/// Families that walk schemas, generate payloads from them and validate responses.
const DOCUMENT_RULES: &str = "openapi-doc.*,envelope.*,schema.*,links.*";

/// `lint` and `check` of `spec`; returns both runs.
async fn lint_and_check(case: &str, spec: &str, budget: Duration) -> (Ran, Ran) {
    let target = plausible_target().await;
    let wd = Workdir::new(&target.url(), spec);
    let lint = run(
        &format!("{case}: lint"),
        &wd,
        &["lint", "--spec", spec],
        budget,
    )
    .await;
    let report = format!("json={}", wd.report_path().display());
    let check = run(
        &format!("{case}: check"),
        &wd,
        &["check", "--rules", DOCUMENT_RULES, "--report", &report],
        budget,
    )
    .await;
    (lint, check)
}

#[tokio::test]
async fn reference_cycles_are_refused_naming_the_cycle() {
    for (file, cycle_at) in [
        (
            "cycle-self.yaml",
            "cycle-self.yaml#/paths/~1things/get/responses/200/content/application~1json/schema/$ref",
        ),
        (
            "cycle-across-files.yaml",
            "cycle-across-files-b.yaml#/Thing/$ref",
        ),
    ] {
        let spec = format!("{FIXTURES}/{file}");
        let (lint, check) = lint_and_check(file, &spec, MARGIN).await;
        for ran in [lint, check] {
            assert_eq!(ran.code, 2, "{file}: {}", ran.output());
            assert!(
                ran.stderr.contains(cycle_at)
                    && ran
                        .stderr
                        .contains("is part of a reference cycle that never reaches a value"),
                "{file}: {}",
                ran.stderr
            );
        }
    }
}

#[tokio::test]
async fn documents_embedding_themselves_are_judged() {
    for file in ["self-embedding.yaml", "cyclic.yaml"] {
        let spec = format!("{FIXTURES}/{file}");
        let (lint, check) = lint_and_check(file, &spec, MARGIN * 2).await;
        for ran in [&lint, &check] {
            assert!(matches!(ran.code, 0 | 1), "{file}: {}", ran.output());
            assert!(ran.stdout.contains(" passed, "), "{file}: {}", ran.stdout);
        }
        // The run got past the document to the target.
        assert!(
            !check.stdout.contains(" 0 requests"),
            "{file}: {}",
            check.stdout
        );
    }
}

/// An OpenAPI document of at least `lines` lines: resources with list, create, get, update and
/// delete. Each schema refers to itself; when `chained`, to the next one instead, the last to the
/// first: one reference cycle through every schema.
fn large_document(lines: usize, chained: bool) -> String {
    let mut out = String::from(
        "openapi: 3.1.0\ninfo:\n  title: Large\n  version: 1.0.0\nservers:\n  - url: /api/v1\n\
         security:\n  - BearerAuth: []\npaths:\n",
    );
    let mut schemas = String::new();
    let per_resource = 91;
    let count = lines / per_resource + 1;
    for i in 0..count {
        let (r, s) = (format!("res{i}"), format!("Res{i}"));
        let next = if chained {
            format!("Res{}", (i + 1) % count)
        } else {
            s.clone()
        };
        let one = format!(
            "              schema:\n                type: object\n                properties:\n                  data:\n                    $ref: '#/components/schemas/{s}'\n"
        );
        out.push_str(&format!(
            "  /{r}:\n    get:\n      operationId: list{s}\n      summary: List {r}\n      parameters:\n\
             \x20       - name: page\n          in: query\n          schema: {{type: integer, minimum: 1}}\n\
             \x20     responses:\n        '200':\n          description: A page.\n          content:\n\
             \x20           application/json:\n              schema:\n                type: object\n\
             \x20               properties:\n                  data:\n                    type: array\n\
             \x20                   items:\n                      $ref: '#/components/schemas/{s}'\n\
             \x20   post:\n      operationId: create{s}\n      summary: Create {r}\n      requestBody:\n\
             \x20       required: true\n        content:\n          application/json:\n            schema:\n\
             \x20             $ref: '#/components/schemas/{s}'\n      responses:\n        '201':\n\
             \x20         description: Created.\n          content:\n            application/json:\n{one}\
             \x20 /{r}/{{id}}:\n    parameters:\n      - name: id\n        in: path\n        required: true\n\
             \x20       schema: {{type: string, format: uuid}}\n    get:\n      operationId: get{s}\n\
             \x20     summary: Get {r}\n      responses:\n        '200':\n          description: One.\n\
             \x20         content:\n            application/json:\n{one}\
             \x20   patch:\n      operationId: update{s}\n      summary: Update {r}\n      requestBody:\n\
             \x20       content:\n          application/json:\n            schema:\n\
             \x20             $ref: '#/components/schemas/{s}'\n      responses:\n        '200':\n\
             \x20         description: Updated.\n          content:\n            application/json:\n{one}\
             \x20   delete:\n      operationId: delete{s}\n      summary: Delete {r}\n      responses:\n\
             \x20       '204':\n          description: Deleted.\n"
        ));
        schemas.push_str(&format!(
            "    {s}:\n      type: object\n      required: [name]\n      properties:\n\
             \x20       id: {{type: string, format: uuid}}\n        name: {{type: string, minLength: 1}}\n\
             \x20       count: {{type: integer, minimum: 0}}\n        owner:\n\
             \x20         $ref: '#/components/schemas/Owner'\n        next:\n\
             \x20         $ref: '#/components/schemas/{next}'\n"
        ));
    }
    out.push_str("components:\n  securitySchemes:\n    BearerAuth: {type: http, scheme: bearer}\n  schemas:\n");
    out.push_str(
        "    Owner:\n      type: object\n      properties:\n        name: {type: string}\n",
    );
    out.push_str(&schemas);
    out
}

/// Writes `text` to `dir/name` and returns its path and line count.
fn write_document(dir: &Path, name: &str, text: String) -> (String, usize) {
    let path = dir.join(name);
    let lines = text.lines().count();
    std::fs::write(&path, text).expect("write the document");
    (path.display().to_string(), lines)
}

/// Budget of one run on the 50 000-line document.
const LARGE_BUDGET: Duration = Duration::from_secs(120);

#[tokio::test]
async fn document_of_50_000_lines_is_judged_in_bounded_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (spec, lines) = write_document(dir.path(), "large.yaml", large_document(50_000, false));
    assert!(lines >= 50_000, "{lines} lines");
    // ~2 900 requests to a target answering at once: the time is specgate's own work (9–13 s
    // in a debug build here), with room for a loaded CI machine.
    let (lint, check) = lint_and_check(&format!("{lines} lines"), &spec, LARGE_BUDGET).await;
    for ran in [&lint, &check] {
        assert!(matches!(ran.code, 0 | 1), "{}", ran.output());
        assert!(ran.stdout.contains(" passed, "), "{}", ran.stdout);
    }
    // Every schema reaching every other (one cycle through 550): the static rules still finish.
    let (spec, lines) = write_document(dir.path(), "chained.yaml", large_document(50_000, true));
    let wd = Workdir::new("http://127.0.0.1:1", &spec);
    let lint = run(
        &format!("{lines} lines, one ref cycle: lint"),
        &wd,
        &["lint", "--spec", &spec],
        LARGE_BUDGET,
    )
    .await;
    assert!(matches!(lint.code, 0 | 1), "{}", lint.output());
}
