//! Reporters: console, JSON and JUnit XML, all rendered from one [`RunReport`]. Secrets never
//! reach them: exchanges are redacted when recorded.
//!
//! [`RunReport`]: crate::run::RunReport
pub mod console;
pub mod json;
pub mod junit;
