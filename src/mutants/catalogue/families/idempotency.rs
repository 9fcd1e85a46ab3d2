//! Mutants proving the `idempotency` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "idempotency-applied-to-patch",
        &["idempotency.ignored-on-get-put-patch-delete"],
        "The idempotency middleware also handles PATCH, so a PATCH with an Idempotency-Key is stored and later replayed instead of the key being ignored.",
    ),
    Mutant::fault(
        "idempotency-key-ignores-body",
        &["idempotency.key-reuse-different-body-rejected"],
        "The idempotency fingerprint hashes only method and path, so a key reused with a different body replays the first response instead of being rejected.",
    ),
    Mutant::fault(
        "idempotency-keys-global",
        &["idempotency.keys-scoped-per-workspace"],
        "Idempotency keys are stored without their workspace, so the same key sent from another workspace replays (or clashes with) that workspace's stored response.",
    ),
    Mutant::fault(
        "idempotency-no-replayed-header",
        &["idempotency.replayed-header"],
        "Replayed responses are sent without the Idempotency-Replayed: true header, so clients cannot tell a replay from a fresh result.",
    ),
    Mutant::fault(
        "idempotency-not-stored",
        &[
            "idempotency.replay-returns-stored-response",
            "idempotency.replayed-header",
            "idempotency.stored-headers-replayed",
            "idempotency.key-reuse-different-body-rejected",
            "bulk.idempotency-key-on-bulk-create",
        ],
        "Responses are never saved under their Idempotency-Key, so a retry with the same key runs the request again and creates a duplicate.",
    ),
    Mutant::fault(
        "idempotency-key-rejected-on-actions",
        &["idempotency.optional-but-recommended-on-post"],
        "Idempotency-Key is accepted on collection POSTs only; an action such as POST /{id}/restore refuses it with 400.",
    ),
    Mutant::fault(
        "idempotency-keys-never-expire",
        &["idempotency.keys-expire-after-24h"],
        "The key lookup never checks the key's age, so a key from days ago still replays.",
    ),
];
