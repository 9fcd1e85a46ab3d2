//! The three jobs behind the CLI: `check` (certify a live target), `lint` (static rules on a
//! document) and `rules` (the catalogue). `main.rs` only parses arguments and maps errors to
//! exit codes.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::{Client, ClientConfig, ClientError};
use crate::config::{Config, ConfigError, TokenConfig, WorkspaceConfig};
use crate::report;
use crate::run::{self, RunReport, Selection, Shared, TargetHooks};
use crate::spec::{self, SpecError};

/// Harness failures (as opposed to the target breaking a rule).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{0}")]
    Usage(String),
    #[error("failed to reach the target {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("failed to start the reference server: {0}")]
    Reference(String),
    #[error("failed to write report {path}: {message}")]
    Report { path: String, message: String },
    #[error("interrupted: removed {cleaned} of the {created} records the run had created")]
    Interrupted { cleaned: usize, created: usize },
}

impl HarnessError {
    pub fn exit_code(&self) -> u8 {
        match self {
            HarnessError::Unreachable { .. } => crate::exit::UNREACHABLE,
            HarnessError::Interrupted { .. } => crate::exit::INTERRUPTED,
            _ => crate::exit::USAGE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Junit,
}

/// Parses `json=PATH` / `junit=PATH`.
pub fn parse_report_arg(s: &str) -> Result<(ReportFormat, PathBuf), String> {
    let (fmt, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH (json=… or junit=…), got '{s}'"))?;
    let fmt = match fmt {
        "json" => ReportFormat::Json,
        "junit" | "xml" => ReportFormat::Junit,
        other => return Err(format!("unknown report format '{other}' (json, junit)")),
    };
    if path.is_empty() {
        return Err("empty report path".into());
    }
    Ok((fmt, PathBuf::from(path)))
}

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub spec: Option<String>,
    pub base_url: Option<String>,
    pub config: Option<PathBuf>,
    pub seed: Option<u64>,
    pub reports: Vec<(ReportFormat, PathBuf)>,
    pub selection: Selection,
    pub reference: bool,
    pub ca_cert: Option<PathBuf>,
    pub timeout: Option<Duration>,
    pub strict: bool,
    pub verbose: bool,
    pub color: bool,
    /// Fault switches to turn on in the in-process reference server (specgate's own tests).
    pub reference_faults: Vec<String>,
    /// Overrides `baseline_spec` of the config (with `--reference` too).
    pub baseline_spec: Option<String>,
    /// Overrides `deprecated_base_path` of the config (with `--reference` too).
    pub deprecated_base_path: Option<String>,
    /// Generated cases per property rule (`--cases`); `None` = [`DEFAULT_CASES`].
    pub cases: Option<u32>,
    /// A ready-made configuration (tests build one with [`config_from_seed`]); wins over
    /// `config` and `specgate.toml`.
    pub config_value: Option<Config>,
    /// With `reference`: how the in-process reference server is dressed up.
    pub reference_profile: ReferenceProfile,
}

/// Shapes of the in-process reference server beyond the default plain-HTTP, current-version
/// one, so rules that need a deprecated version or TLS can be exercised on it too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReferenceProfile {
    /// Serve the API as deprecated: a sunset date two years out (the first of March) and a
    /// successor GA date 13 months before it (`deprecated-version`, `ga-date`).
    pub deprecated: bool,
    /// Serve over TLS with a certificate from a throwaway CA (trusted for this run only), and
    /// redirect a plain-HTTP port to it (`https-target`).
    pub tls: bool,
}

/// The throwaway PKI of a TLS reference run: kept alive until the run ends.
struct ReferencePki {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
    ca: PathBuf,
}

/// A CA and a certificate it signed for 127.0.0.1 and localhost, written to a temporary
/// directory.
fn reference_pki() -> Result<ReferencePki, HarnessError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let fail = |e: &dyn std::fmt::Display| {
        HarnessError::Reference(format!("failed to make a test certificate: {e}"))
    };
    let ca_key = KeyPair::generate().map_err(|e| fail(&e))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| fail(&e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "specgate reference CA");
    let ca_cert = ca.self_signed(&ca_key).map_err(|e| fail(&e))?;
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().map_err(|e| fail(&e))?;
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(|e| fail(&e))?
        .signed_by(&key, &issuer)
        .map_err(|e| fail(&e))?;
    let dir = tempfile::tempdir().map_err(|e| fail(&e))?;
    let pki = ReferencePki {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
        ca: dir.path().join("ca.pem"),
        _dir: dir,
    };
    for (path, text) in [
        (&pki.cert, leaf.pem()),
        (&pki.key, key.serialize_pem()),
        (&pki.ca, ca_cert.pem()),
    ] {
        std::fs::write(path, text).map_err(|e| fail(&e))?;
    }
    Ok(pki)
}

