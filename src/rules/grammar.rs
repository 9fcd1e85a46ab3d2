//! Shared machinery of the query-grammar families (pagination, sorting, search, POST /search,
//! fields, filtering, include, nested): the dataset a rule judges, walking a generated query
//! and judging the rows against the oracle, and small JSON helpers. Not a family itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::FutureExt;
use proptest::strategy::Strategy;
use serde_json::Value;

use super::Outcome;
use crate::client::Exchange;
use crate::generate::query::QuerySpec;
use crate::oracle::filter::{Tri, field_value, text_of};
use crate::oracle::{first_disorder, matches_all, search_matches};
use crate::run::Ctx;
use crate::run::dataset::{self, Dataset};
use crate::run::property::{self, CaseResult, Fail};
use crate::run::walk::{self, Walk, label};

/// Collection list operations: resource collections and nested lists of resources (not other
/// operations that happen to return a `data` array, such as export downloads).
pub fn collection_list_ops(model: &crate::spec::ApiModel) -> Vec<&crate::spec::Operation> {
    model
        .list_operations()
        .filter(|op| {
            model.resources.iter().any(|r| {
                r.collection_path.as_deref() == Some(op.full_path.as_str())
                    || r.nested
                        .iter()
                        .any(|(child, p)| *p == op.full_path && model.resource(child).is_some())
            })
        })
        .collect()
}

/// Nested lists whose child is a resource: (parent, child, full path).
pub fn nested_lists(model: &crate::spec::ApiModel) -> Vec<(String, String, String)> {
    model
        .resources
        .iter()
        .flat_map(|r| {
            r.nested
                .iter()
                .filter(|(child, _)| model.resource(child).is_some())
                .map(|(child, p)| (r.name.clone(), child.clone(), p.clone()))
        })
        .collect()
}

/// The primary dataset, or the outcome to report when it cannot be had.
pub async fn primary(ctx: &Ctx) -> Result<Arc<Dataset>, Outcome> {
    match dataset::primary(ctx).await {
        Ok(d) => Ok(d),
        Err(e) if e.starts_with("the document has no") => Err(Outcome::skipped(e)),
        Err(e) => Err(Outcome::error(format!(
            "could not seed the records to judge: {e}"
        ))),
    }
}

/// The primary dataset, skipping when `need` (a capability of the resource) is missing.
pub async fn primary_with(
    ctx: &Ctx,
    need: fn(&Dataset) -> Option<&'static str>,
) -> Result<Arc<Dataset>, Outcome> {
    let ds = primary(ctx).await?;
    match need(&ds) {
        Some(reason) => Err(Outcome::skipped(reason)),
        None => Ok(ds),
    }
}

pub fn need_search(ds: &Dataset) -> Option<&'static str> {
    ds.resource.searchable.is_empty().then_some(
        "the list operation documents no searchable fields (x-searchable or the q parameter)",
    )
}

pub fn need_cursor(ds: &Dataset) -> Option<&'static str> {
    (!ds.resource.pagination.iter().any(|p| p == "cursor"))
        .then_some("the list operation documents no cursor pagination (x-pagination: [cursor])")
}

pub fn need_includes(ds: &Dataset) -> Option<&'static str> {
    ds.resource
        .includes
        .is_empty()
        .then_some("the list operation documents no include values")
}

pub fn need_sortable(ds: &Dataset) -> Option<&'static str> {
    ds.resource
        .sortable
        .is_empty()
        .then_some("the list operation documents no sortable fields")
}

pub fn need_filterable(ds: &Dataset) -> Option<&'static str> {
    ds.resource
        .filterable
        .is_empty()
        .then_some("the list operation documents no filterable fields")
}

/// Runs a property over `strategy`, each case judged by `case(ctx, ds, value)`.
pub async fn property<S>(
    ctx: &Ctx,
    ds: Arc<Dataset>,
    strategy: S,
    case: for<'a> fn(
        &'a Ctx,
        &'a Dataset,
        S::Value,
    ) -> futures_util::future::BoxFuture<'a, CaseResult>,
) -> Outcome
where
    S: Strategy + Send + 'static,
    S::Value: std::fmt::Display + Clone + Send + 'static,
{
    let c = ctx.clone();
    let notes = ds.sem.notes.clone();
    let counter = ds.clone();
    let before = counter
        .foreign_judged
        .load(std::sync::atomic::Ordering::Relaxed);
    let mut o = property::run(ctx, strategy, move |v| {
        let (c, ds) = (c.clone(), ds.clone());
        async move { case(&c, &ds, v).await }.boxed()
    })
    .await;
    o.notes.extend(notes);
    let foreign = counter
        .foreign_judged
        .load(std::sync::atomic::Ordering::Relaxed)
        - before;
    if foreign > 0 {
        o.notes.push(format!(
            "soundness also judged {foreign} returned row(s) this run did not create; completeness judged only the run's {} seeded {}",
            counter.ids.len(),
            counter.resource.name
        ));
    }
    o
}

