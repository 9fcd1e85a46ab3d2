//! Family `soft-delete`: DELETE sets `deleted_at` and answers 204; the record then leaves every
//! default read (list, search, filters, nested lists, includes, GET by id) and shows up with
//! `filter[deleted_at][null]=false` (C04); restore brings it back with 200; a unique value is
//! free again once its holder is deleted.

use std::sync::Arc;

use futures_util::FutureExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::writes::{self as w, Writable, enc, seen};
use super::{Findings, Outcome, Rule};
use crate::client::{Exchange, Req};
use crate::run::Ctx;
use crate::run::fixtures::{self, Created};

pub const RULES: &[Rule] = &[
    Rule::probe("soft-delete.deleted-excluded-by-default", &[], |c| {
        excluded(c).boxed()
    }),
    Rule::probe("soft-delete.delete-sets-deleted-at", &[], |c| {
        sets_deleted_at(c).boxed()
    }),
    Rule::probe(
        "soft-delete.deleted-at-null-false-lists-deleted",
        &[],
        |c| lists_deleted(c).boxed(),
    ),
    Rule::probe("soft-delete.restore-returns-200", &[], |c| {
        restore(c).boxed()
    }),
    Rule::probe("soft-delete.recreate-after-delete", &[], |c| {
        recreate(c).boxed()
    }),
];

const DELETED: &str = "filter[deleted_at][null]=false";

/// A fresh record, soft-deleted; fails the rule unless the DELETE answered 204.
async fn deleted<'a>(
    ctx: &'a Ctx,
    f: &mut Findings,
) -> Result<(Writable<'a>, Created, Arc<Exchange>), Outcome> {
    let wr = w::writable(ctx.model())?;
    let fx = w::fixture(ctx, &wr, json!({})).await?;
    let d = w::delete(ctx, &fx.path).await;
    f.check(
        d.status() == Some(204),
        || {
            format!(
                "DELETE {}: expected 204 No Content, got {}",
                fx.path,
                seen(&d)
            )
        },
        &[&d],
    );
    Ok((wr, fx, d))
}

/// A reference field of the writable resource whose target lists it as a nested collection
/// (`category_id` → `/categories/{id}/items`): (field, parent resource name, nested path).
fn nesting(ctx: &Ctx, wr: &Writable<'_>) -> Option<(String, String, String)> {
    wr.create
        .iter()
        .filter(|p| p.name.ends_with("_id") && !p.read_only())
        .find_map(|p| {
            let parent = fixtures::referenced_resource(ctx.model(), &p.name)?;
            parent
                .nested
                .iter()
                .find(|(child, _)| child == wr.name())
                .map(|(_, path)| (p.name.clone(), parent.name.clone(), path.clone()))
        })
}

