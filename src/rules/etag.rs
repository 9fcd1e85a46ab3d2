//! Family `etag`: optimistic concurrency. Each probe creates its own record of the writable
//! resource, reads its ETag and walks conditional writes: ETags on single-resource reads and
//! writes (not on collections), 428 for PUT without If-Match, 412 for a stale one, 304 for a
//! matching If-None-Match, and a new ETag after every update, no-op updates included.

use futures_util::FutureExt;
use serde_json::Value;

use super::writes::{self as w, Writable, etag, seen, what};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::run::fixtures::Created;

pub const RULES: &[Rule] = &[
    Rule::probe("etag.required-on-single-get-put-patch", &[], |c| {
        required(c).boxed()
    }),
    Rule::probe("etag.all-single-resource-responses", &[], |c| {
        all_single(c).boxed()
    }),
    Rule::probe("etag.collections-have-no-etag", &[], |c| {
        collections(c).boxed()
    }),
    Rule::probe("etag.put-without-if-match-is-428", &[], |c| {
        put_428(c).boxed()
    }),
    Rule::probe("etag.stale-if-match-is-412", &[], |c| stale_412(c).boxed()),
    Rule::probe("etag.matching-if-match-succeeds", &[], |c| {
        matching(c).boxed()
    }),
    Rule::probe("etag.patch-if-match-recommended-not-required", &[], |c| {
        patch_without(c).boxed()
    }),
    Rule::probe("etag.if-none-match-unchanged-304", &[], |c| {
        not_modified(c).boxed()
    }),
    Rule::probe("etag.changes-on-every-update-even-no-op", &[], |c| {
        no_op(c).boxed()
    }),
    Rule::probe("etag.opaque-entity-tag", &[], |c| opaque(c).boxed()),
];

/// The writable resource, a fresh record of it, and its GET (with an ETag).
async fn setup<'a>(
    ctx: &'a Ctx,
) -> Result<(Writable<'a>, Created, std::sync::Arc<Exchange>, String), Outcome> {
    let wr = w::writable(ctx.model())?;
    let fx = w::fixture(ctx, &wr, serde_json::json!({})).await?;
    let g = w::get(ctx, &fx.path).await;
    if g.status() != Some(200) {
        return Err(Outcome::failed(
            format!(
                "GET {}: expected 200 for a record just created, got {}",
                fx.path,
                seen(&g)
            ),
            vec![g.seq],
        ));
    }
    match etag(&g) {
        Some(tag) => Ok((wr, fx, g, tag)),
        None => Err(Outcome::failed(
            format!(
                "GET {} → 200: expected an ETag header on a single-resource GET, got none",
                fx.path
            ),
            vec![g.seq],
        )),
    }
}

/// "expected a new ETag" checks after a write.
fn check_new_tag(f: &mut Findings, ex: &Exchange, before: &str) -> Option<String> {
    let tag = etag(ex);
    f.check(
        ex.status() == Some(200) && tag.as_deref().is_some_and(|t| t != before),
        || {
            format!(
                "{} with If-Match {before}: expected 200 with a new ETag, got {} and ETag {}",
                what(ex),
                ex.status()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| seen(ex)),
                tag.clone().unwrap_or_else(|| "none".into())
            )
        },
        &[ex],
    );
    tag
}

async fn required(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    f.checked += 1; // the GET's ETag (setup)
    let Some(change) = wr.change(ctx, &w::data_of(&g1)) else {
        return Outcome::skipped("no field of the create body the harness knows how to change");
    };
    let p = w::patch(ctx, &fx.path, change, Some(&e1)).await;
    let e2 = check_new_tag(&mut f, &p, &e1);
    let g2 = w::get(ctx, &fx.path).await;
    f.check(
        e2.is_some() && etag(&g2) == e2,
        || {
            format!(
                "GET {} after the PATCH: expected the PATCH response's ETag {}, got {}",
                fx.path,
                e2.clone().unwrap_or_default(),
                etag(&g2).unwrap_or_else(|| "none".into())
            )
        },
        &[&g2, &p],
    );
    let Some(e2) = etag(&g2) else {
        return f.outcome("");
    };
    let body = wr.replace_body(&w::data_of(&g2));
    let u = w::put(ctx, &fx.path, Value::Object(body), Some(&e2)).await;
    let e3 = check_new_tag(&mut f, &u, &e2);
    let g3 = w::get(ctx, &fx.path).await;
    f.check(
        e3.is_some() && etag(&g3) == e3,
        || {
            format!(
                "GET {} after the PUT: expected the PUT response's ETag {}, got {}",
                fx.path,
                e3.clone().unwrap_or_default(),
                etag(&g3).unwrap_or_else(|| "none".into())
            )
        },
        &[&g3, &u],
    );
    f.outcome("")
}

