//! Family `auth`: every protected operation needs a Bearer token; missing, malformed, unknown,
//! revoked and expired tokens get a 401 `invalid-token` problem; a token belongs to one
//! workspace and every query is scoped to it; nothing but the Authorization header
//! authenticates.

use std::sync::Arc;

use base64::Engine;
use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::proto::{self, problem_of, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, fixtures};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("auth.protected-endpoints-require-bearer", &[], |c| {
        require_bearer(c).boxed()
    }),
    Rule::probe("auth.missing-or-invalid-token-401", &[], |c| {
        invalid_tokens(c).boxed()
    }),
    Rule::observer_all("auth.401-problem-invalid-token", problems_401),
    Rule::probe("auth.revoked-or-expired-token-401", &[], |c| {
        revoked_or_expired(c).boxed()
    }),
    Rule::probe(
        "auth.queries-scoped-to-token-workspace",
        &["second_workspace"],
        |c| queries_scoped(c).boxed(),
    ),
    Rule::probe(
        "auth.workspace-id-resolved-server-side",
        &["second_workspace"],
        |c| workspace_id_ignored(c).boxed(),
    ),
    Rule::probe(
        "auth.token-bound-to-one-workspace",
        &["second_workspace"],
        |c| one_workspace(c).boxed(),
    ),
    Rule::probe("auth.tokens-sole-auth-mechanism", &[], |c| {
        sole_mechanism(c).boxed()
    }),
];

/// A protected collection GET without path parameters (the usual probe target).
pub fn protected_list(ctx: &Ctx) -> Option<String> {
    let base = ctx.base().to_string();
    ctx.model()
        .list_operations()
        .filter(|o| !o.public && o.path_params() == 0 && o.full_path.starts_with(&base))
        .find(|o| proto::scope_of(ctx, o).is_some())
        .or_else(|| {
            ctx.model()
                .list_operations()
                .find(|o| !o.public && o.path_params() == 0)
        })
        .map(|o| o.full_path.clone())
}

fn expect_401(f: &mut Findings, ex: &Exchange, how: &str) {
    let status = ex.status();
    f.check(
        status == Some(401),
        || format!("{} {how}: expected 401, got {}", what(ex), seen(ex)),
        &[ex],
    );
    if status == Some(401) {
        if let Err(e) = problem_of(ex, "invalid-token", None) {
            f.fail(format!("{} {how} → 401: expected {e}", what(ex)), &[ex]);
        }
    }
}

