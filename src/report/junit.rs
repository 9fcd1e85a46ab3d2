//! JUnit XML: one `<testsuite>` per family, one `<testcase>` per rule. A rule failure is a
//! `<failure>`, a harness error an `<error>`, a skipped rule `<skipped message="reason">`.

use std::fmt::Write as _;

use crate::rules::Status;
use crate::run::RunReport;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &RunReport) -> String {
    let mut families: Vec<&str> = Vec::new();
    for r in &report.results {
        if !families.contains(&r.info.family.as_str()) {
            families.push(&r.info.family);
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = report
        .results
        .iter()
        .filter(|r| r.outcome.status == Status::Failed && !r.outcome.harness_error)
        .count();
    let errors = report
        .results
        .iter()
        .filter(|r| r.outcome.harness_error)
        .count();
    let _ = writeln!(
        out,
        "<testsuites name=\"specgate\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{}\" time=\"{:.3}\">",
        report.results.len(),
        report.count(Status::Skipped),
        report.duration_ms as f64 / 1000.0
    );
    for fam in families {
        let rs: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.info.family == fam)
            .collect();
        let f = rs
            .iter()
            .filter(|r| r.outcome.status == Status::Failed && !r.outcome.harness_error)
            .count();
        let e = rs.iter().filter(|r| r.outcome.harness_error).count();
        let s = rs
            .iter()
            .filter(|r| r.outcome.status == Status::Skipped)
            .count();
        let time: u64 = rs.iter().map(|r| r.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\" time=\"{:.3}\">",
            escape(fam),
            rs.len(),
            time as f64 / 1000.0
        );
        for r in rs {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&r.info.family),
                escape(&r.info.id),
                r.duration_ms as f64 / 1000.0
            );
            match r.outcome.status {
                Status::Passed => out.push_str("/>\n"),
                Status::Skipped => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(r.outcome.reason.as_deref().unwrap_or(""))
                    );
                }
                Status::Failed => {
                    let tag = if r.outcome.harness_error {
                        "error"
                    } else {
                        "failure"
                    };
                    let first = r
                        .outcome
                        .findings
                        .first()
                        .map(|f| f.message.as_str())
                        .unwrap_or("");
                    let mut body = format!("[{}] {}\n", r.info.level.as_str(), r.info.statement);
                    for f in &r.outcome.findings {
                        let _ = writeln!(body, "- {}", f.message);
                        for seq in &f.exchanges {
                            if let Some(e) = report.exchanges.iter().find(|e| e.seq == *seq) {
                                let _ = writeln!(body, "  Reproduce with: {}", e.curl);
                            }
                        }
                    }
                    let _ = writeln!(
                        out,
                        ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>",
                        escape(first),
                        r.info.level.as_str(),
                        escape(&body)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
