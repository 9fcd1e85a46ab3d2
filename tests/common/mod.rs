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
