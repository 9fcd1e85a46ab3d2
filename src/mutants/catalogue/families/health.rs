//! Mutants proving the `health` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "ready-ignores-database",
        &[
            "health.live-has-no-dependency-checks",
            "health.ready-503-when-dependency-down",
        ],
        "A readiness probe that never looks at its dependencies.",
    ),
    Mutant::fault(
        "live-status-up",
        &["health.live-200"],
        "Liveness answers in Spring Boot Actuator's dialect, {\"status\": \"UP\"}.",
    ),
    Mutant::fault(
        "ready-checks-absent-cache",
        &["health.ready-200-when-healthy"],
        "Readiness also checks a cache this deployment does not run, so it reports degraded (503) while healthy.",
    ),
    Mutant::fault(
        "health-behind-auth",
        &["health.no-auth"],
        "The health routes mounted behind the authentication layer, so probes without a token get 401.",
    ),
    Mutant::fault(
        "health-under-api-prefix",
        &["health.top-level-routes"],
        "The health routes mounted inside the /api/v1 scope, so /health/live and /health/ready 404 at the host root.",
    ),
    Mutant::fault(
        "health-ip-rate-limited",
        &["health.never-rate-limited"],
        "The health routes share the per-IP limit of the public endpoints, so a busy orchestrator gets 429s.",
    ),
    Mutant::fault(
        "legacy-health-alias",
        &["health.legacy-health-redirects-to-live"],
        "The legacy /health kept as an alias that answers 200 itself instead of redirecting to /health/live.",
    ),
];
