//! Console output: one line per rule grouped by family, failures with their evidence and a
//! curl line, a summary, and the seed. Colour only on a terminal (and never with NO_COLOR).

use std::fmt::Write as _;

use crate::rules::Status;
use crate::run::RunReport;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Print passed rules too (otherwise only failures and skips, plus the summary).
    pub verbose: bool,
}

fn paint(style: Style, code: &str, text: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn render(report: &RunReport, style: Style) -> String {
    let mut out = String::new();
    let mut family = "";
    for r in &report.results {
        let show = style.verbose || r.outcome.status != Status::Passed;
        if !show {
            continue;
        }
        if r.info.family != family {
            family = &r.info.family;
            let _ = writeln!(out, "\n{}", paint(style, "1", family));
        }
        let (mark, code) = match (r.outcome.status, r.outcome.harness_error) {
            (Status::Passed, _) => ("PASS ", "32"),
            (Status::Failed, true) => ("ERROR", "35"),
            (Status::Failed, false) => ("FAIL ", "31"),
            (Status::Skipped, _) => ("SKIP ", "33"),
        };
        let _ = write!(
            out,
            "  {} {} [{}]",
            paint(style, code, mark),
            r.info.id,
            r.info.level.as_str()
        );
        if let Some(reason) = &r.outcome.reason {
            let _ = write!(out, " — {reason}");
        }
        out.push('\n');
        for f in &r.outcome.findings {
            let _ = writeln!(out, "        {}", f.message);
            if let Some(e) = f
                .exchanges
                .first()
                .and_then(|s| report.exchanges.iter().find(|e| e.seq == *s))
            {
                let _ = writeln!(out, "        Reproduce with: {}", e.curl);
            }
        }
        for n in &r.outcome.notes {
            let _ = writeln!(out, "        note: {n}");
        }
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} skipped ({} rules, {} requests, {:.1}s)",
        report.count(Status::Passed),
        report.count(Status::Failed),
        report.count(Status::Skipped),
        report.results.len(),
        report.exchanges.len(),
        report.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "seed: {} (replay with --seed {})",
        report.seed, report.seed
    );
    out
}
