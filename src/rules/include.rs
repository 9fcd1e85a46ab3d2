//! Family `include`: sideloading — `relationships` on entries and a deduplicated top-level
//! `included` whose entries carry their own links, nested dot paths, the depth limit (C24),
//! invalid values rejected, and the same include on lists and single resources.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::FutureExt;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::grammar::{self, included_pairs, primary_with, refs, rejects_naming};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{arb_bogus_name, arb_include, deep_includes};
use crate::run::Ctx;
use crate::run::dataset::{self, Dataset, describe};
use crate::run::property::{CaseResult, Fail};
use crate::run::walk::{self, label};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::property("include.adds-relationships-and-included", &[], |c| {
        includes(c, 3, relationships).boxed()
    }),
    Rule::probe("include.absent-without-param", &[], |c| absent(c).boxed()),
    Rule::property("include.invalid-value-400", &[], |c| invalid(c).boxed()),
    Rule::property("include.nested-dot-notation", &[], |c| nested(c).boxed()),
    Rule::property("include.max-depth-3", &[], |c| depth(c).boxed()),
    Rule::property("include.deduplicated-by-type-id", &[], |c| {
        includes(c, 3, dedup).boxed()
    }),
    Rule::property("include.included-have-links", &[], |c| {
        includes(c, 3, own_links).boxed()
    }),
    Rule::property("include.collections-and-single", &[], |c| {
        list_and_single(c).boxed()
    }),
    Rule::static_rule("include.valid-includes-documented", documented),
];

/// An include value as sent.
#[derive(Debug, Clone)]
pub struct Inc(pub Vec<String>);

impl std::fmt::Display for Inc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "include={}", self.0.join(","))
    }
}

type BodyCheck = fn(&[String], &Value, &crate::client::Exchange, &Known) -> Result<usize, String>;

/// The query of the page every include case reads (the include value aside).
fn page_pairs(ds: &Dataset) -> Vec<(String, String)> {
    let mut pairs = vec![("per_page".to_string(), "6".to_string())];
    if let Some(s) = &ds.scope {
        pairs.push((s.param(), s.value.clone()));
    }
    pairs
}

async fn get_with(ctx: &Ctx, ds: &Dataset, include: &[String]) -> Arc<crate::client::Exchange> {
    let mut pairs = vec![("include".to_string(), include.join(","))];
    pairs.extend(page_pairs(ds));
    walk::get(ctx, &ds.collection, &pairs).await
}

/// A to-many relation of the primary resource (an include name that is also a nested list of
/// it) whose children the run can create.
struct ToMany {
    rel: String,
    child: String,
    fk: String,
}

/// The children the run created, per to-many relation and primary record:
/// relation → parent id → child ids.
#[derive(Debug, Default)]
struct Known(BTreeMap<String, BTreeMap<String, Vec<String>>>);

