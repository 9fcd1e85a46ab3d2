//! Mutants proving the `webhooks` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "webhook-wrong-signature",
        &["webhooks.hmac-sha256-signature"],
        "Webhook deliveries are signed with the wrong key (the secret with a stray character appended), so X-Webhook-Signature never verifies.",
    ),
    Mutant::fault(
        "webhook-create-returns-200",
        &["webhooks.registration-endpoint"],
        "Registering a webhook answers 200 OK instead of 201 Created.",
    ),
    Mutant::fault(
        "webhook-delivered-via-put",
        &["webhooks.delivered-via-post"],
        "The delivery client sends events with PUT instead of POST.",
    ),
    Mutant::fault(
        "webhook-event-without-workspace-id",
        &["webhooks.event-shape"],
        "The event envelope is built without its workspace_id.",
    ),
    Mutant::fault(
        "webhook-soft-delete-emits-updated",
        &["webhooks.event-types-resource-action"],
        "A soft delete (an UPDATE of deleted_at) is announced as <resource>.updated instead of <resource>.deleted.",
    ),
    Mutant::fault(
        "webhook-retry-without-backoff",
        &["webhooks.retry-on-non-2xx-with-backoff"],
        "The retry loop forgets to sleep, so every attempt after a non-2xx fires back to back.",
    ),
    Mutant::fault(
        "webhook-disabled-after-failures",
        &["webhooks.failing-after-5-attempts-not-disabled"],
        "A webhook that failed 5 times is switched off (state disabled, no more events) instead of marked failing.",
    ),
    Mutant::fault(
        "webhook-http-urls-accepted",
        &["webhooks.https-endpoints-only"],
        "Registration accepts any plain-http:// URL, not only loopback ones.",
    ),
    Mutant::fault(
        "webhook-fanout-ignores-workspace",
        &["webhooks.workspace-scoped"],
        "The fan-out looks webhooks up by event type only, so another workspace's events reach them.",
    ),
    Mutant::fault(
        "webhook-subscription-ignored",
        &["webhooks.multiple-webhooks-filtered-by-subscription"],
        "Every webhook of the workspace gets every event, whatever it subscribed to.",
    ),
    Mutant::fault(
        "webhook-retry-new-event-id",
        &["webhooks.at-least-once-unique-event-id"],
        "Each delivery attempt re-serialises the event with a fresh id, so a retry looks like a new event.",
    ),
    Mutant::fault(
        "webhook-no-delivery-timeout",
        &["webhooks.receiver-10s-timeout"],
        "Deliveries use the HTTP client's lax default timeout, so a receiver answering after 10 s counts as delivered.",
    ),
];
