//! Family `token-format`: every supplied token has the `{app}_{env}_{64+ hex}` shape, its env
//! segment names the deployment's environment, and the server verifies the whole token, not
//! just its stored prefix (C36: the first 13 characters kept, the rest changed; longer kept
//! prefixes too). Tokens never appear in evidence: findings describe their shape, and altered
//! copies are registered with the redactor before they are sent.

use futures_util::FutureExt;

use super::observe::{self, request_line, seen};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::run::Ctx;

pub const RULES: &[Rule] = &[
    Rule::probe("token-format.app-env-hash-shape", &[], |c| shape(c).boxed()),
    Rule::probe("token-format.env-segment-matches-deployment", &[], |c| {
        env_segment(c).boxed()
    }),
    Rule::probe("token-format.full-token-verified-not-prefix", &[], |c| {
        full_verified(c).boxed()
    }),
    Rule::probe("token-format.raw-token-shown-once", &["ui-session"], |c| {
        shown_once(c).boxed()
    }),
];

const ENVS: &[&str] = &["prod", "dev", "test"];

/// Does the token have the guide's shape: `^[a-z][a-z0-9]*_(prod|dev|test)_[0-9a-f]{64,}$`?
pub fn well_shaped(t: &str) -> bool {
    let mut parts = t.splitn(3, '_');
    let (Some(app), Some(env), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    app.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && app
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && ENVS.contains(&env)
        && hash.len() >= 64
        && hash
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// A description of a token's shape that reveals nothing secret: the app and env segments
/// (public prefixes) and the length and alphabet of the rest.
pub fn describe(t: &str) -> String {
    let parts: Vec<&str> = t.splitn(3, '_').collect();
    if parts.len() < 3 {
        return format!(
            "a {}-character string without the {{app}}_{{env}}_ segments",
            t.chars().count()
        );
    }
    let hash = parts[2];
    let alphabet = if hash
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        "lowercase hex"
    } else if hash.chars().all(|c| c.is_ascii_hexdigit()) {
        "hex with uppercase letters"
    } else {
        "non-hex characters"
    };
    format!(
        "app \"{}\", env \"{}\", then {} characters of {alphabet}",
        parts[0],
        parts[1],
        hash.chars().count()
    )
}

/// Roles with a token, in a stable order.
fn supplied(ctx: &Ctx) -> Vec<(String, String)> {
    ctx.shared.config.token_values().into_iter().collect()
}

/// An authenticated GET to send a token on (as evidence of what was supplied and how the
/// server took it).
fn evidence_path(ctx: &Ctx) -> Option<String> {
    super::token_info::token_path(ctx.model())
        .or_else(|| observe::plain_list(ctx.model()).map(|o| o.full_path.clone()))
}

async fn judge_tokens(ctx: &Ctx, ok: impl Fn(&str) -> bool, expected: &str) -> Outcome {
    let tokens = supplied(ctx);
    if tokens.is_empty() {
        return Outcome::skipped(
            "no tokens are configured (SPECGATE_TOKEN_<ROLE> or [tokens.<role>])",
        );
    }
    let mut f = Findings::default();
    for (role, token) in tokens {
        if ok(&token) {
            f.checked += 1;
            continue;
        }
        let ex = match evidence_path(ctx) {
            Some(p) => Some(ctx.send(Req::get(p).token(&role).no_retry()).await),
            None => None,
        };
        let msg = format!(
            "token role '{role}': expected {expected}, got {}{}",
            describe(&token),
            ex.as_ref()
                .map(|e| format!(
                    " (sent on {} → {})",
                    request_line(e),
                    e.status().unwrap_or(0)
                ))
                .unwrap_or_default()
        );
        match &ex {
            Some(e) => f.fail(msg, &[e]),
            None => f.fail(msg, &[]),
        }
    }
    f.outcome("")
}

async fn shape(ctx: &Ctx) -> Outcome {
    judge_tokens(
        ctx,
        well_shaped,
        "{app}_{env}_{hash}: app lowercase alphanumerics starting with a letter, env prod|dev|test, at least 64 lowercase hex characters",
    )
    .await
}

async fn env_segment(ctx: &Ctx) -> Outcome {
    let Some(env) = ctx.shared.config.environment.clone() else {
        return Outcome::skipped(
            "the deployment's environment is not declared: set environment = \"prod\" | \"dev\" | \"test\" in specgate.toml",
        );
    };
    let want = env.clone();
    judge_tokens(
        ctx,
        move |t| t.split('_').nth(1) == Some(want.as_str()),
        &format!("the env segment \"{env}\" (the declared environment of this deployment)"),
    )
    .await
}

/// `token` with every character from `keep` on replaced by a different one of the same class.
fn altered(token: &str, keep: usize) -> String {
    token
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep {
                c
            } else if let Some(d) = c.to_digit(16) {
                std::char::from_digit((d + 1) % 16, 16).unwrap_or('0')
            } else if c.is_ascii_lowercase() {
                if c == 'z' {
                    'a'
                } else {
                    ((c as u8) + 1) as char
                }
            } else {
                'x'
            }
        })
        .collect()
}