/// What to judge on a walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    /// Every returned row matches the filters and the search.
    pub sound: bool,
    /// Every seeded row that matches is returned.
    pub complete: bool,
    /// Rows come in the requested (or default) order.
    pub order: bool,
    /// `total_count` equals the rows walked.
    pub count: bool,
}

pub const FILTER: Checks = Checks {
    sound: true,
    complete: true,
    order: false,
    count: false,
};

fn page_of(w: &Walk, idx: usize) -> &Arc<Exchange> {
    let mut seen = 0;
    for (i, n) in w.sizes.iter().enumerate() {
        seen += n;
        if idx < seen {
            return &w.pages[i];
        }
    }
    w.pages.last().expect("a walk has a page")
}

pub fn id_of(row: &Value) -> String {
    row.get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Judges the rows of a walk of `spec` against the oracle.
pub fn judge(ds: &Dataset, spec: &QuerySpec, w: &Walk, ch: Checks) -> Result<usize, Fail> {
    let filters = spec.all_filters(ds);
    let q = spec.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut n = 0;
    let mut seen = BTreeSet::new();
    for (i, row) in w.rows.iter().enumerate() {
        let id = id_of(row);
        if !seen.insert(id.clone()) {
            return Err(Fail::new(
                format!(
                    "{}: row {id} appears twice across the pages of the walk",
                    label(page_of(w, i))
                ),
                &[page_of(w, i)],
            ));
        }
    }
    if ch.sound {
        for (i, row) in w.rows.iter().enumerate() {
            n += 1;
            if !ds.owns(row) {
                ds.foreign_judged
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if let Some(f) = filters
                .iter()
                .find(|f| matches_all(row, std::slice::from_ref(f), &ds.fields, &ds.sem) == Tri::No)
            {
                let ex = page_of(w, i);
                return Err(Fail::new(
                    format!(
                        "{}: returned row {} does not match `{f}` ({} is {}){}",
                        label(ex),
                        id_of(row),
                        f.field,
                        field_value(row, &f.field)
                            .map(|v| v.to_string())
                            .unwrap_or_else(|| "null".into()),
                        if ds.owns(row) {
                            ""
                        } else {
                            " (a row this run did not create)"
                        }
                    ),
                    &[ex],
                ));
            }
            if let Some(q) = q {
                if !search_matches(row, q, &ds.resource.searchable) {
                    let ex = page_of(w, i);
                    return Err(Fail::new(
                        format!(
                            "{}: returned row {} does not contain every word of q='{q}' in {}",
                            label(ex),
                            id_of(row),
                            ds.resource.searchable.join("/")
                        ),
                        &[ex],
                    ));
                }
            }
        }
    }
    if ch.complete {
        // Only the run's own rows are judged for completeness; a query without the scope
        // filter still must return them.
        for row in &ds.rows {
            let matches = matches_all(row, &filters, &ds.fields, &ds.sem) == Tri::Yes
                && q.is_none_or(|q| search_matches(row, q, &ds.resource.searchable));
            if !matches {
                continue;
            }
            n += 1;
            let id = id_of(row);
            if !seen.contains(&id) {
                let first = w.pages.first().expect("a walk has a page");
                return Err(Fail::new(
                    format!(
                        "{}: the seeded row {id} ({} = {}) matches every filter{} but none of the {} page(s) returned it",
                        label(first),
                        ds.label,
                        row.get(&ds.label).map(text_of).unwrap_or_default(),
                        if q.is_some() { " and the search" } else { "" },
                        w.pages.len()
                    ),
                    &w.refs(),
                ));
            }
        }
    }
    if ch.order {
        let keys = spec.sort_keys(ds);
        n += w.rows.len();
        if let Some(i) = first_disorder(&w.rows, &keys, &ds.fields, &ds.sem) {
            let (a, b) = (&w.rows[i], &w.rows[i + 1]);
            let show = |r: &Value| {
                keys.iter()
                    .map(|k| {
                        format!(
                            "{}={}",
                            k.field,
                            r.get(&k.field)
                                .map(|v| v.to_string())
                                .unwrap_or("null".into())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let (pa, pb) = (page_of(w, i), page_of(w, i + 1));
            return Err(Fail::new(
                format!(
                    "{}: sort={} puts row {} ({}) before row {} ({}){}",
                    label(pb),
                    keys.iter().map(|k| k.spec()).collect::<Vec<_>>().join(","),
                    id_of(a),
                    show(a),
                    id_of(b),
                    show(b),
                    ds.sem
                        .tiebreaker
                        .as_ref()
                        .map(|t| format!(
                            " (ties broken by {t} ascending, strings in code-point order)"
                        ))
                        .unwrap_or_default()
                ),
                &[pa, pb],
            ));
        }
    }
    if ch.count {
        let first = w.pages.first().expect("a walk has a page");
        let total = walk::pagination(first)
            .get("total_count")
            .and_then(Value::as_u64);
        n += 1;
        if total != Some(w.rows.len() as u64) {
            return Err(Fail::new(
                format!(
                    "{}: total_count is {} but walking every page gave {} rows",
                    label(first),
                    total.map(|t| t.to_string()).unwrap_or("missing".into()),
                    w.rows.len()
                ),
                &w.refs(),
            ));
        }
    }
    Ok(n)
}

/// Rows an unscoped walk may visit; beyond that (a large production table) the walk adds the
/// run's scope filter. Judging stays correct: every own row carries the scope token, so
/// soundness, completeness, order and counts hold on the scoped walk too.
pub const UNSCOPED_WALK_MAX_ROWS: u64 = 1000;

/// The pairs a walk of `spec` sends: `spec` itself, scoped when unscoped would be too large.
pub async fn walk_pairs(ctx: &Ctx, ds: &Dataset, spec: &QuerySpec) -> Vec<(String, String)> {
    if !spec.scoped && ds.scope.is_some() {
        let mut probe = spec.pairs(ds);
        probe.retain(|(k, _)| k != "per_page" && k != "page");
        probe.push(("per_page".into(), "1".into()));
        let ex = walk::get(ctx, &ds.collection, &probe).await;
        let total = walk::pagination(&ex)
            .get("total_count")
            .and_then(serde_json::Value::as_u64);
        if total.is_none_or(|t| t > UNSCOPED_WALK_MAX_ROWS) {
            let mut scoped = spec.clone();
            scoped.scoped = true;
            return scoped.pairs(ds);
        }
    }
    spec.pairs(ds)
}

/// Offset walk of `spec` over the dataset's collection.
pub async fn offset(ctx: &Ctx, ds: &Dataset, spec: &QuerySpec) -> Result<Walk, Fail> {
    let per_page = spec.per_page.unwrap_or(100).clamp(1, 500) as usize;
    let pairs = walk_pairs(ctx, ds, spec).await;
    walk::offset_walk(ctx, &ds.collection, &pairs, per_page).await
}

/// Walks `spec` with offset pagination and judges it.
pub async fn offset_judged(ctx: &Ctx, ds: &Dataset, spec: &QuerySpec, ch: Checks) -> CaseResult {
    let w = offset(ctx, ds, spec).await?;
    judge(ds, spec, &w, ch)
}

/// The entries of `included` as (type, id).
pub fn included_pairs(body: &Value) -> Vec<(String, String)> {
    body.get("included")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e.get("type").map(text_of).unwrap_or_default(),
                e.get("id").map(text_of).unwrap_or_default(),
            )
        })
        .collect()
}

/// Relationship references (type, id) of an entry's `relationships[rel]` (object or array).
pub fn refs(rel: &Value) -> Option<Vec<(String, String)>> {
    let one = |v: &Value| -> Option<(String, String)> {
        Some((
            v.get("type")?.as_str()?.to_string(),
            v.get("id")?.as_str()?.to_string(),
        ))
    };
    match rel {
        Value::Null => Some(vec![]),
        Value::Array(a) => a.iter().map(one).collect(),
        v => one(v).map(|p| vec![p]),
    }
}

/// 400 naming `name` in `detail` or any other member (C27)?
pub fn rejects_naming(ex: &Exchange, name: &str) -> Result<(), String> {
    let status = ex.status();
    let body = ex.response.as_ref().map(|r| r.body.as_str()).unwrap_or("");
    if status != Some(400) {
        return Err(format!(
            "{}: expected 400 naming '{name}', got {}",
            label(ex),
            dataset::describe(ex)
        ));
    }
    let named = ex
        .json()
        .map(|j| j.to_string().contains(name))
        .unwrap_or(false)
        || body.contains(name);
    if !named {
        return Err(format!(
            "{}: the 400 does not name the offending '{name}' (C27: looked in detail and every member): {}",
            label(ex),
            body.chars().take(300).collect::<String>()
        ));
    }
    Ok(())
}

/// The seeded rows grouped by a field's value.
pub fn group_by<'a>(rows: &'a [Value], field: &str) -> BTreeMap<String, Vec<&'a Value>> {
    let mut out: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for r in rows {
        if let Some(v) = r.get(field).filter(|v| !v.is_null()) {
            out.entry(text_of(v)).or_default().push(r);
        }
    }
    out
}