async fn all_single(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let fx = match w::fixture(ctx, &wr, serde_json::json!({})).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let mut missing = Vec::new();
    // The create response (C07: a missing ETag here is a warning; a wrong one is a failure).
    let created = fx.exchange.clone();
    let g = w::get(ctx, &fx.path).await;
    match etag(&created) {
        None => missing.push(format!("POST {} → {}", fx.collection, created.status().unwrap_or(0))),
        Some(tag) => f.check(
            etag(&g).as_deref() == Some(tag.as_str()),
            || format!("POST {} → 201 carried ETag {tag}, but the next GET {} shows {} (the create's ETag must identify the created representation)", fx.collection, fx.path, etag(&g).unwrap_or_else(|| "none".into())),
            &[&created, &g],
        ),
    }
    let restore_path = format!("{}/restore", fx.path);
    let has_restore = ctx.model().find_operation("POST", &restore_path).is_some();
    if has_restore {
        let d = w::delete(ctx, &fx.path).await;
        let r = ctx
            .send(
                Req::new(reqwest::Method::POST, restore_path.clone())
                    .token("full")
                    .no_retry(),
            )
            .await;
        let g2 = w::get(ctx, &fx.path).await;
        f.check(
            r.status() == Some(200),
            || {
                format!(
                    "POST {restore_path} after DELETE ({}): expected 200, got {}",
                    d.status().unwrap_or(0),
                    seen(&r)
                )
            },
            &[&r, &d],
        );
        match etag(&r) {
            None => missing.push(format!("POST {restore_path} → {}", r.status().unwrap_or(0))),
            Some(tag) => f.check(
                etag(&g2).as_deref() == Some(tag.as_str()),
                || {
                    format!(
                        "POST {restore_path} carried ETag {tag}, but the next GET shows {}",
                        etag(&g2).unwrap_or_else(|| "none".into())
                    )
                },
                &[&r, &g2],
            ),
        }
    }
    if !missing.is_empty() {
        f.note(format!(
            "C07 (warning): no ETag on {} — the Rules list names only GET/PUT/PATCH, so a missing one here is reported as a warning",
            missing.join(", ")
        ));
        f.checked += missing.len();
    }
    f.outcome("")
}

async fn collections(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    let mut paths: Vec<String> = model
        .list_operations()
        .filter(|o| !o.public && o.path_params() == 0)
        .map(|o| o.full_path.clone())
        .collect();
    // Nested lists of the writable resource, under a record of it.
    if let Ok(wr) = w::writable(model) {
        if !wr.res.nested.is_empty() {
            match w::fixture(ctx, &wr, serde_json::json!({})).await {
                Ok(fx) => paths.extend(
                    wr.res
                        .nested
                        .iter()
                        .map(|(child, _)| format!("{}/{child}", fx.path)),
                ),
                Err(o) => return o,
            }
        }
    }
    for path in paths {
        let ex = ctx
            .send(Req::get(path.clone()).token("full").no_retry())
            .await;
        if ex.status() != Some(200) {
            f.fail(
                format!("GET {path}: expected a 200 list, got {}", seen(&ex)),
                &[&ex],
            );
            continue;
        }
        f.check(
            ex.header("etag").is_none(),
            || {
                format!(
                    "GET {path} → 200 (a collection): expected no ETag header, got ETag {}",
                    ex.header("etag").unwrap_or_default()
                )
            },
            &[&ex],
        );
    }
    f.outcome("the document declares no collection GET")
}

async fn put_428(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let before = w::data_of(&g1);
    let mut body = wr.replace_body(&before);
    if let Some(Value::Object(c)) = wr.change(ctx, &before) {
        body.extend(c);
    }
    let u = w::put(ctx, &fx.path, Value::Object(body), None).await;
    let g2 = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        w::problem_is(&u, 428, "precondition-required"),
        || format!("PUT {} with a complete valid body and no If-Match: expected 428 problem+json with type …/problems/precondition-required, got {}", fx.path, seen(&u)),
        &[&u],
    );
    f.check(
        etag(&g2).as_deref() == Some(e1.as_str()) && w::data_of(&g2) == before,
        || format!("GET {} after the PUT without If-Match: expected the record unchanged (ETag {e1}), got ETag {} and changes in {:?}", fx.path, etag(&g2).unwrap_or_else(|| "none".into()), w::same_except(&before, &w::data_of(&g2), &[])),
        &[&u, &g2],
    );
    f.note("C39: the 428 probe sends a complete, valid body so that the missing If-Match is the only fault");
    f.outcome("")
}

