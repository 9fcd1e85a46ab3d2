//! Family `errors`: RFC 9457 problem details. The shape rules (content type, members, type
//! table, titles, details, instance, `errors`) are judged on every 4xx/5xx the run records,
//! router 404/405 included; probes provoke the standard problems (malformed JSON, unknown
//! query parameter, not found, cross-workspace, validation, missing parameters, conflict)
//! and fuzz for leaked internals.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::observe::{
    self, PROBLEM_TABLE, STANDARD_CODES, codes_of, error_codes, fixture_failed, has_type,
    judge_all, judged_error, line, problem, remember, request_line, seen, type_slug, valid_body,
};
use super::{Findings, Outcome, Rule, Verdict};
use crate::client::{Exchange, Req};
use crate::run::{Ctx, fixtures};
use crate::spec::{ApiModel, Operation};

pub const RULES: &[Rule] = &[
    Rule::observer("errors.problem-json-content-type", content_type),
    Rule::observer("errors.required-members-status-matches", members),
    Rule::observer_all("errors.type-stable-uri-from-table", type_table),
    Rule::observer_all("errors.title-constant-per-type", titles),
    Rule::observer("errors.detail-specific-to-occurrence", detail),
    Rule::observer("errors.instance-is-request-path", instance),
    Rule::observer_all("errors.errors-member-only-on-validation", errors_only_422),
    Rule::observer("errors.errors-map-field-to-snake-codes", snake_codes),
    Rule::observer_all("errors.internal-error-500", internal_500),
    Rule::probe("errors.malformed-json-400", &[], |c| malformed(c).boxed()),
    Rule::probe("errors.unrecognized-query-param-400", &[], |c| {
        unknown_param(c).boxed()
    }),
    Rule::probe("errors.not-found-404", &[], |c| not_found(c).boxed()),
    Rule::probe(
        "errors.cross-workspace-404-indistinguishable",
        &["second_workspace"],
        |c| cross_workspace(c).boxed(),
    ),
    Rule::probe("errors.validation-failed-422", &[], |c| {
        validation_failed(c).boxed()
    }),
    Rule::probe("errors.validation-codes-standard", &[], |c| {
        standard_codes(c).boxed()
    }),
    Rule::probe(
        "errors.missing-required-params-422-invalid-params",
        &[],
        |c| missing_params(c).boxed(),
    ),
    Rule::probe("errors.no-internal-leakage", &[], |c| leakage(c).boxed()),
    Rule::probe("errors.conflict-409", &[], |c| conflict(c).boxed()),
    // Last of the family's probes: it judges the codes every earlier probe provoked.
    Rule::probe("errors.error-codes-in-enums", &[], |c| {
        codes_in_enums(c).boxed()
    }),
];

// ---------------------------------------------------------------- observers

fn content_type(_: &ApiModel, ex: &Exchange) -> Verdict {
    if !judged_error(ex) {
        return None;
    }
    let media = ex.response.as_ref().and_then(|r| r.media_type());
    Some(if media.as_deref() == Some("application/problem+json") {
        Ok(())
    } else {
        Err(format!(
            "{}: expected Content-Type application/problem+json, got {}",
            line(ex),
            media.unwrap_or_else(|| "no Content-Type".into())
        ))
    })
}

fn members(_: &ApiModel, ex: &Exchange) -> Verdict {
    if !judged_error(ex) || ex.request.method == "HEAD" {
        return None;
    }
    let status = ex.status()?;
    let Some(p) = problem(ex) else {
        return Some(Err(format!(
            "{}: expected a JSON problem body with type, title, status and detail, got {}",
            line(ex),
            seen(ex)
        )));
    };
    let mut wrong = Vec::new();
    for k in ["type", "title", "detail"] {
        if !p.get(k).is_some_and(Value::is_string) {
            wrong.push(format!("{k} (string) is {}", shown(p.get(k))));
        }
    }
    match p.get("status") {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(status)) => {}
        other => wrong.push(format!("status (integer {status}) is {}", shown(other))),
    }
    Some(if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: problem members wrong: {}",
            line(ex),
            wrong.join("; ")
        ))
    })
}

fn shown(v: Option<&Value>) -> String {
    match v {
        None => "missing".into(),
        Some(v) => v.to_string().chars().take(80).collect(),
    }
}

fn type_table(_: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut outside: BTreeSet<u16> = BTreeSet::new();
    let mut f = judge_all(exchanges, |ex| {
        if !judged_error(ex) {
            return None;
        }
        let status = ex.status()?;
        let t = problem(ex)?.get("type")?.as_str()?;
        let absolute = url::Url::parse(t).is_ok();
        let allowed: Vec<&str> = PROBLEM_TABLE
            .iter()
            .filter(|(s, _, _)| *s == status)
            .map(|(_, slug, _)| *slug)
            .collect();
        if allowed.is_empty() {
            outside.insert(status);
            return Some(if absolute {
                Ok(())
            } else {
                Err(format!(
                    "{}: expected type to be an absolute URI, got \"{t}\"",
                    line(ex)
                ))
            });
        }
        let suffix_ok = allowed.iter().any(|slug| {
            t.trim_end_matches('/')
                .ends_with(&format!("/problems/{slug}"))
        });
        Some(if absolute && suffix_ok {
            Ok(())
        } else {
            Err(format!(
                "{}: expected type to be an absolute URI ending /problems/{}, got \"{t}\"",
                line(ex),
                allowed.join(" or /problems/")
            ))
        })
    });
    if !outside.is_empty() {
        let list: Vec<String> = outside.iter().map(u16::to_string).collect();
        f.note(format!(
            "statuses outside the guide's problem table ({}) were judged on an absolute type URI only",
            list.join(", ")
        ));
    }
    f.outcome("no error response with a problem type was observed during the run")
}

