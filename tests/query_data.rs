//! The query-grammar families on a target holding data the harness did not create (soundness
//! still judges those rows, completeness only the run's own), and cleanup of the seeded
//! records after a run, including a failed one.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use specgate::rules::Status;

/// The marker of a run with seed 42 (`sg` + the first 8 hex digits of the seed).
const MARKER: &str = "sg00000000";

async fn foreign_items(
    server: &reference_server::RunningServer,
    seed: &reference_server::SeedOutput,
) -> Vec<String> {
    let mut ids = vec![];
    for (i, (status, email)) in [
        ("active", None),
        ("draft", Some("zed@example.com")),
        ("active", Some("Ann@Example.com")),
        ("archived", None),
    ]
    .into_iter()
    .enumerate()
    {
        let (code, body) = call(
            server,
            seed,
            Method::POST,
            "/api/v1/items",
            Some(json!({"name": format!("Foreign alpha zorblax {i}"), "status": status, "email": email, "amount_cents": 100 * i})),
        )
        .await;
        assert_eq!(code, 201, "{body}");
        ids.push(body["data"]["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn live_marker_rows(
    server: &reference_server::RunningServer,
    seed: &reference_server::SeedOutput,
) -> u64 {
    let mut n = 0;
    for (collection, field) in [
        ("items", "name"),
        ("categories", "name"),
        ("comments", "body"),
    ] {
        let (code, body) = call(
            server,
            seed,
            Method::GET,
            &format!("/api/v1/{collection}?filter[{field}][like]={MARKER}&per_page=1"),
            None,
        )
        .await;
        assert_eq!(code, 200, "{body}");
        n += body["pagination"]["total_count"].as_u64().unwrap();
    }
    n
}

#[tokio::test]
async fn foreign_rows_are_judged_for_soundness_only() {
    let (server, seed) = start_reference(&[]).await;
    let foreign = foreign_items(&server, &seed).await;
    let report = check_against(
        &server,
        &seed,
        &["filtering", "search.q-filters-collection"],
    )
    .await;
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
    // Unscoped cases returned the foreign rows and soundness judged them.
    let judged: Vec<&String> = report
        .results
        .iter()
        .flat_map(|r| r.outcome.notes.iter())
        .filter(|n| n.contains("did not create"))
        .collect();
    assert!(!judged.is_empty(), "no rule judged a foreign row");
    // The foreign rows are still there: cleanup removes only what the run created.
    for id in &foreign {
        let (code, _) = call(
            &server,
            &seed,
            Method::GET,
            &format!("/api/v1/items/{id}"),
            None,
        )
        .await;
        assert_eq!(code, 200);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn completeness_failures_name_the_runs_own_rows_with_foreign_data_present() {
    let (server, seed) = start_reference(&["filter-neq-drops-null"]).await;
    foreign_items(&server, &seed).await;
    let report = check_against(&server, &seed, &["filtering.eq-and-neq"]).await;
    assert_shrunk(&report, "filtering.eq-and-neq");
    let msg = &report.results[0].outcome.findings[0].message;
    assert!(msg.contains("the seeded row"), "{msg}");
    assert!(
        !msg.contains("Foreign"),
        "a foreign row was treated as the run's own: {msg}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn seeded_records_are_removed_after_a_passing_and_a_failing_run() {
    for faults in [
        &[][..],
        &["filter-like-case-sensitive", "fields-drop-id"][..],
    ] {
        let (server, seed) = start_reference(faults).await;
        let report = check_against(
            &server,
            &seed,
            &[
                "filtering.like-*",
                "fields.id-always-included",
                "include.deduplicated-by-type-id",
                "nested.lists-linked-children",
            ],
        )
        .await;
        assert_eq!(
            report
                .results
                .iter()
                .any(|r| r.outcome.status == Status::Failed),
            !faults.is_empty(),
            "{:?}",
            report
                .results
                .iter()
                .map(|r| (&r.info.id, r.outcome.status))
                .collect::<Vec<_>>()
        );
        assert!(
            report.cleaned_up >= 20,
            "cleanup removed {} records",
            report.cleaned_up
        );
        assert_eq!(
            live_marker_rows(&server, &seed).await,
            0,
            "seeded rows left behind"
        );
        // Deleted, not merely hidden from the scope filter: the ids are gone.
        let (_, body) = call(
            &server,
            &seed,
            Method::GET,
            "/api/v1/items?per_page=500",
            None,
        )
        .await;
        let left: Vec<&Value> = body["data"].as_array().unwrap().iter().collect();
        assert!(left.is_empty(), "{} items left", left.len());
        server.shutdown().await;
    }
}

#[tokio::test]
async fn ctrl_c_removes_the_seeded_records_before_exiting() {
    let (server, seed) = start_reference(&[]).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("specgate.toml");
    std::fs::write(&config, seed.to_specgate_toml(Some(&server.base_url))).expect("config written");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args([
            "check",
            "--seed",
            "42",
            "--cases",
            "100000",
            "--rules",
            "filtering.multiple-filters-anded",
        ])
        .arg("--config")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("specgate starts");
    // Wait until the run has seeded its records, then interrupt it mid-property.
    let mut seeded = 0;
    for _ in 0..400 {
        seeded = live_marker_rows(&server, &seed).await;
        if seeded >= 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(seeded >= 20, "the run never seeded its records ({seeded})");
    let pid = child.id().expect("running").to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(killed.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("specgate exits after Ctrl-C")
        .expect("exit status");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        live_marker_rows(&server, &seed).await,
        0,
        "seeded rows left behind after Ctrl-C"
    );
    server.shutdown().await;
}
