//! Family `jsonb`: JSON columns (the object- and array-typed properties of the writable
//! resource) are replaced whole by PATCH and PUT, never merged (C03): a map sent is the new map,
//! an array sent is the new array, `{}` empties a map, `null` nulls a nullable column, and a
//! column left out of a PATCH is untouched. The harness always reads first and writes with
//! If-Match (C41).

use futures_util::FutureExt;
use serde_json::{Map, Value, json};

use super::writes::{self as w, Prop, Writable, etag, seen};
use super::{Findings, Outcome, Rule};
use crate::run::Ctx;
use crate::run::fixtures::Created;

pub const RULES: &[Rule] = &[
    Rule::probe("jsonb.patch-replaces-whole-value", &[], |c| {
        patch_replaces(c).boxed()
    }),
    Rule::probe("jsonb.put-replaces-jsonb", &[], |c| put_replaces(c).boxed()),
    Rule::probe("jsonb.empty-map-sets-empty", &[], |c| empty_map(c).boxed()),
    Rule::probe("jsonb.null-sets-null", &[], |c| null_sets_null(c).boxed()),
    Rule::probe("jsonb.absent-key-untouched", &[], |c| absent(c).boxed()),
];

/// (initial value, replacement) for a JSON column: maps `{x:1, y:2}` → `{y:3}`, arrays
/// `[a]` → `[b]` with elements of the declared item type.
fn values(ctx: &Ctx, p: &Prop) -> (Value, Value) {
    if p.has_type("object") {
        return (json!({"sg_x": 1, "sg_y": 2}), json!({"sg_y": 3}));
    }
    let items = p
        .schema
        .get("items")
        .map(|i| ctx.model().doc.deref(i).clone())
        .unwrap_or(Value::Null);
    let ty = items
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    let (a, b) = match ty {
        "integer" | "number" => (json!(1), json!(2)),
        "boolean" => (json!(true), json!(false)),
        "object" => (json!({"sg_a": 1}), json!({"sg_b": 2})),
        _ => (json!("sg-a"), json!("sg-b")),
    };
    (json!([a]), json!([b]))
}

/// A record whose JSON columns hold their initial values, its representation and ETag.
async fn setup<'a>(
    ctx: &'a Ctx,
) -> Result<(Writable<'a>, Vec<Prop>, Created, Value, String), Outcome> {
    let wr = w::writable(ctx.model())?;
    let cols: Vec<Prop> = wr.jsonb().into_iter().cloned().collect();
    if cols.is_empty() {
        return Err(Outcome::skipped(format!(
            "the create body of {} has no object- or array-typed (JSON) property",
            wr.name()
        )));
    }
    let init: Map<String, Value> = cols
        .iter()
        .map(|p| (p.name.clone(), values(ctx, p).0))
        .collect();
    let fx = w::fixture(ctx, &wr, Value::Object(init)).await?;
    let g = w::get(ctx, &fx.path).await;
    let tag = etag(&g).ok_or_else(|| {
        Outcome::error(format!(
            "GET {}: expected 200 with an ETag to write with, got {}",
            fx.path,
            seen(&g)
        ))
    })?;
    Ok((wr, cols, fx, w::data_of(&g), tag))
}

/// Checks that every `(field, expected)` reads back exactly.
fn exact(
    f: &mut Findings,
    what: &str,
    g: &crate::client::Exchange,
    expected: &Map<String, Value>,
    ex: &[&crate::client::Exchange],
) {
    let after = w::data_of(g);
    for (k, v) in expected {
        let got = after.get(k).cloned().unwrap_or(Value::Null);
        f.check(
            &got == v,
            || format!("{what}: expected GET to show exactly {k} = {v}, got {got}"),
            ex,
        );
    }
}

