//! Mutants proving the `rate-limit` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "429-without-retry-after",
        &["rate-limit.429-retry-after-and-zero-remaining"],
        "Rate-limited 429 responses omit the Retry-After header (the wait is only mentioned in the detail text).",
    ),
    Mutant::fault(
        "ratelimit-headers-missing-on-errors",
        &["rate-limit.headers-on-every-response"],
        "The RateLimit headers added by a hook that runs for successful responses only, so 4xx answers (429 included) lack them.",
    ),
    Mutant::fault(
        "ratelimit-policy-window-minutes",
        &["rate-limit.default-240-per-minute-per-token"],
        "RateLimit-Policy writes its window in minutes (240;w=1) instead of seconds.",
    ),
    Mutant::fault(
        "burst-bucket-sized-by-rate",
        &["rate-limit.burst-40-per-second"],
        "The burst bucket sized by the per-second refill rate (240/60 = 4) instead of the 40-request burst allowance.",
    ),
    Mutant::fault(
        "429-plain-text",
        &["rate-limit.exceeded-429-problem"],
        "The limiter library's own plain-text 429 (Too Many Requests) instead of the problem document.",
    ),
    Mutant::fault(
        "rate-limit-per-workspace",
        &["rate-limit.per-token-buckets"],
        "Buckets keyed by workspace, so one busy token throttles every other token of its workspace.",
    ),
    Mutant::fault(
        "rate-limit-override-ignored",
        &["rate-limit.override-per-token"],
        "The limiter reads the configured default limit, never the token's override (which /token still reports).",
    ),
];