async fn require_bearer(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let ops: Vec<_> = ctx
        .model()
        .operations
        .iter()
        .filter(|o| !o.public && o.method != "OPTIONS" && o.method != "TRACE")
        .cloned()
        .collect();
    let id = ctx.client().uuid();
    for op in &ops {
        let path = proto::fill(&op.full_path, &id);
        let ex = ctx.send(proto::request_for(ctx, op, &path)).await;
        f.check(
            ex.status() == Some(401),
            || {
                format!(
                    "{} {} without Authorization: expected 401, got {}",
                    op.method,
                    op.full_path,
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("the document declares no protected operation")
}

async fn invalid_tokens(ctx: &Ctx) -> Outcome {
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let basic = base64::engine::general_purpose::STANDARD.encode("specgate:specgate");
    let variants: Vec<(&str, Option<String>)> = vec![
        ("with no Authorization header", None),
        ("with 'Bearer' and no token", Some("Bearer".into())),
        ("with 'Bearer ' and an empty token", Some("Bearer ".into())),
        ("with Basic credentials", Some(format!("Basic {basic}"))),
        (
            "with a well-formed token that was never issued",
            Some(format!("Bearer {}", proto::unknown_token(ctx))),
        ),
    ];
    let mut f = Findings::default();
    for (how, header) in &variants {
        for method in [Method::GET, Method::POST] {
            let mut req = Req::new(method.clone(), list.clone()).no_retry();
            if method == Method::POST {
                req = req.json(json!({}));
            }
            if let Some(h) = header {
                req = req.header("authorization", h.clone());
            }
            let ex = ctx.send(req).await;
            expect_401(&mut f, &ex, how);
        }
    }
    f.outcome("")
}

fn problems_401(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    for ex in exchanges {
        if ex.status() != Some(401) || !ex.path().starts_with(&model.base_path) {
            continue;
        }
        match problem_of(ex, "invalid-token", Some("Invalid Token")) {
            Ok(()) => f.checked += 1,
            Err(e) if f.items.len() < 10 => {
                f.fail(format!("{} → 401: expected {e}", what(ex)), &[ex]);
            }
            Err(_) => f.checked += 1,
        }
    }
    f.outcome("no 401 response was observed during the run")
}

async fn revoked_or_expired(ctx: &Ctx) -> Outcome {
    let roles: Vec<&str> = ["revoked", "expired"]
        .into_iter()
        .filter(|r| ctx.has(r))
        .collect();
    if roles.is_empty() {
        return Outcome::skipped(
            "needs a 'revoked' or an 'expired' token: set [tokens.revoked] / [tokens.expired] in specgate.toml",
        );
    }
    let mut paths = vec![ctx.path("/token")];
    paths.extend(protected_list(ctx));
    let mut f = Findings::default();
    for role in roles {
        for p in &paths {
            let ex = ctx.send(Req::get(p.clone()).token(role).no_retry()).await;
            expect_401(&mut f, &ex, &format!("with the {role} token"));
        }
    }
    f.outcome("")
}

/// Does the response body mention `needle` anywhere?
fn mentions(ex: &Exchange, needle: &str) -> bool {
    ex.response
        .as_ref()
        .is_some_and(|r| r.body.contains(needle))
}

async fn queries_scoped(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let Some(res) = fixtures::writable_resource(model).cloned() else {
        return Outcome::skipped(
            "the document has no resource with full CRUD to create a record in",
        );
    };
    let created = match fixtures::create(ctx, &res.name, json!({})).await {
        Ok(c) => c,
        Err(e) => return Outcome::error(e),
    };
    let Some(collection) = res.collection_path.clone() else {
        return Outcome::skipped("the resource has no collection path");
    };
    // Something unique to look for: a string attribute carrying the run marker, else the id.
    let needle = created
        .data
        .as_object()
        .and_then(|o| {
            o.values()
                .filter_map(Value::as_str)
                .find(|s| s.contains(&ctx.shared.marker))
                .map(str::to_string)
        })
        .unwrap_or_else(|| created.id.clone());
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut reqs: Vec<(String, Req)> = vec![("a plain list".into(), Req::get(collection.clone()))];
    if !res.searchable.is_empty() {
        reqs.push((
            format!("q={needle}"),
            Req::get(format!("{collection}?q={}", enc(&needle))),
        ));
    }
    let name_field = created
        .data
        .as_object()
        .and_then(|o| o.iter().find(|(_, v)| v.as_str() == Some(needle.as_str())))
        .map(|(k, _)| k.clone());
    if let Some(field) = name_field
        .as_ref()
        .filter(|f| res.filterable.contains_key(f.as_str()))
    {
        reqs.push((
            format!("filter[{field}]"),
            Req::get(format!("{collection}?filter%5B{field}%5D={}", enc(&needle))),
        ));
    }
    for inc in &res.includes {
        reqs.push((
            format!("include={inc}"),
            Req::get(format!("{collection}?include={}", enc(inc))),
        ));
    }
    let search = format!("{collection}/search");
    if proto::op(ctx, "POST", &search).is_some() {
        reqs.push((
            "POST /search with q".into(),
            Req::new(Method::POST, search.clone()).json(json!({"q": needle})),
        ));
        if let Some(field) = &name_field {
            reqs.push((
                format!("POST /search filtering {field}"),
                Req::new(Method::POST, search.clone())
                    .json(json!({"filter": {field: {"eq": needle}}})),
            ));
        }
    }
    let mut f = Findings::default();
    // Control: the owner finds it with the same query, so the absence below means something.
    if !res.searchable.is_empty() {
        let control = ctx
            .send(Req::get(format!("{collection}?q={}", enc(&needle))).token("full"))
            .await;
        if !mentions(&control, &created.id) {
            f.note(format!(
                "control: the owning workspace's own q={needle} did not return the record ({})",
                seen(&control)
            ));
        }
    }
    for (how, req) in reqs {
        let ex = ctx.send(req.token("second_workspace").no_retry()).await;
        let leaked = mentions(&ex, &created.id) || mentions(&ex, &needle);
        f.check(
            !leaked,
            || {
                format!(
                    "{} ({how}) with the second workspace's token returned workspace A's record {} ({})",
                    what(&ex),
                    created.id,
                    seen(&ex)
                )
            },
            &[&ex, &created.exchange],
        );
    }
    f.outcome("")
}

async fn workspace_id_ignored(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let Some(res) = fixtures::writable_resource(model).cloned() else {
        return Outcome::skipped("the document has no writable resource");
    };
    let Some(b_ws) = proto::workspace_of(ctx, "second_workspace").await else {
        return Outcome::error(
            "GET /token with the second_workspace token did not report a workspace id",
        );
    };
    let Some(op) = fixtures::create_op(model, &res).cloned() else {
        return Outcome::skipped("the resource has no create operation");
    };
    let mut body = proto::body_for(ctx, &op);
    for fk in fixtures::required_fks(model, &op) {
        let Some(parent) = fixtures::referenced_resource(model, &fk) else {
            continue;
        };
        match fixtures::create(ctx, &parent.name.clone(), json!({})).await {
            Ok(p) => body[&fk] = json!(p.id),
            Err(e) => return Outcome::error(e),
        }
    }
    body["workspace_id"] = json!(b_ws);
    let ex = ctx
        .send(
            Req::new(Method::POST, op.full_path.clone())
                .token("full")
                .json(body)
                .no_retry(),
        )
        .await;
    let mut f = Findings::default();
    match ex.status() {
        Some(400) | Some(422) => {
            f.checked += 1;
            f.note("C38: the client-supplied workspace_id was rejected");
        }
        Some(200) | Some(201) => {
            let Some(id) = crate::run::data(&ex)
                .and_then(|d| d.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return Outcome::failed(
                    format!("{} answered {} without data.id", what(&ex), seen(&ex)),
                    vec![ex.seq],
                );
            };
            ctx.remember_created(&op.full_path, &id);
            let item = format!("{}/{id}", op.full_path);
            let a = ctx.send(Req::get(item.clone()).token("full").no_retry()).await;
            let b = ctx
                .send(Req::get(item.clone()).token("second_workspace").no_retry())
                .await;
            f.check(
                a.status() == Some(200),
                || format!("the record created with workspace_id of workspace B must live in the token's workspace A: GET {item} with A's token → {}", seen(&a)),
                &[&a, &ex],
            );
            f.check(
                b.status() == Some(404),
                || format!("the record created by A's token with B's workspace_id is visible to B: GET {item} with B's token → {} (expected 404)", seen(&b)),
                &[&b, &ex],
            );
            if b.status().is_some_and(|s| s < 300) {
                ctx.send(
                    Req::new(Method::DELETE, item)
                        .token("second_workspace")
                        .no_retry(),
                )
                .await;
            }
            f.note("C38: the client-supplied workspace_id was ignored");
        }
        _ => f.fail(
            format!(
                "{} with a foreign workspace_id: expected 400/422 or a record in the token's workspace, got {}",
                what(&ex),
                seen(&ex)
            ),
            &[&ex],
        ),
    }
    f.outcome("")
}

async fn one_workspace(ctx: &Ctx) -> Outcome {
    let (a1, ex1) = proto::token_info(ctx, "full").await;
    let (a2, ex2) = proto::token_info(ctx, "full").await;
    let (b, exb) = proto::token_info(ctx, "second_workspace").await;
    let mut f = Findings::default();
    let ws = |d: &Option<Value>| d.as_ref().and_then(|d| d.get("workspace")).cloned();
    for (d, ex) in [(&a1, &ex1), (&b, &exb)] {
        let w = ws(d);
        f.check(
            w.as_ref()
                .is_some_and(|w| w.is_object() && w.get("id").and_then(Value::as_str).is_some()),
            || {
                format!(
                    "{}: expected data.workspace to be one object with an id, got {}",
                    what(ex),
                    seen(ex)
                )
            },
            &[ex],
        );
    }
    f.check(
        ws(&a1).is_some() && ws(&a1) == ws(&a2),
        || {
            format!(
                "the same token reported different workspaces across calls: {:?} then {:?}",
                ws(&a1),
                ws(&a2)
            )
        },
        &[&ex1, &ex2],
    );
    let id = |d: &Option<Value>| ws(d).and_then(|w| w.get("id").cloned());
    f.check(
        id(&a1).is_some() && id(&a1) != id(&b),
        || {
            format!(
                "tokens of two workspaces reported the same workspace {:?}",
                id(&a1)
            )
        },
        &[&ex1, &exb],
    );
    f.outcome("")
}

async fn sole_mechanism(ctx: &Ctx) -> Outcome {
    let Some(list) = protected_list(ctx) else {
        return Outcome::skipped("the document has no protected collection to call");
    };
    let role = if ctx.has("read_only") {
        "read_only"
    } else {
        "full"
    };
    let Some(token) = ctx.client().raw_token(role).map(str::to_string) else {
        return Outcome::skipped("no token to misplace");
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut reqs: Vec<(String, Req)> = ["token", "api_key", "access_token"]
        .into_iter()
        .map(|p| (format!("in ?{p}="), Req::get(format!("{list}?{p}={token}"))))
        .collect();
    reqs.push((
        "as Basic credentials (token as user name)".into(),
        Req::get(list.clone()).header(
            "authorization",
            format!("Basic {}", b64.encode(format!("{token}:"))),
        ),
    ));
    reqs.push((
        "as Basic credentials (token as password)".into(),
        Req::get(list.clone()).header(
            "authorization",
            format!("Basic {}", b64.encode(format!(":{token}"))),
        ),
    ));
    reqs.push((
        "in an X-API-Key header".into(),
        Req::get(list.clone()).header("x-api-key", token.clone()),
    ));
    let mut f = Findings::default();
    for (how, req) in reqs {
        let ex = ctx.send(req.no_retry()).await;
        f.check(
            ex.status() == Some(401),
            || {
                format!(
                    "{} with a valid token {how} and no Bearer header: expected 401, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}
