//! The engine: selects rules, checks their needs, runs static rules, then probes in a fixed
//! order (rules marked `last` at the end, alone), then observers over every recorded exchange,
//! and finally removes the records the run created.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::ctx::{Ctx, Shared};
use crate::client::Exchange;
use crate::rules::{self, Check, Kind, Outcome, Rule, RuleInfo, Status};

/// Result of one rule in a run.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    #[serde(flatten)]
    pub info: RuleInfo,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub duration_ms: u64,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub seed: u64,
    pub target: String,
    pub spec: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub results: Vec<RuleResult>,
    pub exchanges: Vec<Arc<Exchange>>,
    /// Records created by the run that cleanup removed.
    pub cleaned_up: usize,
}

impl RunReport {
    pub fn count(&self, status: Status) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.status == status)
            .count()
    }

    /// Did every MUST rule hold (no failed MUST rule, no harness error)?
    pub fn gate_passed(&self, strict: bool) -> bool {
        !self.results.iter().any(|r| {
            r.outcome.status == Status::Failed
                && (r.outcome.harness_error || r.info.level == rules::Level::Must || strict)
        })
    }
}

/// Which rules a run includes.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Glob patterns (`*` wildcard) on rule id or family; empty = all.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

impl Selection {
    fn matches(patterns: &[String], info: &RuleInfo) -> bool {
        patterns
            .iter()
            .any(|p| glob_match(p, &info.id) || glob_match(p, &info.family))
    }

    pub fn selects(&self, info: &RuleInfo) -> bool {
        (self.include.is_empty() || Self::matches(&self.include, info))
            && !Self::matches(&self.exclude, info)
    }
}

/// Time one probe may take before it is reported as a harness error.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a need is missing, in words an operator can act on.
pub fn missing_need(shared: &Shared, need: &str) -> Option<String> {
    if shared.capabilities.contains(need) {
        return None;
    }
    let is_role = crate::config::ROLES.iter().any(|(r, _)| *r == need);
    Some(if is_role {
        format!(
            "needs a '{need}' token: set [tokens.{need}] in specgate.toml or SPECGATE_TOKEN_{}",
            need.to_ascii_uppercase()
        )
    } else {
        match need {
            "dependency-outage" => "needs a way to take a critical dependency down (only the in-process reference target offers one)".into(),
            "https-target" => "needs an https:// target (this one is plain HTTP)".into(),
            "baseline-openapi" => "needs the last release's OpenAPI document to diff against: set baseline_spec = \"PATH|URL\" in specgate.toml".into(),
            "24h-wait" => "needs an Idempotency-Key stored more than 24 h earlier (only the in-process reference target can age its keys)".into(),
            "browser-origin" => "needs the origin browser clients are served from: set cors_origin in specgate.toml".into(),
            "webhook-receiver" => match &shared.receiver {
                Err(e) => format!("needs specgate's webhook receiver, which is not running ({e}); set [webhooks] listen and public_url so the target can reach it"),
                Ok(_) => "needs specgate's webhook receiver".into(),
            },
            "deprecated-version" => "needs a deprecated API version the target still serves: set deprecated_base_path = \"/api/v1\" (for example) in specgate.toml, or declare the capability deprecated-version once the target sends a sunset date (the in-process reference server runs without one)".into(),
            "ga-date" => "needs the date the successor version reached GA: set [deprecation] ga_date".into(),
            "long-wait" => "needs minutes-long waits on the target's real schedule: declare the capability long-wait, or declare a shortened [webhooks] retry_schedule_secs the target is configured with".into(),
            "ui-session" => "needs a session of the target's token UI: set [ui_session] cookie (or SPECGATE_UI_SESSION)".into(),
            other => format!("needs the '{other}' capability (declare it under `capabilities` in specgate.toml)"),
        }
    })
}