fn titles(_: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut first: BTreeMap<String, (String, Arc<Exchange>)> = BTreeMap::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut f = Findings::default();
    for ex in exchanges.iter().filter(|e| judged_error(e)) {
        let Some(p) = problem(ex) else { continue };
        let (Some(t), Some(title)) = (
            p.get("type").and_then(Value::as_str),
            p.get("title").and_then(Value::as_str),
        ) else {
            continue;
        };
        f.checked += 1;
        if reported.contains(t) {
            continue;
        }
        let slug = type_slug(p).unwrap_or("");
        let table = PROBLEM_TABLE
            .iter()
            .find(|(_, s, _)| *s == slug && t.ends_with(&format!("/problems/{slug}")));
        if let Some((_, _, want)) = table {
            if title != *want {
                reported.insert(t.to_string());
                f.items.push(super::Finding {
                    message: format!(
                        "{}: type {t} must have the title \"{want}\", got \"{title}\"",
                        line(ex)
                    ),
                    exchanges: vec![ex.seq],
                });
                continue;
            }
        }
        match first.get(t) {
            None => {
                first.insert(t.to_string(), (title.to_string(), ex.clone()));
            }
            Some((t0, ex0)) if t0 != title => {
                reported.insert(t.to_string());
                f.items.push(super::Finding {
                    message: format!(
                        "type {t} has different titles: \"{t0}\" ({}) and \"{title}\" ({})",
                        line(ex0),
                        line(ex)
                    ),
                    exchanges: vec![ex0.seq, ex.seq],
                });
            }
            Some(_) => {}
        }
    }
    f.outcome("no problem with a type and a title was observed during the run")
}

/// Names a 400 may use for an offending query parameter: the key, its base and bracketed
/// parts (`filter[status][eq]` → filter, status, eq) and the value.
fn param_names(pairs: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        out.push(k.clone());
        out.extend(
            k.split(['[', ']'])
                .filter(|s| s.len() > 1)
                .map(str::to_string),
        );
        if v.len() > 1 {
            out.push(v.clone());
        }
    }
    out
}

/// Text of a problem where an offending name may appear (C27): detail and extension members.
fn problem_text(p: &Map<String, Value>) -> String {
    p.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "title" | "instance" | "status"))
        .map(|(_, v)| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn detail(_: &ApiModel, ex: &Exchange) -> Verdict {
    if !judged_error(ex) {
        return None;
    }
    let p = problem(ex)?;
    let d = p.get("detail").and_then(Value::as_str).unwrap_or("");
    if d.trim().is_empty() {
        return Some(Err(format!(
            "{}: expected a non-empty detail explaining this occurrence, got {}",
            line(ex),
            shown(p.get("detail"))
        )));
    }
    let pairs = observe::query_pairs(ex);
    let bodyless = matches!(ex.request.method.as_str(), "GET" | "HEAD" | "DELETE");
    if ex.status() == Some(400) && bodyless && !pairs.is_empty() {
        let text = problem_text(p);
        let names = param_names(&pairs);
        if !names.iter().any(|n| text.contains(n.as_str())) {
            let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            return Some(Err(format!(
                "{}: a 400 for a query must name the offending parameter ({}) in detail or an extension member (C27), got detail \"{d}\"",
                line(ex),
                keys.join(", ")
            )));
        }
    }
    Some(Ok(()))
}

fn instance(_: &ApiModel, ex: &Exchange) -> Verdict {
    if !judged_error(ex) {
        return None;
    }
    let i = problem(ex)?.get("instance")?;
    let path = ex.path();
    let ok = i.as_str().is_some_and(|s| {
        let s = s.split('?').next().unwrap_or(s);
        s == path || s.ends_with(&path)
    });
    Some(if ok {
        Ok(())
    } else {
        Err(format!(
            "{}: expected instance to be the request path {path} (or a URI ending with it), got {i}",
            line(ex)
        ))
    })
}

fn errors_only_422(_: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let mut on_400 = Vec::new();
    let mut f = judge_all(exchanges, |ex| {
        if !judged_error(ex) {
            return None;
        }
        let p = problem(ex)?;
        let status = ex.status()?;
        if !p.contains_key("errors") || status == 422 {
            return Some(Ok(()));
        }
        if status == 400 {
            on_400.push(line(ex));
            return Some(Ok(()));
        }
        Some(Err(format!(
            "{}: an errors member belongs only to 422 validation problems, got one on a {status}: {}",
            line(ex),
            seen(ex)
        )))
    });
    if let Some(first) = on_400.first() {
        f.note(format!(
            "C27: {} 400 problem(s) carried an errors member (warning), e.g. {first}",
            on_400.len()
        ));
    }
    f.outcome("no problem body was observed during the run")
}

fn snake_code(c: &str) -> bool {
    let mut chars = c.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn snake_codes(_: &ApiModel, ex: &Exchange) -> Verdict {
    if !judged_error(ex) {
        return None;
    }
    let errors = problem(ex)?.get("errors")?;
    let Some(map) = errors.as_object() else {
        return Some(Err(format!(
            "{}: expected errors to map field names to arrays of codes, got {}",
            line(ex),
            shown(Some(errors))
        )));
    };
    let bad: Vec<String> = map
        .iter()
        .filter(|(_, v)| {
            !v.as_array().is_some_and(|a| {
                !a.is_empty() && a.iter().all(|c| c.as_str().is_some_and(snake_code))
            })
        })
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    Some(if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: expected each errors value to be a non-empty array of snake_case codes, got {}",
            line(ex),
            bad.join(", ")
        ))
    })
}

