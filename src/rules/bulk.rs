//! Family `bulk`: `POST|PATCH|DELETE /{resource}/bulk`. All valid → 201 (create) or 200;
//! all invalid → 422 with per-item errors; a mixed batch → 207 with per-item results and a
//! summary that adds up where the document declares partial success (`x-bulk-mode: partial`
//! or a 207 response), else 422 with nothing persisted (C02); more than 100 items refused
//! (C19); Idempotency-Key honoured on bulk create.

use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::writes::{self as w, Writable, seen};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("bulk.create-all-succeed-201", &[], |c| {
        all_created(c).boxed()
    }),
    Rule::probe("bulk.update-delete-all-succeed-200", &[], |c| {
        update_delete(c).boxed()
    }),
    Rule::probe("bulk.max-100-items", &[], |c| max_items(c).boxed()),
    Rule::probe("bulk.all-fail-422", &[], |c| all_fail(c).boxed()),
    Rule::probe("bulk.items-validated-independently", &[], |c| {
        independent(c).boxed()
    }),
    Rule::probe("bulk.mixed-207-with-per-item-results", &[], |c| {
        mixed_207(c).boxed()
    }),
    Rule::probe("bulk.207-summary-counts", &[], |c| summary(c).boxed()),
    Rule::probe("bulk.atomic-by-default", &[], |c| atomic(c).boxed()),
    Rule::observer("bulk.partial-success-documented-per-endpoint", documented),
    Rule::probe("bulk.idempotency-key-on-bulk-create", &[], |c| {
        idempotent(c).boxed()
    }),
];

/// One documented bulk operation.
#[derive(Debug, Clone)]
struct BulkOp {
    method: Method,
    path: String,
    /// "partial" or "atomic" (C02, from the document).
    mode: String,
    /// The body's array member (`items`, `ids`).
    key: String,
    max: usize,
}

/// The resource with bulk operations (the writable one if it has them).
struct Bulk<'m> {
    wr: Writable<'m>,
    ops: Vec<BulkOp>,
}

impl Bulk<'_> {
    fn op(&self, method: Method) -> Option<&BulkOp> {
        self.ops.iter().find(|o| o.method == method)
    }

    fn label(&self) -> Option<String> {
        self.wr.label().map(|p| p.name.clone())
    }
}

fn bulk(model: &ApiModel) -> Result<Bulk<'_>, Outcome> {
    let preferred = crate::run::fixtures::writable_resource(model).map(|r| r.name.clone());
    let res = model
        .resources
        .iter()
        .filter(|r| !r.bulk.is_empty())
        .max_by_key(|r| Some(&r.name) == preferred.as_ref())
        .ok_or_else(|| Outcome::skipped("the document has no /{resource}/bulk operation"))?;
    let wr = w::writable_for(model, res);
    let ops = res
        .bulk
        .iter()
        .filter_map(|((method, path), mode)| {
            let op = model
                .operations
                .iter()
                .find(|o| &o.method == method && &o.full_path == path)?;
            let props = w::body_props(model, op);
            let key = props
                .iter()
                .find(|p| p.has_type("array"))
                .map(|p| p.name.clone())
                .unwrap_or_else(|| {
                    if method == "DELETE" {
                        "ids".into()
                    } else {
                        "items".into()
                    }
                });
            let max = op
                .extensions
                .get("x-bulk-max-items")
                .and_then(Value::as_u64)
                .or_else(|| {
                    props
                        .iter()
                        .find(|p| p.name == key)
                        .and_then(|p| p.schema.get("maxItems"))
                        .and_then(Value::as_u64)
                })
                .unwrap_or(100) as usize;
            Some(BulkOp {
                method: method.parse().ok()?,
                path: path.clone(),
                mode: mode.clone(),
                key,
                max,
            })
        })
        .collect();
    Ok(Bulk { wr, ops })
}

async fn send(ctx: &Ctx, op: &BulkOp, entries: Vec<Value>, key: Option<&str>) -> Arc<Exchange> {
    let mut req = Req::new(op.method.clone(), op.path.clone())
        .token("full")
        .json(json!({ op.key.clone(): entries }))
        .no_retry();
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    ctx.send(req).await
}

/// `n` valid create bodies whose labels carry `token`.
async fn valid(ctx: &Ctx, b: &Bulk<'_>, token: &str, n: usize) -> Result<Vec<Value>, Outcome> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(w::new_body(ctx, &b.wr, &format!("{token} #{i}")).await?);
    }
    Ok(out)
}