async fn stale_412(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(change) = wr.change(ctx, &w::data_of(&g1)) else {
        return Outcome::skipped("no field of the create body the harness knows how to change");
    };
    let mut f = Findings::default();
    let p = w::patch(ctx, &fx.path, change, Some(&e1)).await;
    check_new_tag(&mut f, &p, &e1);
    let g2 = w::get(ctx, &fx.path).await;
    let current = w::data_of(&g2);
    let e2 = etag(&g2).unwrap_or_default();
    // Both stale writes try to change the record again.
    let stale_patch = wr.change(ctx, &current).unwrap_or_default();
    let p2 = w::patch(ctx, &fx.path, stale_patch, Some(&e1)).await;
    let mut body = wr.replace_body(&current);
    if let Some(Value::Object(c)) = wr.change(ctx, &current) {
        body.extend(c);
    }
    let u2 = w::put(ctx, &fx.path, Value::Object(body), Some(&e1)).await;
    for ex in [&p2, &u2] {
        f.check(
            w::problem_is(ex, 412, "precondition-failed"),
            || format!("{} with the stale If-Match {e1} (current {e2}): expected 412 problem+json with type …/problems/precondition-failed, got {}", what(ex), seen(ex)),
            &[ex, &p],
        );
    }
    let g3 = w::get(ctx, &fx.path).await;
    f.check(
        w::data_of(&g3) == current,
        || {
            format!(
                "GET {} after the stale writes: expected no change, got changes in {:?}",
                fx.path,
                w::same_except(&current, &w::data_of(&g3), &[])
            )
        },
        &[&p2, &u2, &g3],
    );
    f.outcome("")
}

async fn matching(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(change) = wr.change(ctx, &w::data_of(&g1)) else {
        return Outcome::skipped("no field of the create body the harness knows how to change");
    };
    let mut f = Findings::default();
    let p = w::patch(ctx, &fx.path, change.clone(), Some(&e1)).await;
    f.check(
        p.status() == Some(200),
        || {
            format!(
                "PATCH {} with the current ETag {e1} in If-Match: expected 200, got {}",
                fx.path,
                seen(&p)
            )
        },
        &[&p],
    );
    let g2 = w::get(ctx, &fx.path).await;
    let applied = change
        .as_object()
        .is_some_and(|c| c.iter().all(|(k, v)| w::data_of(&g2).get(k) == Some(v)));
    f.check(
        applied,
        || {
            format!(
                "GET {} after the PATCH: expected {change} applied, got {}",
                fx.path,
                seen(&g2)
            )
        },
        &[&g2, &p],
    );
    let Some(e2) = etag(&g2) else {
        f.fail(
            format!("GET {} → {}: no ETag", fx.path, g2.status().unwrap_or(0)),
            &[&g2],
        );
        return f.outcome("");
    };
    let mut body = wr.replace_body(&w::data_of(&g2));
    let change2 = wr.change(ctx, &w::data_of(&g2)).unwrap_or_default();
    if let Value::Object(c) = &change2 {
        body.extend(c.clone());
    }
    let u = w::put(ctx, &fx.path, Value::Object(body), Some(&e2)).await;
    f.check(
        u.status() == Some(200),
        || {
            format!(
                "PUT {} with the current ETag {e2} in If-Match: expected 200, got {}",
                fx.path,
                seen(&u)
            )
        },
        &[&u],
    );
    let g3 = w::get(ctx, &fx.path).await;
    let applied = change2
        .as_object()
        .is_some_and(|c| c.iter().all(|(k, v)| w::data_of(&g3).get(k) == Some(v)));
    f.check(
        applied,
        || {
            format!(
                "GET {} after the PUT: expected {change2} applied, got {}",
                fx.path,
                seen(&g3)
            )
        },
        &[&g3, &u],
    );
    f.outcome("")
}

