//! Family `envelope`: the `{"data": ...}` shapes of single resources, collections, creates,
//! updates and deletes. The GET shapes are judged on every response the run records (C05: 2xx
//! JSON responses of `/api/v1` resource endpoints, the document and agents excluded); the
//! write shapes by a CRUD probe on the writable resource(s).

use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::observe::{
    self, fixture_failed, judge_all, line, meta_path, operation, request_line, seen,
};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::run::fixtures::{self, Created};
use crate::run::{Ctx, data};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::observer("envelope.get-single-200-data-object", single),
    Rule::observer_all(
        "envelope.get-collection-200-data-pagination-links",
        collections,
    ),
    Rule::probe("envelope.post-create-201", &[], |c| create_201(c).boxed()),
    Rule::probe("envelope.put-patch-200", &[], |c| put_patch_200(c).boxed()),
    Rule::probe("envelope.delete-204-empty", &[], |c| delete_204(c).boxed()),
];

fn json_2xx(model: &ApiModel, ex: &Exchange, status: u16) -> bool {
    ex.status() == Some(status)
        && observe::in_api(model, ex)
        && !meta_path(model, ex)
        && ex
            .response
            .as_ref()
            .and_then(|r| r.media_type())
            .is_some_and(|m| m == "application/json")
}

fn single(model: &ApiModel, ex: &Exchange) -> Verdict {
    if ex.request.method != "GET" || !json_2xx(model, ex, 200) {
        return None;
    }
    let op = operation(model, ex)?;
    if !op.path.trim_end_matches('/').ends_with('}') {
        return None;
    }
    let ok = ex
        .json()
        .and_then(|b| b.get("data"))
        .is_some_and(Value::is_object);
    Some(if ok {
        Ok(())
    } else {
        Err(format!(
            "{}: expected {{\"data\": {{...}}}} for a single resource, got {}",
            line(ex),
            seen(ex)
        ))
    })
}

/// GET of a documented collection, or POST to a `…/search` of one.
fn is_collection_read(model: &ApiModel, ex: &Exchange) -> bool {
    let Some(op) = operation(model, ex) else {
        return false;
    };
    if ex.request.method == "GET" {
        model.is_list_operation(op)
    } else {
        ex.request.method == "POST"
            && op.full_path.ends_with("/search")
            && observe::data_schema(model, ex).is_some_and(|(_, array)| array)
    }
}

fn collections(model: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut empty_without_links = Vec::new();
    let mut f = judge_all(exchanges, |ex| {
        if !json_2xx(model, ex, 200) || !is_collection_read(model, ex) {
            return None;
        }
        let body = ex.json();
        let member = |k: &str| body.and_then(|b| b.get(k));
        let data = member("data").and_then(Value::as_array);
        let pagination = member("pagination").is_some_and(Value::is_object);
        let links = member("links").is_some_and(Value::is_object);
        if data.is_some_and(Vec::is_empty) && pagination && member("links").is_none() {
            // C20: an empty page without links is a warning.
            empty_without_links.push(request_line(ex));
            return Some(Ok(()));
        }
        if data.is_some() && pagination && links {
            return Some(Ok(()));
        }
        let mut missing = Vec::new();
        if data.is_none() {
            missing.push("data (array)");
        }
        if !pagination {
            missing.push("pagination (object)");
        }
        if !links {
            missing.push("links (object)");
        }
        Some(Err(format!(
            "{}: expected {{\"data\": [...], \"pagination\": {{...}}, \"links\": {{...}}}}, missing {}; got {}",
            line(ex),
            missing.join(", "),
            seen(ex)
        )))
    });
    if let Some(first) = empty_without_links.first() {
        f.note(format!(
            "C20: {} empty collection page(s) had no links object (warning), e.g. {first}",
            empty_without_links.len()
        ));
    }
    f.outcome("no collection GET (or search) answered 200 during the run")
}

/// Resources with a JSON create and GET/PATCH-or-PUT/DELETE on their items.
fn crud_resources(model: &ApiModel) -> Vec<String> {
    model
        .resources
        .iter()
        .filter(|r| {
            let Some(item) = &r.item_path else {
                return false;
            };
            let has = |m: &str| {
                model
                    .operations
                    .iter()
                    .any(|o| o.method == m && &o.full_path == item)
            };
            fixtures::create_op(model, r).is_some_and(|op| {
                op.request_body
                    .as_ref()
                    .is_some_and(|b| b.contains_key("application/json"))
            }) && has("GET")
                && has("DELETE")
                && (has("PATCH") || has("PUT"))
        })
        .map(|r| r.name.clone())
        .collect()
}

fn writable(ctx: &Ctx) -> Result<String, Outcome> {
    fixtures::writable_resource(ctx.model())
        .map(|r| r.name.clone())
        .ok_or_else(|| {
            Outcome::skipped(
                "the document has no resource with create, read, update and delete operations",
            )
        })
}

async fn create_201(ctx: &Ctx) -> Outcome {
    let names = crud_resources(ctx.model());
    if names.is_empty() {
        return Outcome::skipped(
            "the document has no resource with a JSON create and item read/update/delete",
        );
    }
    let mut f = Findings::default();
    for name in names {
        let c = match fixtures::create(ctx, &name, json!({})).await {
            Ok(c) => c,
            Err(e) => {
                let o = fixture_failed(ctx, &e);
                if o.harness_error {
                    return o;
                }
                f.items.extend(o.findings);
                f.checked += 1;
                continue;
            }
        };
        let ex = &c.exchange;
        let id_ok = data(ex)
            .and_then(|d| d.get("id"))
            .is_some_and(|i| i.as_str().is_some_and(|s| !s.is_empty()));
        f.check(
            ex.status() == Some(201) && id_ok,
            || {
                format!(
                    "{}: expected 201 with {{\"data\": {{\"id\": ..., ...}}}}, got {}",
                    line(ex),
                    seen(ex)
                )
            },
            &[ex],
        );
        // Read it back, single and listed, so the GET shapes are judged on real records.
        ctx.send(Req::get(c.path.clone()).token("full")).await;
        ctx.send(Req::get(c.collection.clone()).token("full")).await;
    }
    f.outcome("")
}