async fn full_verified(ctx: &Ctx) -> Outcome {
    let Some(token) = ctx.client().raw_token("full").map(str::to_string) else {
        return Outcome::skipped("needs a 'full' token");
    };
    let Some(path) = evidence_path(ctx) else {
        return Outcome::skipped("the document has no authenticated GET to send a token on");
    };
    let len = token.chars().count();
    let mut keeps: Vec<usize> = vec![13, 16, 24, len.saturating_sub(1)];
    keeps.retain(|k| *k >= 13 && *k < len);
    keeps.sort_unstable();
    keeps.dedup();
    if keeps.is_empty() {
        return Outcome::skipped(
            "the 'full' token is too short to alter after its first 13 characters",
        );
    }
    let mut f = Findings::default();
    for keep in keeps {
        let fake = altered(&token, keep);
        ctx.client()
            .add_secret(&fake, &format!("$SPECGATE_TOKEN_FULL_ALTERED_AFTER_{keep}"));
        let ex = ctx
            .send(
                Req::get(path.clone())
                    .header("authorization", format!("Bearer {fake}"))
                    .no_retry(),
            )
            .await;
        f.check(
            ex.status() == Some(401),
            || {
                format!(
                    "{} with the full-access token's first {keep} characters and the other {} changed: expected 401 (the whole token must be verified), got {}",
                    request_line(&ex),
                    len - keep,
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.note("C36: the first 13 characters were kept (both readings of the 12-character prefix), then 16, 24 and all but one");
    f.outcome("")
}

/// Every string in a JSON value.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The UI session cookie and the workspace slug of the token UI (C59), or the skip saying
/// what to configure.
pub fn ui_session(ctx: &Ctx) -> Result<(String, String), Outcome> {
    let Some(cookie) = ctx.client().raw_token("ui_session").map(str::to_string) else {
        return Err(Outcome::skipped("needs [ui_session] cookie"));
    };
    let slug = ctx
        .shared
        .config
        .ui_session
        .as_ref()
        .and_then(|u| u.workspace_slug.clone())
        .or_else(|| ctx.shared.config.workspaces.first().map(|w| w.slug.clone()));
    let Some(slug) = slug else {
        return Err(Outcome::skipped(
            "needs the workspace slug: set [ui_session] workspace_slug",
        ));
    };
    Ok((cookie, slug))
}

/// Creates a token through the UI route (C59), finds the raw token in the creation response,
/// then reads the UI's token listing: it must show the token's 12-character prefix and never
/// the raw token. The token is revoked afterwards.
async fn shown_once(ctx: &Ctx) -> Outcome {
    let (cookie, slug) = match ui_session(ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let route = format!("/ui/workspaces/{slug}/tokens");
    // From the creation on, the raw token is recorded as this placeholder (the creation
    // response included): finding it in a later body means the body carried the raw token.
    let placeholder = "$SPECGATE_TOKEN_CREATED_THROUGH_UI";
    let created = ctx
        .send(
            Req::new(reqwest::Method::POST, route.clone())
                .header("cookie", cookie.clone())
                .json(serde_json::json!({
                    "name": ctx.unique_name("shown-once"),
                    "scopes": ["all:read"],
                }))
                .no_retry()
                .mints_secret(well_shaped, placeholder),
        )
        .await;
    let mut f = Findings::default();
    if !created.status().is_some_and(|s| (200..300).contains(&s)) {
        f.fail(
            format!(
                "{}: expected the token to be created, got {}",
                request_line(&created),
                seen(&created)
            ),
            &[&created],
        );
        return f.outcome("");
    }
    let mut found = Vec::new();
    if let Some(body) = created.json() {
        strings(body, &mut found);
    }
    let id = created
        .json()
        .and_then(|b| {
            b.pointer("/token/id")
                .or(b.pointer("/data/id"))
                .or(b.get("id"))
        })
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let Some(raw) = found.into_iter().find(|s| well_shaped(s)) else {
        f.fail(
            format!(
                "{} → {}: the creation response shows no raw token of the {{app}}_{{env}}_{{hash}} shape (it must, exactly once)",
                request_line(&created),
                created.status().unwrap_or(0)
            ),
            &[&created],
        );
        return f.outcome("");
    };
    f.checked += 1;
    ctx.client().add_secret(&raw, placeholder);
    let listing = ctx
        .send(
            Req::get(route.clone())
                .header("cookie", cookie.clone())
                .no_retry(),
        )
        .await;
    let body = listing
        .response
        .as_ref()
        .map(|r| r.body.clone())
        .unwrap_or_default();
    if listing.status() == Some(200) {
        f.check(
            !body.contains(placeholder) && !body.contains(&raw),
            || {
                format!(
                    "{}: the token listing shows the raw token again ({}); after creation only its prefix may be visible",
                    request_line(&listing),
                    describe(&raw)
                )
            },
            &[&listing, &created],
        );
        // C36: the guide's "first 12 characters" example has 13; a longer stored prefix (fewer
        // lookup collisions) is still only a prefix.
        let mut shown = Vec::new();
        if let Some(v) = listing.json() {
            strings(v, &mut shown);
        }
        f.check(
            shown
                .iter()
                .any(|s| s.len() >= 12 && s.len() < raw.len() && raw.starts_with(s.as_str())),
            || {
                format!(
                    "{}: the token listing does not show the new token's prefix (its first 12 or more characters)",
                    request_line(&listing)
                )
            },
            &[&listing],
        );
    } else {
        f.note(format!(
            "{} → {}: no token listing to compare with",
            request_line(&listing),
            seen(&listing)
        ));
    }
    if let Some(id) = id {
        ctx.send(
            Req::new(reqwest::Method::DELETE, ctx.path(&format!("/tokens/{id}")))
                .token("full")
                .no_retry(),
        )
        .await;
    }
    f.outcome("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let hex = "0123456789abcdef".repeat(4);
        assert!(well_shaped(&format!("crm_prod_{hex}")));
        assert!(well_shaped(&format!("ref2_test_{hex}ab")));
        assert!(!well_shaped(&format!("9ref_test_{hex}")));
        assert!(!well_shaped(&format!("ref_staging_{hex}")));
        assert!(!well_shaped(&format!("ref_test_{}", &hex[..63])));
        assert!(!well_shaped(&format!("ref_test_{}", hex.to_uppercase())));
        assert!(!describe(&format!("ref_test_{hex}")).contains(&hex));
    }

    #[test]
    fn altered_keeps_the_prefix_and_changes_the_rest() {
        let t = format!("ref_test_{}", "0f".repeat(32));
        let a = altered(&t, 13);
        assert_eq!(a.len(), t.len());
        assert_eq!(&a[..13], &t[..13]);
        assert!(a[13..].chars().zip(t[13..].chars()).all(|(x, y)| x != y));
    }
}