/// A path template with its parameter replaced (`/categories/{id}/items`).
fn fill(template: &str, id: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                id
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// One default read of the record: what it is, its URL, and how to see the record in it.
struct View {
    what: String,
    url: String,
    included: bool,
}

fn shows(v: &View, ex: &Exchange, id: &str) -> Option<bool> {
    if ex.status() != Some(200) {
        return None;
    }
    if v.included {
        let inc = ex.json()?.get("included")?.as_array()?;
        return Some(
            inc.iter()
                .any(|r| r.get("id").and_then(Value::as_str) == Some(id)),
        );
    }
    data_ids(ex).map(|ids| ids.iter().any(|i| i == id))
}

fn data_ids(ex: &Exchange) -> Option<Vec<String>> {
    Some(
        ex.json()?
            .get("data")?
            .as_array()?
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect(),
    )
}

async fn excluded(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let mut overrides = json!({});
    let mut views: Vec<View> = Vec::new();
    // A parent whose nested list (and include) should show the record while it is live.
    if let Some((field, parent, nested)) = nesting(ctx, &wr) {
        match fixtures::create(ctx, &parent, json!({})).await {
            Ok(p) => {
                overrides[&field] = json!(p.id);
                views.push(View {
                    what: format!("the nested list {nested}"),
                    url: format!("{}?per_page=100", fill(&nested, &p.id)),
                    included: false,
                });
                if ctx
                    .model()
                    .resource(&parent)
                    .is_some_and(|r| r.includes.iter().any(|i| i == wr.name()))
                {
                    views.push(View {
                        what: format!("GET {}?include={}", p.path, wr.name()),
                        url: format!("{}?include={}", p.path, wr.name()),
                        included: true,
                    });
                }
            }
            Err(e) => return Outcome::error(e),
        }
    }
    let fx = match w::fixture(ctx, &wr, overrides).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    let id_filter = if wr.filterable("id", "eq") {
        format!("filter[id][eq]={}&", enc(&fx.id))
    } else {
        String::new()
    };
    views.insert(
        0,
        View {
            what: format!("the default list GET {}", wr.collection),
            url: format!("{}?{id_filter}per_page=100", wr.collection),
            included: false,
        },
    );
    if let Some(label) = wr.label() {
        let value = fx
            .data
            .get(&label.name)
            .and_then(Value::as_str)
            .unwrap_or("");
        if wr.res.searchable.iter().any(|s| s == &label.name) {
            views.push(View {
                what: format!("a q search for its {}", label.name),
                url: format!("{}?q={}&per_page=100", wr.collection, enc(value)),
                included: false,
            });
        }
        if wr.filterable(&label.name, "eq") {
            views.push(View {
                what: format!("a filter on its {}", label.name),
                url: format!(
                    "{}?filter[{}][eq]={}&per_page=100",
                    wr.collection,
                    label.name,
                    enc(value)
                ),
                included: false,
            });
        }
    }
    // While live, each view must show the record, or it proves nothing after the delete.
    let mut live = Vec::new();
    for v in views {
        let ex = w::get(ctx, &v.url).await;
        match shows(&v, &ex, &fx.id) {
            Some(true) => live.push((v, ex)),
            _ => f.note(format!(
                "{} did not show the live record (seq {}), so it was not judged after the delete",
                v.what, ex.seq
            )),
        }
    }
    let d = w::delete(ctx, &fx.path).await;
    f.check(
        d.status() == Some(204),
        || format!("DELETE {}: expected 204, got {}", fx.path, seen(&d)),
        &[&d],
    );
    for (v, before) in live {
        let ex = w::get(ctx, &v.url).await;
        let shown = shows(&v, &ex, &fx.id);
        f.check(
            shown == Some(false),
            || match shown {
                Some(true) => format!(
                    "after DELETE {} → {}, {} still shows the soft-deleted record {}",
                    fx.path,
                    d.status().unwrap_or(0),
                    v.what,
                    fx.id
                ),
                _ => format!("after the delete, {} answered {}", v.what, seen(&ex)),
            },
            &[&ex, &d, &before],
        );
    }
    let g = ctx
        .send(Req::get(fx.path.clone()).token("full").no_retry())
        .await;
    match g.status() {
        Some(404) => f.checked += 1,
        Some(200)
            if w::data_of(&g)
                .get("deleted_at")
                .is_some_and(|v| !v.is_null()) =>
        {
            f.checked += 1;
            f.note(format!("C29 (warning): GET {} of a soft-deleted record answered 200 with deleted_at set; 404 is expected", fx.path));
        }
        _ => f.fail(
            format!(
                "GET {} of a soft-deleted record: expected 404, got {}",
                fx.path,
                seen(&g)
            ),
            &[&d, &g],
        ),
    }
    f.outcome("")
}

/// Finds the deleted record with `filter[deleted_at][null]=false`.
async fn find_deleted(
    ctx: &Ctx,
    wr: &Writable<'_>,
    id: &str,
) -> (Option<Value>, Vec<Arc<Exchange>>) {
    let (found, exs) = w::find_in_list(ctx, wr, id, DELETED).await;
    let rec = (found == Some(true))
        .then(|| exs.last())
        .flatten()
        .and_then(|ex| w::data_of(ex).as_array().cloned())
        .and_then(|a| {
            a.into_iter()
                .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
        });
    (rec, exs)
}

fn utc(ts: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(ts).is_ok_and(|t| t.offset().local_minus_utc() == 0)
        && (ts.ends_with('Z') || ts.ends_with("+00:00"))
}

async fn sets_deleted_at(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let (wr, fx, d) = match deleted(ctx, &mut f).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (rec, exs) = find_deleted(ctx, &wr, &fx.id).await;
    let last = exs.last().cloned();
    let mut evidence: Vec<&Exchange> = vec![&d];
    evidence.extend(last.as_deref());
    let at = rec
        .as_ref()
        .and_then(|r| r.get("deleted_at"))
        .cloned()
        .unwrap_or(Value::Null);
    f.check(
        at.as_str().is_some_and(utc),
        || match &rec {
            None => format!("after DELETE {}, GET {}?{DELETED} did not return the record, so its deleted_at could not be read", fx.path, wr.collection),
            Some(_) => format!("after DELETE {}: expected a non-null UTC deleted_at timestamp, got {at}", fx.path),
        },
        &evidence,
    );
    f.outcome("")
}

async fn lists_deleted(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let (wr, fx, d) = match deleted(ctx, &mut f).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let (found, exs) = w::find_in_list(ctx, &wr, &fx.id, DELETED).await;
    let mut evidence: Vec<&Exchange> = vec![&d];
    evidence.extend(exs.last().map(|e| e.as_ref()));
    f.check(
        found == Some(true),
        || format!("after DELETE {}, GET {}?{DELETED}: expected the soft-deleted record {} in the results, got {}", fx.path, wr.collection, fx.id, exs.last().map(|e| seen(e)).unwrap_or_default()),
        &evidence,
    );
    f.note(
        "C04: only the deleted record's presence is asserted, not whether live records appear too",
    );
    f.outcome("")
}

async fn restore(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let (wr, fx, d) = match deleted(ctx, &mut f).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let path = format!("{}/restore", fx.path);
    if ctx.model().find_operation("POST", &path).is_none() {
        return Outcome::skipped(format!(
            "the document has no POST {}/{{id}}/restore",
            wr.collection
        ));
    }
    let r = ctx
        .send(
            Req::new(Method::POST, path.clone())
                .token("full")
                .no_retry(),
        )
        .await;
    let data = w::data_of(&r);
    f.check(
        r.status() == Some(200)
            && data.get("id").and_then(Value::as_str) == Some(fx.id.as_str())
            && data.get("deleted_at") == Some(&Value::Null),
        || format!("POST {path} of a soft-deleted record: expected 200 with the resource and deleted_at null, got {}", seen(&r)),
        &[&d, &r],
    );
    let (found, exs) = w::find_in_list(ctx, &wr, &fx.id, "").await;
    let mut evidence: Vec<&Exchange> = vec![&r];
    evidence.extend(exs.last().map(|e| e.as_ref()));
    f.check(
        found == Some(true),
        || {
            format!(
                "after POST {path}: expected the record back in the default list GET {}, got {}",
                wr.collection,
                exs.last().map(|e| seen(e)).unwrap_or_default()
            )
        },
        &evidence,
    );
    let g = w::get(ctx, &fx.path).await;
    f.check(
        g.status() == Some(200),
        || {
            format!(
                "GET {} after the restore: expected 200, got {}",
                fx.path,
                seen(&g)
            )
        },
        &[&r, &g],
    );
    f.outcome("")
}

/// The fields a 422 names with `already_taken`.
fn taken_fields(ex: &Exchange) -> Vec<String> {
    ex.json()
        .and_then(|j| j.get("errors"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.to_string().contains("already_taken"))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

async fn recreate(ctx: &Ctx) -> Outcome {
    let wr = match w::writable(ctx.model()) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let fx = match w::fixture(ctx, &wr, json!({})).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    // The same create body again: a unique field shows as 422 already_taken.
    let body: serde_json::Map<String, Value> = wr
        .create
        .iter()
        .filter(|p| !p.read_only())
        .filter_map(|p| fx.data.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    let send = || {
        ctx.send(
            Req::new(Method::POST, wr.collection.clone())
                .token("full")
                .json(Value::Object(body.clone()))
                .no_retry(),
        )
    };
    let dup = send().await;
    w::remember(ctx, &wr, &dup);
    let unique = taken_fields(&dup);
    if dup.status() != Some(422) || unique.is_empty() {
        return Outcome::skipped(format!(
            "no unique field found: creating a second {} with the same values answered {} (seq {}), not 422 already_taken",
            wr.name(),
            dup.status().unwrap_or(0),
            dup.seq
        ));
    }
    let mut f = Findings::default();
    let d = w::delete(ctx, &fx.path).await;
    let again = send().await;
    w::remember(ctx, &wr, &again);
    f.check(
        again.status() == Some(201),
        || format!("POST {} reusing the unique {unique:?} of a soft-deleted record (DELETE → {}): expected 201 (partial unique index), got {}", wr.collection, d.status().unwrap_or(0), seen(&again)),
        &[&dup, &d, &again],
    );
    f.outcome("")
}
