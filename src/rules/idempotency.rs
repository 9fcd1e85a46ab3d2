//! Family `idempotency`: `Idempotency-Key` on POST creates. A replay returns the stored
//! status, headers and body with `Idempotency-Replayed: true` and creates nothing; the same key
//! with another body is refused (C01: 422, or 409 conflict); keys are per workspace, expire
//! after 24 h, and are ignored by GET, PUT, PATCH and DELETE.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::{Value, json};

use super::writes::{self as w, Writable, seen};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;

pub const RULES: &[Rule] = &[
    Rule::probe("idempotency.replay-returns-stored-response", &[], |c| {
        replay(c).boxed()
    }),
    Rule::probe("idempotency.replayed-header", &[], |c| {
        replayed_header(c).boxed()
    }),
    Rule::probe("idempotency.stored-headers-replayed", &[], |c| {
        stored_headers(c).boxed()
    }),
    Rule::probe("idempotency.key-reuse-different-body-rejected", &[], |c| {
        reuse(c).boxed()
    }),
    Rule::probe(
        "idempotency.keys-scoped-per-workspace",
        &["second_workspace"],
        |c| per_workspace(c).boxed(),
    ),
    Rule::probe("idempotency.optional-but-recommended-on-post", &[], |c| {
        optional(c).boxed()
    }),
    Rule::probe("idempotency.keys-expire-after-24h", &["24h-wait"], |c| {
        expiry(c).boxed()
    }),
    Rule::probe("idempotency.ignored-on-get-put-patch-delete", &[], |c| {
        ignored(c).boxed()
    }),
];

/// A keyed create sent twice with the same body.
struct Pair<'a> {
    wr: Writable<'a>,
    label: String,
    first: Arc<Exchange>,
    second: Arc<Exchange>,
}

async fn send_twice(ctx: &Ctx) -> Result<Pair<'_>, Outcome> {
    let wr = w::writable(ctx.model())?;
    let field = wr.label().map(|p| p.name.clone()).unwrap_or_default();
    let label = ctx.unique_name(&field);
    let body = w::new_body(ctx, &wr, &label).await?;
    let key = ctx.client().uuid();
    let first = w::post_keyed(ctx, &wr.collection, &body, &key, "full").await;
    let second = w::post_keyed(ctx, &wr.collection, &body, &key, "full").await;
    w::remember(ctx, &wr, &first);
    w::remember(ctx, &wr, &second);
    if !first.status().is_some_and(|s| (200..300).contains(&s)) {
        return Err(Outcome::error(format!(
            "POST {} with an Idempotency-Key and a valid body: expected 201, got {}",
            wr.collection,
            seen(&first)
        )));
    }
    Ok(Pair {
        wr,
        label,
        first,
        second,
    })
}

