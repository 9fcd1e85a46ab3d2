//! Mutants proving the `idempotency` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "idempotency-applied-to-patch",
        &["idempotency.ignored-on-get-put-patch-delete"],
        "Idempotency applied to patch.",
    ),
    Mutant::fault(
        "idempotency-key-ignores-body",
        &["idempotency.key-reuse-different-body-rejected"],
        "Idempotency key ignores body.",
    ),
    Mutant::fault(
        "idempotency-keys-global",
        &["idempotency.keys-scoped-per-workspace"],
        "Idempotency keys global.",
    ),
    Mutant::fault(
        "idempotency-no-replayed-header",
        &["idempotency.replayed-header"],
        "Idempotency no replayed header.",
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
        "Idempotency not stored.",
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
