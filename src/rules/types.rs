//! What a rule is and what it reports.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::client::Exchange;
use crate::run::Ctx;
use crate::spec::ApiModel;

pub use super::inventory::Level;

/// The four kinds of rule (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Reads the OpenAPI document only.
    Static,
    /// Judged on every exchange the run records, whoever sent it.
    Observer,
    /// A scripted exchange sequence.
    Probe,
    /// Generated inputs judged by an invariant or an oracle.
    Property,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

/// One reason a rule failed: what was expected, what was seen, and the exchanges showing it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub message: String,
    /// `seq` numbers of the exchanges that show it.
    pub exchanges: Vec<u64>,
}

/// The result of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Warnings and the reading applied where the guide is ambiguous.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How many exchanges or document locations were judged.
    pub checked: usize,
    /// True when the harness itself failed (not the target): reported as an error.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub harness_error: bool,
}

impl Outcome {
    pub fn passed(checked: usize) -> Outcome {
        Outcome {
            status: Status::Passed,
            reason: None,
            findings: Vec::new(),
            notes: Vec::new(),
            checked,
            harness_error: false,
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skipped,
            reason: Some(reason.into()),
            findings: Vec::new(),
            notes: Vec::new(),
            checked: 0,
            harness_error: false,
        }
    }

    pub fn failed(message: impl Into<String>, exchanges: Vec<u64>) -> Outcome {
        Outcome {
            status: Status::Failed,
            reason: None,
            findings: vec![Finding {
                message: message.into(),
                exchanges,
            }],
            notes: Vec::new(),
            checked: 1,
            harness_error: false,
        }
    }

    /// The harness could not run the rule (bad fixture, its own bug): never shown as passed.
    pub fn error(message: impl Into<String>) -> Outcome {
        let mut o = Outcome::failed(message, Vec::new());
        o.harness_error = true;
        o
    }

    pub fn note(mut self, n: impl Into<String>) -> Outcome {
        self.notes.push(n.into());
        self
    }

    /// Builds an outcome from collected findings: failed if any, else passed (or skipped with
    /// `none_reason` when nothing was checked).
    pub fn from_findings(findings: Vec<Finding>, checked: usize, none_reason: &str) -> Outcome {
        if !findings.is_empty() {
            Outcome {
                status: Status::Failed,
                reason: None,
                findings,
                notes: Vec::new(),
                checked,
                harness_error: false,
            }
        } else if checked == 0 {
            Outcome::skipped(none_reason)
        } else {
            Outcome::passed(checked)
        }
    }
}

/// Collects findings while a probe or observer runs.
#[derive(Debug, Default)]
pub struct Findings {
    pub items: Vec<Finding>,
    pub checked: usize,
    pub notes: Vec<String>,
}

impl Findings {
    pub fn check(&mut self, ok: bool, message: impl FnOnce() -> String, ex: &[&Exchange]) {
        self.checked += 1;
        if !ok {
            self.items.push(Finding {
                message: message(),
                exchanges: ex.iter().map(|e| e.seq).collect(),
            });
        }
    }

    pub fn fail(&mut self, message: impl Into<String>, ex: &[&Exchange]) {
        self.checked += 1;
        self.items.push(Finding {
            message: message.into(),
            exchanges: ex.iter().map(|e| e.seq).collect(),
        });
    }

    pub fn note(&mut self, n: impl Into<String>) {
        self.notes.push(n.into());
    }

    pub fn outcome(self, none_reason: &str) -> Outcome {
        let mut o = Outcome::from_findings(self.items, self.checked, none_reason);
        o.notes = self.notes;
        o
    }
}

/// Verdict of an observer on one exchange: `None` = not applicable.
pub type Verdict = Option<Result<(), String>>;

pub type ProbeFn = for<'a> fn(&'a Ctx) -> BoxFuture<'a, Outcome>;

/// How a rule is checked.
#[derive(Clone, Copy)]
pub enum Check {
    Static(fn(&ApiModel) -> Outcome),
    /// Judged exchange by exchange.
    Observer(fn(&ApiModel, &Exchange) -> Verdict),
    /// Judged over all exchanges together (consistency across responses).
    ObserverAll(fn(&ApiModel, &[Arc<Exchange>]) -> Outcome),
    Probe(ProbeFn),
}

/// A rule implementation: its inventory id (metadata comes from the inventory, so nothing is
/// listed twice), its kind, what it needs beyond the full-access token, and its check.
#[derive(Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub kind: Kind,
    /// Credential roles or capabilities (see `config::Capability`) without which it is skipped.
    pub needs: &'static [&'static str],
    pub check: Check,
    /// Runs after every other probe (rate-limit rules), alone.
    pub last: bool,
}

impl Rule {
    pub const fn probe(id: &'static str, needs: &'static [&'static str], f: ProbeFn) -> Rule {
        Rule {
            id,
            kind: Kind::Probe,
            needs,
            check: Check::Probe(f),
            last: false,
        }
    }
    pub const fn observer(id: &'static str, f: fn(&ApiModel, &Exchange) -> Verdict) -> Rule {
        Rule {
            id,
            kind: Kind::Observer,
            needs: &[],
            check: Check::Observer(f),
            last: false,
        }
    }
    pub const fn observer_all(
        id: &'static str,
        f: fn(&ApiModel, &[Arc<Exchange>]) -> Outcome,
    ) -> Rule {
        Rule {
            id,
            kind: Kind::Observer,
            needs: &[],
            check: Check::ObserverAll(f),
            last: false,
        }
    }
    /// Generated inputs judged by an invariant or an oracle (run like a probe).
    pub const fn property(id: &'static str, needs: &'static [&'static str], f: ProbeFn) -> Rule {
        Rule {
            id,
            kind: Kind::Property,
            needs,
            check: Check::Probe(f),
            last: false,
        }
    }
    pub const fn static_rule(id: &'static str, f: fn(&ApiModel) -> Outcome) -> Rule {
        Rule {
            id,
            kind: Kind::Static,
            needs: &[],
            check: Check::Static(f),
            last: false,
        }
    }
}