impl Known {
    fn children(&self, rel: &str, parent: &str) -> &[String] {
        self.0
            .get(rel)
            .and_then(|m| m.get(parent))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn total(&self) -> usize {
        self.0.values().flat_map(|m| m.values()).map(Vec::len).sum()
    }
}

fn to_many(ctx: &Ctx, ds: &Dataset) -> Vec<ToMany> {
    let firsts: BTreeSet<&str> = ds
        .resource
        .includes
        .iter()
        .map(|p| p.split('.').next().unwrap_or(""))
        .collect();
    grammar::nested_lists(ctx.model())
        .into_iter()
        .filter(|(parent, _, _)| *parent == ds.resource.name)
        .filter_map(|(parent, child, template)| {
            let rel = template.rsplit('/').next()?.to_string();
            if !firsts.contains(rel.as_str()) {
                return None;
            }
            let fk = dataset::child_fk(ctx, &parent, &child)?;
            Some(ToMany { rel, child, fk })
        })
        .collect()
}

/// Seeds what the include cases read: the child datasets, and for every to-many relation a
/// child linked to each of the first two of the run's records on the page the cases request,
/// so the relation has rows to sideload there. Returns the run's children per relation.
async fn seed_children(ctx: &Ctx, ds: &Dataset) -> Result<Arc<Known>, Outcome> {
    for (_, child, _) in grammar::nested_lists(ctx.model()) {
        let _ = dataset::dataset(ctx, &child).await;
    }
    let rels = to_many(ctx, ds);
    let mut known = Known::default();
    if rels.is_empty() {
        return Ok(Arc::new(known));
    }
    let page = walk::get(ctx, &ds.collection, &page_pairs(ds)).await;
    let rows = walk::rows(&page).map_err(|_| {
        Outcome::error(format!(
            "could not read the page the include cases request: {}",
            describe(&page)
        ))
    })?;
    let shown: Vec<String> = rows
        .iter()
        .filter(|r| ds.owns(r))
        .map(grammar::id_of)
        .take(2)
        .collect();
    if shown.is_empty() {
        return Err(Outcome::error(format!(
            "{}: the page the include cases request shows none of the run's records",
            label(&page)
        )));
    }
    for t in &rels {
        dataset::link_children(ctx, &t.child, &t.fk, &shown)
            .await
            .map_err(|e| Outcome::error(format!("could not seed children to include: {e}")))?;
        let per: BTreeMap<String, Vec<String>> = ds
            .ids_in_order()
            .into_iter()
            .map(|id| {
                let c = dataset::children_of(ctx, &t.child, &t.fk, &id);
                (id, c)
            })
            .filter(|(_, c)| !c.is_empty())
            .collect();
        known.0.insert(t.rel.clone(), per);
    }
    Ok(Arc::new(known))
}

/// A property over generated include values of at most `max` segments, judged by `check`.
async fn includes(ctx: &Ctx, max: usize, check: BodyCheck) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    // Children (to-many relations) must exist, on the very page read, so includes have
    // something to return.
    let known = match seed_children(ctx, &ds).await {
        Ok(k) => k,
        Err(o) => return o,
    };
    let strat = arb_include(&ds, max).prop_map(Inc);
    let c = ctx.clone();
    let k = known.clone();
    let mut o = crate::run::property::run(ctx, strat, move |inc| {
        let (c, ds, known) = (c.clone(), ds.clone(), k.clone());
        async move {
            let ex = get_with(&c, &ds, &inc.0).await;
            let body = ex.json().cloned().unwrap_or(Value::Null);
            if ex.status() != Some(200) {
                return Err(Fail::new(
                    format!(
                        "{}: a documented include must be accepted, got {}",
                        label(&ex),
                        describe(&ex)
                    ),
                    &[&ex],
                ));
            }
            check(&inc.0, &body, &ex, &known).map_err(|m| Fail::new(m, &[&ex]))
        }
        .boxed()
    })
    .await;
    if !known.0.is_empty() {
        o.notes.push(format!(
            "to-many includes ({}) judged against the {} children the run created for its records",
            known.0.keys().cloned().collect::<Vec<_>>().join(", "),
            known.total()
        ));
    }
    o
}

fn relationships(
    inc: &[String],
    body: &Value,
    ex: &crate::client::Exchange,
    known: &Known,
) -> Result<usize, String> {
    let included: BTreeSet<(String, String)> = included_pairs(body).into_iter().collect();
    if body.get("included").and_then(Value::as_array).is_none() {
        return Err(format!(
            "{}: with ?include the body must carry an included array",
            label(ex)
        ));
    }
    let firsts: BTreeSet<&str> = inc
        .iter()
        .map(|p| p.split('.').next().unwrap_or(""))
        .collect();
    let mut n = 0;
    for e in body
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for rel in &firsts {
            let Some(r) = e.get("relationships").and_then(|r| r.get(*rel)) else {
                return Err(format!(
                    "{}: entry {} lacks relationships.{rel}",
                    label(ex),
                    grammar::id_of(e)
                ));
            };
            let Some(pairs) = refs(r) else {
                return Err(format!(
                    "{}: relationships.{rel} of {} must be {{type, id}} or an array of them, got {r}",
                    label(ex),
                    grammar::id_of(e)
                ));
            };
            for p in &pairs {
                n += 1;
                if !included.contains(p) {
                    return Err(format!(
                        "{}: {} refers to ({}, {}) in relationships.{rel}, which is not in included",
                        label(ex),
                        grammar::id_of(e),
                        p.0,
                        p.1
                    ));
                }
            }
            // Every child the run created for this record is related and sideloaded.
            for child in known.children(rel, &grammar::id_of(e)) {
                n += 1;
                if !pairs.iter().any(|p| p.1 == *child) {
                    return Err(format!(
                        "{}: relationships.{rel} of {} leaves out {child}, a child the run created for it; got {r}",
                        label(ex),
                        grammar::id_of(e)
                    ));
                }
                if !included.iter().any(|p| p.1 == *child) {
                    return Err(format!(
                        "{}: {child}, a {rel} child of {}, is not in included",
                        label(ex),
                        grammar::id_of(e)
                    ));
                }
            }
        }
    }
    Ok(n.max(1))
}