fn internal_500(_: &ApiModel, exchanges: &[Arc<Exchange>]) -> Outcome {
    let f = judge_all(exchanges, |ex| {
        if ex.status() != Some(500) {
            return None;
        }
        let body = ex.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
        let mut wrong = Vec::new();
        if !observe::is_problem_media(ex) {
            wrong.push("Content-Type application/problem+json".to_string());
        }
        if !has_type(ex, "internal-error") {
            wrong.push("a type ending /problems/internal-error".to_string());
        }
        if let Some(l) = observe::leak(body) {
            wrong.push(format!("no internal details, but it shows {l}"));
        }
        Some(if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: a 500 must carry {}; got {}",
                line(ex),
                wrong.join(", "),
                seen(ex)
            ))
        })
    });
    f.outcome("no 500 response was observed during the run (opportunistic: nothing the run sent caused one)")
}

// ---------------------------------------------------------------- probes

fn writable(ctx: &Ctx) -> Result<String, Outcome> {
    fixtures::writable_resource(ctx.model())
        .map(|r| r.name.clone())
        .ok_or_else(|| {
            Outcome::skipped(
                "the document has no resource with create, read, update and delete operations",
            )
        })
}

fn collection_of(ctx: &Ctx, resource: &str) -> String {
    ctx.model()
        .resource(resource)
        .and_then(|r| r.collection_path.clone())
        .unwrap_or_default()
}

fn item_of(ctx: &Ctx, resource: &str, id: &str) -> Option<String> {
    ctx.model()
        .resource(resource)
        .and_then(|r| r.item_path.clone())
        .map(|p| {
            let i = p.rfind('{').unwrap_or(p.len());
            format!("{}{id}", &p[..i])
        })
}

fn expect_problem(f: &mut Findings, ex: &Exchange, status: u16, slug: &str) {
    f.check(
        ex.status() == Some(status) && has_type(ex, slug),
        || {
            format!(
                "{}: expected {status} with a type ending /problems/{slug}, got {}",
                request_line(ex),
                seen(ex)
            )
        },
        &[ex],
    );
}

async fn malformed(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let ex = ctx
        .send(
            Req::new(Method::POST, collection_of(ctx, &resource))
                .token("full")
                .raw(b"{\"name\":".to_vec(), "application/json")
                .no_retry(),
        )
        .await;
    remember(ctx, &collection_of(ctx, &resource), &ex);
    let mut f = Findings::default();
    expect_problem(&mut f, &ex, 400, "bad-request");
    f.outcome("")
}

async fn unknown_param(ctx: &Ctx) -> Outcome {
    let Some(list) = observe::plain_list(ctx.model()).map(|o| o.full_path.clone()) else {
        return Outcome::skipped("the document has no authenticated collection GET to probe");
    };
    let ex = ctx
        .send(
            Req::get(format!("{list}?zz_harness_unknown=1"))
                .token("full")
                .no_retry(),
        )
        .await;
    let mut f = Findings::default();
    expect_problem(&mut f, &ex, 400, "bad-request");
    f.note("C23: probed with the bogus name zz_harness_unknown only");
    f.outcome("")
}

async fn not_found(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let resource = fixtures::writable_resource(model)
        .or_else(|| model.resources.iter().find(|r| r.item_path.is_some()))
        .map(|r| r.name.clone());
    let Some(resource) = resource else {
        return Outcome::skipped("the document has no single-resource path to probe");
    };
    let template = model
        .resource(&resource)
        .and_then(|r| r.item_path.clone())
        .unwrap_or_default();
    let Some(path) = item_of(ctx, &resource, &ctx.client().uuid()) else {
        return Outcome::skipped("no item path");
    };
    let mut f = Findings::default();
    for method in ["GET", "PATCH", "DELETE"] {
        if !model
            .operations
            .iter()
            .any(|o| o.method == method && o.full_path == template)
        {
            continue;
        }
        let mut req = Req::new(method.parse().unwrap_or(Method::GET), path.clone())
            .token("full")
            .no_retry();
        if method == "PATCH" {
            req = req.json(json!({}));
        }
        let ex = ctx.send(req).await;
        expect_problem(&mut f, &ex, 404, "not-found");
    }
    f.outcome("")
}

/// A body or header value made comparable: the requested id replaced, `instance` dropped.
fn comparable_body(ex: &Exchange, id: &str) -> Value {
    let text = ex
        .response
        .as_ref()
        .map(|r| r.body.replace(id, "{id}"))
        .unwrap_or_default();
    let mut v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if let Some(m) = v.as_object_mut() {
        m.remove("instance");
    }
    v
}

fn comparable_headers(ex: &Exchange) -> BTreeMap<String, String> {
    const VOLATILE: &[&str] = &[
        "date",
        "x-request-id",
        "content-length",
        "ratelimit",
        "ratelimit-policy",
        "traceresponse",
    ];
    ex.response
        .as_ref()
        .map(|r| {
            r.headers
                .iter()
                .map(|(k, v)| {
                    let k = k.to_ascii_lowercase();
                    let v = if VOLATILE.contains(&k.as_str()) {
                        String::new()
                    } else {
                        v.clone()
                    };
                    (k, v)
                })
                .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id" | "traceresponse"))
                .collect()
        })
        .unwrap_or_default()
}

