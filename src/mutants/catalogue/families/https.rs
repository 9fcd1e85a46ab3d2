//! Mutants proving the `https` rules (on the TLS reference server).
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "plain-http-serves-api",
        &["https.plain-http-redirected-or-refused"],
        "The plain-HTTP listener mounts the application itself instead of the redirect to https://.",
    )
    .tls(),
    Mutant::fault(
        "tls-legacy-accepted",
        &["https.tls-1-2-or-higher"],
        "The TLS terminator was left with TLSv1 and TLSv1.1 enabled: legacy ClientHellos get a ServerHello.",
    )
    .tls(),
];
