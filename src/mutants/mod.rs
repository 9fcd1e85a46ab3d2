//! The mutant catalogue and the kill matrix: specgate proving its own rules. A mutant is a
//! deliberate, minimal, realistic violation of one or a few rules by an otherwise correct
//! reference server; the kill matrix certifies the clean reference server, then each mutant
//! with only its target rules selected, and checks every target rule fails with evidence.
pub mod catalogue;
pub mod markdown;
pub mod matrix;

pub use catalogue::{Mutant, all, known_fault, proving};
pub use markdown::summary;
pub use matrix::{MatrixError, MatrixOptions, MatrixReport, MutantResult, run_matrix};
