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
];
