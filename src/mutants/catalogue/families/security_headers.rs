//! Mutants proving the `security-headers` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "security-headers-missing-on-errors",
        &["security-headers.x-frame-options-deny"],
        "A header set by the happy-path code only, lost on error responses.",
    ),
    Mutant::fault(
        "hsts-without-preload",
        &["security-headers.hsts-on-every-response"],
        "HSTS sent without `preload` (dropped while the preload-list submission was pending).",
    ),
    Mutant::fault(
        "nosniff-missing-on-bodiless",
        &["security-headers.x-content-type-options-nosniff"],
        "X-Content-Type-Options set by the body writer only, so 204 and 304 responses go without it.",
    ),
    Mutant::fault(
        "csp-without-frame-ancestors",
        &["security-headers.csp-default-src-none-frame-ancestors-none"],
        "A Content-Security-Policy copied from a template that predates `frame-ancestors` (`default-src 'none'` only).",
    ),
    Mutant::fault(
        "referrer-policy-framework-default",
        &["security-headers.referrer-policy-strict-origin-when-cross-origin"],
        "Referrer-Policy left at an old framework default, no-referrer-when-downgrade.",
    ),
];