/// The sunset date of a deprecated reference run: the first of March two years out.
fn reference_sunset() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    chrono::NaiveDate::from_ymd_opt(today.year() + 2, 3, 1).unwrap_or(today)
}

/// Cases per property rule when `--cases` is not given: enough to hit ties, nulls and
/// boundaries on the seeded data while a full `check --reference` stays fast.
pub const DEFAULT_CASES: u32 = 12;

/// Hooks the in-process reference server offers (a database outage switch).
struct ReferenceHooks(reference_server::state::SharedState);

impl TargetHooks for ReferenceHooks {
    fn set_dependency_down(&self, down: bool) {
        self.0.db.set_available(!down);
    }

    fn age_idempotency_keys(&self, by: Duration) -> bool {
        reference_server::idempotency::age_keys(&self.0, by).is_ok()
    }

    fn set_dependency_broken(&self, broken: bool) -> bool {
        self.0.db.set_broken(broken);
        true
    }
}

/// A config naming every token the seeded reference server created.
pub fn config_from_seed(seed: &reference_server::SeedOutput) -> Config {
    let mut cfg = Config {
        environment: Some("test".into()),
        ..Config::default()
    };
    for (i, w) in seed.workspaces.iter().enumerate() {
        cfg.workspaces.push(WorkspaceConfig {
            id: w.id.clone(),
            slug: w.slug.clone(),
            role: Some(if i == 0 {
                "primary".into()
            } else {
                "secondary".into()
            }),
        });
    }
    for (role, t) in &seed.tokens {
        cfg.tokens.insert(
            role.clone(),
            TokenConfig {
                token: Some(t.token.clone()),
                id: Some(t.id.clone()),
                scopes: t.scopes.clone(),
                admin: t.admin,
                workspace: Some(t.workspace.clone()),
                rate_limit: Some(t.rate_limit as u64),
            },
        );
    }
    // The token UI's session, for the rules that create tokens through it.
    cfg.ui_session = seed
        .ui_session
        .as_ref()
        .map(|cookie| crate::config::UiSessionSection {
            cookie: Some(cookie.clone()),
            workspace_slug: None,
        });
    cfg
}

