//! The property runner: draws cases from a proptest strategy with an RNG derived from the run
//! seed and the rule id (so `--seed` replays the same cases), runs each case's async check
//! against the target, and shrinks a failure to a minimal counterexample with proptest's value
//! trees (simplify/complicate), re-sending requests at every step. The finding carries the
//! shrunk case, the seed, and the curl line of the exchange that shows it.

use std::fmt::Display;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::{RngCore, SeedableRng};

use super::ctx::Ctx;
use crate::client::Exchange;
use crate::rules::{Finding, Outcome};

/// Upper bound of shrink steps (each re-runs the case against the target).
pub const MAX_SHRINK_STEPS: u32 = 64;

/// Why one case failed: what was expected vs seen, and the exchanges showing it.
#[derive(Debug, Clone)]
pub struct Fail {
    pub message: String,
    pub exchanges: Vec<Arc<Exchange>>,
    /// The harness (not the target) failed: reported as an error, never shrunk.
    pub harness: bool,
}

impl Fail {
    pub fn new(message: impl Into<String>, exchanges: &[&Arc<Exchange>]) -> Fail {
        Fail {
            message: message.into(),
            exchanges: exchanges.iter().map(|e| Arc::clone(e)).collect(),
            harness: false,
        }
    }

    pub fn harness(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            exchanges: vec![],
            harness: true,
        }
    }
}

/// What one case did: how many judgements it made (0 = the case did not apply).
pub type CaseResult = Result<usize, Fail>;

/// The RNG of a rule's cases: ChaCha seeded from (run seed, rule id).
pub fn rng_for(seed: u64, rule: &str) -> TestRng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in rule.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut bytes = [0u8; 32];
    rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ h).fill_bytes(&mut bytes);
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Runs `cases` cases of `strategy` through `check`; on the first failure, shrinks it. The
/// runner (whose value trees are not `Send`) lives on a blocking thread and drives each case's
/// requests through the runtime handle.
pub async fn run<S, F>(ctx: &Ctx, strategy: S, check: F) -> Outcome
where
    S: Strategy + Send + 'static,
    S::Value: Display + Clone + Send,
    F: Fn(S::Value) -> BoxFuture<'static, CaseResult> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    let (seed, cases, rule) = (ctx.shared.seed, ctx.shared.cases, ctx.rule);
    let job = tokio::task::spawn_blocking(move || {
        run_blocking(&handle, seed, cases, rule, &strategy, &check)
    });
    match job.await {
        Ok(o) => o,
        Err(e) => Outcome::error(format!("the property runner failed: {e}")),
    }
}

fn run_blocking<S, F>(
    handle: &tokio::runtime::Handle,
    seed: u64,
    cases: u32,
    rule: &str,
    strategy: &S,
    check: &F,
) -> Outcome
where
    S: Strategy,
    S::Value: Display + Clone,
    F: Fn(S::Value) -> BoxFuture<'static, CaseResult>,
{
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        rng_for(seed, rule),
    );
    let mut checked = 0usize;
    for case in 0..cases {
        let mut tree = match strategy.new_tree(&mut runner) {
            Ok(t) => t,
            Err(e) => return Outcome::error(format!("could not generate a case: {e}")),
        };
        let first = tree.current();
        let fail = match handle.block_on(check(first.clone())) {
            Ok(n) => {
                checked += n;
                continue;
            }
            Err(f) => f,
        };
        if fail.harness {
            return Outcome::error(format!("case `{first}`: {}", fail.message));
        }
        // Shrink: simplify while it still fails, complicate back when it passes.
        let (mut best, mut best_fail, mut steps) = (first.clone(), fail, 0u32);
        if tree.simplify() {
            while steps < MAX_SHRINK_STEPS {
                steps += 1;
                let candidate = tree.current();
                match handle.block_on(check(candidate.clone())) {
                    Err(f) if !f.harness => {
                        best = candidate;
                        best_fail = f;
                        if !tree.simplify() {
                            break;
                        }
                    }
                    _ => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        let curl = best_fail
            .exchanges
            .last()
            .map(|e| e.curl.clone())
            .unwrap_or_default();
        let message = format!(
            "{}\n  counterexample (case {} of {cases}, shrunk in {steps} steps from `{first}`): `{best}`\n  replay: specgate check … --seed {seed} --rules {rule}\n  curl: {curl}",
            best_fail.message,
            case + 1,
        );
        return Outcome::from_findings(
            vec![Finding {
                message,
                exchanges: best_fail.exchanges.iter().map(|e| e.seq).collect(),
            }],
            checked + 1,
            "",
        );
    }
    Outcome::from_findings(vec![], checked, "no generated case applied to this target")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn the_same_seed_gives_the_same_cases() {
        let draw = |seed| {
            let mut runner = TestRunner::new_with_rng(Config::default(), rng_for(seed, "x.y"));
            (0..5)
                .map(|_| (0u32..1000).new_tree(&mut runner).unwrap().current())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }
}