fn compare_404(f: &mut Findings, other: &Exchange, other_id: &str, random: &Exchange, rid: &str) {
    let mut diffs = Vec::new();
    if other.status() != random.status() {
        diffs.push(format!(
            "status {} vs {}",
            other.status().unwrap_or(0),
            random.status().unwrap_or(0)
        ));
    }
    if comparable_body(other, other_id) != comparable_body(random, rid) {
        diffs.push("the bodies differ (instance and the id itself set aside)".into());
    }
    let (ho, hr) = (comparable_headers(other), comparable_headers(random));
    let differing: Vec<String> = ho
        .keys()
        .chain(hr.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| ho.get(*k) != hr.get(*k))
        .cloned()
        .collect();
    if !differing.is_empty() {
        diffs.push(format!("headers differ: {}", differing.join(", ")));
    }
    f.check(
        diffs.is_empty(),
        || {
            format!(
                "{} (another workspace's record) vs {} (random id): expected the same 404, but {}; got {} vs {}",
                request_line(other),
                request_line(random),
                diffs.join("; "),
                seen(other),
                seen(random)
            )
        },
        &[other, random],
    );
}

async fn cross_workspace(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let Some(r) = fixtures::writable_resource(model) else {
        return Outcome::skipped(
            "the document has no resource with create, read, update and delete operations",
        );
    };
    let resource = r.name.clone();
    let collection = r.collection_path.clone().unwrap_or_default();
    let requires_parent = fixtures::create_op(model, r)
        .and_then(|op| observe::request_schema(model, op, "application/json"))
        .map(|s| observe::properties(model, &s).1)
        .unwrap_or_default()
        .iter()
        .any(|n| n.ends_with("_id"));
    if requires_parent {
        return Outcome::skipped(format!(
            "creating {resource} needs a parent record; the cross-workspace probe needs a resource without required references"
        ));
    }
    let Some(sref) = fixtures::create_op(model, r)
        .and_then(|op| op.request_body.as_ref())
        .and_then(|b| b.get("application/json").cloned().flatten())
    else {
        return Outcome::skipped(format!(
            "POST {collection} documents no application/json body"
        ));
    };
    let unique = |h: &str| ctx.unique_name(h);
    let body = crate::generate::payload::for_body(model, &sref, &unique);
    let created = ctx
        .send(
            Req::new(Method::POST, collection.clone())
                .token("second_workspace")
                .json(body),
        )
        .await;
    let Some(other_id) = crate::run::data(&created)
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Outcome::error(format!(
            "could not create a {resource} in the second workspace: {}",
            seen(&created)
        ));
    };
    let other_path = item_of(ctx, &resource, &other_id).unwrap_or_default();
    let rid = ctx.client().uuid();
    let random_path = item_of(ctx, &resource, &rid).unwrap_or_default();
    let mut f = Findings::default();
    let a = ctx
        .send(Req::get(other_path.clone()).token("full").no_retry())
        .await;
    let b = ctx
        .send(Req::get(random_path.clone()).token("full").no_retry())
        .await;
    compare_404(&mut f, &a, &other_id, &b, &rid);
    let a = ctx
        .send(
            Req::new(Method::DELETE, other_path.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let b = ctx
        .send(
            Req::new(Method::DELETE, random_path)
                .token("full")
                .no_retry(),
        )
        .await;
    compare_404(&mut f, &a, &other_id, &b, &rid);
    let still = ctx
        .send(Req::get(other_path.clone()).token("second_workspace"))
        .await;
    f.check(
        still.status() == Some(200),
        || {
            format!(
                "after {} from the first workspace, the owner's {} should still find the record, got {}",
                request_line(&a),
                request_line(&still),
                seen(&still)
            )
        },
        &[&a, &still],
    );
    // The run's cleanup uses the first workspace's token: remove this record here.
    ctx.send(Req::new(Method::DELETE, other_path).token("second_workspace"))
        .await;
    f.outcome("")
}

/// A value of the wrong type or format for a property schema (None when nothing is wrong
/// enough to be sure a server must refuse it).
fn invalid_value(s: &Value) -> Option<Value> {
    let types = observe::schema_types(s);
    let has = |t: &str| types.iter().any(|x| x == t);
    if s.get("enum").is_some() {
        return Some(json!("zz_specgate_not_listed"));
    }
    if has("integer") || has("number") {
        return Some(json!("not-a-number"));
    }
    if has("boolean") {
        return Some(json!("maybe"));
    }
    match s.get("format").and_then(Value::as_str) {
        Some("uuid") => Some(json!("not-a-uuid")),
        Some("date-time") | Some("date") => Some(json!("not-a-date")),
        Some("email") => Some(json!("not-an-email")),
        _ => None,
    }
}

fn create_schema(ctx: &Ctx, resource: &str) -> Option<observe::Schema> {
    let model = ctx.model();
    let r = model.resource(resource)?;
    observe::request_schema(model, fixtures::create_op(model, r)?, "application/json")
}

fn check_422(f: &mut Findings, ex: &Exchange, fields: &[String]) {
    let errors = problem(ex)
        .and_then(|p| p.get("errors"))
        .and_then(Value::as_object);
    let missing: Vec<&str> = fields
        .iter()
        .filter(|k| !errors.is_some_and(|e| e.contains_key(k.as_str())))
        .map(String::as_str)
        .collect();
    f.check(
        ex.status() == Some(422) && has_type(ex, "validation-failed") && missing.is_empty(),
        || {
            format!(
                "{}: expected 422 with a type ending /problems/validation-failed and errors for {}, got {}",
                request_line(ex),
                fields.join(", "),
                seen(ex)
            )
        },
        &[ex],
    );
}

async fn validation_failed(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let Some(schema) = create_schema(ctx, &resource) else {
        return Outcome::skipped(format!("the create body of {resource} has no JSON schema"));
    };
    let (collection, base) = match valid_body(ctx, &resource).await {
        Ok(b) => b,
        Err(o) => return o,
    };
    let bad: Vec<(String, Value)> = observe::properties(ctx.model(), &schema)
        .0
        .into_iter()
        .filter_map(|(k, s)| invalid_value(&s.1).map(|v| (k, v)))
        .take(3)
        .collect();
    if bad.is_empty() {
        return Outcome::skipped(format!(
            "the create body of {resource} has no typed or formatted property to get wrong"
        ));
    }
    let mut f = Findings::default();
    let mut body = base.clone();
    for (k, v) in &bad {
        body[k.as_str()] = v.clone();
    }
    let ex = ctx
        .send(
            Req::new(Method::POST, collection.clone())
                .token("full")
                .json(body)
                .no_retry(),
        )
        .await;
    remember(ctx, &collection, &ex);
    let fields: Vec<String> = bad.iter().map(|(k, _)| k.clone()).collect();
    check_422(&mut f, &ex, &fields);
    // And on update.
    let patchable = ctx
        .model()
        .resource(&resource)
        .and_then(|r| r.item_path.clone());
    if let Some(item) = patchable.filter(|p| {
        ctx.model()
            .operations
            .iter()
            .any(|o| o.method == "PATCH" && &o.full_path == p)
    }) {
        let _ = item;
        match fixtures::create(ctx, &resource, json!({})).await {
            Ok(c) => {
                let (k, v) = &bad[0];
                let ex = ctx
                    .send(
                        Req::new(Method::PATCH, c.path.clone())
                            .token("full")
                            .json(json!({ k.clone(): v.clone() }))
                            .no_retry(),
                    )
                    .await;
                check_422(&mut f, &ex, std::slice::from_ref(k));
            }
            Err(e) => return fixture_failed(ctx, &e),
        }
    }
    f.outcome("")
}

/// The values of `/enums` `error_codes` (array or `{values: [...]}`), if present.
fn enum_error_codes(enums: &Exchange) -> Option<Vec<String>> {
    let e = crate::run::data(enums)?.get("error_codes")?;
    let v = e.get("values").unwrap_or(e);
    Some(codes_of(v))
}

async fn get_enums(ctx: &Ctx) -> Option<Arc<Exchange>> {
    let op = ctx
        .model()
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.full_path.ends_with("/enums"))?;
    Some(ctx.send(Req::get(op.full_path.clone()).token("full")).await)
}

