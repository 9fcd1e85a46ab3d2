//! Family `scopes`: `{resource}:{read|write}` scopes checked across the configured identities
//! and the document's operations. Each identity's scopes come from the configuration; the
//! scope an operation needs is the first path segment after the base path (C34) and the
//! method (POST …/search is a read, C31). Another workspace's ids are 404, never 403 (C37).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::proto::{self, allows, fill, problem_of, scope_of, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, data, fixtures};

pub const RULES: &[Rule] = &[
    Rule::probe("scopes.read-allows-get-head-options", &["scoped"], |c| {
        read_allows(c).boxed()
    }),
    Rule::probe(
        "scopes.read-denies-write-methods-403",
        &["read_only"],
        |c| read_denies_writes(c).boxed(),
    ),
    Rule::probe("scopes.write-implies-read", &["scoped"], |c| {
        write_implies_read(c).boxed()
    }),
    Rule::probe("scopes.write-allows-all-methods", &["scoped"], |c| {
        write_allows_all(c).boxed()
    }),
    Rule::probe("scopes.all-read-wildcard", &["read_only"], |c| {
        all_read(c).boxed()
    }),
    Rule::probe("scopes.all-write-wildcard", &[], |c| all_write(c).boxed()),
    Rule::probe("scopes.unscoped-resource-403", &["scoped"], |c| {
        unscoped_403(c).boxed()
    }),
    Rule::probe("scopes.empty-scopes-no-access", &["empty"], |c| {
        empty_scopes(c).boxed()
    }),
    Rule::probe("scopes.scope-strings-resource-colon-action", &[], |c| {
        scope_strings(c).boxed()
    }),
    Rule::probe("scopes.valid-scopes-discoverable-in-enums", &[], |c| {
        enums_list_scopes(c).boxed()
    }),
    Rule::probe("scopes.valid-scopes-generated-from-resources", &[], |c| {
        enums_match_routes(c).boxed()
    }),
    Rule::probe("scopes.nested-inherits-parent-scope", &["scoped"], |c| {
        nested_parent_scope(c).boxed()
    }),
    Rule::probe(
        "scopes.polymorphic-links-use-parent-scope",
        &["scoped"],
        |c| link_parent_scope(c).boxed(),
    ),
    Rule::probe(
        "scopes.cross-resource-write-needs-read-on-referenced",
        &["scoped"],
        |c| cross_resource(c).boxed(),
    ),
    Rule::probe(
        "scopes.existing-resource-without-scope-403",
        &["scoped"],
        |c| existing_without_scope(c).boxed(),
    ),
    Rule::probe(
        "scopes.cross-tenant-resource-404",
        &["second_workspace"],
        |c| cross_tenant(c).boxed(),
    ),
    Rule::probe("scopes.auth-then-scope-then-handler", &["read_only"], |c| {
        enforcement_order(c).boxed()
    }),
    Rule::probe("scopes.403-problem-insufficient-scope", &["scoped"], |c| {
        problem_403(c).boxed()
    }),
    Rule::probe(
        "scopes.403-reports-required-and-token-scopes",
        &["scoped"],
        |c| reports_scopes(c).boxed(),
    ),
    Rule::probe(
        "scopes.token-creation-requires-scopes",
        &["ui-session"],
        |c| token_creation(c).boxed(),
    ),
];

/// The scope name of a resource as the document routes it (kebab → snake).
fn scope_name(resource: &str) -> String {
    resource.replace('-', "_")
}

/// Identities with at least one scope that is not a wildcard.
fn narrow(ctx: &Ctx) -> Vec<(String, Vec<String>)> {
    proto::identities(ctx)
        .into_iter()
        .filter(|(_, s)| !s.is_empty() && !s.iter().any(|x| x.starts_with("all:")))
        .collect()
}

/// Identities deduplicated by scope set (two all:read tokens behave the same).
fn distinct(ids: Vec<(String, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    let mut seen_sets = BTreeSet::new();
    ids.into_iter()
        .filter(|(_, s)| {
            let mut k = s.clone();
            k.sort();
            seen_sets.insert(k)
        })
        .collect()
}

fn expect_403(f: &mut Findings, ex: &Exchange, who: &str, why: &str) {
    f.check(
        ex.status() == Some(403),
        || {
            format!(
                "{} with the {who} token ({why}): expected 403, got {}",
                what(ex),
                seen(ex)
            )
        },
        &[ex],
    );
}

/// The ETag (or, lacking one, the body) of a record as the full-access token sees it.
async fn snapshot(ctx: &Ctx, path: &str) -> (Option<String>, Arc<Exchange>) {
    let ex = ctx
        .send(Req::get(path.to_string()).token("full").no_retry())
        .await;
    let v = ex.header("etag").map(str::to_string).or_else(|| {
        data(&ex).map(|d| {
            let mut d = d.clone();
            if let Some(o) = d.as_object_mut() {
                o.remove("links");
            }
            d.to_string()
        })
    });
    (v, ex)
}

/// Resources (scope names) with a documented list GET and item GET: (resource, list, item).
fn readable_resources(ctx: &Ctx) -> Vec<(String, String, String)> {
    ctx.model()
        .resources
        .iter()
        .filter_map(|r| {
            let list = r.collection_path.clone()?;
            let item = r.item_path.clone()?;
            proto::op(ctx, "GET", &list)?;
            let get = proto::op(ctx, "GET", &item)?;
            scope_of(ctx, get)?;
            Some((scope_name(&r.name), list, item))
        })
        .collect()
}

/// The resource whose record this document path manipulates, by scope name.
fn model_resource<'a>(ctx: &'a Ctx, scope: &str) -> Option<&'a crate::spec::Resource> {
    ctx.model()
        .resources
        .iter()
        .find(|r| scope_name(&r.name) == scope)
}

