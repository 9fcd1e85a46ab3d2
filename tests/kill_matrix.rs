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

/// Every fault switch the reference server reads is catalogued (as a mutant's, or as a
/// warning-only switch): no switch exists that nothing proves with.
#[test]
fn every_reference_fault_switch_is_catalogued() {
    let re = regex::Regex::new(r#"(?:fault|seen\.on|on)\("([a-z0-9-]+)"\)"#).expect("regex");
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reference-server/src"
    ))];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable source");
                for c in re.captures_iter(&text) {
                    seen += 1;
                    assert!(
                        mutants::known_fault(&c[1]),
                        "{}: fault switch '{}' has no mutant in the catalogue",
                        path.display(),
                        &c[1]
                    );
                }
            }
        }
    }
    assert!(seen > 100, "found only {seen} fault switch uses");
}

#[tokio::test]
async fn an_unknown_fault_switch_is_a_usage_error() {
    let opts = specgate::app::CheckOptions {
        reference: true,
        reference_faults: vec!["no-such-fault".into()],
        ..Default::default()
    };
    let err = specgate::app::check(opts, &mut Vec::new())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("no-such-fault"), "{err}");
    assert_eq!(err.exit_code(), specgate::exit::USAGE);
}
