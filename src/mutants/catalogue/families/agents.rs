//! Mutants proving the `agents` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "agents-bloated",
        &["agents.under-50kb"],
        "GET /agents appends a 1,200-line internal changelog to the guide as an HTML comment, pushing the document past 50 KB.",
    ),
    Mutant::fault(
        "agents-missing-endpoint",
        &["agents.complete-auth-endpoints-fields-examples"],
        "The agents guide is filtered line by line and every line mentioning /webhooks is dropped, so the webhook endpoints are missing from it.",
    ),
    Mutant::fault(
        "agents-not-ip-limited",
        &["agents.rate-limited-by-ip-60-per-minute"],
        "The public agents endpoint without its per-IP limit.",
    ),
    Mutant::fault(
        "agents-requires-auth",
        &["agents.public-no-auth"],
        "GET /agents sits behind the auth check, so a request without an Authorization header gets 401 invalid-token instead of the guide.",
    ),
    Mutant::fault(
        "agents-served-as-html",
        &["agents.content-type-markdown"],
        "GET /agents serves the Markdown guide with Content-Type text/html; charset=utf-8 instead of text/markdown.",
    ),
];