/// Runs a certification and writes the reports. Returns the report and the exit code.
pub async fn check(
    opts: CheckOptions,
    console: &mut dyn Write,
) -> Result<(RunReport, u8), HarnessError> {
    let seed = opts.seed.unwrap_or_else(rand::random);
    if let Some(unknown) = opts
        .reference_faults
        .iter()
        .find(|f| !crate::mutants::known_fault(f))
    {
        return Err(HarnessError::Usage(format!(
            "unknown reference fault switch '{unknown}' (`specgate mutants --list` names every mutant's)"
        )));
    }
    let mut opts = opts;
    let mut reference = None;
    let mut redirect_listener = None;
    let mut _pki = None;
    let (mut config, base_url, spec_location, hooks): (
        Config,
        String,
        String,
        Option<Arc<dyn TargetHooks>>,
    ) = if opts.reference {
        let mut rc = reference_server::Config {
            addr: ([127, 0, 0, 1], 0).into(),
            docs_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/reference-server")),
            faults: opts.reference_faults.iter().cloned().collect(),
            // Throwaway in-memory server: its tokens die with the run, so mint them cheaply.
            hash_cost: reference_server::auth::HashCost::Light,
            ..reference_server::Config::default()
        };
        reference_protocol_settings(&mut rc);
        let profile = opts.reference_profile;
        if profile.deprecated {
            rc.sunset = Some(reference_sunset());
        }
        if profile.tls {
            let pki = reference_pki()?;
            rc.tls = Some((pki.cert.clone(), pki.key.clone()));
            opts.ca_cert = Some(pki.ca.clone());
            _pki = Some(pki);
        }
        let (server, seeded) = reference_server::start_seeded(rc.clone())
            .await
            .map_err(|e| HarnessError::Reference(e.to_string()))?;
        let base = server.base_url.clone();
        let hooks: Arc<dyn TargetHooks> = Arc::new(ReferenceHooks(server.state.clone()));
        let mut cfg = config_from_seed(&seeded);
        declare_reference_protocol(&mut cfg, &rc);
        if let Some(sunset) = rc.sunset {
            let ga = sunset - chrono::Months::new(13);
            cfg.deprecation.ga_date = Some(ga.format("%Y-%m-%d").to_string());
        }
        if profile.tls {
            let addr: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
            let (task, port) = reference_server::server::serve_http_port(addr, &server)
                .await
                .map_err(|e| HarnessError::Reference(e.to_string()))?;
            cfg.http_url = Some(format!("http://127.0.0.1:{port}"));
            redirect_listener = Some(task);
        }
        reference = Some(server);
        // The served document, unless a copy is named (to judge a target that serves none).
        let spec = opts
            .spec
            .clone()
            .unwrap_or_else(|| format!("{base}/api/v1/openapi.json"));
        (cfg, base.clone(), spec, Some(hooks))
    } else {
        let cfg = match &opts.config {
            _ if opts.config_value.is_some() => opts.config_value.clone().unwrap_or_default(),
            Some(p) => Config::load(p)?,
            None if std::path::Path::new("specgate.toml").exists() => {
                Config::load(std::path::Path::new("specgate.toml"))?
            }
            None => {
                let mut c = Config::default();
                c.apply_env(|k| std::env::var(k).ok());
                c
            }
        };
        let base = opts
            .base_url
            .clone()
            .or_else(|| cfg.base_url.clone())
            .ok_or_else(|| {
                HarnessError::Usage(
                    "no target: pass --base-url URL (or base_url in specgate.toml), or --reference"
                        .into(),
                )
            })?;
        let spec = opts
            .spec
            .clone()
            .or_else(|| cfg.spec.clone())
            .ok_or_else(|| {
                HarnessError::Usage(
                    "no OpenAPI document: pass --spec PATH|URL (or spec in specgate.toml)".into(),
                )
            })?;
        (cfg, base, spec, None)
    };
    if let Some(ca) = &opts.ca_cert {
        config.client.ca_cert = Some(ca.clone());
    }
    if let Some(b) = &opts.baseline_spec {
        config.baseline_spec = Some(b.clone());
    }
    if let Some(p) = &opts.deprecated_base_path {
        config.deprecated_base_path = Some(p.clone());
    }
    let origin = url::Url::parse(&base_url)
        .map_err(|e| HarnessError::Usage(format!("invalid base URL '{base_url}': {e}")))?;
    if !matches!(origin.scheme(), "http" | "https") {
        return Err(HarnessError::Usage(format!(
            "the base URL must be http:// or https://, got '{base_url}'"
        )));
    }
    let client_config = ClientConfig {
        max_connections: config.client.max_connections.unwrap_or(10),
        request_timeout: opts
            .timeout
            .or(config.client.timeout_secs.map(Duration::from_secs))
            .unwrap_or(Duration::from_secs(30)),
        connect_timeout: config
            .client
            .connect_timeout_secs
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(5)),
        retries: config.client.retries.unwrap_or(2),
        ca_cert: config.client.ca_cert.clone(),
        ..ClientConfig::default()
    };
    let mut tokens: std::collections::HashMap<String, String> =
        config.token_values().into_iter().collect();
    // The UI session cookie is a secret too: registered so the redactor hides it.
    if let Some(cookie) = config.ui_session.as_ref().and_then(|u| u.cookie.clone()) {
        tokens.insert("ui_session".into(), cookie);
    }
    let client = Client::new(origin.clone(), client_config.clone(), tokens, seed)?;
    // Reachability first: an unreachable target is exit 3, not a wall of failed rules.
    let probe = client
        .send(
            "specgate.reachability",
            crate::client::Req::get("/")
                .no_retry()
                .request_id(crate::client::RequestId::Omit),
        )
        .await;
    if probe.response.is_none() {
        return Err(HarnessError::Unreachable {
            url: base_url.clone(),
            message: probe.error.clone().unwrap_or_else(|| "no response".into()),
        });
    }
    let mut loader = reqwest::Client::builder().timeout(client_config.request_timeout);
    // The document is fetched with the same trust as the target (a private CA included).
    if let Some(path) = &client_config.ca_cert {
        let pem = std::fs::read(path).map_err(|e| ClientError::CaCert {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| ClientError::CaCert {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        loader = loader.add_root_certificate(cert);
    }
    let loader = loader
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))?;
    let doc = spec::load(&spec_location, Some(&loader)).await?;
    let model = spec::build(doc);
    let mut capabilities: BTreeSet<String> = config.token_values().into_keys().collect();
    capabilities.extend(config.capabilities.iter().cloned());
    if config.baseline_spec.is_some() {
        capabilities.insert("baseline-openapi".into());
    }
    if config.deprecated_base_path.is_some() {
        capabilities.insert("deprecated-version".into());
    }
    if origin.scheme() == "https" {
        capabilities.insert("https-target".into());
    }
    if hooks.is_some() {
        capabilities.insert("dependency-outage".into());
        // Stored idempotency keys can be aged, so their 24 h expiry is observable at once.
        capabilities.insert("24h-wait".into());
    }
    capabilities.extend(protocol_capabilities(&config));
    let receiver = start_receiver(&config, &opts.selection).await;
    if receiver.is_ok() {
        capabilities.insert("webhook-receiver".into());
    }
    let marker = format!("sg{}", &format!("{seed:016x}")[..8]);
    let shared = Arc::new(Shared {
        client,
        model,
        config,
        capabilities,
        marker,
        hooks,
        created: Mutex::new(Vec::new()),
        receiver,
        seed,
        cases: opts.cases.unwrap_or(DEFAULT_CASES).max(1),
        datasets: Default::default(),
        linked: Default::default(),
    });
    // Ctrl-C: stop the rules, remove what the run created, then exit.
    let report = tokio::select! {
        report = run::run(shared.clone(), &opts.selection, seed, &spec_location) => report,
        _ = tokio::signal::ctrl_c() => {
            let created = shared.created.lock().map(|c| c.len()).unwrap_or(0);
            let _ = console.write_all(b"interrupted: removing the records this run created...\n");
            let ctx = run::Ctx { rule: "specgate.cleanup", shared: shared.clone() };
            let cleaned = run::fixtures::cleanup(&ctx).await;
            if let Ok(r) = &shared.receiver {
                r.shutdown();
            }
            if let Some(server) = reference {
                server.shutdown().await;
            }
            if let Some(task) = redirect_listener {
                task.abort();
            }
            return Err(HarnessError::Interrupted { cleaned, created });
        }
    };
    if let Ok(r) = &shared.receiver {
        r.shutdown();
    }
    if let Some(server) = reference {
        server.shutdown().await;
    }
    if let Some(task) = redirect_listener {
        task.abort();
    }
    let _ = console.write_all(
        report::console::render(
            &report,
            report::console::Style {
                color: opts.color,
                verbose: opts.verbose,
            },
        )
        .as_bytes(),
    );
    write_reports(&report, &opts.reports)?;
    let code = if report.gate_passed(opts.strict) {
        crate::exit::OK
    } else {
        crate::exit::RULE_FAILED
    };
    Ok((report, code))
}