fn dedup(
    _: &[String],
    body: &Value,
    ex: &crate::client::Exchange,
    _: &Known,
) -> Result<usize, String> {
    let pairs = included_pairs(body);
    let mut seen = BTreeSet::new();
    for p in &pairs {
        if !seen.insert(p.clone()) {
            return Err(format!(
                "{}: included holds ({}, {}) more than once",
                label(ex),
                p.0,
                p.1
            ));
        }
    }
    Ok(pairs.len().max(1))
}

fn own_links(
    _: &[String],
    body: &Value,
    ex: &crate::client::Exchange,
    _: &Known,
) -> Result<usize, String> {
    let inc = body
        .get("included")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for e in &inc {
        if !e
            .get("links")
            .and_then(|l| l.get("self"))
            .is_some_and(Value::is_string)
        {
            return Err(format!(
                "{}: included entry ({}, {}) has no links.self",
                label(ex),
                e.get("type").map(|t| t.to_string()).unwrap_or_default(),
                grammar::id_of(e)
            ));
        }
    }
    Ok(inc.len().max(1))
}

async fn absent(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let list = get_with(ctx, &ds, &[]).await;
    let one = match ds.ids_in_order().first() {
        Some(id) => Some(walk::get(ctx, &format!("{}/{id}", ds.collection), &[]).await),
        None => None,
    };
    for ex in std::iter::once(&list).chain(one.as_ref()) {
        let body = ex.json().cloned().unwrap_or(Value::Null);
        let entries: Vec<Value> = match body.get("data") {
            Some(Value::Array(a)) => a.clone(),
            Some(d) => vec![d.clone()],
            None => vec![],
        };
        f.check(
            body.get("included").is_none() && entries.iter().all(|e| e.get("relationships").is_none()),
            || format!("{}: without ?include there must be no included key and no relationships on entries", label(ex)),
            &[ex],
        );
    }
    f.outcome("")
}

async fn invalid(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, arb_bogus_name(), |ctx, ds, name| {
        async move {
            let ex = walk::get(ctx, &ds.collection, &[("include".into(), name.clone())]).await;
            rejects_naming(&ex, &name).map_err(|m| Fail::new(m, &[&ex]))?;
            Ok(1)
        }
        .boxed()
    })
    .await
}

async fn nested(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let two: Vec<String> = ds
        .resource
        .includes
        .iter()
        .filter(|p| p.split('.').count() == 2)
        .cloned()
        .collect();
    if two.is_empty() {
        return Outcome::skipped("the list operation documents no two-level include");
    }
    if let Err(o) = seed_children(ctx, &ds).await {
        return o;
    }
    grammar::property(
        ctx,
        ds,
        select(two).prop_map(|p| Inc(vec![p])),
        |ctx, ds, inc| async move { nested_case(ctx, ds, &inc.0[0]).await }.boxed(),
    )
    .await
}

async fn nested_case(ctx: &Ctx, ds: &Dataset, path: &str) -> CaseResult {
    let ex = get_with(ctx, ds, &[path.to_string()]).await;
    if ex.status() != Some(200) {
        return Err(Fail::new(
            format!("{}: expected 200, got {}", label(&ex), describe(&ex)),
            &[&ex],
        ));
    }
    let body = ex.json().cloned().unwrap_or(Value::Null);
    let (first, second) = path.split_once('.').unwrap_or((path, ""));
    let included: BTreeSet<(String, String)> = included_pairs(&body).into_iter().collect();
    let inc_entries = body
        .get("included")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut n = 0;
    for e in body
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let level1 = e
            .get("relationships")
            .and_then(|r| r.get(first))
            .and_then(refs)
            .unwrap_or_default();
        for p in level1 {
            let Some(entry) = inc_entries.iter().find(|x| {
                x.get("type").and_then(Value::as_str) == Some(&p.0) && grammar::id_of(x) == p.1
            }) else {
                return Err(Fail::new(
                    format!(
                        "{}: first-level ({}, {}) is missing from included",
                        label(&ex),
                        p.0,
                        p.1
                    ),
                    &[&ex],
                ));
            };
            let Some(level2) = entry
                .get("relationships")
                .and_then(|r| r.get(second))
                .and_then(refs)
            else {
                return Err(Fail::new(
                    format!(
                        "{}: included ({}, {}) must carry relationships.{second} for include={path}",
                        label(&ex),
                        p.0,
                        p.1
                    ),
                    &[&ex],
                ));
            };
            for q in level2 {
                n += 1;
                if !included.contains(&q) {
                    return Err(Fail::new(
                        format!(
                            "{}: second-level ({}, {}) is missing from included",
                            label(&ex),
                            q.0,
                            q.1
                        ),
                        &[&ex],
                    ));
                }
            }
        }
    }
    Ok(n.max(1))
}

