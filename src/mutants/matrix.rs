//! The kill matrix: the clean reference server must pass every implemented rule, and every
//! mutant must make each of its target rules fail with evidence. One process; each run gets a
//! fresh in-process reference server (an in-memory database, seeded in milliseconds), so no
//! mutant sees another's records, rate-limit buckets or revoked tokens.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

use super::catalogue::{self, Mutant};
use crate::app::{self, CheckOptions, HarnessError, ReferenceProfile};
use crate::rules::{self, Kind, Status};
use crate::run::{RunReport, Selection, engine::glob_match};

/// The reference server's own contract (the clean runs' baseline, and what document mutants
/// change).
pub const REFERENCE_DOCUMENT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/reference-server/openapi.yaml");
/// The base path the clean run names as the "previous version" (the reference server has one
/// version; the rule needs it to keep answering).
pub const CLEAN_PREVIOUS_VERSION: &str = "/api/v1";
/// Rules whose evidence is not an HTTP exchange: the TLS rule's is the raw handshake (the
/// ServerHello a legacy ClientHello got), which its finding quotes.
pub const HANDSHAKE_EVIDENCE: &[&str] = &["https.tls-1-2-or-higher"];
/// How long one mutant may run before it counts as surviving (a hung rule proves nothing).
pub const MUTANT_TIMEOUT: Duration = Duration::from_secs(180);

/// What to run.
#[derive(Debug, Clone)]
pub struct MatrixOptions {
    /// Only mutants whose name matches one of these globs (empty: all). The clean run is
    /// limited to their target rules then.
    pub only: Vec<String>,
    /// Mutants run at the same time.
    pub jobs: usize,
    pub seed: u64,
    /// Write the markdown report here.
    pub report: Option<PathBuf>,
}

impl Default for MatrixOptions {
    fn default() -> Self {
        MatrixOptions {
            only: Vec::new(),
            jobs: 2,
            seed: 42,
            report: None,
        }
    }
}

/// One target rule under one mutant.
#[derive(Debug, Clone)]
pub struct TargetResult {
    pub rule: String,
    /// True when it failed with evidence (a finding naming exchanges; a document location for
    /// static rules).
    pub killed: bool,
    /// What it did instead, when not killed.
    pub detail: String,
}

/// One mutant's row.
#[derive(Debug, Clone)]
pub struct MutantResult {
    pub name: String,
    pub bug: String,
    pub via: String,
    pub targets: Vec<TargetResult>,
    /// The run itself failed (the harness, not the rules), or timed out.
    pub error: Option<String>,
    pub duration: Duration,
}

impl MutantResult {
    pub fn killed(&self) -> bool {
        self.error.is_none() && self.targets.iter().all(|t| t.killed)
    }
}

/// One rule in the clean runs.
#[derive(Debug, Clone)]
pub struct CleanResult {
    pub rule: String,
    pub status: Status,
    pub detail: String,
}

/// Everything the matrix found.
#[derive(Debug, Clone)]
pub struct MatrixReport {
    pub clean: Vec<CleanResult>,
    pub clean_errors: Vec<String>,
    pub clean_duration: Duration,
    pub mutants: Vec<MutantResult>,
    /// Implemented rules no mutant (of the whole catalogue) targets.
    pub unproven: Vec<String>,
    pub implemented: usize,
    pub duration: Duration,
    /// True when only part of the catalogue ran (`only`).
    pub partial: bool,
}

impl MatrixReport {
    pub fn clean_failed(&self) -> Vec<&CleanResult> {
        self.clean
            .iter()
            .filter(|c| c.status == Status::Failed)
            .collect()
    }

    pub fn survivors(&self) -> Vec<&MutantResult> {
        self.mutants.iter().filter(|m| !m.killed()).collect()
    }

    /// Rules that some mutant of this run killed.
    pub fn proven(&self) -> BTreeSet<String> {
        self.mutants
            .iter()
            .flat_map(|m| {
                m.targets
                    .iter()
                    .filter(|t| t.killed)
                    .map(|t| t.rule.clone())
            })
            .collect()
    }

    /// Rules the clean runs skipped (a rule proven to fire must also be shown to pass).
    pub fn clean_skipped(&self) -> Vec<&CleanResult> {
        self.clean
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .collect()
    }

    /// The gate: a clean run where every selected rule passed (none failed, none skipped, no
    /// harness error), every mutant killed, and (for a full run) no implemented rule without a
    /// mutant.
    pub fn passed(&self) -> bool {
        self.clean_failed().is_empty()
            && self.clean_skipped().is_empty()
            && self.clean_errors.is_empty()
            && self.survivors().is_empty()
            && (self.partial || self.unproven.is_empty())
    }
}

/// The options of one certification of the in-process reference server.
struct Plan {
    faults: Vec<String>,
    rules: Vec<String>,
    profile: ReferenceProfile,
    document: Option<fn(&mut Value)>,
    baseline: Option<fn(&mut Value)>,
    previous_version: String,
}

