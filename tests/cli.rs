//! The CLI's contract: exit codes and clear messages on bad input, never a panic.

use std::process::Command;
use std::time::{Duration, Instant};

fn specgate(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("SPECGATE_TOKEN_FULL")
        .output()
        .expect("run specgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn unreachable_target_exits_3_quickly() {
    let dir = tmp();
    // Port 1 on loopback: connection refused at once.
    let started = Instant::now();
    let (code, _, err) = specgate(
        &[
            "check",
            "--spec",
            "x.yaml",
            "--base-url",
            "http://127.0.0.1:1",
            "--timeout",
            "5",
        ],
        dir.path(),
    );
    assert_eq!(code, 3, "stderr: {err}");
    assert!(
        err.contains("failed to reach the target http://127.0.0.1:1"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("specgate.toml"),
        "base_url = \"http://127.0.0.1:1\"\nbase_ulr = 3\n",
    )
    .unwrap();
    let (code, _, err) = specgate(&["check", "--config", "specgate.toml"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("base_ulr"), "{err}");
    std::fs::write(
        dir.path().join("roles.toml"),
        "[tokens.fulll]\ntoken = \"x\"\n",
    )
    .unwrap();
    let (code, _, err) = specgate(&["check", "--config", "roles.toml"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("tokens.fulll"), "{err}");
}

#[test]
fn missing_target_or_spec_is_usage_error() {
    let dir = tmp();
    let (code, _, err) = specgate(&["check"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("--base-url"), "{err}");
    let (code, _, err) = specgate(&["check", "--base-url", "ftp://x"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
}

#[test]
fn unreadable_spec_exits_2_naming_the_file() {
    let dir = tmp();
    let (code, _, err) = specgate(&["lint", "--spec", "nope.yaml"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("nope.yaml"), "{err}");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "openapi: 3.1.0\ninfo: [unclosed\n",
    )
    .unwrap();
    let (code, _, err) = specgate(&["lint", "--spec", "bad.yaml"], dir.path());
    assert_eq!(code, 2, "stderr: {err}");
    assert!(
        err.contains("bad.yaml") && err.contains("failed to parse"),
        "{err}"
    );
}

#[test]
fn rules_json_lists_every_inventory_id() {
    let dir = tmp();
    let (code, out, _) = specgate(&["rules", "--format", "json"], dir.path());
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let rules = v.as_array().unwrap();
    let tsv = include_str!("../suites/http-api-v1/inventory.tsv");
    for line in tsv.lines().skip(1).filter(|l| !l.is_empty()) {
        let id = line.split('\t').next().unwrap();
        let r = rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        for key in [
            "level",
            "family",
            "section",
            "statement",
            "needs",
            "implemented",
        ] {
            assert!(r.get(key).is_some(), "{id} lacks {key}");
        }
    }
}

#[test]
fn help_lists_exit_codes() {
    let dir = tmp();
    let (code, out, _) = specgate(&["check", "--help"], dir.path());
    assert_eq!(code, 0);
    assert!(out.contains("3  the target could not be reached"), "{out}");
}
