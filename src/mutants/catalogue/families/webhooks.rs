//! Mutants proving the `webhooks` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[Mutant::fault(
    "webhook-wrong-signature",
    &["webhooks.hmac-sha256-signature"],
    "Webhook wrong signature.",
)];