/// Ways to make a create body invalid, one per field: (field, bad value).
fn breakers(b: &Bulk<'_>) -> Vec<(String, Value)> {
    let label = b.label();
    b.wr.create
        .iter()
        .filter(|p| !p.read_only() && Some(&p.name) != label.as_ref() && !p.name.ends_with("_id"))
        .filter_map(|p| {
            let bad = if !p.enum_values().is_empty() {
                json!("zz-specgate-not-a-choice")
            } else if p.has_type("integer") {
                match p.schema.get("minimum").and_then(Value::as_i64) {
                    Some(min) => json!(min - 1),
                    None => json!("not-a-number"),
                }
            } else if p.has_type("string")
                && p.schema.get("format").and_then(Value::as_str) == Some("email")
            {
                json!("not-an-email")
            } else if p.has_type("boolean") {
                json!("not-a-boolean")
            } else {
                return None;
            };
            Some((p.name.clone(), bad))
        })
        .collect()
}

/// `n` create bodies, each broken by its own breaker (cycling if there are fewer).
async fn invalid(
    ctx: &Ctx,
    b: &Bulk<'_>,
    token: &str,
    n: usize,
    offset: usize,
) -> Result<Vec<(Value, String)>, Outcome> {
    let br = breakers(b);
    if br.is_empty() {
        return Err(Outcome::skipped(
            "no field of the create body the harness knows how to make invalid",
        ));
    }
    let mut out = Vec::new();
    for i in 0..n {
        let (field, bad) = &br[i % br.len()];
        let mut body = w::new_body(ctx, &b.wr, &format!("{token} #{}", i + offset)).await?;
        body[field] = bad.clone();
        out.push((body, field.clone()));
    }
    Ok(out)
}

fn ok2xx(ex: &Exchange) -> bool {
    ex.status().is_some_and(|s| (200..300).contains(&s))
}

/// How many records carry `token` in their label (None: the document offers no way to tell).
async fn count(ctx: &Ctx, b: &Bulk<'_>, token: &str) -> Option<(usize, Arc<Exchange>)> {
    let field = b.label()?;
    w::count_containing(ctx, &b.wr, &field, token).await
}

/// Checks that `expected` records carry `token`, noting when it cannot be counted.
async fn expect_count(
    ctx: &Ctx,
    f: &mut Findings,
    b: &Bulk<'_>,
    token: &str,
    expected: usize,
    what: &str,
    ex: &Exchange,
) {
    match count(ctx, b, token).await {
        Some((n, list)) => f.check(
            n == expected,
            || {
                format!(
                    "{what}: expected {expected} record(s) labelled '{token} #…' in {}, found {n}",
                    b.wr.collection
                )
            },
            &[ex, &list],
        ),
        None => f.note(format!(
            "{what}: the records could not be counted (no label filter or search documented)"
        )),
    }
}

async fn all_created(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let Some(op) = b.op(Method::POST) else {
        return Outcome::skipped("the document has no bulk create (POST /{resource}/bulk)");
    };
    let token = ctx.unique_name("bulk");
    let items = match valid(ctx, &b, &token, 3).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let r = send(ctx, op, items, None).await;
    w::remember(ctx, &b.wr, &r);
    let mut f = Findings::default();
    f.check(
        r.status() == Some(201),
        || {
            format!(
                "POST {} with 3 valid items: expected 201 Created, got {}",
                op.path,
                seen(&r)
            )
        },
        &[&r],
    );
    expect_count(
        ctx,
        &mut f,
        &b,
        &token,
        3,
        &format!("after POST {}", op.path),
        &r,
    )
    .await;
    f.outcome("")
}

/// Creates `n` records (one POST each) and returns their ids.
async fn records(ctx: &Ctx, b: &Bulk<'_>, n: usize) -> Result<Vec<String>, Outcome> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(w::fixture(ctx, &b.wr, json!({})).await?.id);
    }
    Ok(ids)
}