struct Scenario {
    what: &'static str,
    field: String,
    value: Value,
    code: &'static str,
}

fn scenarios(ctx: &Ctx, resource: &str, schema: &observe::Schema) -> Vec<Scenario> {
    let props = observe::properties(ctx.model(), schema).0;
    let fmt = |s: &observe::Schema| {
        s.1.get("format")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut out = Vec::new();
    if let Some(field) = text_field(ctx, resource) {
        out.push(Scenario {
            what: "blank",
            field,
            value: json!(""),
            code: "cant_be_blank",
        });
    }
    if let Some((k, _)) = props
        .iter()
        .find(|(_, s)| fmt(s).as_deref() == Some("email"))
        .or_else(|| {
            props.iter().find(|(_, s)| {
                s.1.get("pattern").is_some()
                    && observe::schema_types(&s.1).iter().any(|t| t == "string")
            })
        })
    {
        out.push(Scenario {
            what: "bad format",
            field: k.clone(),
            value: json!("%% not valid %%"),
            code: "invalid_format",
        });
    }
    if let Some((k, _)) = props
        .iter()
        .find(|(_, s)| fmt(s).as_deref() == Some("uuid"))
    {
        out.push(Scenario {
            what: "bad uuid",
            field: k.clone(),
            value: json!("not-a-uuid"),
            code: "invalid_uuid",
        });
    }
    if let Some((k, _)) = props
        .iter()
        .find(|(_, s)| matches!(fmt(s).as_deref(), Some("date-time") | Some("date")))
    {
        out.push(Scenario {
            what: "bad date",
            field: k.clone(),
            value: json!("03/15/2026"),
            code: "invalid_date",
        });
    }
    if let Some((k, _)) = props.iter().find(|(k, s)| {
        k.ends_with("_id")
            && fmt(s).as_deref() == Some("uuid")
            && fixtures::referenced_resource(ctx.model(), k).is_some()
    }) {
        out.push(Scenario {
            what: "unknown reference",
            field: k.clone(),
            value: json!(ctx.client().uuid()),
            code: "not_found",
        });
    }
    out
}

/// The first required plain string property of a create body (usually `name`).
fn text_field(ctx: &Ctx, resource: &str) -> Option<String> {
    let schema = create_schema(ctx, resource)?;
    let (props, required) = observe::properties(ctx.model(), &schema);
    required.into_iter().find(|n| {
        !n.ends_with("_id")
            && props.iter().any(|(k, s)| {
                k == n
                    && observe::schema_types(&s.1).iter().any(|t| t == "string")
                    && s.1.get("format").is_none()
                    && s.1.get("enum").is_none()
            })
    })
}

async fn standard_codes(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let Some(schema) = create_schema(ctx, &resource) else {
        return Outcome::skipped(format!("the create body of {resource} has no JSON schema"));
    };
    let (collection, base) = match valid_body(ctx, &resource).await {
        Ok(b) => b,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let mut seen_codes: Vec<(String, Arc<Exchange>)> = Vec::new();
    let mut cases = scenarios(ctx, &resource, &schema);
    if !cases.iter().any(|c| c.what == "unknown reference") {
        f.note("no *_id reference property in the create body: unknown-reference (not_found) not exercised");
    }
    // Duplicate: create one, then send its unique value again.
    if let Some(field) = text_field(ctx, &resource) {
        match fixtures::create(ctx, &resource, json!({})).await {
            Ok(c) => {
                if let Some(v) = c.data.get(&field).cloned() {
                    cases.push(Scenario {
                        what: "duplicate",
                        field,
                        value: v,
                        code: "already_taken",
                    });
                }
            }
            Err(e) => return fixture_failed(ctx, &e),
        }
    }
    for case in cases {
        let mut body = base.clone();
        body[case.field.as_str()] = case.value.clone();
        if case.what != "duplicate" {
            // Keep the unique field unique so only the case's fault is present.
            if let Some(t) = text_field(ctx, &resource).filter(|t| *t != case.field) {
                body[t.as_str()] = json!(ctx.unique_name(case.what));
            }
        }
        let ex = ctx
            .send(
                Req::new(Method::POST, collection.clone())
                    .token("full")
                    .json(body)
                    .no_retry(),
            )
            .await;
        remember(ctx, &collection, &ex);
        if case.what == "duplicate" && ex.status().is_some_and(|s| s < 300) {
            f.note(format!(
                "{} accepted a duplicate {}: no uniqueness constraint, already_taken not exercised",
                request_line(&ex),
                case.field
            ));
            continue;
        }
        let codes: Vec<String> = error_codes(&ex)
            .into_iter()
            .filter(|(k, _)| *k == case.field)
            .map(|(_, c)| c)
            .collect();
        for (_, c) in error_codes(&ex) {
            seen_codes.push((c, ex.clone()));
        }
        f.check(
            codes.iter().any(|c| c == case.code),
            || {
                format!(
                    "{} ({} {}): expected errors.{} to contain \"{}\", got {}",
                    request_line(&ex),
                    case.what,
                    case.field,
                    case.field,
                    case.code,
                    if codes.is_empty() {
                        seen(&ex)
                    } else {
                        format!("{codes:?}")
                    }
                )
            },
            &[&ex],
        );
    }
    let unknown: Vec<&(String, Arc<Exchange>)> = seen_codes
        .iter()
        .filter(|(c, _)| !STANDARD_CODES.contains(&c.as_str()))
        .collect();
    if !unknown.is_empty() {
        let enums = get_enums(ctx).await;
        let listed = enums
            .as_deref()
            .and_then(enum_error_codes)
            .unwrap_or_default();
        for (code, ex) in unknown {
            let mut ev: Vec<&Exchange> = vec![ex];
            if let Some(e) = &enums {
                ev.push(e);
            }
            f.check(
                listed.contains(code),
                || {
                    format!(
                        "{}: app code \"{code}\" is not a standard code and not listed in /enums error_codes",
                        request_line(ex)
                    )
                },
                &ev,
            );
        }
    }
    f.outcome(&format!("no validation scenario applies to {resource}"))
}

/// A multipart body: (content type, bytes).
fn multipart(parts: &[(String, Option<&str>, String)], boundary: &str) -> Vec<u8> {
    let mut out = String::new();
    for (name, filename, value) in parts {
        out.push_str(&format!("--{boundary}\r\n"));
        match filename {
            Some(fname) => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{fname}\"\r\nContent-Type: text/plain\r\n\r\n"
            )),
            None => out.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            )),
        }
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

