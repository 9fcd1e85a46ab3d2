//! specgate: certify a live JSON REST deployment against an API style guide, black box over
//! HTTP, driven by the service's OpenAPI document.
pub mod app;
pub mod client;
pub mod config;
pub mod exit;
pub mod generate;
pub mod mutants;
pub mod oracle;
pub mod parse;
pub mod report;
pub mod rules;
pub mod run;
pub mod spec;