/// Runs the selected rules against the target described by `shared`.
pub async fn run(shared: Arc<Shared>, selection: &Selection, seed: u64, spec: &str) -> RunReport {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let catalogue = rules::catalogue();
    let info_of = |id: &str| catalogue.iter().find(|c| c.id == id).cloned();
    let mut selected: Vec<(Rule, RuleInfo)> = rules::all()
        .into_iter()
        .filter_map(|r| info_of(r.id).map(|i| (r, i)))
        .filter(|(_, i)| selection.selects(i))
        .collect();
    // Stable order: static, probes (normal), observers, probes marked last.
    selected.sort_by_key(|(r, _)| match (r.kind, r.last) {
        (Kind::Static, _) => 0,
        (_, true) => 3,
        (Kind::Observer, _) => 2,
        _ => 1,
    });
    let mut results: Vec<Option<RuleResult>> = vec![None; selected.len()];
    let finish = |info: &RuleInfo, outcome: Outcome, t: Instant| RuleResult {
        info: info.clone(),
        outcome,
        duration_ms: t.elapsed().as_millis() as u64,
    };
    let order: Vec<usize> = {
        let mut o: Vec<usize> = (0..selected.len())
            .filter(|i| {
                !matches!(
                    selected[*i].0.check,
                    Check::Observer(_) | Check::ObserverAll(_)
                )
            })
            .collect();
        // Observers are judged after every exchange is in, but before the `last` probes
        // (rate limiting) whose deliberate 429s belong to their own rules.
        let (last, normal): (Vec<usize>, Vec<usize>) =
            o.drain(..).partition(|i| selected[*i].0.last);
        let observers: Vec<usize> = (0..selected.len())
            .filter(|i| {
                matches!(
                    selected[*i].0.check,
                    Check::Observer(_) | Check::ObserverAll(_)
                )
            })
            .collect();
        normal.into_iter().chain(observers).chain(last).collect()
    };
    if selected.iter().any(|(r, _)| r.kind == Kind::Observer) {
        let ctx = Ctx {
            rule: "specgate.warmup",
            shared: shared.clone(),
        };
        super::warmup::warmup(&ctx).await;
    }
    for i in order {
        let (rule, info) = &selected[i];
        let t = Instant::now();
        if let Some(reason) = rule.needs.iter().find_map(|n| missing_need(&shared, n)) {
            results[i] = Some(finish(info, Outcome::skipped(reason), t));
            continue;
        }
        let outcome = match rule.check {
            Check::Static(f) => f(&shared.model),
            Check::Probe(f) => {
                let ctx = Ctx {
                    rule: rule.id,
                    shared: shared.clone(),
                };
                match tokio::time::timeout(PROBE_TIMEOUT, f(&ctx)).await {
                    Ok(o) => o,
                    Err(_) => Outcome::error(format!(
                        "the probe did not finish within {}s",
                        PROBE_TIMEOUT.as_secs()
                    )),
                }
            }
            Check::Observer(f) => {
                let exchanges = shared.client.exchanges();
                let mut findings = rules::Findings::default();
                for ex in exchanges.iter() {
                    match f(&shared.model, ex) {
                        None => {}
                        Some(Ok(())) => findings.checked += 1,
                        Some(Err(msg)) => {
                            if findings.items.len() < 10 {
                                findings.fail(msg, &[ex]);
                            } else {
                                findings.checked += 1;
                            }
                        }
                    }
                }
                findings.outcome("no response this rule applies to was observed during the run")
            }
            Check::ObserverAll(f) => f(&shared.model, &shared.client.exchanges()),
        };
        results[i] = Some(finish(info, outcome, t));
    }
    let cleaned_up = {
        let ctx = Ctx {
            rule: "specgate.cleanup",
            shared: shared.clone(),
        };
        super::fixtures::cleanup(&ctx).await
    };
    // Report in registry order (families together), whatever the run order was.
    let mut results: Vec<RuleResult> = results.into_iter().flatten().collect();
    let position = |id: &str| {
        catalogue
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|r| position(&r.info.id));
    RunReport {
        seed,
        target: shared.client.origin().to_string(),
        spec: spec.to_string(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        results,
        exchanges: shared.client.exchanges(),
        cleaned_up,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("etag.*", "etag.stale-if-match-is-412"));
        assert!(glob_match("*412", "etag.stale-if-match-is-412"));
        assert!(glob_match("etag", "etag"));
        assert!(!glob_match("etag", "etag.x"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }
}
