//! Process exit codes (also listed in `--help` and the README).

/// Every MUST rule held.
pub const OK: u8 = 0;
/// A rule failed (a MUST rule, or any rule with `--strict`).
pub const RULE_FAILED: u8 = 1;
/// Bad usage, bad configuration, or an unreadable or invalid OpenAPI document.
pub const USAGE: u8 = 2;
/// The target could not be reached.
pub const UNREACHABLE: u8 = 3;
/// Interrupted (Ctrl-C) after removing the records the run created.
pub const INTERRUPTED: u8 = 130;
