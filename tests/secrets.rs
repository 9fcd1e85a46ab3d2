//! No token leaks: a full `check --reference` writes JSON and JUnit reports and a verbose
//! console; none of them may contain a token value. Two fault switches make rules fail with
//! token-bearing evidence (every role's token, and altered copies of the full-access token),
//! so the reports really do render requests that carried tokens.

use specgate::app::{self, CheckOptions, ReportFormat};

/// The shape of every token the reference server seeds (`ref_test_<64 hex>`), and of altered
/// copies of them.
fn token_pattern() -> regex::Regex {
    regex::Regex::new(r"[a-z][a-z0-9]*_(prod|dev|test)_[0-9a-fA-F]{32,}").expect("valid regex")
}

#[tokio::test]
async fn no_token_value_in_reports_or_console() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    let junit = dir.path().join("junit.xml");
    let opts = CheckOptions {
        reference: true,
        seed: Some(11),
        verbose: true,
        reports: vec![
            (ReportFormat::Json, json.clone()),
            (ReportFormat::Junit, junit.clone()),
        ],
        reference_faults: vec!["token-info-wrong-scopes".into(), "auth-prefix-only".into()],
        ..CheckOptions::default()
    };
    let mut console = Vec::new();
    let (report, _) = app::check(opts, &mut console).await.expect("check runs");
    let console = String::from_utf8_lossy(&console).into_owned();
    let json_text = std::fs::read_to_string(&json).expect("json report written");
    let junit_text = std::fs::read_to_string(&junit).expect("junit report written");

    // The run did send tokens, and the failing rules' evidence shows them as placeholders.
    assert!(report.exchanges.len() > 100, "a full run");
    for (name, text) in [
        ("json", &json_text),
        ("junit", &junit_text),
        ("console", &console),
    ] {
        assert!(
            text.contains("$SPECGATE_TOKEN_"),
            "{name}: expected redacted token placeholders in the evidence"
        );
        if let Some(m) = token_pattern().find(text) {
            let at = m.start();
            panic!(
                "{name} contains a token value near: {}",
                &text[at.saturating_sub(80)..at]
            );
        }
    }
    assert!(json_text.contains("$SPECGATE_TOKEN_FULL_ALTERED"));
    // Nor does any recorded exchange (what a later report format might print).
    for ex in &report.exchanges {
        let text = serde_json::to_string(&**ex).expect("serialisable");
        assert!(
            !token_pattern().is_match(&text),
            "exchange {} carries a token value",
            ex.seq
        );
    }
}
