//! The JSON report: `{"specgate", "seed", "target", "spec", "summary", "rules": [...]}`; each
//! failed rule carries its evidence (the exchanges, redacted, bodies cut).

use serde_json::{Value, json};

use crate::rules::Status;
use crate::run::RunReport;

pub fn render(report: &RunReport) -> Value {
    let rules: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let mut v = json!({
                "id": r.info.id,
                "level": r.info.level,
                "family": r.info.family,
                "section": r.info.section,
                "statement": r.info.statement,
                "kind": r.info.kind,
                "status": r.outcome.status,
                "checked": r.outcome.checked,
                "duration_ms": r.duration_ms,
            });
            if let Some(reason) = &r.outcome.reason {
                v["reason"] = json!(reason);
            }
            if r.outcome.harness_error {
                v["harness_error"] = json!(true);
            }
            if !r.outcome.notes.is_empty() {
                v["notes"] = json!(r.outcome.notes);
            }
            if r.outcome.status == Status::Failed {
                let evidence: Vec<Value> = r
                    .outcome
                    .findings
                    .iter()
                    .map(|f| {
                        let exchanges: Vec<Value> = f
                            .exchanges
                            .iter()
                            .filter_map(|seq| report.exchanges.iter().find(|e| e.seq == *seq))
                            .map(|e| serde_json::to_value(e.for_evidence()).unwrap_or(Value::Null))
                            .collect();
                        json!({"message": f.message, "exchanges": exchanges})
                    })
                    .collect();
                v["evidence"] = json!(evidence);
            }
            v
        })
        .collect();
    json!({
        "specgate": env!("CARGO_PKG_VERSION"),
        "seed": report.seed,
        "target": report.target,
        "spec": report.spec,
        "started_at": report.started_at,
        "duration_ms": report.duration_ms,
        "summary": {
            "passed": report.count(Status::Passed),
            "failed": report.count(Status::Failed),
            "skipped": report.count(Status::Skipped),
            "total": report.results.len(),
            "requests": report.exchanges.len(),
            "cleaned_up": report.cleaned_up,
        },
        "rules": rules,
    })
}