async fn update_delete(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let (upd, del) = (b.op(Method::PATCH).cloned(), b.op(Method::DELETE).cloned());
    if upd.is_none() && del.is_none() {
        return Outcome::skipped("the document has no bulk update or bulk delete");
    }
    let ids = match records(ctx, &b, 3).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    if let Some(op) = &upd {
        let mut entries = Vec::new();
        for id in &ids {
            let mut change = b.wr.change(ctx, &json!({})).unwrap_or_else(|| json!({}));
            change["id"] = json!(id);
            entries.push(change);
        }
        let r = send(ctx, op, entries.clone(), None).await;
        f.check(
            r.status() == Some(200),
            || {
                format!(
                    "PATCH {} updating 3 existing records: expected 200, got {}",
                    op.path,
                    seen(&r)
                )
            },
            &[&r],
        );
        for e in &entries {
            let id = e["id"].as_str().unwrap_or_default();
            let g = w::get(ctx, &b.wr.item(id)).await;
            let d = w::data_of(&g);
            let applied = e
                .as_object()
                .is_some_and(|m| m.iter().all(|(k, v)| d.get(k) == Some(v)));
            f.check(
                applied,
                || {
                    format!(
                        "after PATCH {} → {}: expected {e} applied, GET shows {}",
                        op.path,
                        r.status().unwrap_or(0),
                        seen(&g)
                    )
                },
                &[&r, &g],
            );
        }
    }
    if let Some(op) = &del {
        let r = send(ctx, op, ids.iter().map(|i| json!(i)).collect(), None).await;
        if r.status() == Some(422)
            && w::error_fields(&r).iter().any(|k| k == &op.key)
            && w::is_problem(&r)
            && r.response
                .as_ref()
                .is_some_and(|x| x.body.contains("cant_be_blank"))
        {
            return Outcome::error(format!(
                "DELETE {} answered that '{}' is missing: the JSON body of the DELETE was probably dropped on the way (C19: an environment issue, not a conformance failure)",
                op.path, op.key
            ));
        }
        f.check(
            r.status() == Some(200),
            || {
                format!(
                    "DELETE {} of 3 existing ids: expected 200, got {}",
                    op.path,
                    seen(&r)
                )
            },
            &[&r],
        );
        for id in &ids {
            let g = ctx
                .send(Req::get(b.wr.item(id)).token("full").no_retry())
                .await;
            f.check(
                g.status() == Some(404),
                || {
                    format!(
                        "after DELETE {} → {}: expected GET {} to give 404, got {}",
                        op.path,
                        r.status().unwrap_or(0),
                        b.wr.item(id),
                        seen(&g)
                    )
                },
                &[&r, &g],
            );
        }
        f.note("C19: the bulk delete body was sent with Content-Type: application/json");
    }
    f.outcome("")
}

async fn max_items(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let Some(op) = b.op(Method::POST).cloned() else {
        return Outcome::skipped("the document has no bulk create (POST /{resource}/bulk)");
    };
    let mut f = Findings::default();
    let ok_token = ctx.unique_name("bulk");
    let items = match valid(ctx, &b, &ok_token, op.max).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let r = send(ctx, &op, items, None).await;
    f.check(
        ok2xx(&r),
        || {
            format!(
                "POST {} with {} valid items (the maximum): expected 2xx, got {}",
                op.path,
                op.max,
                seen(&r)
            )
        },
        &[&r],
    );
    // Remove them now, in one request when possible.
    let ids: Vec<Value> = w::data_of(&r)
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("id").or_else(|| e.pointer("/data/id")).cloned())
                .collect()
        })
        .unwrap_or_default();
    let removed = match b.op(Method::DELETE) {
        Some(del) if !ids.is_empty() => send(ctx, del, ids, None).await.status() == Some(200),
        _ => false,
    };
    if !removed {
        w::remember(ctx, &b.wr, &r);
    }
    let over_token = ctx.unique_name("bulk");
    let items = match valid(ctx, &b, &over_token, op.max + 1).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let o = send(ctx, &op, items, None).await;
    w::remember(ctx, &b.wr, &o);
    let status = o.status().unwrap_or(0);
    f.check(
        matches!(status, 400 | 413 | 422) && w::is_problem(&o),
        || format!("POST {} with {} items: expected 400, 413 or 422 problem+json (at most {} items), got {}", op.path, op.max + 1, op.max, seen(&o)),
        &[&o],
    );
    expect_count(
        ctx,
        &mut f,
        &b,
        &over_token,
        0,
        &format!("after the refused POST {} of {} items", op.path, op.max + 1),
        &o,
    )
    .await;
    f.note(format!(
        "C19: {status} seen for {} items (400, 413 and 422 are accepted)",
        op.max + 1
    ));
    f.outcome("")
}

