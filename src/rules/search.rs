//! Family `search`: `q` full-text search over the documented searchable fields —
//! case-insensitive, words ANDed, totals after search, composed with filters, blank `q`
//! ignored — as properties over seeded whole words (C26), judged by the oracle.

use futures_util::FutureExt;
use proptest::prelude::*;

use super::grammar::{self, Checks, FILTER, primary_with};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{QuerySpec, arb_list_query, arb_per_page, arb_search};
use crate::run::Ctx;
use crate::run::property::Fail;
use crate::run::walk::{self, label, pagination};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::property("search.q-filters-collection", &[], |c| words(c, 1).boxed()),
    Rule::property("search.case-insensitive", &[], |c| case(c).boxed()),
    Rule::property("search.multiple-words-anded", &[], |c| words(c, 2).boxed()),
    Rule::property("search.total-count-reflects-search", &[], |c| {
        totals(c).boxed()
    }),
    Rule::property("search.composes-with-filters", &[], |c| {
        with_filters(c).boxed()
    }),
    Rule::probe("search.blank-q-ignored", &[], |c| blank(c).boxed()),
    Rule::static_rule("search.searchable-fields-documented", documented),
];

fn spec_strategy(min_words: usize) -> impl Strategy<Value = QuerySpec> {
    (arb_search(), arb_per_page())
        .prop_filter("enough words", move |(q, _)| {
            q.split_whitespace().count() >= min_words
        })
        .prop_map(|(q, per_page)| QuerySpec {
            q: Some(q),
            per_page: Some(per_page),
            scoped: true,
            ..QuerySpec::default()
        })
}

async fn words(ctx: &Ctx, min_words: usize) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_search).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, spec_strategy(min_words), |ctx, ds, mut spec| {
        async move {
            spec.scoped = ds.scope.is_some();
            grammar::offset_judged(ctx, ds, &spec, FILTER).await
        }
        .boxed()
    })
    .await
}

async fn totals(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_search).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, spec_strategy(1), |ctx, ds, mut spec| {
        async move {
            spec.scoped = ds.scope.is_some();
            let ch = Checks {
                count: true,
                ..Checks::default()
            };
            grammar::offset_judged(ctx, ds, &spec, ch).await
        }
        .boxed()
    })
    .await
}

async fn with_filters(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_search).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat =
        (arb_list_query(&ds, None, 1..=2, 0..=0, false), arb_search()).prop_map(|(mut spec, q)| {
            spec.q = Some(q);
            spec
        });
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move { grammar::offset_judged(ctx, ds, &spec, FILTER).await }.boxed()
    })
    .await
}

async fn case(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_search).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, spec_strategy(1), |ctx, ds, mut spec| {
        async move {
            spec.scoped = ds.scope.is_some();
            spec.per_page = Some(500);
            let q = spec.q.clone().unwrap_or_default();
            let mut sets = vec![];
            for variant in [q.to_lowercase(), q.to_uppercase()] {
                let mut s = spec.clone();
                s.q = Some(variant);
                let ex = walk::get(ctx, &ds.collection, &s.pairs(ds)).await;
                let mut ids = walk::ids(&walk::rows(&ex)?);
                ids.sort();
                sets.push((ids, ex));
            }
            if sets[0].0 != sets[1].0 {
                return Err(Fail::new(
                    format!(
                        "q='{}' returned {} rows but q='{}' returned {}: search must be case-insensitive",
                        q.to_lowercase(),
                        sets[0].0.len(),
                        q.to_uppercase(),
                        sets[1].0.len()
                    ),
                    &[&sets[0].1, &sets[1].1],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await
}

async fn blank(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_search).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let base = walk::get(ctx, &ds.collection, &[("per_page".into(), "1".into())]).await;
    let total = pagination(&base).get("total_count").cloned();
    let mut f = Findings::default();
    for q in ["", "  ", "\t"] {
        let ex = walk::get(
            ctx,
            &ds.collection,
            &[("q".into(), q.into()), ("per_page".into(), "1".into())],
        )
        .await;
        let got = pagination(&ex).get("total_count").cloned();
        f.check(
            ex.status() == Some(200) && got == total,
            || format!("{}: a blank q must be ignored (200, total_count {} as without q), got {} total_count {}", label(&ex),
                total.clone().map(|t| t.to_string()).unwrap_or_default(),
                ex.status().unwrap_or(0), got.map(|t| t.to_string()).unwrap_or("missing".into())),
            &[&base, &ex],
        );
    }
    f.outcome("")
}

fn documented(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in grammar::collection_list_ops(model) {
        let Some(q) = op.param("q", "query") else {
            continue;
        };
        let r = model.resources.iter().find(|r| {
            r.collection_path.as_deref() == Some(op.full_path.as_str())
                || r.nested.iter().any(|(_, p)| *p == op.full_path)
        });
        let named = op.extensions.get("x-searchable").is_some()
            || q.schema
                .as_ref()
                .is_some_and(|s| s.get("x-searchable").is_some())
            || q.description.as_deref().is_some_and(|d| {
                r.is_some_and(|r| {
                    !r.searchable.is_empty() && r.searchable.iter().all(|s| d.contains(s.as_str()))
                }) || d.to_lowercase().contains("search over")
            });
        f.check(
            named,
            || {
                format!(
                    "{} {} ({}): the q parameter does not name the searchable fields",
                    op.method, op.path, q.pointer
                )
            },
            &[],
        );
    }
    f.outcome("no list operation documents a q parameter")
}
