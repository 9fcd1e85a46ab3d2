//! Helpers for specgate's integration tests: certify the in-process reference server, clean or
//! with fault switches on, and look at the results.
#![allow(dead_code)]

use specgate::app::{self, CheckOptions};
use specgate::rules::Status;
use specgate::run::{RunReport, Selection};

/// Runs `check --reference` with the given fault switches and rule patterns.
pub async fn run_reference(faults: &[&str], rules: &[&str]) -> RunReport {
    let opts = CheckOptions {
        reference: true,
        seed: Some(42),
        reference_faults: faults.iter().map(|f| f.to_string()).collect(),
        selection: Selection {
            include: rules.iter().map(|r| r.to_string()).collect(),
            exclude: vec![],
        },
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let (report, _) = app::check(opts, &mut out).await.expect("check runs");
    report
}

pub fn status(report: &RunReport, id: &str) -> Status {
    report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("rule {id} not in the report"))
        .outcome
        .status
}

/// Asserts `id` failed with at least one finding that points at an exchange.
pub fn assert_failed_with_evidence(report: &RunReport, id: &str) {
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("rule {id} not in the report"));
    assert_eq!(
        r.outcome.status,
        Status::Failed,
        "{id} should fail: {:?}",
        r.outcome
    );
    assert!(
        !r.outcome.harness_error,
        "{id} failed as a harness error: {:?}",
        r.outcome
    );
    assert!(
        r.outcome.findings.iter().any(|f| !f.exchanges.is_empty()),
        "{id} failed without evidence: {:?}",
        r.outcome.findings
    );
}

/// Asserts every rule in the report except `except` passed (or was skipped with a reason).
pub fn assert_others_hold(report: &RunReport, except: &[&str]) {
    for r in &report.results {
        if except.contains(&r.info.id.as_str()) {
            continue;
        }
        assert_ne!(
            r.outcome.status,
            Status::Failed,
            "{} failed unexpectedly: {:?}",
            r.info.id,
            r.outcome.findings
        );
    }
}

/// A reference server started outside `check` and certified as a remote target through a
/// written `specgate.toml`, the way an operator configures one (sunset, TLS and the like).
pub struct External {
    pub server: reference_server::RunningServer,
    pub seed: reference_server::SeedOutput,
    pub dir: tempfile::TempDir,
}

/// The in-process reference configuration `check --reference` uses (short webhook waits),
/// on an ephemeral port, with `faults` on.
pub fn reference_config(faults: &[&str]) -> reference_server::Config {
    reference_server::Config {
        addr: ([127, 0, 0, 1], 0).into(),
        docs_dir: std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reference-server"
        )),
        faults: faults.iter().map(|f| f.to_string()).collect(),
        webhook_schedule: app::REFERENCE_WEBHOOK_SCHEDULE_MS
            .iter()
            .map(|ms| std::time::Duration::from_millis(*ms))
            .collect(),
        webhook_timeout: std::time::Duration::from_millis(app::REFERENCE_WEBHOOK_TIMEOUT_MS),
        job_step: std::time::Duration::from_millis(app::REFERENCE_JOB_STEP_MS),
        ..reference_server::Config::default()
    }
}