async fn all_fail(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let Some(op) = b.op(Method::POST) else {
        return Outcome::skipped("the document has no bulk create (POST /{resource}/bulk)");
    };
    let token = ctx.unique_name("bulk");
    let items = match invalid(ctx, &b, &token, 3, 0).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let r = send(ctx, op, items.into_iter().map(|(v, _)| v).collect(), None).await;
    w::remember(ctx, &b.wr, &r);
    let mut f = Findings::default();
    let per_item = (0..3).all(|i| item_error(&r, i, None));
    f.check(
        r.status() == Some(422) && w::is_problem(&r) && per_item,
        || format!("POST {} with 3 invalid items: expected 422 problem+json with an error for each item, got {}", op.path, seen(&r)),
        &[&r],
    );
    expect_count(
        ctx,
        &mut f,
        &b,
        &token,
        0,
        &format!("after POST {} of 3 invalid items", op.path),
        &r,
    )
    .await;
    f.note("C02: per-item errors are accepted as an `errors` map keyed by item (items[2].name, items.2.name) or as a per-item data[] array");
    f.outcome("")
}

/// Does the response carry an error for item `i` (naming `field` when given)?
fn item_error(ex: &Exchange, i: usize, field: Option<&str>) -> bool {
    let refers = |k: &str| {
        k.contains(&format!("[{i}]"))
            || k.contains(&format!(".{i}."))
            || k.starts_with(&format!("{i}."))
            || k.contains(&format!("/{i}/"))
            || k.ends_with(&format!(".{i}"))
    };
    let in_map = w::error_fields(ex)
        .iter()
        .any(|k| refers(k) && field.is_none_or(|f| k.contains(f)));
    let in_data = w::data_of(ex)
        .as_array()
        .and_then(|a| a.get(i))
        .is_some_and(|e| {
            e.get("error")
                .is_some_and(|err| field.is_none_or(|f| err.to_string().contains(f)))
        });
    in_map || in_data
}

async fn independent(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let Some(op) = b.op(Method::POST) else {
        return Outcome::skipped("the document has no bulk create (POST /{resource}/bulk)");
    };
    let token = ctx.unique_name("bulk");
    let items = match invalid(ctx, &b, &token, 3, 0).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let fields: Vec<String> = items.iter().map(|(_, f)| f.clone()).collect();
    let r = send(ctx, op, items.into_iter().map(|(v, _)| v).collect(), None).await;
    w::remember(ctx, &b.wr, &r);
    let mut f = Findings::default();
    for (i, field) in fields.iter().enumerate() {
        f.check(
            item_error(&r, i, Some(field)),
            || format!("POST {} with 3 items each invalid in its own field ({fields:?}): expected an error for item {i} naming '{field}', got {}", op.path, seen(&r)),
            &[&r],
        );
    }
    f.outcome("")
}

/// Sends 2 valid items and 1 invalid one (in the middle) to a partial-mode bulk create.
async fn mixed(ctx: &Ctx) -> Result<(Bulk<'_>, BulkOp, Vec<Value>, Arc<Exchange>), Outcome> {
    let b = bulk(ctx.model())?;
    let Some(op) = b
        .ops
        .iter()
        .find(|o| o.method == Method::POST && o.mode == "partial")
        .cloned()
    else {
        return Err(Outcome::skipped(
            "no bulk create documents partial success (x-bulk-mode: partial or a 207 response); atomic endpoints are judged by bulk.atomic-by-default",
        ));
    };
    let token = ctx.unique_name("bulk");
    let good = valid(ctx, &b, &token, 2).await?;
    let bad = invalid(ctx, &b, &token, 1, 2).await?;
    let items = vec![good[0].clone(), bad[0].0.clone(), good[1].clone()];
    let r = send(ctx, &op, items.clone(), None).await;
    w::remember(ctx, &b.wr, &r);
    Ok((b, op, items, r))
}