/// The reference document as JSON, read and parsed once per process (every document and
/// baseline mutant starts from it).
fn reference_document() -> Result<Value, String> {
    static DOC: std::sync::OnceLock<Result<Value, String>> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(REFERENCE_DOCUMENT)
            .map_err(|e| format!("failed to read {REFERENCE_DOCUMENT}: {e}"))?;
        crate::spec::load::parse_text(&text)
            .map_err(|e| format!("failed to parse {REFERENCE_DOCUMENT}: {e}"))
    })
    .clone()
}

/// Writes the reference document changed by `change` to `dir/name`.
fn changed_document(
    dir: &std::path::Path,
    name: &str,
    change: fn(&mut Value),
) -> Result<String, String> {
    let mut doc = reference_document()?;
    change(&mut doc);
    let path = dir.join(name);
    let text =
        serde_json::to_vec_pretty(&doc).map_err(|e| format!("failed to write {name}: {e}"))?;
    std::fs::write(&path, text).map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

/// Certifies the reference server as `plan` says.
async fn certify(plan: &Plan, seed: u64) -> Result<RunReport, String> {
    let dir =
        tempfile::tempdir().map_err(|e| format!("failed to make a temporary directory: {e}"))?;
    let spec = plan
        .document
        .map(|c| changed_document(dir.path(), "openapi.json", c))
        .transpose()?;
    let baseline = match plan.baseline {
        Some(c) => changed_document(dir.path(), "baseline.json", c)?,
        None => REFERENCE_DOCUMENT.to_string(),
    };
    let opts = CheckOptions {
        reference: true,
        seed: Some(seed),
        spec,
        reference_faults: plan.faults.clone(),
        reference_profile: plan.profile,
        baseline_spec: Some(baseline),
        deprecated_base_path: Some(plan.previous_version.clone()),
        selection: Selection {
            include: plan.rules.clone(),
            exclude: Vec::new(),
        },
        ..CheckOptions::default()
    };
    let mut console = Vec::new();
    match tokio::time::timeout(MUTANT_TIMEOUT, app::check(opts, &mut console)).await {
        Ok(Ok((report, _))) => Ok(report),
        Ok(Err(e)) => Err(harness_message(&e)),
        Err(_) => Err(format!("timed out after {} s", MUTANT_TIMEOUT.as_secs())),
    }
}

fn harness_message(e: &HarnessError) -> String {
    format!("the harness failed: {e}")
}

/// Did `id` fail with evidence in `report`? `Ok` when killed, `Err(what happened)` otherwise.
/// Evidence is a finding naming exchanges; for a static rule, or a mutant planted in a document
/// (the served contract or the baseline), a finding naming the document location will do.
fn judge_target(report: &RunReport, id: &str, document_evidence: bool) -> Result<(), String> {
    let Some(r) = report.results.iter().find(|r| r.info.id == id) else {
        return Err("not in the report (not selected or not implemented)".into());
    };
    let o = &r.outcome;
    let static_rule =
        document_evidence || r.info.kind == Some(Kind::Static) || HANDSHAKE_EVIDENCE.contains(&id);
    match o.status {
        Status::Failed if o.harness_error => Err(format!(
            "failed as a harness error, not a finding: {}",
            o.findings.first().map(|f| f.message.as_str()).unwrap_or("")
        )),
        Status::Failed
            if o.findings
                .iter()
                .any(|f| !f.exchanges.is_empty() || (static_rule && !f.message.is_empty())) =>
        {
            Ok(())
        }
        Status::Failed => Err("failed without evidence".into()),
        Status::Passed => Err(format!("passed ({} checked)", o.checked)),
        Status::Skipped => Err(format!(
            "skipped: {}",
            o.reason.as_deref().unwrap_or("no reason")
        )),
    }
}

/// The rules a mutant's run selects: its targets, plus, when a target is an observer (it judges
/// the traffic other rules send, and alone might see too little), that target's family and the
/// `envelope` probes (a create, read, update and delete of every resource). Only the targets are
/// judged.
fn selection_for(m: &Mutant) -> Vec<String> {
    let mut rules: BTreeSet<String> = m.targets.iter().map(|t| t.to_string()).collect();
    for r in rules::all() {
        if m.targets.contains(&r.id) && matches!(r.kind, Kind::Observer) {
            if let Some((family, _)) = r.id.split_once('.') {
                rules.insert(family.to_string());
            }
            rules.insert("envelope".to_string());
        }
    }
    rules.into_iter().collect()
}

async fn run_mutant(m: Mutant, seed: u64) -> MutantResult {
    let started = Instant::now();
    let plan = Plan {
        faults: m.fault.map(|f| vec![f.to_string()]).unwrap_or_default(),
        rules: selection_for(&m),
        profile: m.profile,
        document: m.document,
        baseline: m.baseline,
        previous_version: m
            .previous_version
            .unwrap_or(CLEAN_PREVIOUS_VERSION)
            .to_string(),
    };
    let (targets, error) = match certify(&plan, seed).await {
        Ok(report) => (
            m.targets
                .iter()
                .map(|t| {
                    match judge_target(&report, t, m.document.is_some() || m.baseline.is_some()) {
                        Ok(()) => TargetResult {
                            rule: t.to_string(),
                            killed: true,
                            detail: String::new(),
                        },
                        Err(detail) => TargetResult {
                            rule: t.to_string(),
                            killed: false,
                            detail,
                        },
                    }
                })
                .collect(),
            None,
        ),
        Err(e) => (
            m.targets
                .iter()
                .map(|t| TargetResult {
                    rule: t.to_string(),
                    killed: false,
                    detail: "not run".into(),
                })
                .collect(),
            Some(e),
        ),
    };
    MutantResult {
        name: m.name.to_string(),
        bug: m.bug.to_string(),
        via: m.via(),
        targets,
        error,
        duration: started.elapsed(),
    }
}

/// The clean runs: the plain reference server for every rule, then the deprecated and the TLS
/// reference server for the rules that need them. A rule's clean status is its status where it
/// was not skipped (failed anywhere wins).
async fn run_clean(rules: &BTreeSet<String>, seed: u64) -> (Vec<CleanResult>, Vec<String>) {
    let deprecated = |id: &str| id.starts_with("deprecation.");
    let tls = |id: &str| id.starts_with("https.");
    let mut groups: Vec<(ReferenceProfile, Vec<String>)> = vec![
        (
            ReferenceProfile::default(),
            rules
                .iter()
                .filter(|r| !deprecated(r) && !tls(r))
                .cloned()
                .collect(),
        ),
        (
            ReferenceProfile {
                deprecated: true,
                tls: false,
            },
            rules.iter().filter(|r| deprecated(r)).cloned().collect(),
        ),
        (
            ReferenceProfile {
                deprecated: false,
                tls: true,
            },
            rules.iter().filter(|r| tls(r)).cloned().collect(),
        ),
    ];
    groups.retain(|(_, r)| !r.is_empty());
    let mut by_rule: BTreeMap<String, CleanResult> = BTreeMap::new();
    let mut errors = Vec::new();
    for (profile, rule_ids) in groups {
        let plan = Plan {
            faults: Vec::new(),
            rules: rule_ids.clone(),
            profile,
            document: None,
            baseline: None,
            previous_version: CLEAN_PREVIOUS_VERSION.to_string(),
        };
        match certify(&plan, seed).await {
            Ok(report) => {
                for r in &report.results {
                    let detail = match r.outcome.status {
                        Status::Passed => String::new(),
                        Status::Skipped => r.outcome.reason.clone().unwrap_or_default(),
                        Status::Failed => r
                            .outcome
                            .findings
                            .first()
                            .map(|f| f.message.clone())
                            .unwrap_or_default(),
                    };
                    by_rule.insert(
                        r.info.id.clone(),
                        CleanResult {
                            rule: r.info.id.clone(),
                            status: r.outcome.status,
                            detail,
                        },
                    );
                }
            }
            Err(e) => errors.push(format!("clean run ({profile:?}): {e}")),
        }
    }
    (by_rule.into_values().collect(), errors)
}

/// The kill matrix could not run (as opposed to a mutant surviving).
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("failed to select mutants: none matches {0:?}")]
    NoMutant(Vec<String>),
    #[error("failed to write the report {path}: {source}")]
    Report {
        path: String,
        source: std::io::Error,
    },
}