async fn patch_without(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, _) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(change) = wr.change(ctx, &w::data_of(&g1)) else {
        return Outcome::skipped("no field of the create body the harness knows how to change");
    };
    let p = w::patch(ctx, &fx.path, change, None).await;
    let mut f = Findings::default();
    f.check(
        p.status() == Some(200),
        || format!("PATCH {} without If-Match: expected 200 (If-Match is recommended, not required, on PATCH), got {}", fx.path, seen(&p)),
        &[&p],
    );
    f.note("C41: the server must not require If-Match on PATCH");
    f.outcome("")
}

async fn not_modified(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let conditional = |tag: &str| {
        Req::get(fx.path.clone())
            .token("full")
            .header("if-none-match", tag)
            .no_retry()
    };
    let mut f = Findings::default();
    let c1 = ctx.send(conditional(&e1)).await;
    let empty = c1.response.as_ref().is_some_and(|r| r.body.is_empty());
    f.check(
        c1.status() == Some(304) && empty,
        || format!("GET {} with If-None-Match: {e1} (the current ETag): expected 304 with an empty body, got {}", fx.path, seen(&c1)),
        &[&c1],
    );
    let Some(change) = wr.change(ctx, &w::data_of(&g1)) else {
        return f.outcome("");
    };
    let p = w::patch(ctx, &fx.path, change, Some(&e1)).await;
    let c2 = ctx.send(conditional(&e1)).await;
    f.check(
        c2.status() == Some(200) && w::data_of(&c2).get("id").is_some(),
        || format!("GET {} with If-None-Match: {e1} after an update ({}): expected 200 with the full body, got {}", fx.path, p.status().unwrap_or(0), seen(&c2)),
        &[&c2, &p],
    );
    f.outcome("")
}

async fn no_op(ctx: &Ctx) -> Outcome {
    let (wr, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let current = w::data_of(&g1);
    let Some(field) = wr.label().or_else(|| {
        wr.create
            .iter()
            .find(|p| !p.read_only() && !p.is_jsonb() && current.get(&p.name).is_some())
    }) else {
        return Outcome::skipped("no writable field to set to its current value");
    };
    let same = serde_json::json!({ field.name.clone(): current.get(&field.name).cloned().unwrap_or(Value::Null) });
    let p = w::patch(ctx, &fx.path, same.clone(), Some(&e1)).await;
    let mut f = Findings::default();
    let e2 = etag(&p);
    f.check(
        p.status() == Some(200) && e2.as_deref().is_some_and(|t| t != e1),
        || format!("PATCH {} with {same} (the current value, a no-op): expected 200 with an ETag other than {e1}, got {} with ETag {}", fx.path, seen(&p), e2.clone().unwrap_or_else(|| "none".into())),
        &[&p, &g1],
    );
    let g2 = w::get(ctx, &fx.path).await;
    f.check(
        etag(&g2).is_some_and(|t| t != e1),
        || {
            format!(
                "GET {} after a no-op PATCH: expected an ETag other than {e1}, got {}",
                fx.path,
                etag(&g2).unwrap_or_else(|| "none".into())
            )
        },
        &[&g2, &p],
    );
    f.outcome("")
}

/// `"…"` or `W/"…"` with etagc characters (RFC 9110 §8.8.3).
fn entity_tag(v: &str) -> bool {
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.len() >= 2
        && v.starts_with('"')
        && v.ends_with('"')
        && v[1..v.len() - 1]
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
}

async fn opaque(ctx: &Ctx) -> Outcome {
    let (_, fx, g1, e1) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let g2 = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        entity_tag(&e1),
        || format!("GET {} → ETag {e1}: expected an RFC 9110 entity-tag (a double-quoted opaque string, optionally W/-prefixed)", fx.path),
        &[&g1],
    );
    f.check(
        etag(&g2).as_deref() == Some(e1.as_str()),
        || {
            format!(
                "GET {} twice with no write between: expected the same ETag, got {e1} then {}",
                fx.path,
                etag(&g2).unwrap_or_else(|| "none".into())
            )
        },
        &[&g1, &g2],
    );
    f.outcome("")
}

#[cfg(test)]
mod tests {
    use super::entity_tag;

    #[test]
    fn entity_tags() {
        for ok in ["\"abc\"", "W/\"abc\"", "\"\"", "\"a-1:2\""] {
            assert!(entity_tag(ok), "{ok}");
        }
        for bad in ["abc", "\"abc", "W/abc", "\"a\"b\"", "'abc'"] {
            assert!(!entity_tag(bad), "{bad}");
        }
    }
}