fn etag_of(ex: &Exchange) -> Option<String> {
    ex.header("etag").map(str::to_string)
}

/// The first required string property of the create body (usually `name`), to change.
fn text_field(ctx: &Ctx, resource: &str) -> Option<String> {
    let model = ctx.model();
    let r = model.resource(resource)?;
    let op = fixtures::create_op(model, r)?;
    let schema = observe::request_schema(model, op, "application/json")?;
    let (props, required) = observe::properties(model, &schema);
    required.into_iter().find(|n| {
        props.iter().any(|(k, s)| {
            k == n
                && observe::schema_types(&s.1).iter().any(|t| t == "string")
                && s.1.get("format").is_none()
                && s.1.get("enum").is_none()
                && !n.ends_with("_id")
        })
    })
}

fn has_op(model: &ApiModel, method: &str, path: &str) -> bool {
    model
        .operations
        .iter()
        .any(|o| o.method == method && o.full_path == path)
}

/// Keys of the reference representation missing from an update response's `data`.
fn missing_keys(reference: &Value, ex: &Exchange) -> Vec<String> {
    let got = data(ex).and_then(Value::as_object);
    reference
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| !got.is_some_and(|g| g.contains_key(*k)))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn check_update(f: &mut Findings, ex: &Exchange, reference: &Value, field: &str, value: &str) {
    let d = data(ex);
    let missing = missing_keys(reference, ex);
    let ok = ex.status() == Some(200)
        && d.is_some_and(Value::is_object)
        && d.and_then(|d| d.get(field)).and_then(Value::as_str) == Some(value)
        && missing.is_empty();
    f.check(
        ok,
        || {
            let mut why = format!(
                "{}: expected 200 with the whole updated resource in {{\"data\": {{...}}}} ({field} = \"{value}\")",
                line(ex)
            );
            if !missing.is_empty() && d.is_some() {
                why.push_str(&format!(", but data lacks {}", missing.join(", ")));
            }
            format!("{why}; got {}", seen(ex))
        },
        &[ex],
    );
}

async fn put_patch_200(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let Some(field) = text_field(ctx, &resource) else {
        return Outcome::skipped(format!(
            "the create body of {resource} has no required plain string property to change"
        ));
    };
    let c: Created = match fixtures::create(ctx, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => return fixture_failed(ctx, &e),
    };
    let model = ctx.model();
    let mut f = Findings::default();
    let mut current = c.data.clone();
    let mut etag = etag_of(&c.exchange);
    if has_op(model, "PATCH", &item_template(ctx, &resource)) {
        let value = ctx.unique_name("patched");
        let mut req = Req::new(Method::PATCH, c.path.clone())
            .token("full")
            .json(json!({ field.clone(): value }));
        if let Some(t) = &etag {
            req = req.header("if-match", t.clone());
        }
        let ex = ctx.send(req).await;
        check_update(&mut f, &ex, &c.data, &field, &value);
        if ex.status() == Some(200) {
            etag = etag_of(&ex);
            if let Some(d) = data(&ex).filter(|d| d.is_object()) {
                if missing_keys(&c.data, &ex).is_empty() {
                    current = d.clone();
                }
            }
        }
    }
    if has_op(model, "PUT", &item_template(ctx, &resource)) {
        if etag.is_none() {
            let g = ctx.send(Req::get(c.path.clone()).token("full")).await;
            etag = etag_of(&g);
        }
        let Some(tag) = etag else {
            f.note("PUT not exercised: no ETag on the create, PATCH or GET response to send as If-Match (needs a resource with ETags)");
            return f.outcome("");
        };
        let put_op = model
            .operations
            .iter()
            .find(|o| o.method == "PUT" && o.full_path == item_template(ctx, &resource));
        let keys: Vec<String> = put_op
            .and_then(|op| observe::request_schema(model, op, "application/json"))
            .map(|s| {
                observe::properties(model, &s)
                    .0
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect()
            })
            .unwrap_or_default();
        let mut body = serde_json::Map::new();
        for k in keys {
            if let Some(v) = current.get(&k) {
                body.insert(k, v.clone());
            }
        }
        let value = ctx.unique_name("replaced");
        body.insert(field.clone(), json!(value));
        let ex = ctx
            .send(
                Req::new(Method::PUT, c.path.clone())
                    .token("full")
                    .header("if-match", tag)
                    .json(Value::Object(body)),
            )
            .await;
        check_update(&mut f, &ex, &c.data, &field, &value);
    }
    f.outcome(&format!("{resource} has neither PATCH nor PUT"))
}

fn item_template(ctx: &Ctx, resource: &str) -> String {
    ctx.model()
        .resource(resource)
        .and_then(|r| r.item_path.clone())
        .unwrap_or_default()
}

async fn delete_204(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let c = match fixtures::create(ctx, &resource, json!({})).await {
        Ok(c) => c,
        Err(e) => return fixture_failed(ctx, &e),
    };
    let ex = ctx
        .send(
            Req::new(Method::DELETE, c.path.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let empty = ex.response.as_ref().is_some_and(|r| r.body.is_empty());
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(204) && empty,
        || {
            format!(
                "{}: expected 204 No Content with an empty body, got {}",
                line(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}
