//! Family `token-revocation`: `DELETE /tokens/{id}` by an admin or the token itself, effective
//! on the very next request (over fresh connections too), permanent, and never allowed for a
//! workspace's last admin token. Uses the operator's disposable tokens (`disposable_1..3`)
//! and the second workspace's token, which is that workspace's only admin.

use futures_util::FutureExt;
use reqwest::Method;

use super::proto::{self, problem_of, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;

pub const RULES: &[Rule] = &[
    Rule::probe(
        "token-revocation.requires-authentication",
        &["disposable_2"],
        |c| requires_auth(c).boxed(),
    ),
    Rule::probe(
        "token-revocation.requires-admin-or-self",
        &["disposable_2"],
        |c| admin_or_self(c).boxed(),
    ),
    Rule::probe(
        "token-revocation.delete-returns-204",
        &["disposable_1"],
        |c| delete_204(c).boxed(),
    ),
    Rule::probe("token-revocation.self-revocation", &["disposable_3"], |c| {
        self_revocation(c).boxed()
    }),
    Rule::probe(
        "token-revocation.immediate-effect",
        &["disposable_2"],
        |c| immediate(c).boxed(),
    ),
    // At the end of the run: revoked tokens still refused, and the last admin kept (a target
    // that wrongly revoked it must not spoil the rules using the second workspace).
    Rule {
        last: true,
        ..Rule::probe("token-revocation.permanent", &[], |c| permanent(c).boxed())
    },
    Rule {
        last: true,
        ..Rule::probe(
            "token-revocation.last-admin-token-protected",
            &["second_workspace"],
            |c| last_admin(c).boxed(),
        )
    },
];

/// Asks the target to revoke the `second_workspace` token, its workspace's only configured
/// admin, with itself: a correct target refuses (409 conflict, C-reading: or 422/403). Used by
/// `errors.conflict-409` to see a conflict on purpose. `None` when the role or its id is not
/// configured, or its workspace has another admin token configured.
pub async fn provoke_last_admin_conflict(ctx: &Ctx) -> Option<std::sync::Arc<Exchange>> {
    let role = "second_workspace";
    let id = ctx.token_id(role)?;
    if admins_of_workspace(ctx, role) != 1 {
        return None;
    }
    Some(
        ctx.send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(role)
                .no_retry(),
        )
        .await,
    )
}

/// How many admin tokens of `role`'s workspace the configuration names.
fn admins_of_workspace(ctx: &Ctx, role: &str) -> usize {
    let cfg = &ctx.shared.config;
    let ws = cfg.tokens.get(role).and_then(|t| t.workspace.clone());
    cfg.tokens
        .values()
        .filter(|t| t.admin && t.workspace == ws)
        .count()
}

fn token_path(ctx: &Ctx, id: &str) -> String {
    ctx.path(&format!("/tokens/{id}"))
}

fn need_id(ctx: &Ctx, role: &str) -> Result<String, Outcome> {
    ctx.token_id(role).ok_or_else(|| {
        Outcome::skipped(format!(
            "needs the id of the {role} token: set tokens.{role}.id in specgate.toml"
        ))
    })
}

/// `GET /token` with `role`: does it still authenticate?
async fn still_works(ctx: &Ctx, role: &str) -> std::sync::Arc<Exchange> {
    ctx.send(Req::get(ctx.path("/token")).token(role).no_retry())
        .await
}

/// An admin token of `role`'s workspace (declared `admin = true`, default: `full`).
fn admin_for(ctx: &Ctx, role: &str) -> Option<String> {
    let ws = ctx.shared.config.tokens.get(role)?.workspace.clone();
    let admins: Vec<String> = ctx
        .shared
        .config
        .tokens
        .iter()
        .filter(|(r, t)| {
            t.admin
                && t.token.is_some()
                && t.workspace == ws
                && !proto::SPECIAL_ROLES.contains(&r.as_str())
        })
        .map(|(r, _)| r.clone())
        .collect();
    if admins.iter().any(|r| r == "full") {
        Some("full".into())
    } else {
        admins.into_iter().next().or_else(|| Some("full".into()))
    }
}