/// Runs the kill matrix and writes its report.
pub async fn run_matrix(opts: &MatrixOptions) -> Result<MatrixReport, MatrixError> {
    let started = Instant::now();
    let catalogue = catalogue::all();
    let selected: Vec<Mutant> = catalogue
        .iter()
        .filter(|m| opts.only.is_empty() || opts.only.iter().any(|g| glob_match(g, m.name)))
        .copied()
        .collect();
    if selected.is_empty() {
        return Err(MatrixError::NoMutant(opts.only.clone()));
    }
    let implemented: BTreeSet<String> = rules::all().iter().map(|r| r.id.to_string()).collect();
    let targeted: BTreeSet<String> = catalogue
        .iter()
        .flat_map(|m| m.targets.iter().map(|t| t.to_string()))
        .collect();
    let partial = !opts.only.is_empty();
    let clean_rules: BTreeSet<String> = if partial {
        selected
            .iter()
            .flat_map(|m| m.targets.iter().map(|t| t.to_string()))
            .collect()
    } else {
        implemented.clone()
    };
    let clean_started = Instant::now();
    let (clean, clean_errors) = run_clean(&clean_rules, opts.seed).await;
    let clean_duration = clean_started.elapsed();
    let seed = opts.seed;
    let mut mutants: Vec<MutantResult> = futures_util::stream::iter(selected)
        .map(|m| run_mutant(m, seed))
        .buffer_unordered(opts.jobs.max(1))
        .collect()
        .await;
    mutants.sort_by(|a, b| a.name.cmp(&b.name));
    let report = MatrixReport {
        clean,
        clean_errors,
        clean_duration,
        mutants,
        unproven: implemented.difference(&targeted).cloned().collect(),
        implemented: implemented.len(),
        duration: started.elapsed(),
        partial,
    };
    if let Some(path) = &opts.report {
        let text = super::markdown::render(&report);
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, text)
        };
        write().map_err(|source| MatrixError::Report {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(report)
}
