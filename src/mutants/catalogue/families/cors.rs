//! Mutants proving the `cors` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "cors-wildcard-with-credentials",
        &["cors.allow-origin-explicit-never-wildcard"],
        "Responses to an allowed origin send Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true instead of echoing the origin.",
    ),
    Mutant::fault(
        "cors-methods-without-patch",
        &["cors.allow-methods"],
        "The preflight allow-list of methods written before PATCH was routed.",
    ),
    Mutant::fault(
        "cors-idempotency-key-not-allowed",
        &["cors.allow-headers"],
        "The preflight allow-list of headers predates idempotency keys, so Idempotency-Key is refused.",
    ),
    Mutant::fault(
        "cors-ratelimit-not-exposed",
        &["cors.expose-headers"],
        "Access-Control-Expose-Headers predates the rate limiter: RateLimit, RateLimit-Policy and Retry-After stay hidden from browsers.",
    ),
    Mutant::fault(
        "cors-max-age-600",
        &["cors.max-age-86400"],
        "Preflight max-age lowered to Chromium's 600 s cap instead of the guide's 86400.",
    ),
    Mutant::fault(
        "cors-preflight-200",
        &["cors.preflight-204"],
        "Preflights answered with the framework's default 200 OK instead of 204.",
    ),
];
