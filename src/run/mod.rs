//! Running rules: the per-rule context, fixtures, and the engine.
pub mod ctx;
pub mod dataset;
pub mod engine;
pub mod fixtures;
pub mod property;
pub mod receiver;
pub mod walk;
pub mod warmup;

pub use ctx::{Ctx, Shared, TargetHooks, data};
pub use engine::{RuleResult, RunReport, Selection, run};