async fn mixed_207(ctx: &Ctx) -> Outcome {
    let (b, op, items, r) = match mixed(ctx).await {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    f.check(
        r.status() == Some(207),
        || format!("POST {} (partial mode) with items 0 and 2 valid and item 1 invalid: expected 207 Multi-Status, got {}", op.path, seen(&r)),
        &[&r],
    );
    let data = w::data_of(&r);
    let entries = data.as_array().cloned().unwrap_or_default();
    f.check(
        entries.len() == 3,
        || {
            format!(
                "POST {} → {}: expected data[] with one result per input item (3), got {}",
                op.path,
                r.status().unwrap_or(0),
                entries.len()
            )
        },
        &[&r],
    );
    let label = b.label();
    for (i, e) in entries.iter().enumerate().take(3) {
        let status = e.get("status").and_then(Value::as_str).unwrap_or("");
        if i == 1 {
            let err = e.get("error").cloned().unwrap_or(Value::Null);
            let problem = ["type", "title", "detail"]
                .iter()
                .all(|k| err.get(k).is_some_and(|v| v.is_string()));
            f.check(
                status == "failed" && problem,
                || format!("POST {} → 207, data[1] (the invalid item): expected status 'failed' and an RFC 9457 error with type, title and detail, got {e}", op.path),
                &[&r],
            );
        } else {
            let d = e.get("data").cloned().unwrap_or(Value::Null);
            let same = label.as_ref().is_none_or(|l| d.get(l) == items[i].get(l));
            f.check(
                status == "created" && d.get("id").is_some() && same,
                || format!("POST {} → 207, data[{i}] (a valid item): expected status 'created' with the created record (in input order) as data, got {e}", op.path),
                &[&r],
            );
        }
        if let Some(idx) = e.get("index").and_then(Value::as_u64) {
            f.check(
                idx as usize == i,
                || format!("POST {} → 207: data[{i}] says index {idx}; results must come in input order", op.path),
                &[&r],
            );
        }
    }
    f.note("C18: per-item errors need type, title and detail; status is optional; the per-item id is not judged");
    f.outcome("")
}

async fn summary(ctx: &Ctx) -> Outcome {
    let (_, op, items, r) = match mixed(ctx).await {
        Ok(m) => m,
        Err(o) => return o,
    };
    if r.status() != Some(207) {
        return Outcome::failed(
            format!(
                "POST {} with a mixed batch: expected 207 with a summary, got {}",
                op.path,
                seen(&r)
            ),
            vec![r.seq],
        );
    }
    let body = r.json().cloned().unwrap_or(Value::Null);
    let s = body.get("summary").cloned().unwrap_or(Value::Null);
    let n = |k: &str| s.get(k).and_then(Value::as_u64);
    let statuses: Vec<&str> = body
        .get("data")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| e.get("status").and_then(Value::as_str).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let failed = statuses.iter().filter(|s| **s == "failed").count() as u64;
    let succeeded = statuses.len() as u64 - failed;
    let mut f = Findings::default();
    f.check(
        n("total") == Some(items.len() as u64),
        || {
            format!(
                "POST {} → 207 with {} items: expected summary.total {}, got {s}",
                op.path,
                items.len(),
                items.len()
            )
        },
        &[&r],
    );
    f.check(
        n("total").is_some() && n("succeeded").zip(n("failed")).map(|(a, b)| a + b) == n("total"),
        || format!("POST {} → 207: expected summary.succeeded + summary.failed = summary.total, got {s}", op.path),
        &[&r],
    );
    f.check(
        n("succeeded") == Some(succeeded) && n("failed") == Some(failed),
        || format!("POST {} → 207: data[] has {succeeded} succeeded and {failed} failed, but the summary says {s}", op.path),
        &[&r],
    );
    f.outcome("")
}

async fn atomic(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let atomic: Vec<BulkOp> = b
        .ops
        .iter()
        .filter(|o| o.mode == "atomic")
        .cloned()
        .collect();
    if atomic.is_empty() {
        return Outcome::skipped("every bulk operation documents partial success");
    }
    let mut f = Findings::default();
    for op in atomic {
        if op.method == Method::POST {
            let token = ctx.unique_name("bulk");
            let good = match valid(ctx, &b, &token, 2).await {
                Ok(g) => g,
                Err(o) => return o,
            };
            let bad = match invalid(ctx, &b, &token, 1, 2).await {
                Ok(x) => x,
                Err(o) => return o,
            };
            let r = send(
                ctx,
                &op,
                vec![good[0].clone(), bad[0].0.clone(), good[1].clone()],
                None,
            )
            .await;
            w::remember(ctx, &b.wr, &r);
            f.check(
                r.status() == Some(422),
                || format!("POST {} (atomic: no 207 documented) with a mixed batch: expected 422, got {}", op.path, seen(&r)),
                &[&r],
            );
            expect_count(
                ctx,
                &mut f,
                &b,
                &token,
                0,
                &format!("after the refused atomic POST {}", op.path),
                &r,
            )
            .await;
            continue;
        }
        let ids = match records(ctx, &b, 2).await {
            Ok(i) => i,
            Err(o) => return o,
        };
        let mut before = Vec::new();
        for id in &ids {
            let g = w::get(ctx, &b.wr.item(id)).await;
            before.push(w::data_of(&g));
        }
        let (entries, what) = if op.method == Method::DELETE {
            let mut e: Vec<Value> = ids.iter().map(|i| json!(i)).collect();
            e.insert(1, json!(ctx.client().uuid()));
            (e, "two existing ids and one unknown id")
        } else {
            let mut e = Vec::new();
            for id in &ids {
                let mut c = b.wr.change(ctx, &json!({})).unwrap_or_else(|| json!({}));
                c["id"] = json!(id);
                e.push(c);
            }
            let Some((field, bad)) = breakers(&b).into_iter().next() else {
                return Outcome::skipped(
                    "no field of the body the harness knows how to make invalid",
                );
            };
            let mut broken = json!({"id": ids[0]});
            broken[&field] = bad;
            e.insert(1, broken);
            (e, "two valid updates and one invalid value")
        };
        let r = send(ctx, &op, entries, None).await;
        f.check(
            r.status() == Some(422),
            || {
                format!(
                    "{} {} (atomic: no 207 documented) with {what}: expected 422, got {}",
                    op.method,
                    op.path,
                    seen(&r)
                )
            },
            &[&r],
        );
        for (id, was) in ids.iter().zip(&before) {
            let g = ctx
                .send(Req::get(b.wr.item(id)).token("full").no_retry())
                .await;
            f.check(
                g.status() == Some(200) && &w::data_of(&g) == was,
                || {
                    let now = if g.status() == Some(200) {
                        format!("{:?} changed", w::same_except(was, &w::data_of(&g), &[]))
                    } else {
                        format!("GET shows {}", seen(&g))
                    };
                    format!("after the mixed atomic {} {} → {}: expected record {id} untouched (nothing persisted), but {now}", op.method, op.path, r.status().unwrap_or(0))
                },
                &[&r, &g],
            );
        }
    }
    f.note("C02: endpoints without x-bulk-mode: partial or a documented 207 are held to all-or-nothing");
    f.outcome("")
}

fn documented(model: &ApiModel, ex: &Exchange) -> Verdict {
    if ex.status() != Some(207) {
        return None;
    }
    let path = ex.path();
    let Some(op) = model.find_operation(&ex.request.method, &path) else {
        return Some(Err(format!(
            "{} {path} → 207: the document has no such operation, so its partial success is undocumented",
            ex.request.method
        )));
    };
    let partial = op.responses.contains_key("207")
        || op.extensions.get("x-bulk-mode").and_then(Value::as_str) == Some("partial");
    Some(if partial {
        Ok(())
    } else {
        Err(format!(
            "{} {path} → 207: the operation ({}) declares neither a 207 response nor x-bulk-mode: partial",
            ex.request.method,
            op.operation_id.as_deref().unwrap_or("no operationId")
        ))
    })
}

async fn idempotent(ctx: &Ctx) -> Outcome {
    let b = match bulk(ctx.model()) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let Some(op) = b.op(Method::POST) else {
        return Outcome::skipped("the document has no bulk create (POST /{resource}/bulk)");
    };
    let token = ctx.unique_name("bulk");
    let items = match valid(ctx, &b, &token, 3).await {
        Ok(i) => i,
        Err(o) => return o,
    };
    let key = ctx.client().uuid();
    let r1 = send(ctx, op, items.clone(), Some(&key)).await;
    let r2 = send(ctx, op, items, Some(&key)).await;
    w::remember(ctx, &b.wr, &r1);
    w::remember(ctx, &b.wr, &r2);
    let mut f = Findings::default();
    f.check(
        ok2xx(&r1),
        || {
            format!(
                "POST {} with 3 valid items and an Idempotency-Key: expected 201, got {}",
                op.path,
                seen(&r1)
            )
        },
        &[&r1],
    );
    f.check(
        r2.status() == r1.status() && r2.json().is_some() && r2.json() == r1.json() && w::replayed(&r2),
        || format!("POST {} replayed with the same Idempotency-Key: expected the stored response (same status and body) with Idempotency-Replayed: true, got {}{}", op.path, seen(&r2), if w::replayed(&r2) { "" } else { " without Idempotency-Replayed: true" }),
        &[&r2, &r1],
    );
    expect_count(
        ctx,
        &mut f,
        &b,
        &token,
        3,
        &format!("after POST {} and its replay", op.path),
        &r2,
    )
    .await;
    f.outcome("")
}
