//! Mutants proving the `auth` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "access-token-query-accepted",
        &["auth.tokens-sole-auth-mechanism"],
        "A legacy fallback reads the token from ?access_token= when no Authorization header is sent, so tokens authenticate from the URL and leak into logs.",
    ),
    Mutant::fault(
        "non-bearer-scheme-400",
        &["auth.missing-or-invalid-token-401"],
        "An Authorization header with another scheme (Basic) answered 400 Bad Request instead of 401.",
    ),
    Mutant::fault(
        "missing-token-generic-401",
        &["auth.401-problem-invalid-token"],
        "The missing-header branch answers the framework's generic /problems/unauthorized 401 instead of invalid-token.",
    ),
    Mutant::fault(
        "token-expiry-ignored",
        &["auth.revoked-or-expired-token-401"],
        "The token lookup never compares expires_at, so expired tokens keep working.",
    ),
    Mutant::fault(
        "search-ignores-workspace",
        &["auth.queries-scoped-to-token-workspace"],
        "The full-text search path builds its own WHERE clause and forgets the workspace condition.",
    ),
    Mutant::fault(
        "create-honours-workspace-id",
        &["auth.workspace-id-resolved-server-side"],
        "A client-sent workspace_id honoured on create (an import path's override left open).",
    ),
    Mutant::fault(
        "token-info-default-workspace",
        &["auth.token-bound-to-one-workspace"],
        "GET /token looks up the default workspace (the first one) instead of the token's own.",
    ),
];
