//! Family `conventions`: JSON everywhere, lowercase UUID v4 ids, UTC timestamps with `Z`
//! (C15: `rate_limit.reset_at` is epoch seconds), UTC-only timestamp filters (C29), timestamps
//! on every resource (C16: jobs and events exempt), nulls instead of omitted attributes (C06:
//! only without `?fields`), `[]` instead of null, and strict `true`/`false` boolean parameters.

use std::sync::Arc;

use futures_util::FutureExt;
use serde_json::Value;

use super::observe::{
    self, fixture_failed, has_type, in_api, judge_all, line, meta_path, operation, request_line,
    resource_endpoint, seen,
};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, fixtures};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::observer("conventions.json-content-type", json_type),
    Rule::observer("conventions.ids-lowercase-uuid-v4-strings", ids),
    Rule::observer("conventions.timestamps-utc-iso8601", timestamps),
    Rule::probe("conventions.timestamp-filters-utc-only", &[], |c| {
        timestamp_filters(c).boxed()
    }),
    Rule::observer_all(
        "conventions.resources-have-inserted-at-updated-at",
        resource_timestamps,
    ),
    Rule::observer_all("conventions.absent-optional-fields-are-null", nulls),
    Rule::observer_all("conventions.empty-arrays-not-null", empty_arrays),
    Rule::probe("conventions.boolean-params-true-false-only", &[], |c| {
        booleans(c).boxed()
    }),
];

/// A 2xx JSON-bodied response of the API (not the document or the agents text), not an error.
fn api_success(model: &ApiModel, ex: &Exchange) -> bool {
    ex.status().is_some_and(|s| (200..300).contains(&s))
        && in_api(model, ex)
        && !meta_path(model, ex)
        && ex.response.as_ref().is_some_and(|r| !r.body.is_empty())
}

fn json_type(model: &ApiModel, ex: &Exchange) -> Verdict {
    if !api_success(model, ex) {
        return None;
    }
    // Operations documenting other media types (downloads) are not JSON endpoints.
    if let Some(spec) = operation(model, ex).and_then(|op| op.response_for(ex.status()?)) {
        if spec.content.keys().any(|m| !m.contains("json")) {
            return None;
        }
    }
    let media = ex.response.as_ref().and_then(|r| r.media_type());
    Some(if media.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(format!(
            "{}: expected Content-Type application/json, got {}",
            line(ex),
            media.unwrap_or_else(|| "no Content-Type".into())
        ))
    })
}

/// Walks a JSON value; `f(path, key, value)` is called for every member.
fn walk(v: &Value, path: &str, f: &mut dyn FnMut(&str, &str, &Value)) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{path}.{k}");
                f(&p, k, child);
                walk(child, &p, f);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk(child, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}

fn ids(model: &ApiModel, ex: &Exchange) -> Verdict {
    if !api_success(model, ex) {
        return None;
    }
    let body = ex.json()?;
    let mut bad = Vec::new();
    let mut seen_any = false;
    walk(body, "$", &mut |p, k, v| {
        if k != "id" && !k.ends_with("_id") {
            return;
        }
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {}
            Value::String(s) => {
                seen_any = true;
                if !observe::uuid_v4(s) {
                    bad.push(format!("{p} = \"{s}\""));
                }
            }
            other => {
                seen_any = true;
                bad.push(format!("{p} = {other} (not a string)"));
            }
        }
    });
    if !seen_any {
        return None;
    }
    Some(if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: expected ids to be lowercase UUID v4 strings, got {}",
            line(ex),
            bad.into_iter().take(3).collect::<Vec<_>>().join(", ")
        ))
    })
}

