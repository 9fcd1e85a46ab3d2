//! Family `enums`: `GET /api/v1/enums` needs a token, is cacheable for 5 s with an ETag, has
//! the documented structure (C50: `scopes` and `error_codes` keys allowed), its values are the
//! only ones writes accept, and they come in the spec's order (C51: a warning only).

use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::observe::{self, error_codes, fixture_failed, line, remember, request_line, seen};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, data, fixtures};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("enums.requires-auth", &[], |c| requires_auth(c).boxed()),
    Rule::probe("enums.cache-control-and-etag", &[], |c| caching(c).boxed()),
    Rule::probe("enums.structure", &[], |c| structure(c).boxed()),
    Rule::probe("enums.values-enforced-on-write", &[], |c| {
        enforced(c).boxed()
    }),
    Rule::probe("enums.canonical-order", &[], |c| order(c).boxed()),
];

fn enums_path(model: &ApiModel) -> Option<String> {
    model
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.full_path.ends_with("/enums"))
        .map(|o| o.full_path.clone())
}

fn no_enums() -> Outcome {
    Outcome::skipped("the document has no GET …/enums endpoint")
}

async fn fetch(ctx: &Ctx) -> Option<Arc<Exchange>> {
    let path = enums_path(ctx.model())?;
    Some(ctx.send(Req::get(path).token("full")).await)
}

/// `data` of a 200 enums response.
fn enums_data(ex: &Exchange) -> Option<&Map<String, Value>> {
    if ex.status() != Some(200) {
        return None;
    }
    data(ex)?.as_object()
}

/// Values of one enum entry: `{values: [...]}` or, leniently, a bare array.
fn values_of(entry: &Value) -> Option<Vec<String>> {
    entry.get("values").unwrap_or(entry).as_array().map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

const EXTRA_KEYS: &[&str] = &["scopes", "error_codes"];

async fn requires_auth(ctx: &Ctx) -> Outcome {
    let Some(path) = enums_path(ctx.model()) else {
        return no_enums();
    };
    let anon = ctx.send(Req::get(path.clone()).no_retry()).await;
    let with = ctx.send(Req::get(path).token("full")).await;
    let mut f = Findings::default();
    f.check(
        anon.status() == Some(401),
        || {
            format!(
                "{} without Authorization: expected 401, got {}",
                request_line(&anon),
                seen(&anon)
            )
        },
        &[&anon],
    );
    f.check(
        with.status() == Some(200) && data(&with).is_some_and(Value::is_object),
        || {
            format!(
                "{} with a valid token: expected 200 with a data object, got {}",
                request_line(&with),
                seen(&with)
            )
        },
        &[&with],
    );
    f.outcome("")
}

async fn caching(ctx: &Ctx) -> Outcome {
    let Some(ex) = fetch(ctx).await else {
        return no_enums();
    };
    let cc = ex.header("cache-control").unwrap_or("");
    let directives: Vec<String> = cc
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase().replace(' ', ""))
        .filter(|d| !d.is_empty())
        .collect();
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200)
            && directives.iter().any(|d| d == "public")
            && directives.iter().any(|d| d == "max-age=5"),
        || {
            format!(
                "{}: expected Cache-Control: public, max-age=5, got {}",
                line(&ex),
                if cc.is_empty() {
                    "no Cache-Control header".to_string()
                } else {
                    format!("\"{cc}\"")
                }
            )
        },
        &[&ex],
    );
    f.check(
        ex.header("etag").is_some_and(|t| !t.trim().is_empty()),
        || format!("{}: expected an ETag header, got none", line(&ex)),
        &[&ex],
    );
    f.outcome("")
}