async fn read_allows(ctx: &Ctx) -> Outcome {
    // A token with `{resource}:read` (not a wildcard) and a resource it names.
    let pick = narrow(ctx).into_iter().find_map(|(role, scopes)| {
        readable_resources(ctx)
            .into_iter()
            .find(|(r, _, _)| scopes.contains(&format!("{r}:read")))
            .map(|x| (role, x))
    });
    let Some((role, (res, list, _))) = pick else {
        return Outcome::skipped(
            "needs a token holding a {resource}:read scope on a resource with list and item GETs",
        );
    };
    let Some(resource) = model_resource(ctx, &res).map(|r| r.name.clone()) else {
        return Outcome::skipped("resource not in the model");
    };
    let created = match fixtures::create(ctx, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => return Outcome::error(e),
    };
    let mut f = Findings::default();
    let why = format!("{res}:read");
    for path in [list.clone(), created.path.clone()] {
        let ex = ctx.send(Req::get(path).token(&role).no_retry()).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "{} with the {role} token ({why}): expected 200, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    let head = ctx
        .send(
            Req::new(Method::HEAD, created.path.clone())
                .token(&role)
                .no_retry(),
        )
        .await;
    match head.status() {
        Some(405) => f.note("C44: HEAD answered 405, so the HEAD part is not applicable"),
        _ => {
            let body_empty = head.response.as_ref().is_some_and(|r| r.body.is_empty());
            f.check(
                head.status() == Some(200) && body_empty,
                || {
                    format!(
                        "{} with the {role} token ({why}): expected 200 with no body, got {}",
                        what(&head),
                        seen(&head)
                    )
                },
                &[&head],
            );
        }
    }
    // OPTIONS (not a CORS preflight) follows normal auth and scope rules (C32): a read scope
    // must not be refused.
    let opts = ctx
        .send(
            Req::new(Method::OPTIONS, created.path.clone())
                .token(&role)
                .no_retry(),
        )
        .await;
    f.check(
        !matches!(opts.status(), Some(401) | Some(403)),
        || {
            format!(
                "{} with the {role} token ({why}): OPTIONS is a read, expected no 401/403, got {}",
                what(&opts),
                seen(&opts)
            )
        },
        &[&opts],
    );
    f.outcome("")
}

async fn read_denies_writes(ctx: &Ctx) -> Outcome {
    let writable = fixtures::writable_resource(ctx.model()).cloned();
    let fixture = match &writable {
        Some(r) => match fixtures::create(ctx, &r.name, json!({})).await {
            Ok(c) => Some(c),
            Err(e) => return Outcome::error(e),
        },
        None => None,
    };
    let ids: Vec<(String, Vec<String>)> = distinct(proto::identities(ctx));
    let ops: Vec<_> = ctx.model().operations.clone();
    let random = ctx.client().uuid();
    let mut f = Findings::default();
    let before = match &fixture {
        Some(c) => Some(snapshot(ctx, &c.path).await),
        None => None,
    };
    for (role, scopes) in &ids {
        for op in &ops {
            let Some((res, "write")) = scope_of(ctx, op).as_ref().map(|(r, a)| (r.clone(), *a))
            else {
                continue;
            };
            if !allows(scopes, &res, "read") || allows(scopes, &res, "write") {
                continue;
            }
            // The fixture's own item path gets its real id, so a wrongly allowed write shows.
            let id = match (&fixture, &writable) {
                (Some(c), Some(r)) if r.item_path.as_deref() == Some(op.full_path.as_str()) => {
                    c.id.clone()
                }
                _ => random.clone(),
            };
            let path = fill(&op.full_path, &id);
            let mut req = proto::request_for(ctx, op, &path).token(role);
            if op.method == "PUT" {
                req = req.header("if-match", "\"specgate\"");
            }
            let ex = ctx.send(req).await;
            expect_403(&mut f, &ex, role, &format!("read on {res} but no write"));
            if ex.status() == Some(403) {
                if let Err(e) = problem_of(&ex, "insufficient-scope", None) {
                    f.fail(format!("{} → 403: expected {e}", what(&ex)), &[&ex]);
                }
            }
        }
    }
    if let (Some(c), Some((tag, ex0))) = (&fixture, before) {
        let (after, ex1) = snapshot(ctx, &c.path).await;
        f.check(
            tag.is_some() && tag == after,
            || {
                format!(
                    "refused writes changed the record {}: before {:?}, after {:?} ({})",
                    c.path,
                    tag,
                    after,
                    seen(&ex1)
                )
            },
            &[&ex1, &ex0],
        );
    }
    f.outcome("no configured token holds read without write on a documented resource")
}

/// A role holding `R:write` without any read on R, that can create R (it reads everything
/// R's create body references): (role, resource name).
fn write_only_pick(ctx: &Ctx) -> Option<(String, String)> {
    let model = ctx.model();
    narrow(ctx).into_iter().find_map(|(role, scopes)| {
        model.resources.iter().find_map(|r| {
            let s = scope_name(&r.name);
            let op = fixtures::create_op(model, r)?;
            let item = r.item_path.as_ref()?;
            proto::op(ctx, "GET", item)?;
            scope_of(ctx, op)?;
            let writes = scopes.contains(&format!("{s}:write"));
            let reads = scopes.contains(&format!("{s}:read"));
            let refs_ok = fixtures::required_fks(model, op).iter().all(|fk| {
                fixtures::referenced_resource(model, fk)
                    .is_some_and(|p| allows(&scopes, &scope_name(&p.name), "read"))
            });
            (writes && !reads && refs_ok).then(|| (role.clone(), r.name.clone()))
        })
    })
}

async fn write_implies_read(ctx: &Ctx) -> Outcome {
    let Some((role, resource)) = write_only_pick(ctx) else {
        return Outcome::skipped(
            "needs a token holding {resource}:write without {resource}:read (and read on what the resource references)",
        );
    };
    let created = match fixtures::create_as(ctx, &role, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => {
            return Outcome::failed(
                format!("with only {resource}:write the {role} token could not create: {e}"),
                proto::last_exchange(ctx)
                    .map(|x| vec![x.seq])
                    .unwrap_or_default(),
            );
        }
    };
    let mut f = Findings::default();
    let item = ctx
        .send(Req::get(created.path.clone()).token(&role).no_retry())
        .await;
    f.check(
        item.status() == Some(200)
            && data(&item).and_then(|d| d.get("id")).and_then(Value::as_str)
                == Some(created.id.as_str()),
        || format!("{} with the {role} token ({resource}:write, which implies read) right after creating it: expected 200 with the record, got {}", what(&item), seen(&item)),
        &[&item, &created.exchange],
    );
    let list = ctx
        .send(Req::get(created.collection.clone()).token(&role).no_retry())
        .await;
    f.check(
        list.status() == Some(200),
        || {
            format!(
                "{} with the {role} token ({resource}:write implies read): expected 200, got {}",
                what(&list),
                seen(&list)
            )
        },
        &[&list],
    );
    f.outcome("")
}

/// A body for PUT/PATCH of a created record: a fresh create body keeping its references.
fn update_body(ctx: &Ctx, created: &fixtures::Created) -> Value {
    let model = ctx.model();
    let Some(r) = model.resource(&created.resource) else {
        return json!({});
    };
    let Some(op) = fixtures::create_op(model, r) else {
        return json!({});
    };
    let mut body = proto::body_for(ctx, op);
    for fk in fixtures::required_fks(model, op) {
        if let Some(v) = created.data.get(&fk) {
            body[&fk] = v.clone();
        }
    }
    body
}

async fn write_allows_all(ctx: &Ctx) -> Outcome {
    let Some((role, resource)) = write_only_pick(ctx).or_else(|| {
        // Any narrow token with write on a creatable resource will do.
        narrow(ctx).into_iter().find_map(|(role, scopes)| {
            ctx.model().resources.iter().find_map(|r| {
                let op = fixtures::create_op(ctx.model(), r)?;
                scope_of(ctx, op)?;
                scopes
                    .contains(&format!("{}:write", scope_name(&r.name)))
                    .then(|| (role.clone(), r.name.clone()))
            })
        })
    }) else {
        return Outcome::skipped("needs a token holding a {resource}:write scope");
    };
    let created = match fixtures::create_as(ctx, &role, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => {
            return Outcome::failed(
                format!("POST with the {role} token ({resource}:write) failed: {e}"),
                proto::last_exchange(ctx)
                    .map(|x| vec![x.seq])
                    .unwrap_or_default(),
            );
        }
    };
    let mut f = Findings::default();
    f.checked += 1;
    let why = format!("{resource}:write");
    let get = ctx
        .send(Req::get(created.path.clone()).token(&role).no_retry())
        .await;
    f.check(
        get.status() == Some(200),
        || {
            format!(
                "{} with the {role} token ({why}): expected 200, got {}",
                what(&get),
                seen(&get)
            )
        },
        &[&get],
    );
    let r = ctx.model().resource(&resource).cloned().unwrap_or_default();
    let item = r.item_path.clone().unwrap_or_default();
    let mut etag = get
        .header("etag")
        .or(created.exchange.header("etag"))
        .map(str::to_string);
    if proto::op(ctx, "PUT", &item).is_some() {
        let mut req = Req::new(Method::PUT, created.path.clone())
            .token(&role)
            .json(update_body(ctx, &created))
            .no_retry();
        if let Some(t) = &etag {
            req = req.header("if-match", t.clone());
        }
        let ex = ctx.send(req).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "{} with the {role} token ({why}) and If-Match: expected 200, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
        etag = ex.header("etag").map(str::to_string).or(etag);
    }
    if proto::op(ctx, "PATCH", &item).is_some() {
        let mut body = update_body(ctx, &created);
        if let Some(o) = body.as_object_mut() {
            o.retain(|k, _| !k.ends_with("_id"));
        }
        let mut req = Req::new(Method::PATCH, created.path.clone())
            .token(&role)
            .json(body)
            .no_retry();
        if let Some(t) = &etag {
            req = req.header("if-match", t.clone());
        }
        let ex = ctx.send(req).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "{} with the {role} token ({why}): expected 200, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    if proto::op(ctx, "DELETE", &item).is_some() {
        let ex = ctx
            .send(
                Req::new(Method::DELETE, created.path.clone())
                    .token(&role)
                    .no_retry(),
            )
            .await;
        f.check(
            matches!(ex.status(), Some(200) | Some(204)),
            || {
                format!(
                    "{} with the {role} token ({why}): expected 204, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn all_read(ctx: &Ctx) -> Outcome {
    let role = "read_only";
    let mut f = Findings::default();
    if !ctx
        .token_scopes(role)
        .unwrap_or_default()
        .iter()
        .any(|s| s == "all:read")
    {
        f.note("the read_only token is not declared with all:read; judged as all:read anyway");
    }
    let lists: Vec<String> = ctx
        .model()
        .list_operations()
        .filter(|o| o.path_params() == 0 && scope_of(ctx, o).is_some())
        .map(|o| o.full_path.clone())
        .collect();
    for path in lists {
        let ex = ctx.send(Req::get(path).token(role).no_retry()).await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "{} with the all:read token: expected 200, got {}",
                    what(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    if let Some(r) = fixtures::writable_resource(ctx.model()) {
        if let Some(op) = fixtures::create_op(ctx.model(), r) {
            let op = op.clone();
            let ex = ctx
                .send(proto::request_for(ctx, &op, &op.full_path).token(role))
                .await;
            expect_403(&mut f, &ex, role, "all:read grants no write");
        }
    }
    f.outcome("the document lists no protected collection")
}

async fn all_write(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let (info, tex) = proto::token_info(ctx, "full").await;
    let scopes: Vec<String> = info
        .as_ref()
        .and_then(|d| d.get("scopes"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    f.check(
        scopes.iter().any(|s| s == "all:write"),
        || format!("GET /token with the full-access token: expected all:write among data.scopes, got {}", seen(&tex)),
        &[&tex],
    );
    let model = ctx.model();
    let resources: Vec<String> = model
        .resources
        .iter()
        .filter(|r| {
            let Some(item) = &r.item_path else {
                return false;
            };
            fixtures::create_op(model, r).is_some_and(|o| scope_of(ctx, o).is_some())
                && proto::op(ctx, "DELETE", item).is_some()
                && (proto::op(ctx, "PATCH", item).is_some()
                    || proto::op(ctx, "PUT", item).is_some())
        })
        .map(|r| r.name.clone())
        .collect();
    for res in resources {
        let created = match fixtures::create(ctx, &res, json!({})).await {
            Ok(c) => c,
            Err(e) => {
                let last = proto::last_exchange(ctx);
                f.fail(
                    format!("all:write: creating a {res} failed: {e}"),
                    &last.iter().map(|x| x.as_ref()).collect::<Vec<_>>(),
                );
                continue;
            }
        };
        f.checked += 1;
        let item = model
            .resource(&res)
            .and_then(|r| r.item_path.clone())
            .unwrap_or_default();
        let (method, body) = if proto::op(ctx, "PATCH", &item).is_some() {
            let mut b = update_body(ctx, &created);
            if let Some(o) = b.as_object_mut() {
                o.retain(|k, _| !k.ends_with("_id"));
            }
            (Method::PATCH, b)
        } else {
            (Method::PUT, update_body(ctx, &created))
        };
        let mut req = Req::new(method, created.path.clone())
            .token("full")
            .json(body)
            .no_retry();
        if let Some(t) = created.exchange.header("etag") {
            req = req.header("if-match", t.to_string());
        }
        let up = ctx.send(req).await;
        f.check(
            up.status() == Some(200),
            || {
                format!(
                    "{} with the all:write token: expected 200, got {}",
                    what(&up),
                    seen(&up)
                )
            },
            &[&up],
        );
        let del = ctx
            .send(
                Req::new(Method::DELETE, created.path.clone())
                    .token("full")
                    .no_retry(),
            )
            .await;
        f.check(
            matches!(del.status(), Some(200) | Some(204)),
            || {
                format!(
                    "{} with the all:write token: expected 204, got {}",
                    what(&del),
                    seen(&del)
                )
            },
            &[&del],
        );
    }
    f.outcome("")
}

async fn unscoped_403(ctx: &Ctx) -> Outcome {
    let ids = distinct(narrow(ctx));
    let ops = ctx.model().operations.clone();
    let random = ctx.client().uuid();
    let mut f = Findings::default();
    for (role, scopes) in &ids {
        for op in &ops {
            let Some((res, _)) = scope_of(ctx, op) else {
                continue;
            };
            if allows(scopes, &res, "read") || allows(scopes, &res, "write") {
                continue;
            }
            let mut req = proto::request_for(ctx, op, &fill(&op.full_path, &random)).token(role);
            if op.method == "PUT" {
                req = req.header("if-match", "\"specgate\"");
            }
            let ex = ctx.send(req).await;
            expect_403(&mut f, &ex, role, &format!("no scope on {res}"));
        }
    }
    f.outcome("no configured narrow token lacks every scope on some documented resource")
}

async fn empty_scopes(ctx: &Ctx) -> Outcome {
    let role = "empty";
    let mut f = Findings::default();
    if !ctx.token_scopes(role).unwrap_or_default().is_empty() {
        f.note("the 'empty' token is declared with scopes; judged as []");
    }
    let (_, tex) = proto::token_info(ctx, role).await;
    f.check(
        tex.status() == Some(200),
        || format!("C33: GET /token must answer 200 for any valid token, including one with [] scopes, got {}", seen(&tex)),
        &[&tex],
    );
    let lists: Vec<_> = ctx
        .model()
        .operations
        .iter()
        .filter(|o| o.method == "GET" && !o.public && o.path_params() == 0)
        .filter(|o| {
            !matches!(
                proto::first_segment(ctx, &o.full_path).as_deref(),
                Some("token") | Some("enums") | None
            )
        })
        .map(|o| o.full_path.clone())
        .collect();
    for path in lists {
        let ex = ctx.send(Req::get(path).token(role).no_retry()).await;
        expect_403(&mut f, &ex, role, "scopes []");
    }
    if let Some(op) =
        fixtures::writable_resource(ctx.model()).and_then(|r| fixtures::create_op(ctx.model(), r))
    {
        let op = op.clone();
        let ex = ctx
            .send(proto::request_for(ctx, &op, &op.full_path).token(role))
            .await;
        expect_403(&mut f, &ex, role, "scopes []");
    }
    let enums = ctx
        .send(Req::get(ctx.path("/enums")).token(role).no_retry())
        .await;
    if enums.status().is_some() {
        f.note(format!(
            "C33: GET /enums with scopes [] answered {} (200 or 403 accepted)",
            enums.status().unwrap_or(0)
        ));
    }
    f.outcome("")
}

fn scope_re() -> regex::Regex {
    regex::Regex::new(r"^[a-z_]+:(read|write)$").expect("static regex")
}

/// The scope list in `/enums`: the first array of strings under a key containing "scope"
/// (directly, or as `{values: [...]}`).
fn find_scope_list(v: &Value) -> Option<Vec<String>> {
    let strings = |a: &Value| -> Option<Vec<String>> {
        let arr = a.as_array()?;
        let out: Vec<String> = arr
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        (out.len() == arr.len() && !out.is_empty()).then_some(out)
    };
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if k.to_ascii_lowercase().contains("scope") {
                    if let Some(s) = strings(val).or_else(|| val.get("values").and_then(strings)) {
                        return Some(s);
                    }
                }
            }
            m.values().find_map(find_scope_list)
        }
        Value::Array(a) => a.iter().find_map(find_scope_list),
        _ => None,
    }
}

async fn enums_scopes(ctx: &Ctx) -> (Option<Vec<String>>, Arc<Exchange>) {
    let ex = ctx
        .send(Req::get(ctx.path("/enums")).token("full").no_retry())
        .await;
    (ex.json().and_then(find_scope_list), ex)
}

async fn scope_strings(ctx: &Ctx) -> Outcome {
    let re = scope_re();
    let mut f = Findings::default();
    let roles: Vec<String> = proto::identities(ctx).into_iter().map(|(r, _)| r).collect();
    for role in roles {
        let (info, ex) = proto::token_info(ctx, &role).await;
        let Some(scopes) = info
            .as_ref()
            .and_then(|d| d.get("scopes"))
            .and_then(Value::as_array)
        else {
            f.fail(
                format!(
                    "GET /token with the {role} token: expected data.scopes (an array), got {}",
                    seen(&ex)
                ),
                &[&ex],
            );
            continue;
        };
        for s in scopes {
            let ok = s.as_str().is_some_and(|s| re.is_match(s));
            f.check(ok, || format!("GET /token with the {role} token lists scope {s}, which is not {{resource}}:{{read|write}}"), &[&ex]);
        }
    }
    let (list, ex) = enums_scopes(ctx).await;
    match list {
        Some(list) => {
            for s in list {
                f.check(
                    re.is_match(&s),
                    || {
                        format!(
                            "GET /enums lists scope '{s}', which is not {{resource}}:{{read|write}}"
                        )
                    },
                    &[&ex],
                );
            }
        }
        None => f.note(format!(
            "GET /enums has no scope list ({})",
            ex.status().unwrap_or(0)
        )),
    }
    f.outcome("")
}

/// Scope resources routed by the document: first segments of protected, non-auxiliary paths.
fn routed_resources(ctx: &Ctx) -> BTreeSet<String> {
    ctx.model()
        .operations
        .iter()
        .filter_map(|o| scope_of(ctx, o).map(|(r, _)| r))
        .collect()
}

async fn enums_list_scopes(ctx: &Ctx) -> Outcome {
    let (list, ex) = enums_scopes(ctx).await;
    let Some(list) = list else {
        return Outcome::failed(
            format!(
                "GET /enums: expected a scope list (a key containing 'scope'), got {}",
                seen(&ex)
            ),
            vec![ex.seq],
        );
    };
    let mut f = Findings::default();
    for r in routed_resources(ctx) {
        for action in ["read", "write"] {
            let s = format!("{r}:{action}");
            f.check(
                list.contains(&s),
                || {
                    format!(
                        "GET /enums scope list lacks '{s}' (the document routes /{r}): {list:?}"
                    )
                },
                &[&ex],
            );
        }
    }
    f.outcome("the document routes no protected resource")
}

async fn enums_match_routes(ctx: &Ctx) -> Outcome {
    let (list, ex) = enums_scopes(ctx).await;
    let Some(list) = list else {
        return Outcome::failed(
            format!("GET /enums: expected a scope list, got {}", seen(&ex)),
            vec![ex.seq],
        );
    };
    let routed = routed_resources(ctx);
    let any_segment: BTreeSet<String> = ctx
        .model()
        .operations
        .iter()
        .filter_map(|o| proto::first_segment(ctx, &o.full_path))
        .collect();
    let mut f = Findings::default();
    for r in &routed {
        let ok = list.contains(&format!("{r}:read")) && list.contains(&format!("{r}:write"));
        f.check(
            ok,
            || format!("routed resource /{r} has no read and write scopes in /enums"),
            &[&ex],
        );
    }
    for s in &list {
        let Some((res, _)) = s.split_once(':') else {
            continue;
        };
        if res == "all" {
            continue;
        }
        f.check(
            any_segment.contains(res),
            || {
                format!(
                    "/enums lists scope '{s}' but the document routes no /{} path",
                    res.replace('_', "-")
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn nested_parent_scope(ctx: &Ctx) -> Outcome {
    let nested: Vec<(String, String, String)> = ctx
        .model()
        .resources
        .iter()
        .flat_map(|r| {
            r.nested
                .iter()
                .map(move |(child, path)| (r.name.clone(), child.clone(), path.clone()))
        })
        .filter(|(_, _, path)| {
            proto::op(ctx, "GET", path).is_some_and(|o| scope_of(ctx, o).is_some())
        })
        .collect();
    if nested.is_empty() {
        return Outcome::skipped("the document has no nested collection (/{parent}/{id}/{child})");
    }
    let ids = distinct(narrow(ctx));
    let mut f = Findings::default();
    for (parent, child, path) in nested {
        let p = scope_name(&parent);
        let c = scope_name(&child);
        let created = match fixtures::create(ctx, &parent, json!({})).await {
            Ok(x) => x,
            Err(e) => return Outcome::error(e),
        };
        let url = fill(&path, &created.id);
        for (role, scopes) in &ids {
            let ex = ctx.send(Req::get(url.clone()).token(role).no_retry()).await;
            if allows(scopes, &p, "read") {
                f.check(
                    ex.status() == Some(200),
                    || {
                        let extra = if allows(scopes, &c, "read") {
                            String::new()
                        } else {
                            format!(", no {c} scope")
                        };
                        format!("{} with the {role} token (holds {p} read{extra}): a nested list needs only the parent's scope, expected 200, got {}", what(&ex), seen(&ex))
                    },
                    &[&ex],
                );
            } else {
                expect_403(
                    &mut f,
                    &ex,
                    role,
                    &format!(
                        "no {p} scope{}",
                        if allows(scopes, &c, "read") {
                            format!(", even with {c} read")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
        }
    }
    f.outcome("no configured narrow token to judge nested lists with")
}

async fn link_parent_scope(ctx: &Ctx) -> Outcome {
    let links: Vec<(String, String)> = ctx
        .model()
        .operations
        .iter()
        .filter(|o| o.method == "GET" && o.full_path.ends_with("}/links"))
        .filter_map(|o| {
            Some((
                proto::first_segment(ctx, &o.full_path)?,
                o.full_path.clone(),
            ))
        })
        .collect();
    if links.is_empty() {
        return Outcome::skipped(
            "the document has no polymorphic link endpoint (GET /{resource}/{id}/links)",
        );
    }
    let ids = distinct(narrow(ctx));
    let mut f = Findings::default();
    for (parent, path) in links {
        let Some(resource) = model_resource(ctx, &parent).map(|r| r.name.clone()) else {
            continue;
        };
        let created = match fixtures::create(ctx, &resource, json!({})).await {
            Ok(x) => x,
            Err(e) => return Outcome::error(e),
        };
        let url = fill(&path, &created.id);
        for (role, scopes) in &ids {
            let ex = ctx.send(Req::get(url.clone()).token(role).no_retry()).await;
            if allows(scopes, &parent, "read") {
                f.check(
                    ex.status() == Some(200),
                    || {
                        format!(
                            "{} with the {role} token (holds {parent} read): expected 200, got {}",
                            what(&ex),
                            seen(&ex)
                        )
                    },
                    &[&ex],
                );
            } else {
                expect_403(&mut f, &ex, role, &format!("no {parent} read"));
            }
        }
    }
    f.outcome("no configured narrow token to judge link endpoints with")
}

async fn cross_resource(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let ids = narrow(ctx);
    // (child resource, fk, parent resource, role without parent read, role with it)
    let mut pick = None;
    for r in &model.resources {
        let Some(op) = fixtures::create_op(model, r) else {
            continue;
        };
        if scope_of(ctx, op).is_none() {
            continue;
        }
        let c = scope_name(&r.name);
        for fk in fixtures::required_fks(model, op) {
            let Some(parent) = fixtures::referenced_resource(model, &fk) else {
                continue;
            };
            let p = scope_name(&parent.name);
            let without = ids
                .iter()
                .find(|(_, s)| allows(s, &c, "write") && !allows(s, &p, "read"));
            let with = ids
                .iter()
                .find(|(_, s)| allows(s, &c, "write") && allows(s, &p, "read"));
            if let Some(w) = without {
                pick = Some((
                    r.name.clone(),
                    fk.clone(),
                    parent.name.clone(),
                    w.0.clone(),
                    with.map(|x| x.0.clone()),
                ));
                break;
            }
        }
        if pick.is_some() {
            break;
        }
    }
    let Some((child, fk, parent, without, with)) = pick else {
        return Outcome::skipped(
            "needs a token with write on a resource that references another but no read on the referenced one (e.g. comments:write without items:read)",
        );
    };
    let parent_rec = match fixtures::create(ctx, &parent, json!({})).await {
        Ok(x) => x,
        Err(e) => return Outcome::error(e),
    };
    let Some(op) = model
        .resource(&child)
        .and_then(|r| fixtures::create_op(model, r))
        .cloned()
    else {
        return Outcome::error("create operation vanished");
    };
    let mut body = proto::body_for(ctx, &op);
    body[&fk] = json!(parent_rec.id);
    for other in fixtures::required_fks(model, &op) {
        if other != fk {
            if let Some(pr) = fixtures::referenced_resource(model, &other).map(|p| p.name.clone()) {
                match fixtures::create(ctx, &pr, json!({})).await {
                    Ok(x) => body[&other] = json!(x.id),
                    Err(e) => return Outcome::error(e),
                }
            }
        }
    }
    let mut f = Findings::default();
    let ex = ctx
        .send(
            Req::new(Method::POST, op.full_path.clone())
                .token(&without)
                .json(body.clone())
                .no_retry(),
        )
        .await;
    let names_field = ex.json().is_some_and(|b| {
        b.get("errors").and_then(|e| e.get(&fk)).is_some() || b.to_string().contains(&fk)
    });
    f.check(
        ex.status() == Some(422) && names_field,
        || format!("{} with the {without} token ({child} write, no {parent} read) referencing a {parent}: expected 422 naming {fk}, got {}", what(&ex), seen(&ex)),
        &[&ex],
    );
    if let Some(id) = data(&ex).and_then(|d| d.get("id")).and_then(Value::as_str) {
        ctx.remember_created(&op.full_path, id);
    }
    match with {
        Some(role) => {
            let mut body = body.clone();
            // A fresh body so unique fields do not collide.
            let fresh = proto::body_for(ctx, &op);
            if let (Some(b), Some(n)) = (body.as_object_mut(), fresh.as_object()) {
                for (k, v) in n {
                    if !k.ends_with("_id") {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
            let ok = ctx
                .send(Req::new(Method::POST, op.full_path.clone()).token(&role).json(body).no_retry())
                .await;
            f.check(
                matches!(ok.status(), Some(200) | Some(201)),
                || format!("{} with the {role} token ({child} write and {parent} read): expected 201, got {}", what(&ok), seen(&ok)),
                &[&ok],
            );
            if let Some(id) = data(&ok).and_then(|d| d.get("id")).and_then(Value::as_str) {
                ctx.remember_created(&op.full_path, id);
            }
        }
        None => f.note(format!("no configured token has both {child} write and {parent} read; the 201 half is not checked")),
    }
    f.outcome("")
}

async fn existing_without_scope(ctx: &Ctx) -> Outcome {
    let ids = narrow(ctx);
    let pick = readable_resources(ctx).into_iter().find_map(|(res, _, _)| {
        ids.iter()
            .find(|(_, s)| !allows(s, &res, "read"))
            .map(|(role, _)| (res.clone(), role.clone()))
    });
    let Some((res, role)) = pick else {
        return Outcome::skipped(
            "needs a narrow token lacking the scope of some readable resource",
        );
    };
    let Some(resource) = model_resource(ctx, &res).map(|r| r.name.clone()) else {
        return Outcome::skipped("resource not in the model");
    };
    let created = match fixtures::create(ctx, &resource, json!({})).await {
        Ok(x) => x,
        Err(e) => return Outcome::error(e),
    };
    let ex = ctx
        .send(Req::get(created.path.clone()).token(&role).no_retry())
        .await;
    let mut f = Findings::default();
    expect_403(
        &mut f,
        &ex,
        &role,
        &format!("the {res} record exists in its workspace, but the token has no {res} scope"),
    );
    f.outcome("")
}

async fn cross_tenant(ctx: &Ctx) -> Outcome {
    let Some(res) = fixtures::writable_resource(ctx.model()).cloned() else {
        return Outcome::skipped("the document has no resource with full CRUD");
    };
    let created = match fixtures::create(ctx, &res.name, json!({})).await {
        Ok(x) => x,
        Err(e) => return Outcome::error(e),
    };
    let b = "second_workspace";
    let (before, ex0) = snapshot(ctx, &created.path).await;
    let etag = ex0.header("etag").map(str::to_string);
    let item = res.item_path.clone().unwrap_or_default();
    let mut reqs = vec![Req::get(created.path.clone())];
    if proto::op(ctx, "PATCH", &item).is_some() {
        let mut body = update_body(ctx, &created);
        if let Some(o) = body.as_object_mut() {
            o.retain(|k, _| !k.ends_with("_id"));
        }
        reqs.push(Req::new(Method::PATCH, created.path.clone()).json(body));
    }
    if proto::op(ctx, "PUT", &item).is_some() {
        // C39: with If-Match, so that 404 is the only expected answer.
        let mut r = Req::new(Method::PUT, created.path.clone()).json(update_body(ctx, &created));
        if let Some(t) = &etag {
            r = r.header("if-match", t.clone());
        }
        reqs.push(r);
    }
    if proto::op(ctx, "DELETE", &item).is_some() {
        reqs.push(Req::new(Method::DELETE, created.path.clone()));
    }
    let mut f = Findings::default();
    let leak = |ex: &Exchange| {
        ex.response.as_ref().is_some_and(|r| {
            created
                .data
                .as_object()
                .into_iter()
                .flat_map(|o| o.values())
                .filter_map(Value::as_str)
                .any(|s| s.contains(&ctx.shared.marker) && r.body.contains(s))
        })
    };
    for req in reqs {
        let ex = ctx.send(req.token(b).no_retry()).await;
        f.check(
            ex.status() == Some(404) && !leak(&ex),
            || format!("{} with another workspace's full-access token: expected 404 (not 403, no data), got {}", what(&ex), seen(&ex)),
            &[&ex, &created.exchange],
        );
    }
    // Revoking workspace A's token from workspace B.
    let victim = ["expired", "revoked"]
        .into_iter()
        .find_map(|r| ctx.token_id(r).map(|id| (r, id)));
    match victim {
        Some((role, id)) => {
            let ex = ctx
                .send(Req::new(Method::DELETE, ctx.path(&format!("/tokens/{id}"))).token(b).no_retry())
                .await;
            f.check(
                ex.status() == Some(404),
                || format!("{} (the {role} token of workspace A) with workspace B's admin token: expected 404, got {}", what(&ex), seen(&ex)),
                &[&ex],
            );
        }
        None => f.note("no token id of workspace A is configured (tokens.expired.id); the DELETE /tokens/:id part is not checked"),
    }
    let (after, ex1) = snapshot(ctx, &created.path).await;
    f.check(
        ex1.status() == Some(200) && before.is_some() && before == after,
        || {
            format!(
                "another workspace's requests changed the record {}: before {:?}, after {:?} ({})",
                created.path,
                before,
                after,
                seen(&ex1)
            )
        },
        &[&ex1, &ex0],
    );
    f.outcome("")
}

async fn enforcement_order(ctx: &Ctx) -> Outcome {
    let Some(r) = fixtures::writable_resource(ctx.model()).cloned() else {
        return Outcome::skipped("the document has no writable resource");
    };
    let (Some(collection), Some(item)) = (r.collection_path.clone(), r.item_path.clone()) else {
        return Outcome::skipped("the resource lacks a collection or item path");
    };
    let mut f = Findings::default();
    let bogus = format!("Bearer {}", proto::unknown_token(ctx));
    let ex = ctx
        .send(
            Req::new(Method::POST, collection.clone())
                .header("authorization", bogus)
                .json(json!({}))
                .no_retry(),
        )
        .await;
    f.check(
        ex.status() == Some(401),
        || {
            format!(
                "{} with an invalid token: the token is checked first, expected 401, got {}",
                what(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    let ex = ctx
        .send(
            Req::new(Method::POST, collection.clone())
                .token("read_only")
                .raw(b"{\"specgate\": ".to_vec(), "application/json")
                .no_retry(),
        )
        .await;
    f.check(ex.status() == Some(403), || format!("{} with the read_only token and a malformed body: the scope is checked before the body, expected 403, got {}", what(&ex), seen(&ex)), &[&ex]);
    let ex = ctx
        .send(
            Req::new(Method::DELETE, fill(&item, &ctx.client().uuid()))
                .token("read_only")
                .no_retry(),
        )
        .await;
    f.check(ex.status() == Some(403), || format!("{} of a random id with the read_only token: the scope is checked before the lookup, expected 403, got {}", what(&ex), seen(&ex)), &[&ex]);
    f.outcome("")
}

/// The role whose token an exchange carried (from the redacted Authorization header).
fn role_of(ex: &Exchange) -> Option<String> {
    ex.request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.strip_prefix("Bearer $SPECGATE_TOKEN_"))
        .map(str::to_ascii_lowercase)
}

/// A fresh 403: a narrow token reading a resource it has no scope on.
async fn one_denial(ctx: &Ctx) -> Option<Arc<Exchange>> {
    let ids = narrow(ctx);
    let (role, op) = ids.iter().find_map(|(role, scopes)| {
        ctx.model().list_operations().find_map(|o| {
            let (res, _) = scope_of(ctx, o)?;
            (o.path_params() == 0 && !allows(scopes, &res, "read"))
                .then(|| (role.clone(), o.full_path.clone()))
        })
    })?;
    Some(ctx.send(Req::get(op).token(&role).no_retry()).await)
}

/// Is `ex` a request whose token lacks the scope its operation needs (per the configuration)?
fn is_scope_denial(ctx: &Ctx, ex: &Exchange) -> bool {
    let Some(role) = role_of(ex) else {
        return false;
    };
    let Some(scopes) = ctx.token_scopes(&role) else {
        return false;
    };
    ctx.model()
        .find_operation(&ex.request.method, &ex.path())
        .and_then(|op| scope_of(ctx, op))
        .is_some_and(|(res, action)| !allows(&scopes, &res, action))
}

/// Scope denials sent by this family's rules (and this rule's own), for the problem-body
/// rules: 403s to tokens lacking the operation's scope.
async fn scope_denials(ctx: &Ctx) -> Vec<Arc<Exchange>> {
    let own = one_denial(ctx).await;
    let mut out: Vec<Arc<Exchange>> = ctx
        .client()
        .exchanges()
        .into_iter()
        .filter(|e| {
            e.rule.starts_with("scopes.")
                && e.status() == Some(403)
                && e.path().starts_with(ctx.base())
                && is_scope_denial(ctx, e)
        })
        .collect();
    if let Some(o) = own {
        if o.status() != Some(403) {
            out.push(o);
        }
    }
    out
}

async fn problem_403(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    for ex in scope_denials(ctx).await {
        let r = if ex.status() == Some(403) {
            problem_of(&ex, "insufficient-scope", Some("Insufficient Scope"))
        } else {
            Err(format!("403, got {}", seen(&ex)))
        };
        match r {
            Ok(()) => f.checked += 1,
            Err(e) if f.items.len() < 10 => f.fail(
                format!("{} (missing scope) → expected {e}", what(&ex)),
                &[&ex],
            ),
            Err(_) => f.checked += 1,
        }
    }
    f.outcome("no scope denial was observed (needs a narrow token)")
}

async fn reports_scopes(ctx: &Ctx) -> Outcome {
    let denials = scope_denials(ctx).await;
    let mut token_scopes: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    let mut f = Findings::default();
    for ex in denials.into_iter().filter(|e| e.status() == Some(403)) {
        let Some(role) = role_of(&ex) else { continue };
        let Some(op) = ctx.model().find_operation(&ex.request.method, &ex.path()) else {
            continue;
        };
        let Some((res, action)) = scope_of(ctx, op) else {
            continue;
        };
        if !token_scopes.contains_key(&role) {
            let (info, _) = proto::token_info(ctx, &role).await;
            let s = info
                .and_then(|d| d.get("scopes").cloned())
                .and_then(|s| serde_json::from_value::<Vec<String>>(s).ok());
            token_scopes.insert(role.clone(), s);
        }
        let body = ex.json().cloned().unwrap_or(Value::Null);
        let want = format!("{res}:{action}");
        let required = body.get("required_scope").and_then(Value::as_str);
        let listed: Option<BTreeSet<String>> = body
            .get("token_scopes")
            .and_then(|s| serde_json::from_value::<Vec<String>>(s.clone()).ok())
            .map(|v| v.into_iter().collect());
        let expected: Option<BTreeSet<String>> = token_scopes
            .get(&role)
            .cloned()
            .flatten()
            .map(|v| v.into_iter().collect());
        let ok = required == Some(want.as_str()) && listed.is_some() && listed == expected;
        if f.items.len() < 10 || ok {
            f.check(
                ok,
                || format!("{} with the {role} token → 403: expected required_scope '{want}' and token_scopes {:?}, got required_scope {:?}, token_scopes {:?}", what(&ex), expected.clone().unwrap_or_default(), required, listed),
                &[&ex],
            );
        }
    }
    f.outcome("no scope denial was observed (needs a narrow token)")
}

async fn token_creation(ctx: &Ctx) -> Outcome {
    let (cookie, slug) = match super::token_format::ui_session(ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let ex = ctx
        .send(
            Req::new(Method::POST, format!("/ui/workspaces/{slug}/tokens"))
                .header("cookie", cookie)
                .json(json!({"name": ctx.unique_name("no-scopes")}))
                .no_retry()
                .mints_secret(
                    super::token_format::well_shaped,
                    "$SPECGATE_TOKEN_CREATED_WITHOUT_SCOPES",
                ),
        )
        .await;
    let accepted = ex.status().is_some_and(|s| s < 300);
    if accepted {
        if let Some(id) = ex
            .json()
            .and_then(|b| {
                b.pointer("/token/id")
                    .or(b.pointer("/data/id"))
                    .or(b.get("id"))
            })
            .and_then(Value::as_str)
        {
            ctx.send(
                Req::new(Method::DELETE, ctx.path(&format!("/tokens/{id}")))
                    .token("full")
                    .no_retry(),
            )
            .await;
        }
    }
    let mut f = Findings::default();
    f.check(
        !accepted && ex.status().is_some_and(|s| (400..500).contains(&s)),
        || {
            format!(
                "{} without a scopes list: expected a 4xx rejection, got {}",
                what(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}