fn timestamps(model: &ApiModel, ex: &Exchange) -> Verdict {
    if !api_success(model, ex) {
        return None;
    }
    let body = ex.json()?;
    let mut bad = Vec::new();
    let mut seen_any = false;
    walk(body, "$", &mut |p, k, v| {
        if !k.ends_with("_at") {
            return;
        }
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {}
            // C15: rate_limit.reset_at is epoch seconds.
            Value::Number(_) if p.ends_with(".rate_limit.reset_at") => {}
            Value::String(s) => {
                seen_any = true;
                if !observe::utc_z(s) {
                    bad.push(format!("{p} = \"{s}\""));
                }
            }
            other => {
                seen_any = true;
                bad.push(format!("{p} = {other} (not an ISO 8601 string)"));
            }
        }
    });
    if !seen_any {
        return None;
    }
    Some(if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: expected RFC 3339 UTC timestamps ending in Z (e.g. 2026-03-15T10:00:00Z), got {}",
            line(ex),
            bad.into_iter().take(3).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// Responses whose `data` holds resources: 2xx JSON of resource endpoints.
fn resource_response(model: &ApiModel, ex: &Exchange) -> bool {
    api_success(model, ex)
        && ex.status() != Some(204)
        && operation(model, ex).is_some_and(|op| resource_endpoint(model, op))
}

fn sparse(ex: &Exchange) -> bool {
    observe::query_pairs(ex)
        .iter()
        .any(|(k, _)| k == "fields" || k.starts_with("fields["))
}

/// The single-resource schemas of the model's resources (jobs and events exempt, C16).
fn resource_schemas(model: &ApiModel) -> Vec<(String, observe::Schema)> {
    model
        .resources
        .iter()
        .filter(|r| !matches!(r.name.as_str(), "jobs" | "events"))
        .filter_map(|r| {
            let path = r.item_path.as_ref()?;
            let op = model
                .operations
                .iter()
                .find(|o| o.method == "GET" && &o.full_path == path)?;
            let body = observe::response_schema(model, op, 200, "application/json")?;
            let data = observe::property(model, &body, "data")?;
            Some((format!("GET {}", op.full_path), data))
        })
        .collect()
}

fn resource_timestamps(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    for (op, schema) in resource_schemas(model) {
        let props: Vec<String> = observe::properties(model, &schema)
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let missing: Vec<&str> = ["inserted_at", "updated_at"]
            .into_iter()
            .filter(|k| !props.iter().any(|p| p == k))
            .collect();
        f.check(
            missing.is_empty(),
            || {
                format!(
                    "the 200 schema of {op} does not declare {}",
                    missing.join(" and ")
                )
            },
            &[],
        );
    }
    let dynamic = judge_all(exchanges, |ex| {
        if !resource_response(model, ex) || sparse(ex) {
            return None;
        }
        let objects = observe::resource_objects(ex.json()?);
        if objects.is_empty() {
            return None;
        }
        let mut bad = Vec::new();
        for o in objects {
            for k in ["inserted_at", "updated_at"] {
                let ok = o
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
                if !ok {
                    let id = o.get("id").and_then(Value::as_str).unwrap_or("?");
                    bad.push(format!(
                        "{k} of {id} is {}",
                        o.get(k)
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "missing".into())
                    ));
                }
            }
        }
        Some(if bad.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: every resource must carry inserted_at and updated_at timestamps, but {}",
                line(ex),
                bad.into_iter().take(3).collect::<Vec<_>>().join("; ")
            ))
        })
    });
    f.items.extend(dynamic.items);
    f.checked += dynamic.checked;
    f.note("C16: jobs and webhook events are exempt");
    f.outcome("no resource schema and no resource response to judge")
}

/// Attributes a representation must always carry (null when empty): the schema's
/// `x-present-without-fields` list if it has one, else every property but `relationships`,
/// minus the required ones (their absence is a schema matter, not an omitted optional).
fn optional_attributes(model: &ApiModel, schema: &observe::Schema) -> Vec<String> {
    let (props, required) = observe::properties(model, schema);
    let declared: Vec<String> = match schema.1.get("x-present-without-fields") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => props
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k != "relationships")
            .collect(),
    };
    declared
        .into_iter()
        .filter(|k| !required.contains(k))
        .collect()
}

fn data_objects(body: &Value) -> Vec<&serde_json::Map<String, Value>> {
    match body.get("data") {
        Some(Value::Object(m)) => vec![m],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => vec![],
    }
}

fn nulls(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = judge_all(exchanges, |ex| {
        if !resource_response(model, ex) || sparse(ex) {
            return None;
        }
        let (schema, _) = observe::data_schema(model, ex)?;
        let expected = optional_attributes(model, &schema);
        let objects = data_objects(ex.json()?);
        if expected.is_empty() || objects.is_empty() {
            return None;
        }
        let mut missing = Vec::new();
        for o in objects {
            for k in &expected {
                if !o.contains_key(k) && !missing.contains(k) {
                    missing.push(k.clone());
                }
            }
        }
        Some(if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: optional attributes must be present (null when empty), but {} omitted",
                line(ex),
                missing.join(", ")
            ))
        })
    });
    f.note("C06: judged only on responses without ?fields; relationships and included are envelope keys");
    f.outcome("no resource response without ?fields was observed during the run")
}

fn is_array_schema(s: &observe::Schema) -> bool {
    observe::schema_types(&s.1).iter().any(|t| t == "array")
}

fn empty_arrays(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut f = Findings::default();
    for (op, schema) in resource_schemas(model) {
        for (k, s) in observe::properties(model, &schema).0 {
            if is_array_schema(&s) {
                f.check(
                    !observe::nullable(&s.1),
                    || format!("the 200 schema of {op} lets the array {k} be null"),
                    &[],
                );
            }
        }
    }
    let dynamic = judge_all(exchanges, |ex| {
        if !resource_response(model, ex) {
            return None;
        }
        let body = ex.json()?;
        let mut bad = Vec::new();
        for k in ["data", "included"] {
            if body.get(k) == Some(&Value::Null)
                && (k == "included" || body.get("pagination").is_some())
            {
                bad.push(format!("{k} is null"));
            }
        }
        if let Some((schema, _)) = observe::data_schema(model, ex) {
            let arrays: Vec<String> = observe::properties(model, &schema)
                .0
                .into_iter()
                .filter(|(_, s)| is_array_schema(s) && !observe::nullable(&s.1))
                .map(|(k, _)| k)
                .collect();
            for o in data_objects(body) {
                for k in &arrays {
                    if o.get(k) == Some(&Value::Null) {
                        let id = o.get("id").and_then(Value::as_str).unwrap_or("?");
                        bad.push(format!("{k} of {id} is null"));
                    }
                }
            }
        }
        Some(if bad.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: empty arrays must be [], never null, but {}",
                line(ex),
                bad.into_iter().take(3).collect::<Vec<_>>().join("; ")
            ))
        })
    });
    f.items.extend(dynamic.items);
    f.checked += dynamic.checked;
    f.outcome("no resource schema and no resource response to judge")
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn lists_id(ex: &Exchange, id: &str) -> bool {
    crate::run::data(ex)
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|o| {
                o.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(id))
            })
        })
}