/// An operation with required non-body parameters: multipart form fields, or required query
/// parameters of an authenticated operation without path parameters.
enum Target<'a> {
    Multipart(&'a Operation, observe::Schema),
    Query(&'a Operation),
}

fn find_target(model: &ApiModel) -> Option<Target<'_>> {
    for op in model.operations.iter().filter(|o| !o.public) {
        let Some(s) = observe::request_schema(model, op, "multipart/form-data") else {
            continue;
        };
        let (props, required) = observe::properties(model, &s);
        let has_plain = required.iter().any(|r| {
            props
                .iter()
                .any(|(k, p)| k == r && p.1.get("format").and_then(Value::as_str) != Some("binary"))
        });
        if has_plain {
            return Some(Target::Multipart(op, s));
        }
    }
    model
        .operations
        .iter()
        .filter(|o| !o.public && o.path_params() == 0 && o.method == "GET")
        .find(|o| {
            o.parameters
                .iter()
                .any(|p| p.required && p.location == "query")
        })
        .map(Target::Query)
}

async fn missing_params(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let Some(target) = find_target(model) else {
        return Outcome::skipped(
            "the document has no authenticated operation with a required non-body parameter (multipart form field or query parameter)",
        );
    };
    let (ex, omitted, collection) = match target {
        Target::Multipart(op, schema) => {
            let (props, required) = observe::properties(model, &schema);
            let is_file = |s: &observe::Schema| {
                s.1.get("format").and_then(Value::as_str) == Some("binary")
                    || s.1.get("contentMediaType").is_some()
            };
            let Some(omit) = required
                .iter()
                .find(|r| props.iter().any(|(k, s)| k == *r && !is_file(s)))
                .cloned()
            else {
                return Outcome::skipped("no plain required form field");
            };
            let mut parts = Vec::new();
            for name in required.iter().filter(|r| **r != omit) {
                let Some((_, s)) = props.iter().find(|(k, _)| k == name) else {
                    continue;
                };
                if is_file(s) {
                    parts.push((name.clone(), Some("specgate.txt"), "specgate".to_string()));
                } else {
                    let v =
                        s.1.get("enum")
                            .and_then(Value::as_array)
                            .and_then(|a| a.first())
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or_else(|| {
                                if s.1.get("format").and_then(Value::as_str) == Some("uuid") {
                                    ctx.client().uuid()
                                } else {
                                    "specgate".into()
                                }
                            });
                    parts.push((name.clone(), None, v));
                }
            }
            let boundary = format!("specgate-{}", &ctx.client().uuid()[..8]);
            let ex = ctx
                .send(
                    Req::new(Method::POST, op.full_path.clone())
                        .token("full")
                        .raw(
                            multipart(&parts, &boundary),
                            &format!("multipart/form-data; boundary={boundary}"),
                        )
                        .no_retry(),
                )
                .await;
            (ex, omit, op.full_path.clone())
        }
        Target::Query(op) => {
            let omit = op
                .parameters
                .iter()
                .find(|p| p.required && p.location == "query")
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let ex = ctx
                .send(Req::get(op.full_path.clone()).token("full").no_retry())
                .await;
            (ex, omit, op.full_path.clone())
        }
    };
    remember(ctx, &collection, &ex);
    let mut f = Findings::default();
    let named = problem(&ex).is_some_and(|p| {
        p.get("errors")
            .and_then(Value::as_object)
            .is_some_and(|e| e.contains_key(&omitted))
            || problem_text(p).contains(&omitted)
    });
    let typed = has_type(&ex, "invalid-params") || has_type(&ex, "validation-failed");
    f.check(
        ex.status() == Some(422) && typed && named,
        || {
            format!(
                "{} without the required parameter {omitted}: expected 422 with a type ending /problems/invalid-params (or validation-failed, C30) naming {omitted}, got {}",
                request_line(&ex),
                seen(&ex)
            )
        },
        &[&ex],
    );
    if has_type(&ex, "validation-failed") {
        f.note("C30: answered with validation-failed rather than invalid-params (accepted)");
    }
    f.outcome("")
}

