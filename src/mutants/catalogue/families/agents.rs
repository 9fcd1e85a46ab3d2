//! Mutants proving the `agents` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault("agents-bloated", &["agents.under-50kb"], "Agents bloated."),
    Mutant::fault(
        "agents-missing-endpoint",
        &["agents.complete-auth-endpoints-fields-examples"],
        "Agents missing endpoint.",
    ),
    Mutant::fault(
        "agents-not-ip-limited",
        &["agents.rate-limited-by-ip-60-per-minute"],
        "the public agents endpoint without its per-IP limit.",
    ),
    Mutant::fault(
        "agents-requires-auth",
        &["agents.public-no-auth"],
        "Agents requires auth.",
    ),
    Mutant::fault(
        "agents-served-as-html",
        &["agents.content-type-markdown"],
        "Agents served as html.",
    ),
];