async fn timestamp_filters(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let preferred = fixtures::writable_resource(model).map(|r| r.name.clone());
    let candidates = model
        .resources
        .iter()
        .filter(|r| fixtures::create_op(model, r).is_some() && r.collection_path.is_some())
        .filter_map(|r| {
            let field = ["inserted_at", "created_at", "updated_at"]
                .into_iter()
                .find(|f| {
                    r.filterable
                        .get(*f)
                        .is_some_and(|ops| ops.iter().any(|o| o == "gte"))
                })?;
            Some((r.name.clone(), field))
        })
        .min_by_key(|(n, _)| Some(n) != preferred.as_ref());
    let Some((resource, field)) = candidates else {
        return Outcome::skipped(
            "no creatable collection declares a gte filter on inserted_at (x-filterable or a deepObject filter parameter)",
        );
    };
    let c = match fixtures::create(ctx, &resource, serde_json::json!({})).await {
        Ok(c) => c,
        Err(e) => return fixture_failed(ctx, &e),
    };
    let id_filter = model
        .resource(&resource)
        .and_then(|r| r.filterable.get("id"))
        .is_some_and(|ops| ops.iter().any(|o| o == "eq"));
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let utc = hour_ago.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let offset = (hour_ago + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S+02:00")
        .to_string();
    let key = format!("filter[{field}][gte]");
    let send = |value: String| {
        let mut pairs = vec![(key.as_str(), value)];
        if id_filter {
            pairs.push(("filter[id][eq]", c.id.clone()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ctx.send(
            Req::get(format!("{}?{}", c.collection, query(&pairs)))
                .token("full")
                .no_retry(),
        )
    };
    let z = send(utc.clone()).await;
    let mut f = Findings::default();
    f.check(
        z.status() == Some(200) && lists_id(&z, &c.id),
        || {
            format!(
                "{}: a UTC (Z) filter value must be accepted and include the record created just now ({}), got {}",
                request_line(&z),
                c.id,
                seen(&z)
            )
        },
        &[&z, &c.exchange],
    );
    let o = send(offset.clone()).await;
    match o.status() {
        Some(400) => f.checked += 1,
        Some(s) if (200..300).contains(&s) && lists_id(&o, &c.id) => {
            f.checked += 1;
            f.note(format!(
                "C29: {} accepted a +02:00 offset and converted it correctly (warning: the guide wants 400)",
                request_line(&o)
            ));
        }
        _ => f.fail(
            format!(
                "{}: a timestamp filter with a +02:00 offset must be rejected with 400 (C29){}; got {}",
                request_line(&o),
                if o.status().is_some_and(|s| (200..300).contains(&s)) {
                    " — it was accepted but the offset was ignored (the record created an hour after that instant is missing)"
                } else {
                    ""
                },
                seen(&o)
            ),
            &[&o, &z],
        ),
    }
    f.outcome("")
}

async fn booleans(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let found = model
        .list_operations()
        .filter(|o| !o.public && o.path_params() == 0)
        .find_map(|o| {
            o.parameters
                .iter()
                .find(|p| {
                    p.location == "query"
                        && p.schema.as_ref().is_some_and(|s| {
                            observe::schema_types(s).iter().any(|t| t == "boolean")
                        })
                })
                .map(|p| (o.full_path.clone(), p.name.clone()))
        });
    let Some((path, param)) = found else {
        return Outcome::skipped(
            "no authenticated collection GET documents a boolean query parameter (e.g. with_count)",
        );
    };
    let mut f = Findings::default();
    for v in ["true", "false"] {
        let ex = ctx
            .send(
                Req::get(format!("{path}?{}", query(&[(&param, v)])))
                    .token("full")
                    .no_retry(),
            )
            .await;
        f.check(
            ex.status() == Some(200),
            || {
                format!(
                    "{}: {param}={v} must be accepted (200), got {}",
                    request_line(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    for v in ["1", "0", "yes", "no"] {
        let ex = ctx
            .send(
                Req::get(format!("{path}?{}", query(&[(&param, v)])))
                    .token("full")
                    .no_retry(),
            )
            .await;
        f.check(
            ex.status() == Some(400) && has_type(&ex, "bad-request"),
            || {
                format!(
                    "{}: {param}={v} must be rejected with 400 bad-request (only true/false are booleans), got {}",
                    request_line(&ex),
                    seen(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}