async fn depth(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let deep = deep_includes(&ds);
    let shallow: Vec<String> = ds
        .resource
        .includes
        .iter()
        .filter(|p| p.split('.').count() <= 2)
        .cloned()
        .collect();
    let three: Vec<String> = ds
        .resource
        .includes
        .iter()
        .filter(|p| p.split('.').count() == 3)
        .cloned()
        .collect();
    if deep.is_empty() || shallow.is_empty() {
        return Outcome::skipped("the documented includes do not allow building a 4-segment path");
    }
    let strat = prop_oneof![
        select(deep).prop_map(|p| (p, true)),
        select(shallow).prop_map(|p| (p, false))
    ]
    .prop_map(|(p, deep)| DepthCase { path: p, deep });
    let mut o = grammar::property(ctx, ds.clone(), strat, |ctx, ds, case| {
        async move {
            let ex = walk::get(
                ctx,
                &ds.collection,
                &[
                    ("include".into(), case.path.clone()),
                    ("per_page".into(), "2".into()),
                ],
            )
            .await;
            let ok = if case.deep {
                ex.status() == Some(400)
            } else {
                ex.status() == Some(200)
            };
            if !ok {
                return Err(Fail::new(
                    format!(
                        "{}: an include of {} segments must give {}, got {}",
                        label(&ex),
                        case.path.split('.').count(),
                        if case.deep { 400 } else { 200 },
                        describe(&ex)
                    ),
                    &[&ex],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await;
    if let Some(p) = three.first() {
        let ex = walk::get(
            ctx,
            &ds.collection,
            &[
                ("include".into(), p.clone()),
                ("per_page".into(), "1".into()),
            ],
        )
        .await;
        o.notes.push(format!(
            "C24: the 3-segment include {p} was answered {}",
            ex.status().unwrap_or(0)
        ));
    }
    o
}

#[derive(Debug, Clone)]
struct DepthCase {
    path: String,
    deep: bool,
}

impl std::fmt::Display for DepthCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "include={}", self.path)
    }
}

async fn list_and_single(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_includes).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    if let Err(o) = seed_children(ctx, &ds).await {
        return o;
    }
    let strat = arb_include(&ds, 2).prop_map(Inc);
    grammar::property(ctx, ds, strat, |ctx, ds, inc| {
        async move {
            let list = get_with(ctx, ds, &inc.0).await;
            let rows = walk::rows(&list)?;
            let mut n = 0;
            for row in rows.iter().take(2) {
                let id = grammar::id_of(row);
                let one = walk::get(ctx, &format!("{}/{id}", ds.collection), &[("include".into(), inc.0.join(","))]).await;
                let single = one.json().and_then(|j| j.get("data")).cloned().unwrap_or(Value::Null);
                let (a, b) = (row.get("relationships"), single.get("relationships"));
                if one.status() != Some(200) || a != b || a.is_none() {
                    return Err(Fail::new(
                        format!("{} and {}: the same include must give the same relationships on the list and on the single resource; list {}, single {}",
                            label(&list), label(&one), a.map(|v| v.to_string()).unwrap_or("none".into()), b.map(|v| v.to_string()).unwrap_or("none".into())),
                        &[&list, &one],
                    ));
                }
                n += 1;
            }
            Ok(n)
        }
        .boxed()
    })
    .await
}

fn documented(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in grammar::collection_list_ops(model) {
        let Some(p) = op.param("include", "query") else {
            continue;
        };
        let listed = op.extensions.get("x-includes").is_some()
            || p.schema.as_ref().is_some_and(|s| {
                let items = s.get("items").unwrap_or(s);
                items.get("enum").is_some() || items.get("$ref").is_some()
            })
            || p.description
                .as_deref()
                .is_some_and(|d| d.contains("Valid"));
        f.check(
            listed,
            || {
                format!(
                    "{} {} ({}): the include parameter does not list its allowed values",
                    op.method, op.path, p.pointer
                )
            },
            &[],
        );
    }
    f.outcome("no list operation documents an include parameter")
}
