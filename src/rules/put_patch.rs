//! Family `put-patch`: PUT is a full replacement (every required field, omitted optional
//! fields reset to their default or null), PATCH changes only the fields it sends and
//! `"field": null` clears one. Every write carries the current ETag in If-Match (C39: one
//! fault per request).

use futures_util::FutureExt;
use serde_json::{Map, Value, json};

use super::writes::{self as w, Writable, etag, seen};
use super::{Findings, Outcome, Rule};
use crate::run::Ctx;
use crate::run::fixtures::Created;

pub const RULES: &[Rule] = &[
    Rule::probe("put-patch.put-requires-all-required-fields", &[], |c| {
        put_required(c).boxed()
    }),
    Rule::probe("put-patch.put-resets-omitted-fields", &[], |c| {
        put_resets(c).boxed()
    }),
    Rule::probe("put-patch.patch-changes-only-sent-fields", &[], |c| {
        patch_only_sent(c).boxed()
    }),
    Rule::probe("put-patch.patch-explicit-null-clears", &[], |c| {
        patch_null(c).boxed()
    }),
];

/// A value for a resettable property other than its reset value (`default` or null).
fn set_value(ctx: &Ctx, p: &w::Prop) -> Option<Value> {
    if p.plain_string() {
        return Some(json!(ctx.unique_name(&p.name)));
    }
    p.enum_values().into_iter().find(|v| Some(v) != p.default())
}

/// Overrides giving every resettable property a non-reset value.
fn non_defaults(ctx: &Ctx, wr: &Writable<'_>) -> Map<String, Value> {
    wr.resettable()
        .into_iter()
        .filter(|p| wr.create.iter().any(|c| c.name == p.name))
        .filter_map(|p| set_value(ctx, p).map(|v| (p.name.clone(), v)))
        .collect()
}

/// A record of the writable resource with non-default optional values, and its GET.
async fn setup<'a>(ctx: &'a Ctx) -> Result<(Writable<'a>, Created, Value, String), Outcome> {
    let wr = w::writable(ctx.model())?;
    let fx = w::fixture(ctx, &wr, Value::Object(non_defaults(ctx, &wr))).await?;
    let g = w::get(ctx, &fx.path).await;
    let tag = etag(&g).ok_or_else(|| {
        Outcome::error(format!(
            "GET {}: expected 200 with an ETag to write with, got {}",
            fx.path,
            seen(&g)
        ))
    })?;
    Ok((wr, fx, w::data_of(&g), tag))
}