async fn requires_auth(ctx: &Ctx) -> Outcome {
    let target = "disposable_2";
    let id = match need_id(ctx, target) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let ex = ctx
        .send(Req::new(Method::DELETE, token_path(ctx, &id)).no_retry())
        .await;
    let after = still_works(ctx, target).await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(401),
        || {
            format!(
                "{} without Authorization: expected 401, got {}",
                what(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.check(
        after.status() == Some(200),
        || format!("after an unauthenticated revocation attempt the {target} token must still work: GET /token → {}", seen(&after)),
        &[&after, &ex],
    );
    f.outcome("")
}

async fn admin_or_self(ctx: &Ctx) -> Outcome {
    let target = "disposable_2";
    let id = match need_id(ctx, target) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let ws = ctx
        .shared
        .config
        .tokens
        .get(target)
        .and_then(|t| t.workspace.clone());
    let actor = proto::identities(ctx).into_iter().find(|(r, _)| {
        ctx.shared
            .config
            .tokens
            .get(r)
            .is_some_and(|t| !t.admin && t.workspace == ws)
    });
    let Some((actor, _)) = actor else {
        return Outcome::skipped(
            "needs a non-admin token of the disposable token's workspace (e.g. read_only with admin = false)",
        );
    };
    let ex = ctx
        .send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(&actor)
                .no_retry(),
        )
        .await;
    let after = still_works(ctx, target).await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(403),
        || {
            format!(
                "{} (another token) with the non-admin {actor} token: expected 403, got {}",
                what(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.check(
        after.status() == Some(200),
        || format!("after a non-admin's revocation attempt the {target} token must still work: GET /token → {}", seen(&after)),
        &[&after, &ex],
    );
    f.outcome("")
}

fn expect_204(f: &mut Findings, ex: &Exchange, who: &str) {
    let empty = ex.response.as_ref().is_some_and(|r| r.body.is_empty());
    f.check(
        ex.status() == Some(204) && empty,
        || {
            format!(
                "{} by {who}: expected 204 No Content with an empty body, got {}",
                what(ex),
                seen(ex)
            )
        },
        &[ex],
    );
}

async fn delete_204(ctx: &Ctx) -> Outcome {
    let target = "disposable_1";
    let id = match need_id(ctx, target) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let admin = admin_for(ctx, target).unwrap_or_else(|| "full".into());
    let ex = ctx
        .send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(&admin)
                .no_retry(),
        )
        .await;
    let mut f = Findings::default();
    expect_204(&mut f, &ex, &format!("the admin token ({admin})"));
    f.outcome("")
}

async fn self_revocation(ctx: &Ctx) -> Outcome {
    let target = "disposable_3";
    let id = match need_id(ctx, target) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let ex = ctx
        .send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(target)
                .no_retry(),
        )
        .await;
    let after = still_works(ctx, target).await;
    let mut f = Findings::default();
    expect_204(&mut f, &ex, "the token itself");
    f.check(
        after.status() == Some(401),
        || format!("after revoking itself the {target} token must be refused: GET /token → {}, expected 401", seen(&after)),
        &[&after, &ex],
    );
    f.outcome("")
}

async fn immediate(ctx: &Ctx) -> Outcome {
    let target = "disposable_2";
    let id = match need_id(ctx, target) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let admin = admin_for(ctx, target).unwrap_or_else(|| "full".into());
    // Used first, so any cache of verified tokens holds it.
    let warm = still_works(ctx, target).await;
    if warm.status() != Some(200) {
        return Outcome::error(format!(
            "the {target} token does not work before revocation: GET /token → {}",
            seen(&warm)
        ));
    }
    let del = ctx
        .send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(&admin)
                .no_retry(),
        )
        .await;
    if del.status() != Some(204) && del.status() != Some(200) {
        return Outcome::failed(
            format!(
                "{} by the admin token: expected 204, got {}",
                what(&del),
                seen(&del)
            ),
            vec![del.seq],
        );
    }
    let mut f = Findings::default();
    // Right after the 204: the pooled connection, then several brand-new connections.
    let mut tries = vec![still_works(ctx, target).await];
    for _ in 0..4 {
        let fresh = match ctx.client().with_transport(|b| b.pool_max_idle_per_host(0)) {
            Ok(c) => c,
            Err(e) => return Outcome::error(e.to_string()),
        };
        tries.push(
            fresh
                .send(
                    ctx.rule,
                    Req::get(ctx.path("/token")).token(target).no_retry(),
                )
                .await,
        );
    }
    for (i, ex) in tries.iter().enumerate() {
        f.check(
            ex.status() == Some(401),
            || format!("request {} after the 204 revoking {target} (GET /token{}): expected 401, the token still worked: {}", i + 1, if i == 0 { "" } else { ", new connection" }, seen(ex)),
            &[ex, &del],
        );
        if ex.status() == Some(401) {
            if let Err(e) = problem_of(ex, "invalid-token", None) {
                f.fail(format!("{} → 401: expected {e}", what(ex)), &[ex]);
            }
        }
    }
    f.outcome("")
}

async fn permanent(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    // No documented way to bring a token back.
    for op in &ctx.model().operations {
        let Some(rest) = op.full_path.strip_prefix(&ctx.path("/tokens/")) else {
            continue;
        };
        let restores = op.method != "DELETE"
            && op.method != "GET"
            && (rest.contains('/') || matches!(op.method.as_str(), "PUT" | "PATCH" | "POST"));
        f.check(
            !restores,
            || {
                format!(
                    "the document offers {} {} on a token, a way to re-enable revoked tokens",
                    op.method, op.full_path
                )
            },
            &[],
        );
    }
    // Every token revoked during this run, and the operator's revoked token, stay refused.
    let ids: Vec<(String, String)> = ctx
        .shared
        .config
        .tokens
        .iter()
        .filter_map(|(r, t)| t.id.clone().map(|id| (r.clone(), id)))
        .collect();
    let revoked_now: Vec<String> = ctx
        .client()
        .exchanges()
        .iter()
        .filter(|e| {
            e.rule.starts_with("token-revocation.")
                && e.request.method == "DELETE"
                && matches!(e.status(), Some(200) | Some(204))
        })
        .filter_map(|e| {
            let p = e.path();
            ids.iter()
                .find(|(_, id)| p.ends_with(&format!("/tokens/{id}")))
                .map(|(r, _)| r.clone())
        })
        .collect();
    let mut roles = revoked_now;
    if ctx.has("revoked") {
        roles.push("revoked".into());
    }
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return f
            .outcome("no token was revoked during the run and no 'revoked' token is configured");
    }
    for role in roles {
        let ex = still_works(ctx, &role).await;
        f.check(
            ex.status() == Some(401),
            || {
                format!(
                    "at the end of the run the revoked {role} token must still be refused: {} → {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn last_admin(ctx: &Ctx) -> Outcome {
    let role = "second_workspace";
    let id = match need_id(ctx, role) {
        Ok(id) => id,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    if admins_of_workspace(ctx, role) > 1 {
        f.note("more than one admin token of the second workspace is configured; the target must still refuse if this one is its last");
    }
    let ex = ctx
        .send(
            Req::new(Method::DELETE, token_path(ctx, &id))
                .token(role)
                .no_retry(),
        )
        .await;
    let after = still_works(ctx, role).await;
    let refused = ex.status().is_some_and(|s| s >= 400)
        && ex.response.as_ref().and_then(|r| r.media_type()).as_deref()
            == Some("application/problem+json");
    f.check(
        refused,
        || format!("{} (the workspace's only admin token): expected a refusal (409 problem+json), got {}", what(&ex), seen(&ex)),
        &[&ex],
    );
    f.check(
        after.status() == Some(200),
        || format!("the last admin token must keep working after the refused revocation: GET /token → {}", seen(&after)),
        &[&after, &ex],
    );
    f.outcome("")
}
