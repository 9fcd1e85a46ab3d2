//! Certifying the in-process reference server with options the shared helper does not take: a
//! document named instead of the served one, a baseline document, a deprecated base path.

use specgate::app::{self, CheckOptions};
use specgate::run::{RunReport, Selection};

#[derive(Default)]
pub struct Run<'a> {
    pub faults: &'a [&'a str],
    pub rules: &'a [&'a str],
    /// Judge against this document instead of the served one (for faults that break serving).
    pub spec: Option<&'a str>,
    pub baseline: Option<&'a str>,
    pub deprecated_base_path: Option<&'a str>,
}

pub async fn run(r: Run<'_>) -> RunReport {
    let opts = CheckOptions {
        reference: true,
        seed: Some(42),
        reference_faults: r.faults.iter().map(|f| f.to_string()).collect(),
        selection: Selection {
            include: r.rules.iter().map(|x| x.to_string()).collect(),
            exclude: vec![],
        },
        spec: r.spec.map(str::to_string),
        baseline_spec: r.baseline.map(str::to_string),
        deprecated_base_path: r.deprecated_base_path.map(str::to_string),
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let (report, _) = app::check(opts, &mut out).await.expect("check runs");
    report
}

/// The reference server's own document on disk.
pub const REFERENCE_SPEC: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/reference-server/openapi.yaml");