async fn patch_replaces(ctx: &Ctx) -> Outcome {
    let (_, cols, fx, _, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let body: Map<String, Value> = cols
        .iter()
        .map(|p| (p.name.clone(), values(ctx, p).1))
        .collect();
    let p = w::patch(ctx, &fx.path, Value::Object(body.clone()), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        p.status() == Some(200),
        || {
            format!(
                "PATCH {} with {}: expected 200, got {}",
                fx.path,
                Value::Object(body.clone()),
                seen(&p)
            )
        },
        &[&p],
    );
    exact(
        &mut f,
        &format!(
            "PATCH {} replacing {:?} (no merge, no append)",
            fx.path,
            body.keys().collect::<Vec<_>>()
        ),
        &g,
        &body,
        &[&p, &g],
    );
    f.note(
        "C03: PATCH merges top-level keys only; a JSON value sent replaces the stored one whole",
    );
    f.outcome("")
}

async fn put_replaces(ctx: &Ctx) -> Outcome {
    let (wr, cols, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut body = wr.replace_body(&repr);
    let mut sent = Map::new();
    for p in &cols {
        let v = values(ctx, p).1;
        body.insert(p.name.clone(), v.clone());
        sent.insert(p.name.clone(), v);
    }
    let u = w::put(ctx, &fx.path, Value::Object(body), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        u.status() == Some(200),
        || {
            format!(
                "PUT {} with If-Match: expected 200, got {}",
                fx.path,
                seen(&u)
            )
        },
        &[&u],
    );
    exact(&mut f, &format!("PUT {}", fx.path), &g, &sent, &[&u, &g]);
    f.outcome("")
}

async fn empty_map(ctx: &Ctx) -> Outcome {
    let (_, cols, fx, _, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let maps: Map<String, Value> = cols
        .iter()
        .filter(|p| p.has_type("object"))
        .map(|p| (p.name.clone(), json!({})))
        .collect();
    if maps.is_empty() {
        return Outcome::skipped("the writable resource has no object-typed (JSON map) property");
    }
    let p = w::patch(ctx, &fx.path, Value::Object(maps.clone()), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        p.status() == Some(200),
        || {
            format!(
                "PATCH {} with {}: expected 200, got {}",
                fx.path,
                Value::Object(maps.clone()),
                seen(&p)
            )
        },
        &[&p],
    );
    exact(
        &mut f,
        &format!(
            "PATCH {} with an empty map (not null, not the old value)",
            fx.path
        ),
        &g,
        &maps,
        &[&p, &g],
    );
    f.outcome("")
}

async fn null_sets_null(ctx: &Ctx) -> Outcome {
    let (_, cols, fx, _, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let nulls: Map<String, Value> = cols
        .iter()
        .filter(|p| p.nullable())
        .map(|p| (p.name.clone(), Value::Null))
        .collect();
    if nulls.is_empty() {
        return Outcome::skipped("no JSON property of the writable resource is nullable");
    }
    let p = w::patch(ctx, &fx.path, Value::Object(nulls.clone()), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let mut f = Findings::default();
    f.check(
        p.status() == Some(200),
        || {
            format!(
                "PATCH {} with {}: expected 200, got {}",
                fx.path,
                Value::Object(nulls.clone()),
                seen(&p)
            )
        },
        &[&p],
    );
    exact(
        &mut f,
        &format!("PATCH {} with null", fx.path),
        &g,
        &nulls,
        &[&p, &g],
    );
    f.outcome("")
}

async fn absent(ctx: &Ctx) -> Outcome {
    let (wr, cols, fx, repr, tag) = match setup(ctx).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(change) = wr.change(ctx, &repr) else {
        return Outcome::skipped(
            "no scalar field of the create body the harness knows how to change",
        );
    };
    let p = w::patch(ctx, &fx.path, change.clone(), Some(&tag)).await;
    let g = w::get(ctx, &fx.path).await;
    let before: Map<String, Value> = cols
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                repr.get(&c.name).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
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
    exact(
        &mut f,
        &format!("PATCH {} sending only {change}", fx.path),
        &g,
        &before,
        &[&p, &g],
    );
    f.outcome("")
}
