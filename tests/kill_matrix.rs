//! The kill matrix as a test: the clean reference server passes every implemented rule, every
//! catalogued mutant is killed (each target rule fails with evidence), and no implemented rule
//! lacks a mutant. `specgate mutants` runs the same matrix from the command line and writes
//! `reports/mutants.md`; this test writes its copy under the target directory.

use specgate::mutants::{self, MatrixOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_is_killed_and_the_clean_run_passes() {
    let report_path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutants.md");
    let opts = MatrixOptions {
        report: Some(report_path.clone()),
        ..MatrixOptions::default()
    };
    let report = mutants::run_matrix(&opts).await.expect("the matrix runs");
    let summary = mutants::summary(&report);
    println!("{summary}");
    assert!(
        report.passed(),
        "the kill matrix failed (see {}):\n{summary}",
        report_path.display()
    );
    assert!(report.clean.len() >= report.implemented, "{summary}");
    assert!(report.unproven.is_empty(), "{summary}");
}

#[test]
fn rules_json_names_the_mutants_that_prove_each_rule() {
    let cat = specgate::rules::catalogue_json();
    let etag = cat
        .iter()
        .find(|r| r["id"] == "etag.stale-if-match-is-412")
        .expect("in the catalogue");
    assert!(
        etag["proven_by"]
            .as_array()
            .expect("proven_by is a list")
            .iter()
            .any(|m| m == "etag-unchanged-on-update"),
        "{etag}"
    );
    assert_eq!(etag["proven"], true);
    for r in &cat {
        assert!(r["proven_by"].is_array(), "{r}");
        if r["implemented"] == false {
            assert_eq!(r["proven"], false, "{r}");
        }
    }
}