async fn replay(ctx: &Ctx) -> Outcome {
    let p = match send_twice(ctx).await {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let (a, b) = (&p.first, &p.second);
    f.check(
        a.status() == b.status() && a.json().is_some() && a.json() == b.json(),
        || {
            format!(
                "POST {} twice with the same Idempotency-Key and body: expected the stored response again (same status, identical body, same id), got {} then {}",
                p.wr.collection,
                seen(a),
                seen(b)
            )
        },
        &[b, a],
    );
    if let Some(field) = p.wr.label().map(|l| l.name.clone()) {
        match w::count_equal(ctx, &p.wr, &field, &p.label).await {
            Some((n, list)) => f.check(
                n == 1,
                || format!("GET {} filtered on {field} = '{}': expected exactly 1 record after a create and its replay, got {n}", p.wr.collection, p.label),
                &[a, b, &list],
            ),
            None => f.note(format!(
                "could not count records by {field} (neither an eq filter nor search is documented); judged on the response only"
            )),
        }
        if let Some(note) = concurrent(ctx, &p.wr, &field).await {
            f.note(note);
        }
    }
    f.outcome("")
}

/// C40 says not to test concurrent duplicates; they are probed here and reported only as a
/// warning when more than one record results.
async fn concurrent(ctx: &Ctx, wr: &Writable<'_>, field: &str) -> Option<String> {
    let label = ctx.unique_name(field);
    let body = w::new_body(ctx, wr, &label).await.ok()?;
    let key = ctx.client().uuid();
    let sends = (0..3).map(|_| w::post_keyed(ctx, &wr.collection, &body, &key, "full"));
    let results = futures_util::future::join_all(sends).await;
    for r in &results {
        w::remember(ctx, wr, r);
    }
    let (n, _) = w::count_equal(ctx, wr, field, &label).await?;
    (n > 1).then(|| {
        format!(
            "C40 (warning): 3 concurrent POSTs with one Idempotency-Key created {n} records (seq {})",
            results
                .iter()
                .map(|r| r.seq.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

async fn replayed_header(ctx: &Ctx) -> Outcome {
    let p = match send_twice(ctx).await {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    f.check(
        !w::replayed(&p.first),
        || {
            format!(
                "POST {} with a new Idempotency-Key: the first response must not say Idempotency-Replayed: true",
                p.wr.collection
            )
        },
        &[&p.first],
    );
    f.check(
        w::replayed(&p.second),
        || {
            format!(
                "POST {} replayed with the same Idempotency-Key: expected Idempotency-Replayed: true, got {}",
                p.wr.collection,
                p.second
                    .header("idempotency-replayed")
                    .map(|v| format!("'{v}'"))
                    .unwrap_or_else(|| "no such header".into())
            )
        },
        &[&p.second, &p.first],
    );
    f.outcome("")
}

async fn stored_headers(ctx: &Ctx) -> Outcome {
    let p = match send_twice(ctx).await {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let (a, b) = (&p.first, &p.second);
    f.check(
        a.status() == b.status(),
        || {
            format!(
                "POST {} replayed: expected the stored status {}, got {}",
                p.wr.collection,
                a.status().unwrap_or(0),
                seen(b)
            )
        },
        &[b, a],
    );
    for h in ["etag", "location", "content-type"] {
        let Some(orig) = a.header(h) else { continue };
        f.check(
            b.header(h) == Some(orig),
            || {
                format!(
                    "POST {} replayed: expected the stored {h} header '{orig}', got {}",
                    p.wr.collection,
                    b.header(h)
                        .map(|v| format!("'{v}'"))
                        .unwrap_or_else(|| "none".into())
                )
            },
            &[b, a],
        );
    }
    f.outcome("")
}

async fn reuse(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let field = wr.label().map(|p| p.name.clone()).unwrap_or_default();
    let (la, lb) = (ctx.unique_name(&field), ctx.unique_name(&field));
    let (a, b) = match (
        w::new_body(ctx, &wr, &la).await,
        w::new_body(ctx, &wr, &lb).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(o), _) | (_, Err(o)) => return o,
    };
    let key = ctx.client().uuid();
    let r1 = w::post_keyed(ctx, &wr.collection, &a, &key, "full").await;
    let r2 = w::post_keyed(ctx, &wr.collection, &b, &key, "full").await;
    w::remember(ctx, &wr, &r1);
    w::remember(ctx, &wr, &r2);
    let mut f = Findings::default();
    if !r1.status().is_some_and(|s| (200..300).contains(&s)) {
        return Outcome::error(format!(
            "POST {} with body A: expected 201, got {}",
            wr.collection,
            seen(&r1)
        ));
    }
    let status = r2.status().unwrap_or(0);
    let ok = match status {
        409 => w::problem_is(&r2, 409, "conflict"),
        422 => w::is_problem(&r2),
        _ => false,
    };
    f.check(
        ok && !w::replayed(&r2),
        || format!("POST {} with the Idempotency-Key of an earlier request but another body: expected 422 problem+json (or 409 with type …/problems/conflict) explaining the mismatch, not a replay, got {}{}", wr.collection, seen(&r2), if w::replayed(&r2) { " with Idempotency-Replayed: true" } else { "" }),
        &[&r2, &r1],
    );
    if !field.is_empty() {
        if let Some((n, list)) = w::count_equal(ctx, &wr, &field, &lb).await {
            f.check(
                n == 0,
                || format!("the refused body B ({field} = '{lb}') must not be created, but {n} record(s) have it"),
                &[&r2, &list],
            );
        }
    }
    if ok {
        f.note(format!(
            "C01: the mismatch was refused with {status}{}",
            if status == 422 {
                " (the rule bullet's status)"
            } else {
                " conflict (the problem table's status)"
            }
        ));
    }
    f.outcome("")
}

async fn per_workspace(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let field = wr.label().map(|p| p.name.clone()).unwrap_or_default();
    let label = ctx.unique_name(&field);
    let body = w::create_body(ctx, &wr, Some(&label), json!({}));
    if wr
        .create
        .iter()
        .any(|p| p.required && p.name.ends_with("_id"))
    {
        return Outcome::skipped(format!(
            "creating a {} needs a reference to another record, which would differ between workspaces",
            wr.name()
        ));
    }
    let key = ctx.client().uuid();
    let a = w::post_keyed(ctx, &wr.collection, &body, &key, "full").await;
    let b = w::post_keyed(ctx, &wr.collection, &body, &key, "second_workspace").await;
    w::remember(ctx, &wr, &a);
    // The second workspace's record is removed with its own token.
    if let Some(id) = w::data_of(&b).get("id").and_then(Value::as_str) {
        ctx.send(
            Req::new(reqwest::Method::DELETE, wr.item(id))
                .token("second_workspace")
                .no_retry(),
        )
        .await;
    }
    let mut f = Findings::default();
    if !a.status().is_some_and(|s| (200..300).contains(&s)) {
        return Outcome::error(format!(
            "POST {} in the first workspace: expected 201, got {}",
            wr.collection,
            seen(&a)
        ));
    }
    let id = |e: &Exchange| w::data_of(e).get("id").cloned();
    f.check(
        b.status().is_some_and(|s| (200..300).contains(&s)) && !w::replayed(&b) && id(&b).is_some() && id(&b) != id(&a),
        || format!("POST {} with the same Idempotency-Key and body but another workspace's token: expected a new 201 (another id, no Idempotency-Replayed), got {}{}", wr.collection, seen(&b), if w::replayed(&b) { " with Idempotency-Replayed: true" } else { "" }),
        &[&b, &a],
    );
    f.outcome("")
}

fn is_4xx(ex: &Exchange) -> bool {
    ex.status().is_some_and(|s| (400..500).contains(&s))
}

async fn optional(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let fx = match w::fixture(ctx, &wr, json!({})).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    // The fixture itself was created without a key.
    f.check(
        fx.exchange.status() == Some(201),
        || {
            format!(
                "POST {} without an Idempotency-Key: expected 201 (the key is optional), got {}",
                fx.collection,
                seen(&fx.exchange)
            )
        },
        &[&fx.exchange],
    );
    let restore = format!("{}/restore", fx.path);
    if ctx.model().find_operation("POST", &restore).is_some() {
        w::delete(ctx, &fx.path).await;
        let key = ctx.client().uuid();
        for attempt in ["first", "replayed"] {
            let r = ctx
                .send(
                    Req::new(reqwest::Method::POST, restore.clone())
                        .token("full")
                        .header("idempotency-key", key.clone())
                        .no_retry(),
                )
                .await;
            f.check(
                !is_4xx(&r) && r.status().is_some(),
                || format!("POST {restore} with an Idempotency-Key ({attempt}): a key on other POSTs must be honoured or ignored, never a 4xx; got {}", seen(&r)),
                &[&r],
            );
        }
    } else {
        f.note("no restore action documented: only the keyless create was checked");
    }
    f.note("C40: on POSTs other than creates, a key is only checked not to cause a 4xx");
    f.outcome("")
}

async fn expiry(ctx: &Ctx) -> Outcome {
    let Some(hooks) = ctx.shared.hooks.clone() else {
        return Outcome::skipped(
            "this target offers no way to age its idempotency keys; a key stored 24 h earlier is needed",
        );
    };
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let field = wr.label().map(|p| p.name.clone()).unwrap_or_default();
    let body = match w::new_body(ctx, &wr, &ctx.unique_name(&field)).await {
        Ok(b) => b,
        Err(o) => return o,
    };
    let key = ctx.client().uuid();
    let a = w::post_keyed(ctx, &wr.collection, &body, &key, "full").await;
    w::remember(ctx, &wr, &a);
    let Some(id_a) = w::data_of(&a)
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Outcome::error(format!(
            "POST {}: expected 201 with data.id, got {}",
            wr.collection,
            seen(&a)
        ));
    };
    // Free any unique value, so a fresh execution can succeed.
    w::delete(ctx, &wr.item(&id_a)).await;
    if !hooks.age_idempotency_keys(Duration::from_secs(25 * 3600)) {
        return Outcome::skipped(
            "this target could not age its idempotency keys; a key stored 24 h earlier is needed",
        );
    }
    let b = w::post_keyed(ctx, &wr.collection, &body, &key, "full").await;
    w::remember(ctx, &wr, &b);
    let id_b = w::data_of(&b)
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut f = Findings::default();
    f.check(
        b.status() == a.status() && !w::replayed(&b) && id_b.is_some() && id_b.as_deref() != Some(id_a.as_str()),
        || format!("POST {} with a key stored 25 h earlier: expected a fresh execution (a new record, no Idempotency-Replayed), got {}{}", wr.collection, seen(&b), if w::replayed(&b) { " with Idempotency-Replayed: true" } else { "" }),
        &[&b, &a],
    );
    f.note("the key was aged through the reference server's test hook, not by waiting 24 h");
    f.outcome("")
}

async fn ignored(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let fx = match w::fixture(ctx, &wr, json!({})).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let key = ctx.client().uuid();
    let keyed = |method: reqwest::Method, body: Option<Value>, if_match: Option<String>| {
        let mut r = Req::new(method, fx.path.clone())
            .token("full")
            .header("idempotency-key", key.clone())
            .no_retry();
        if let Some(b) = body {
            r = r.json(b);
        }
        if let Some(t) = if_match {
            r = r.header("if-match", t);
        }
        r
    };
    let mut last: Option<Arc<Exchange>> = None;
    for i in 0..2 {
        let current = match &last {
            Some(ex) => w::data_of(ex),
            None => fx.data.clone(),
        };
        let Some(change) = wr.change(ctx, &current) else {
            return Outcome::skipped("no field of the create body the harness knows how to change");
        };
        let p = ctx
            .send(keyed(reqwest::Method::PATCH, Some(change.clone()), None))
            .await;
        let applied = change
            .as_object()
            .is_some_and(|c| c.iter().all(|(k, v)| w::data_of(&p).get(k) == Some(v)));
        f.check(
            p.status() == Some(200) && applied && !w::replayed(&p),
            || format!("PATCH {} #{} with a reused Idempotency-Key and a new body {change}: expected 200 with the change applied and no Idempotency-Replayed (the header is for POST only), got {}", fx.path, i + 1, seen(&p)),
            &[&p],
        );
        last = Some(p);
    }
    let g = ctx.send(keyed(reqwest::Method::GET, None, None)).await;
    f.check(
        g.status() == Some(200) && !w::replayed(&g),
        || {
            format!(
                "GET {} with an Idempotency-Key: expected 200 without Idempotency-Replayed, got {}",
                fx.path,
                seen(&g)
            )
        },
        &[&g],
    );
    let mut body = wr.replace_body(&w::data_of(&g));
    if let Some(Value::Object(c)) = wr.change(ctx, &w::data_of(&g)) {
        body.extend(c);
    }
    let u = ctx
        .send(keyed(
            reqwest::Method::PUT,
            Some(Value::Object(body)),
            w::etag(&g),
        ))
        .await;
    f.check(
        u.status() == Some(200) && !w::replayed(&u),
        || format!("PUT {} with the same Idempotency-Key: expected 200 without Idempotency-Replayed, got {}", fx.path, seen(&u)),
        &[&u],
    );
    let d = ctx.send(keyed(reqwest::Method::DELETE, None, None)).await;
    f.check(
        d.status().is_some_and(|s| (200..300).contains(&s)) && !w::replayed(&d),
        || format!("DELETE {} with the same Idempotency-Key: expected 2xx without Idempotency-Replayed, got {}", fx.path, seen(&d)),
        &[&d],
    );
    f.outcome("")
}