async fn leakage(ctx: &Ctx) -> Outcome {
    let resource = match writable(ctx) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let collection = collection_of(ctx, &resource);
    let schema = create_schema(ctx, &resource);
    let props = schema
        .as_ref()
        .map(|s| observe::properties(ctx.model(), s).0)
        .unwrap_or_default();
    let text = text_field(ctx, &resource).unwrap_or_else(|| "name".into());
    let int = props
        .iter()
        .find(|(_, s)| observe::schema_types(&s.1).iter().any(|t| t == "integer"))
        .map(|(k, _)| k.clone())
        .unwrap_or_else(|| text.clone());
    let deep = format!("{{\"{text}\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "a huge integer",
            format!("{{\"{int}\": 123456789012345678901234567890123456789012}}").into_bytes(),
        ),
        (
            "a huge float",
            format!("{{\"{int}\": -1.7976931348623157e308}}").into_bytes(),
        ),
        (
            "an out-of-range exponent",
            format!("{{\"{int}\": 1e999999}}").into_bytes(),
        ),
        (
            "invalid UTF-8",
            [
                format!("{{\"{text}\": \"").into_bytes(),
                vec![0xff, 0xfe, 0xfd],
                b"\"}".to_vec(),
            ]
            .concat(),
        ),
        ("JSON nested 5000 deep", deep.into_bytes()),
        (
            "wrong types",
            format!("{{\"{text}\": {{\"$gt\": \"\"}}, \"{int}\": [true]}}").into_bytes(),
        ),
        ("an array body", b"[1, 2, 3]".to_vec()),
        ("a null body", b"null".to_vec()),
    ];
    let mut f = Findings::default();
    let mut sent: Vec<(String, Arc<Exchange>, bool)> = Vec::new();
    for (what, body) in bodies {
        let ex = ctx
            .send(
                Req::new(Method::POST, collection.clone())
                    .token("full")
                    .raw(body, "application/json")
                    .no_retry(),
            )
            .await;
        remember(ctx, &collection, &ex);
        sent.push((format!("POST with {what}"), ex, false));
    }
    for id in [
        "not-a-uuid",
        "1",
        "%27%20OR%20%271%27%3D%271",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "00000000-0000-0000-0000-00000000000g",
    ] {
        if let Some(path) = item_of(ctx, &resource, id) {
            let ex = ctx.send(Req::get(path).token("full").no_retry()).await;
            sent.push((format!("GET with the non-UUID id {id}"), ex, true));
        }
    }
    for q in [
        "page=abc",
        "per_page=99999999999999999999999",
        "page=-9223372036854775809",
        "sort=%00",
    ] {
        let ex = ctx
            .send(
                Req::get(format!("{collection}?{q}"))
                    .token("full")
                    .no_retry(),
            )
            .await;
        sent.push((format!("GET with {q}"), ex, false));
    }
    for (what, ex, non_uuid) in &sent {
        let status = ex.status().unwrap_or(0);
        let body = ex.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
        let leaked = observe::leak(body);
        let status_ok = if *non_uuid {
            matches!(status, 400 | 404)
        } else {
            ex.response.is_some() && status < 500
        };
        f.check(
            status_ok && leaked.is_none(),
            || {
                let mut why = Vec::new();
                if !status_ok {
                    why.push(if *non_uuid {
                        format!("expected 400 or 404 (C29), got {status}")
                    } else {
                        format!("expected a 4xx for a client mistake, got {}", seen(ex))
                    });
                }
                if let Some(l) = &leaked {
                    why.push(format!("the body shows {l}"));
                }
                format!("{} ({what}): {}", request_line(ex), why.join("; "))
            },
            &[ex],
        );
    }
    f.outcome("")
}