/// First path segments of the documented API paths, kebab-case mapped to snake_case.
fn documented_segments(model: &ApiModel) -> Vec<String> {
    let mut out: Vec<String> = model
        .operations
        .iter()
        .filter_map(|o| {
            let rest = o.full_path.strip_prefix(&model.base_path)?;
            let seg = rest.trim_start_matches('/').split('/').next()?;
            (!seg.is_empty() && !seg.starts_with('{')).then(|| seg.replace('-', "_"))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn structure(ctx: &Ctx) -> Outcome {
    let Some(ex) = fetch(ctx).await else {
        return no_enums();
    };
    let mut f = Findings::default();
    let Some(d) = enums_data(&ex) else {
        f.fail(
            format!(
                "{}: expected 200 with a data object, got {}",
                line(&ex),
                seen(&ex)
            ),
            &[&ex],
        );
        return f.outcome("");
    };
    let segments = documented_segments(ctx.model());
    let mut problems = Vec::new();
    for (key, v) in d {
        if EXTRA_KEYS.contains(&key.as_str()) {
            // C50: any shape (array, or {values, description}).
            if values_of(v).is_none() {
                problems.push(format!("{key} is neither an array nor {{values: [...]}}"));
            }
            continue;
        }
        if !segments.contains(key) {
            problems.push(format!(
                "top-level key \"{key}\" is not a documented resource (first path segments: {})",
                segments.join(", ")
            ));
        }
        let Some(fields) = v.as_object() else {
            problems.push(format!(
                "{key} must map field names to enum entries, got {v}"
            ));
            continue;
        };
        for (field, entry) in fields {
            let values_ok = entry
                .get("values")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().all(Value::is_string));
            let desc_ok = entry.get("description").is_some_and(Value::is_string);
            if !values_ok || !desc_ok {
                let shown: String = entry.to_string().chars().take(80).collect();
                problems.push(format!(
                    "{key}.{field} must be {{\"values\": [strings], \"description\": string}}, got {shown}"
                ));
            }
        }
    }
    f.checked += d.len();
    if !problems.is_empty() {
        let n = problems.len();
        f.fail(
            format!(
                "{}: {}{}",
                line(&ex),
                problems.into_iter().take(5).collect::<Vec<_>>().join("; "),
                if n > 5 {
                    format!(" (and {} more)", n - 5)
                } else {
                    String::new()
                }
            ),
            &[&ex],
        );
    }
    f.note("C50: scopes and error_codes keys are allowed in any shape; resource keys compared after kebab→snake");
    f.outcome("")
}

/// The first (resource, field, values) the enums list for a field the resource's create body
/// accepts, preferring the writable resource.
fn enum_field(ctx: &Ctx, d: &Map<String, Value>) -> Option<(String, String, Vec<String>)> {
    let model = ctx.model();
    let preferred = fixtures::writable_resource(model).map(|r| r.name.clone());
    let mut resources: Vec<&crate::spec::Resource> = model
        .resources
        .iter()
        .filter(|r| fixtures::create_op(model, r).is_some())
        .collect();
    resources.sort_by_key(|r| Some(&r.name) != preferred.as_ref());
    for r in resources {
        let Some(fields) = d.get(&r.name.replace('-', "_")).and_then(Value::as_object) else {
            continue;
        };
        let schema = fixtures::create_op(model, r)
            .and_then(|op| observe::request_schema(model, op, "application/json"));
        let Some(schema) = schema else { continue };
        let accepted: Vec<String> = observe::properties(model, &schema)
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for (field, entry) in fields {
            if let Some(values) = values_of(entry).filter(|v| !v.is_empty()) {
                if accepted.contains(field) {
                    return Some((r.name.clone(), field.clone(), values));
                }
            }
        }
    }
    None
}

fn expect_inclusion(f: &mut Findings, ex: &Exchange, field: &str, value: &str) {
    let codes: Vec<String> = error_codes(ex)
        .into_iter()
        .filter(|(k, _)| k == field)
        .map(|(_, c)| c)
        .collect();
    f.check(
        ex.status() == Some(422) && codes.iter().any(|c| c == "inclusion"),
        || {
            format!(
                "{}: {field} = \"{value}\" is not in /enums; expected 422 with errors.{field} containing \"inclusion\", got {}",
                request_line(ex),
                seen(ex)
            )
        },
        &[ex],
    );
}

async fn enforced(ctx: &Ctx) -> Outcome {
    let Some(enums) = fetch(ctx).await else {
        return no_enums();
    };
    let Some(d) = enums_data(&enums) else {
        return Outcome::error(format!(
            "could not read the enums: {} → {}",
            request_line(&enums),
            seen(&enums)
        ));
    };
    let Some((resource, field, values)) = enum_field(ctx, d) else {
        return Outcome::skipped(
            "no enum field listed by /enums is accepted by a documented create body",
        );
    };
    let bogus = "zz_specgate_not_listed";
    let mut f = Findings::default();
    let (collection, mut body) = match observe::valid_body(ctx, &resource).await {
        Ok(b) => b,
        Err(o) => return o,
    };
    body[field.as_str()] = json!(bogus);
    let ex = ctx
        .send(
            Req::new(Method::POST, collection.clone())
                .token("full")
                .json(body)
                .no_retry(),
        )
        .await;
    remember(ctx, &collection, &ex);
    expect_inclusion(&mut f, &ex, &field, bogus);
    let c = match fixtures::create(ctx, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => return fixture_failed(ctx, &e),
    };
    let item = ctx
        .model()
        .resource(&resource)
        .and_then(|r| r.item_path.clone())
        .unwrap_or_default();
    let patchable = ctx
        .model()
        .operations
        .iter()
        .any(|o| o.method == "PATCH" && o.full_path == item);
    for v in &values {
        let ex = if patchable {
            ctx.send(
                Req::new(Method::PATCH, c.path.clone())
                    .token("full")
                    .json(json!({ field.clone(): v })),
            )
            .await
        } else {
            let (collection, mut body) = match observe::valid_body(ctx, &resource).await {
                Ok(b) => b,
                Err(o) => return o,
            };
            body[field.as_str()] = json!(v);
            let ex = ctx
                .send(
                    Req::new(Method::POST, collection.clone())
                        .token("full")
                        .json(body),
                )
                .await;
            remember(ctx, &collection, &ex);
            ex
        };
        let stored = data(&ex)
            .and_then(|d| d.get(&field))
            .and_then(Value::as_str);
        f.check(
            ex.status().is_some_and(|s| (200..300).contains(&s)) && stored == Some(v.as_str()),
            || {
                format!(
                    "{}: {field} = \"{v}\" is listed by /enums and must be accepted, got {}",
                    request_line(&ex),
                    seen(&ex)
                )
            },
            &[&ex, &enums],
        );
    }
    if patchable {
        let ex = ctx
            .send(
                Req::new(Method::PATCH, c.path.clone())
                    .token("full")
                    .json(json!({ field.clone(): bogus }))
                    .no_retry(),
            )
            .await;
        expect_inclusion(&mut f, &ex, &field, bogus);
    }
    f.outcome("")
}

/// The spec's enum array for `resource.field` (from the single-resource or create schema).
fn spec_enum(model: &ApiModel, resource: &str, field: &str) -> Option<Vec<String>> {
    let r = model.resource(resource).or_else(|| {
        model
            .resources
            .iter()
            .find(|r| r.name.replace('-', "_") == resource)
    })?;
    let from_item = r.item_path.as_ref().and_then(|p| {
        let op = model
            .operations
            .iter()
            .find(|o| o.method == "GET" && &o.full_path == p)?;
        let body = observe::response_schema(model, op, 200, "application/json")?;
        observe::property(model, &body, "data")
    });
    let from_create = fixtures::create_op(model, r)
        .and_then(|op| observe::request_schema(model, op, "application/json"));
    for schema in [from_item, from_create].into_iter().flatten() {
        if let Some(p) = observe::property(model, &schema, field) {
            let s = p.1.get("items").unwrap_or(&p.1);
            if let Some(e) = s.get("enum").and_then(Value::as_array) {
                return Some(
                    e.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                );
            }
        }
    }
    None
}

async fn order(ctx: &Ctx) -> Outcome {
    let Some(ex) = fetch(ctx).await else {
        return no_enums();
    };
    let Some(d) = enums_data(&ex) else {
        return Outcome::error(format!(
            "could not read the enums: {} → {}",
            request_line(&ex),
            seen(&ex)
        ));
    };
    let mut f = Findings::default();
    // Whatever the canonical order is, it is one order: two reads must list every field's values
    // the same way (values gathered from a hash map come back in a different order each time).
    if let Some(again) = fetch(ctx).await {
        if let Some(d2) = enums_data(&again) {
            for (key, fields) in d.iter().filter(|(k, _)| !EXTRA_KEYS.contains(&k.as_str())) {
                let Some(fields) = fields.as_object() else {
                    continue;
                };
                for (field, entry) in fields {
                    let (Some(first), Some(second)) = (
                        values_of(entry),
                        d2.get(key).and_then(|k| k.get(field)).and_then(values_of),
                    ) else {
                        continue;
                    };
                    let same_set = {
                        let (mut a, mut b) = (first.clone(), second.clone());
                        a.sort();
                        b.sort();
                        a == b
                    };
                    f.check(
                        !same_set || first == second,
                        || {
                            format!(
                                "{key}.{field}: two reads of {} list the same values in different orders ({first:?}, then {second:?}): no fixed order, so not a canonical one",
                                request_line(&ex)
                            )
                        },
                        &[&ex, &again],
                    );
                }
            }
        }
    }
    let mut differing = Vec::new();
    for (key, fields) in d.iter().filter(|(k, _)| !EXTRA_KEYS.contains(&k.as_str())) {
        let Some(fields) = fields.as_object() else {
            continue;
        };
        for (field, entry) in fields {
            let (Some(live), Some(spec)) = (values_of(entry), spec_enum(ctx.model(), key, field))
            else {
                continue;
            };
            f.checked += 1;
            if live != spec {
                differing.push(format!("{key}.{field}: /enums {live:?} vs spec {spec:?}"));
            }
        }
    }
    if !differing.is_empty() {
        f.note(format!(
            "C51 (warning): values differ from the spec's enum order, which is the only canonical order known from outside ({}): {}",
            request_line(&ex),
            differing.join("; ")
        ));
    }
    f.outcome("no /enums field has an enum array in the spec to compare with")
}