/// Starts `rc` seeded; the config file is written by [`run_external`].
pub async fn start_external(rc: reference_server::Config) -> External {
    let (server, seed) = reference_server::start_seeded(rc)
        .await
        .expect("reference server starts");
    External {
        server,
        seed,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

/// Certifies `ext` with the seeded tokens plus `top` (top-level TOML keys) and `tables` (TOML
/// tables), trusting `ca_cert` when given. Shuts the server down afterwards.
pub async fn run_external(
    ext: External,
    top: &str,
    tables: &str,
    ca_cert: Option<std::path::PathBuf>,
    rules: &[&str],
) -> RunReport {
    let rc = &ext.server.state.config;
    let schedule: Vec<String> = rc
        .webhook_schedule
        .iter()
        .map(|d| d.as_secs_f64().to_string())
        .collect();
    let text = format!(
        "{top}\n{}\n[webhooks]\nretry_schedule_secs = [{}]\ntimeout_secs = {}\ndelivery_wait_secs = 5\n\n[async_jobs]\npoll_timeout_secs = 10\nresult_ttl_secs = {}\n\n{tables}\n",
        ext.seed.to_specgate_toml(Some(&ext.server.base_url)),
        schedule.join(", "),
        rc.webhook_timeout.as_secs_f64(),
        rc.export_ttl.as_secs(),
    );
    let path = ext.dir.path().join("specgate.toml");
    std::fs::write(&path, text).expect("config written");
    let opts = CheckOptions {
        config: Some(path),
        seed: Some(42),
        ca_cert,
        selection: Selection {
            include: rules.iter().map(|r| r.to_string()).collect(),
            exclude: vec![],
        },
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let (report, _) = app::check(opts, &mut out).await.expect("check runs");
    ext.server.shutdown().await;
    report
}

/// Asserts every rule of the report passed (none failed, none skipped).
pub fn assert_all_passed(report: &RunReport) {
    assert!(!report.results.is_empty(), "no rule ran");
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
}

/// Asserts `id` was skipped and its reason mentions `why`.
pub fn assert_skipped(report: &RunReport, id: &str, why: &str) {
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("rule {id} not in the report"));
    assert_eq!(r.outcome.status, Status::Skipped, "{id}: {:?}", r.outcome);
    let reason = r.outcome.reason.clone().unwrap_or_default();
    assert!(
        reason.contains(why),
        "{id} skipped for '{reason}', expected '{why}'"
    );
}

/// Asserts `id` failed with a property counterexample: the shrunk case, the replay seed and
/// a curl line, pointing at exchanges.
pub fn assert_shrunk(report: &RunReport, id: &str) {
    assert_failed_with_evidence(report, id);
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .expect("checked above");
    let f = &r.outcome.findings[0];
    for needle in ["counterexample", "shrunk", "--seed", "curl "] {
        assert!(
            f.message.contains(needle),
            "{id}: the finding lacks `{needle}`: {}",
            f.message
        );
    }
}

/// Asserts every rule of `family` is in the report and passed (none skipped).
pub fn assert_family_passes(report: &RunReport, family: &str) {
    let rules: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.info.family == family)
        .collect();
    assert!(!rules.is_empty(), "no rule of {family} ran");
    for r in rules {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
}

/// A reference server started by the test itself (so the test can look at its data after a
/// run, or put data there first), with fault switches on.
pub async fn start_reference(
    faults: &[&str],
) -> (
    reference_server::RunningServer,
    reference_server::SeedOutput,
) {
    let rc = reference_server::Config {
        addr: ([127, 0, 0, 1], 0).into(),
        docs_dir: std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reference-server"
        )),
        faults: faults.iter().map(|f| f.to_string()).collect(),
        ..reference_server::Config::default()
    };
    reference_server::start_seeded(rc)
        .await
        .expect("the reference server starts")
}

/// Runs `check` against a server started with [`start_reference`], configured with
/// `app::config_from_seed`.
pub async fn check_against(
    server: &reference_server::RunningServer,
    seed: &reference_server::SeedOutput,
    rules: &[&str],
) -> RunReport {
    let opts = CheckOptions {
        base_url: Some(server.base_url.clone()),
        spec: Some(format!("{}/api/v1/openapi.json", server.base_url)),
        config_value: Some(app::config_from_seed(seed)),
        seed: Some(42),
        selection: Selection {
            include: rules.iter().map(|r| r.to_string()).collect(),
            exclude: vec![],
        },
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let (report, _) = app::check(opts, &mut out).await.expect("check runs");
    report
}

/// Sends one JSON request to a reference server with the seeded full-access token.
pub async fn call(
    server: &reference_server::RunningServer,
    seed: &reference_server::SeedOutput,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let client = reqwest::Client::new();
    let mut req = client
        .request(method, format!("{}{path}", server.base_url))
        .bearer_auth(&seed.tokens["full"].token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the reference server answers");
    let status = resp.status().as_u16();
    let json = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}