async fn conflict(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    // Provoke: reuse an Idempotency-Key with a different body (C01: 409 conflict or 422).
    if let Some(r) = fixtures::writable_resource(ctx.model()) {
        let resource = r.name.clone();
        let documents_key = fixtures::create_op(ctx.model(), r).is_some_and(|op| {
            op.parameters
                .iter()
                .any(|p| p.location == "header" && p.name.eq_ignore_ascii_case("idempotency-key"))
        });
        if documents_key {
            if let Ok((collection, body)) = valid_body(ctx, &resource).await {
                let key = ctx.client().uuid();
                let first = ctx
                    .send(
                        Req::new(Method::POST, collection.clone())
                            .token("full")
                            .header("idempotency-key", key.clone())
                            .json(body.clone()),
                    )
                    .await;
                remember(ctx, &collection, &first);
                let mut other = body;
                if let Some(t) = text_field(ctx, &resource) {
                    other[t.as_str()] = json!(ctx.unique_name("other"));
                }
                let second = ctx
                    .send(
                        Req::new(Method::POST, collection.clone())
                            .token("full")
                            .header("idempotency-key", key)
                            .json(other)
                            .no_retry(),
                    )
                    .await;
                remember(ctx, &collection, &second);
                if second.status() == Some(422) {
                    f.note(format!(
                        "C01: reusing an Idempotency-Key with a different body gave 422 ({}), which the guide also allows",
                        request_line(&second)
                    ));
                }
            }
        }
    }
    // Provoke a second kind when none was seen: revoking a workspace's last admin token.
    if !ctx
        .client()
        .exchanges()
        .iter()
        .any(|e| e.status() == Some(409))
    {
        if let Some(ex) = super::token_revocation::provoke_last_admin_conflict(ctx).await {
            if ex.status() != Some(409) {
                f.note(format!(
                    "revoking the workspace's last admin token gave {} (the guide also allows 422 or 403)",
                    ex.status().map_or("no response".to_string(), |s| s.to_string())
                ));
            }
        }
    }
    let all = ctx.client().exchanges();
    let judged = judge_all(&all, |ex| {
        if ex.status() != Some(409) {
            return None;
        }
        Some(
            if has_type(ex, "conflict") && observe::is_problem_media(ex) {
                Ok(())
            } else {
                Err(format!(
                    "{}: a 409 must be problem+json with a type ending /problems/conflict, got {}",
                    line(ex),
                    seen(ex)
                ))
            },
        )
    });
    f.items.extend(judged.items);
    f.checked += judged.checked;
    f.outcome("no 409 was observed so far in the run (opportunistic; an Idempotency-Key reuse with a different body was tried where documented)")
}

async fn codes_in_enums(ctx: &Ctx) -> Outcome {
    if ctx
        .model()
        .operations
        .iter()
        .all(|o| !(o.method == "GET" && o.full_path.ends_with("/enums")))
    {
        return Outcome::skipped("the document has no GET …/enums endpoint");
    }
    // Provoke at least one code of our own.
    if let Ok(resource) = writable(ctx) {
        if let (Some(field), Ok((collection, mut body))) =
            (text_field(ctx, &resource), valid_body(ctx, &resource).await)
        {
            body[field.as_str()] = json!("");
            let ex = ctx
                .send(
                    Req::new(Method::POST, collection.clone())
                        .token("full")
                        .json(body)
                        .no_retry(),
                )
                .await;
            remember(ctx, &collection, &ex);
        }
    }
    let Some(enums) = get_enums(ctx).await else {
        return Outcome::skipped("the document has no GET …/enums endpoint");
    };
    let mut f = Findings::default();
    let Some(listed) = enum_error_codes(&enums) else {
        f.fail(
            format!(
                "{}: expected data.error_codes listing the API's error codes, got {}",
                line(&enums),
                seen(&enums)
            ),
            &[&enums],
        );
        return f.outcome("");
    };
    let mut judged = BTreeSet::new();
    for ex in ctx.client().exchanges() {
        for (field, code) in error_codes(&ex) {
            if !judged.insert(code.clone()) {
                continue;
            }
            if listed.contains(&code) {
                f.checked += 1;
                continue;
            }
            f.fail(
                format!(
                    "{}: errors.{field} uses \"{code}\", which /enums error_codes ({}) does not list",
                    request_line(&ex),
                    request_line(&enums)
                ),
                &[&ex, &enums],
            );
        }
    }
    f.outcome("no validation error code was observed before the enums were read")
}