async fn put_required(ctx: &Ctx) -> Outcome {
    let (wr, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let required: Vec<&w::Prop> = wr
        .replace
        .iter()
        .filter(|p| p.required && !p.read_only())
        .collect();
    if required.is_empty() {
        return Outcome::skipped(format!(
            "the PUT body of {} has no required field",
            wr.name()
        ));
    }
    let mut f = Findings::default();
    for p in required {
        let mut body = wr.replace_body(&repr);
        body.remove(&p.name);
        let u = w::put(ctx, &fx.path, Value::Object(body), Some(&tag)).await;
        f.check(
            u.status() == Some(422) && w::is_problem(&u) && w::names_field(&u, &p.name),
            || format!("PUT {} with a valid If-Match but without the required field '{}': expected 422 problem+json naming it, got {}", fx.path, p.name, seen(&u)),
            &[&u],
        );
        let g = w::get(ctx, &fx.path).await;
        f.check(
            w::data_of(&g) == repr,
            || {
                format!(
                    "GET {} after the PUT without '{}': expected no change, got changes in {:?}",
                    fx.path,
                    p.name,
                    w::same_except(&repr, &w::data_of(&g), &[])
                )
            },
            &[&u, &g],
        );
    }
    f.note(
        "C30: a missing required body field may be reported as validation-failed or invalid-params",
    );
    f.outcome("")
}

async fn put_resets(ctx: &Ctx) -> Outcome {
    let (wr, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let props: Vec<&w::Prop> = wr
        .resettable()
        .into_iter()
        .filter(|p| {
            p.default().is_some_and(|d| repr.get(&p.name) != Some(d))
                || (p.default().is_none() && repr.get(&p.name).is_some_and(|v| !v.is_null()))
        })
        .collect();
    if props.is_empty() {
        return Outcome::skipped(format!(
            "{} has no optional field with a known reset value (nullable free text or an enum with a default) that the harness could set",
            wr.name()
        ));
    }
    let mut body = wr.replace_body(&repr);
    for p in &props {
        body.remove(&p.name);
    }
    let u = w::put(ctx, &fx.path, Value::Object(body), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let after = w::data_of(&g);
    let mut f = Findings::default();
    f.check(
        u.status() == Some(200),
        || {
            format!(
                "PUT {} with If-Match and every required field: expected 200, got {}",
                fx.path,
                seen(&u)
            )
        },
        &[&u],
    );
    for p in props {
        let got = after.get(&p.name).cloned().unwrap_or(Value::Null);
        let ok = got.is_null() || Some(&got) == p.default();
        f.check(
            ok,
            || {
                format!(
                    "PUT {} omitting '{}' (was {}): expected it reset to {} or null, got {got}",
                    fx.path,
                    p.name,
                    repr.get(&p.name).cloned().unwrap_or(Value::Null),
                    p.default()
                        .map(|d| format!("its default {d}"))
                        .unwrap_or_else(|| "its default".into())
                )
            },
            &[&u, &g],
        );
    }
    f.outcome("")
}

async fn patch_only_sent(ctx: &Ctx) -> Outcome {
    let (wr, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(change) = wr.change(ctx, &repr) else {
        return Outcome::skipped("no field of the create body the harness knows how to change");
    };
    let p = w::patch(ctx, &fx.path, change.clone(), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let after = w::data_of(&g);
    let sent: Vec<&str> = change
        .as_object()
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut ignore = sent.clone();
    ignore.push("updated_at");
    let changed = w::same_except(&repr, &after, &ignore);
    let mut f = Findings::default();
    f.check(
        p.status() == Some(200),
        || {
            format!(
                "PATCH {} with {change}: expected 200, got {}",
                fx.path,
                seen(&p)
            )
        },
        &[&p],
    );
    f.check(
        changed.is_empty(),
        || format!("PATCH {} sending only {sent:?}: expected every other field unchanged, but {changed:?} changed (before {}, after {})", fx.path, pick(&repr, &changed), pick(&after, &changed)),
        &[&p, &g],
    );
    f.check(
        change
            .as_object()
            .is_some_and(|c| c.iter().all(|(k, v)| after.get(k) == Some(v))),
        || {
            format!(
                "PATCH {} with {change}: expected the sent field applied, got {}",
                fx.path,
                pick(
                    &after,
                    &sent.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                )
            )
        },
        &[&p, &g],
    );
    f.outcome("")
}

fn pick(v: &Value, keys: &[String]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.clone(), v.get(k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

async fn patch_null(ctx: &Ctx) -> Outcome {
    let (wr, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(p) = wr
        .create
        .iter()
        .filter(|p| !p.required && p.nullable() && !p.is_jsonb() && !p.read_only())
        .find(|p| repr.get(&p.name).is_some_and(|v| !v.is_null()))
    else {
        return Outcome::skipped(format!(
            "{} has no optional nullable scalar field the harness could set",
            wr.name()
        ));
    };
    let body = json!({ p.name.clone(): null });
    let r = w::patch(ctx, &fx.path, body.clone(), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        r.status() == Some(200) && w::data_of(&g).get(&p.name) == Some(&Value::Null),
        || format!("PATCH {} with {body} (was {}): expected 200 and the field null, got {} and then {} = {}", fx.path, repr.get(&p.name).cloned().unwrap_or(Value::Null), r.status().map(|s| s.to_string()).unwrap_or_else(|| seen(&r)), p.name, w::data_of(&g).get(&p.name).cloned().unwrap_or(Value::Null)),
        &[&r, &g],
    );
    f.outcome("")
}
