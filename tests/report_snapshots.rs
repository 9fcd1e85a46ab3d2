//! Snapshot tests of every reporter (console, JSON, JUnit XML) on a fixed, hand-built report:
//! one passed, one failed (with evidence and a curl line), one skipped and one harness error.

use std::sync::Arc;

use specgate::client::{Exchange, RecordedRequest, RecordedResponse};
use specgate::report;
use specgate::rules::{self, Finding, Outcome, Status};
use specgate::run::{RuleResult, RunReport};

fn info(id: &str) -> rules::RuleInfo {
    rules::info(id).expect("rule exists")
}

fn result(id: &str, outcome: Outcome) -> RuleResult {
    RuleResult {
        info: info(id),
        outcome,
        duration_ms: 12,
    }
}

fn sample() -> RunReport {
    let ex = Exchange {
        seq: 3,
        rule: "security-headers.x-frame-options-deny".into(),
        request: RecordedRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:8080/api/v1/items/00000000-0000-4000-8000-000000000000".into(),
            headers: vec![
                ("x-request-id".into(), "5f0c6a1e-8d7b-4c2a-9e3f-1b2c3d4e5f60".into()),
                ("authorization".into(), "Bearer $SPECGATE_TOKEN_FULL".into()),
            ],
            body: None,
        },
        response: Some(RecordedResponse {
            status: 404,
            headers: vec![("content-type".into(), "application/problem+json".into())],
            body: r#"{"type":"https://api.example.com/problems/not-found","title":"Not Found","status":404,"detail":"The requested resource does not exist."}"#.into(),
            truncated: false,
            body_problem: None,
            json: None,
        }),
        error: None,
        elapsed_ms: 2,
        attempts: 1,
        curl: "curl -sS -i 'http://127.0.0.1:8080/api/v1/items/00000000-0000-4000-8000-000000000000' -H \"authorization: Bearer $SPECGATE_TOKEN_FULL\"".into(),
    };
    let mut failed = Outcome::failed(
        "GET /api/v1/items/00000000-0000-4000-8000-000000000000 → 404: expected `x-frame-options: DENY`, got no such header",
        vec![3],
    );
    failed.findings.push(Finding {
        message: "a second finding without an exchange".into(),
        exchanges: vec![],
    });
    RunReport {
        seed: 42,
        target: "http://127.0.0.1:8080/".into(),
        spec: "http://127.0.0.1:8080/api/v1/openapi.json".into(),
        started_at: "2026-11-21T00:00:00Z".into(),
        duration_ms: 1234,
        results: vec![
            result("health.live-200", Outcome::passed(1)),
            result("security-headers.x-frame-options-deny", failed),
            result(
                "health.ready-503-when-dependency-down",
                Outcome::skipped(
                    "needs a way to take a critical dependency down (only the in-process reference target offers one)",
                ),
            ),
            result(
                "health.never-rate-limited",
                Outcome::error("the probe did not finish within 120s"),
            ),
        ],
        exchanges: vec![Arc::new(ex)],
        cleaned_up: 0,
    }
}

#[test]
fn console_plain() {
    let out = report::console::render(
        &sample(),
        report::console::Style {
            color: false,
            verbose: true,
        },
    );
    insta::assert_snapshot!(out);
}

#[test]
fn console_colour_marks_statuses() {
    let out = report::console::render(
        &sample(),
        report::console::Style {
            color: true,
            verbose: false,
        },
    );
    assert!(out.contains("\x1b[31mFAIL"), "{out}");
    assert!(
        !out.contains("health.live-200"),
        "passed rules are hidden without --verbose"
    );
}

#[test]
fn json_report() {
    let mut v = report::json::render(&sample());
    v["specgate"] = serde_json::json!("[version]");
    insta::assert_json_snapshot!(v);
}

#[test]
fn json_report_has_the_documented_shape() {
    let v = report::json::render(&sample());
    assert_eq!(v["summary"]["passed"], 1);
    assert_eq!(v["summary"]["failed"], 2);
    assert_eq!(v["summary"]["skipped"], 1);
    for r in v["rules"].as_array().unwrap() {
        assert!(r["id"].is_string() && r["level"].is_string());
        assert!(["passed", "failed", "skipped"].contains(&r["status"].as_str().unwrap()));
    }
    assert_eq!(
        v["rules"][2]["reason"]
            .as_str()
            .map(|s| s.starts_with("needs")),
        Some(true)
    );
    assert!(v["rules"][1]["evidence"][0]["exchanges"][0]["curl"].is_string());
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(report::junit::render(&sample()));
}

#[test]
fn junit_distinguishes_failure_error_and_skip() {
    let xml = report::junit::render(&sample());
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert_eq!(xml.matches("<error ").count(), 1);
    assert_eq!(xml.matches("<skipped ").count(), 1);
    assert!(xml.contains("Reproduce with: curl"));
}

#[test]
fn statuses_serialise_lowercase() {
    assert_eq!(serde_json::to_value(Status::Skipped).unwrap(), "skipped");
}