/// Writes every requested report; one that fails does not stop the others.
pub fn write_reports(
    report: &RunReport,
    reports: &[(ReportFormat, PathBuf)],
) -> Result<(), HarnessError> {
    let mut first_error = None;
    for (fmt, path) in reports {
        let text = match fmt {
            ReportFormat::Json => {
                serde_json::to_string_pretty(&report::json::render(report)).unwrap_or_default()
            }
            ReportFormat::Junit => report::junit::render(report),
        };
        let result = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(std::fs::create_dir_all)
            .transpose()
            .and_then(|_| std::fs::write(path, text));
        if let Err(e) = result {
            first_error.get_or_insert(HarnessError::Report {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// `specgate lint`: the static rules on a document alone.
pub async fn lint(
    spec_location: &str,
    opts: &CheckOptions,
    console: &mut dyn Write,
) -> Result<(RunReport, u8), HarnessError> {
    let doc = spec::load(spec_location, None).await?;
    let model = spec::build(doc);
    let started = std::time::Instant::now();
    let catalogue = crate::rules::catalogue();
    let mut results = Vec::new();
    for r in crate::rules::all() {
        let crate::rules::Check::Static(f) = r.check else {
            continue;
        };
        let Some(info) = catalogue.iter().find(|c| c.id == r.id) else {
            continue;
        };
        if !opts.selection.selects(info) {
            continue;
        }
        let t = std::time::Instant::now();
        let outcome = f(&model);
        results.push(run::RuleResult {
            info: info.clone(),
            outcome,
            duration_ms: t.elapsed().as_millis() as u64,
        });
    }
    let report = RunReport {
        seed: 0,
        target: String::new(),
        spec: spec_location.to_string(),
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        duration_ms: started.elapsed().as_millis() as u64,
        results,
        exchanges: Vec::new(),
        cleaned_up: 0,
    };
    let _ = console.write_all(
        report::console::render(
            &report,
            report::console::Style {
                color: opts.color,
                verbose: opts.verbose,
            },
        )
        .as_bytes(),
    );
    write_reports(&report, &opts.reports)?;
    let code = if report.gate_passed(opts.strict) {
        crate::exit::OK
    } else {
        crate::exit::RULE_FAILED
    };
    Ok((report, code))
}

/// Webhook delays the in-process reference server uses, so retry rules finish in seconds
/// (the guide's schedule is 1 min, 5 min, 30 min, 2 h, 24 h).
pub const REFERENCE_WEBHOOK_SCHEDULE_MS: [u64; 5] = [100, 200, 300, 400, 500];
/// The reference server's webhook timeout in --reference mode (the guide's is 10 s).
pub const REFERENCE_WEBHOOK_TIMEOUT_MS: u64 = 1000;
/// Each step of the reference server's async jobs in --reference mode (default 150 ms).
pub const REFERENCE_JOB_STEP_MS: u64 = 50;

/// Shortens the reference server's waits (webhook retries and timeout, job steps) for a fast
/// run.
fn reference_protocol_settings(rc: &mut reference_server::Config) {
    rc.webhook_schedule = REFERENCE_WEBHOOK_SCHEDULE_MS
        .iter()
        .map(|ms| Duration::from_millis(*ms))
        .collect();
    rc.webhook_timeout = Duration::from_millis(REFERENCE_WEBHOOK_TIMEOUT_MS);
    rc.job_step = Duration::from_millis(REFERENCE_JOB_STEP_MS);
}

/// Tells the rules what the reference server was started with: its CORS origin, its
/// (shortened) webhook schedule and timeout, and short waits for deliveries and jobs.
pub fn declare_reference_protocol(cfg: &mut Config, rc: &reference_server::Config) {
    cfg.cors_origin = rc.cors_origins.first().cloned();
    cfg.webhooks.retry_schedule_secs = Some(
        rc.webhook_schedule
            .iter()
            .map(Duration::as_secs_f64)
            .collect(),
    );
    cfg.webhooks.timeout_secs = Some(rc.webhook_timeout.as_secs_f64());
    cfg.webhooks.delivery_wait_secs = Some(5.0);
    cfg.async_jobs.poll_timeout_secs = Some(10.0);
    cfg.async_jobs.result_ttl_secs = Some(rc.export_ttl.as_secs());
    if rc.sunset.is_some() {
        cfg.capabilities.push("deprecated-version".into());
    }
}

/// Capabilities that follow from the configuration itself.
fn protocol_capabilities(config: &Config) -> Vec<String> {
    let mut caps = Vec::new();
    if config.cors_origin.is_some() {
        caps.push("browser-origin".to_string());
    }
    if config.async_jobs.failing_body.is_some() {
        caps.push("failing-async-job".into());
    }
    if config.deprecation.ga_date.is_some() {
        caps.push("ga-date".into());
    }
    if config
        .ui_session
        .as_ref()
        .is_some_and(|u| u.cookie.is_some())
    {
        caps.push("ui-session".into());
    }
    caps
}

/// Starts specgate's webhook receiver when a selected rule needs it.
async fn start_receiver(
    config: &Config,
    selection: &Selection,
) -> Result<Arc<run::receiver::Receiver>, String> {
    let catalogue = crate::rules::catalogue();
    let wanted = crate::rules::all().iter().any(|r| {
        r.needs.contains(&"webhook-receiver")
            && catalogue
                .iter()
                .find(|c| c.id == r.id)
                .is_some_and(|i| selection.selects(i))
    });
    if !wanted {
        return Err("no selected rule needs it".into());
    }
    let listen = config.webhooks.listen.as_deref().unwrap_or("127.0.0.1:0");
    run::receiver::Receiver::start(listen, config.webhooks.public_url.as_deref())
        .await
        .map(Arc::new)
}
