//! Family `filtering`: `filter[field][op]=value` with the ten operators, the `eq` shorthand,
//! booleans, ISO 8601 dates, JSONB paths and the 400s for unknown fields and operators. Each
//! rule is a property over generated filters, judged against the oracle: soundness on every
//! returned row, completeness on the run's seeded rows.

use std::collections::BTreeSet;

use futures_util::FutureExt;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::grammar::{self, FILTER, offset_judged, primary, primary_with, rejects_naming};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{
    QuerySpec, arb_bogus_name, arb_filter, arb_list_query, filter_targets,
};
use crate::oracle::{FieldKind, FilterSpec};
use crate::run::Ctx;
use crate::run::property::{CaseResult, Fail};
use crate::run::walk::{self, label};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::property("filtering.eq-and-neq", &[], |c| {
        ops(c, &["eq", "neq"]).boxed()
    }),
    Rule::property("filtering.gt-gte-lt-lte", &[], |c| {
        ops(c, &["gt", "gte", "lt", "lte"]).boxed()
    }),
    Rule::property("filtering.in-and-nin", &[], |c| {
        ops(c, &["in", "nin"]).boxed()
    }),
    Rule::property("filtering.like-case-insensitive-substring", &[], |c| {
        ops(c, &["like"]).boxed()
    }),
    Rule::property("filtering.null-operator", &[], |c| {
        ops(c, &["null"]).boxed()
    }),
    Rule::property("filtering.shorthand-defaults-to-eq", &[], |c| {
        shorthand(c).boxed()
    }),
    Rule::property("filtering.multiple-filters-anded", &[], |c| {
        anded(c).boxed()
    }),
    Rule::property("filtering.composes-with-search-sort-pagination", &[], |c| {
        composes(c).boxed()
    }),
    Rule::property("filtering.boolean-values-true-false", &[], |c| {
        booleans(c).boxed()
    }),
    Rule::property("filtering.dates-iso8601", &[], |c| dates(c).boxed()),
    Rule::property("filtering.unknown-field-400-names-field", &[], |c| {
        unknown_field(c).boxed()
    }),
    Rule::property("filtering.fields-and-operators-documented", &[], |c| {
        documented(c).boxed()
    }),
    Rule::property("filtering.jsonb-path-filter", &[], |c| jsonb(c).boxed()),
];

fn case_filter<'a>(
    ctx: &'a Ctx,
    ds: &'a crate::run::dataset::Dataset,
    spec: QuerySpec,
) -> futures_util::future::BoxFuture<'a, CaseResult> {
    async move { offset_judged(ctx, ds, &spec, FILTER).await }.boxed()
}

async fn ops(ctx: &Ctx, ops: &'static [&'static str]) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    if filter_targets(&ds, Some(ops)).is_empty() {
        return Outcome::skipped(format!(
            "no documented filterable field takes {}",
            ops.join("/")
        ));
    }
    let strat = arb_list_query(&ds, Some(ops), 1..=1, 0..=0, false);
    grammar::property(ctx, ds, strat, case_filter).await
}

async fn anded(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 2..=3, 0..=0, false);
    grammar::property(ctx, ds, strat, case_filter).await
}

async fn composes(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 1..=2, 0..=2, !ds.resource.searchable.is_empty());
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let ch = grammar::Checks {
                sound: true,
                complete: true,
                order: true,
                count: true,
            };
            offset_judged(ctx, ds, &spec, ch).await
        }
        .boxed()
    })
    .await
}

async fn shorthand(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    if filter_targets(&ds, Some(&["eq"])).is_empty() {
        return Outcome::skipped("no documented filterable field takes eq");
    }
    let strat = arb_list_query(&ds, Some(&["eq"]), 1..=1, 0..=0, false);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let mut short = spec.clone();
            let mut long = spec.clone();
            for f in &mut short.filters {
                f.op = None;
            }
            for f in &mut long.filters {
                f.op = Some("eq".into());
            }
            let a = grammar::offset(ctx, ds, &short).await?;
            let b = grammar::offset(ctx, ds, &long).await?;
            let n = grammar::judge(ds, &short, &a, FILTER)?;
            if walk::ids(&a.rows) != walk::ids(&b.rows) {
                return Err(Fail::new(
                    format!(
                        "{} and {} differ: the shorthand returned {} rows, [eq] returned {}",
                        label(&a.pages[0]),
                        label(&b.pages[0]),
                        a.rows.len(),
                        b.rows.len()
                    ),
                    &[&a.pages[0], &b.pages[0]],
                ));
            }
            Ok(n + 1)
        }
        .boxed()
    })
    .await
}

/// A boolean filter field and an invalid value for it.
#[derive(Debug, Clone)]
struct BoolCase {
    field: String,
    bad: String,
}

impl std::fmt::Display for BoolCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "filter[{}]=true|false, then ={}", self.field, self.bad)
    }
}

async fn booleans(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let fields: Vec<String> = filter_targets(&ds, Some(&["eq"]))
        .into_iter()
        .filter(|(f, _)| {
            ds.fields
                .get(f)
                .is_some_and(|i| i.kind == FieldKind::Boolean)
        })
        .map(|(f, _)| f)
        .collect();
    if fields.is_empty() {
        return Outcome::skipped("no documented boolean field takes eq");
    }
    let bad: Vec<String> = ["1", "0", "yes", "no", "TRUE", "False", "on"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let strat = (select(fields), select(bad)).prop_map(|(field, bad)| BoolCase { field, bad });
    grammar::property(ctx, ds, strat, |ctx, ds, case| {
        async move {
            let mut sets = vec![];
            for v in ["true", "false"] {
                let spec = QuerySpec {
                    filters: vec![FilterSpec::new(&case.field, "eq", v)],
                    per_page: Some(100),
                    scoped: ds.scope.is_some(),
                    ..QuerySpec::default()
                };
                let w = grammar::offset(ctx, ds, &spec).await?;
                grammar::judge(ds, &spec, &w, FILTER)?;
                let own: BTreeSet<String> = walk::ids(&w.rows)
                    .into_iter()
                    .filter(|id| ds.ids.contains(id))
                    .collect();
                sets.push((own, w.pages[0].clone()));
            }
            let both: BTreeSet<String> = sets[0].0.union(&sets[1].0).cloned().collect();
            if !sets[0].0.is_disjoint(&sets[1].0) || both != ds.ids {
                return Err(Fail::new(
                    format!(
                        "filter[{f}]=true and =false should split the {} seeded rows into two complementary sets; got {} and {} rows",
                        ds.ids.len(),
                        sets[0].0.len(),
                        sets[1].0.len(),
                        f = case.field
                    ),
                    &[&sets[0].1, &sets[1].1],
                ));
            }
            let ex = walk::get(
                ctx,
                &ds.collection,
                &[(format!("filter[{}]", case.field), case.bad.clone())],
            )
            .await;
            if ex.status() != Some(400) {
                return Err(Fail::new(
                    format!(
                        "{}: a boolean filter value other than true/false must give 400, got {}",
                        label(&ex),
                        crate::run::dataset::describe(&ex)
                    ),
                    &[&ex],
                ));
            }
            Ok(3)
        }
        .boxed()
    })
    .await
}

#[derive(Debug, Clone)]
struct DateCase {
    good: FilterSpec,
    bad: String,
}

impl std::fmt::Display for DateCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, then {}={}", self.good, self.good.param(), self.bad)
    }
}

async fn dates(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let ops: &'static [&'static str] = &["gt", "gte", "lt", "lte", "eq"];
    let has_date = filter_targets(&ds, Some(ops)).iter().any(|(f, _)| {
        ds.fields
            .get(f)
            .is_some_and(|i| i.kind == FieldKind::DateTime)
    });
    if !has_date {
        return Outcome::skipped("no documented date-time field is filterable by comparison");
    }
    let fields = ds.fields.clone();
    let good = arb_filter(&ds, Some(ops)).prop_filter("a date-time field", move |f| {
        fields
            .get(&f.field)
            .is_some_and(|i| i.kind == FieldKind::DateTime)
    });
    let bad: Vec<String> = [
        "03/01/2026",
        "2026-13-45",
        "yesterday",
        "2026-03-01 00:00",
        "1709251200",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let strat = (good, select(bad)).prop_map(|(good, bad)| DateCase { good, bad });
    grammar::property(ctx, ds, strat, |ctx, ds, case| {
        async move {
            let spec = QuerySpec {
                filters: vec![case.good.clone()],
                per_page: Some(100),
                scoped: ds.scope.is_some(),
                ..QuerySpec::default()
            };
            let n = offset_judged(ctx, ds, &spec, FILTER).await?;
            let ex = walk::get(
                ctx,
                &ds.collection,
                &[(case.good.param(), case.bad.clone())],
            )
            .await;
            if ex.status() != Some(400) {
                return Err(Fail::new(
                    format!(
                        "{}: a date that is not ISO 8601 must give 400, got {}",
                        label(&ex),
                        crate::run::dataset::describe(&ex)
                    ),
                    &[&ex],
                ));
            }
            Ok(n + 1)
        }
        .boxed()
    })
    .await
}

#[derive(Debug, Clone)]
struct Bogus {
    field: String,
    op: Option<String>,
}

impl std::fmt::Display for Bogus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.op {
            Some(op) => write!(f, "filter[{}][{op}]=x", self.field),
            None => write!(f, "filter[{}]=x", self.field),
        }
    }
}

async fn unknown_field(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = (
        arb_bogus_name(),
        proptest::option::of(select(vec!["eq".to_string(), "like".into(), "gt".into()])),
    )
        .prop_map(|(field, op)| Bogus { field, op });
    grammar::property(ctx, ds, strat, |ctx, ds, b| {
        async move {
            let param = match &b.op {
                Some(op) => format!("filter[{}][{op}]", b.field),
                None => format!("filter[{}]", b.field),
            };
            let ex = walk::get(ctx, &ds.collection, &[(param, "x".into())]).await;
            rejects_naming(&ex, &b.field).map_err(|m| Fail::new(m, &[&ex]))?;
            Ok(1)
        }
        .boxed()
    })
    .await
}

/// Static: each list operation documents its filterable fields and operators.
fn documented_statically(model: &ApiModel, f: &mut Findings) {
    for op in grammar::collection_list_ops(model) {
        let declared =
            op.extensions.get("x-filterable").is_some() || op.param("filter", "query").is_some();
        f.checked += 1;
        if !declared {
            f.items.push(super::Finding {
                message: format!(
                    "{} {} ({}): no filterable fields documented (x-filterable or a deepObject filter parameter)",
                    op.method, op.path, op.pointer
                ),
                exchanges: vec![],
            });
        }
    }
}

#[derive(Debug, Clone)]
struct BadOp {
    field: String,
    op: String,
}

impl std::fmt::Display for BadOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "filter[{}][{}]=x", self.field, self.op)
    }
}

async fn documented(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    documented_statically(ctx.model(), &mut f);
    if !f.items.is_empty() {
        return f.outcome("");
    }
    let ds = match primary_with(ctx, grammar::need_filterable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let fields: Vec<String> = ds
        .resource
        .filterable
        .keys()
        .filter(|k| !k.contains('*'))
        .cloned()
        .collect();
    let strat = (select(fields), arb_bogus_name()).prop_map(|(field, op)| BadOp { field, op });
    let mut o = grammar::property(ctx, ds, strat, |ctx, ds, b| {
        async move {
            let ex = walk::get(
                ctx,
                &ds.collection,
                &[(format!("filter[{}][{}]", b.field, b.op), "x".into())],
            )
            .await;
            rejects_naming(&ex, &b.op).map_err(|m| Fail::new(m, &[&ex]))?;
            Ok(1)
        }
        .boxed()
    })
    .await;
    o.checked += f.checked;
    o
}

async fn jsonb(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let has_path = filter_targets(&ds, None)
        .iter()
        .any(|(f, _)| f.contains('.'));
    if !has_path {
        return Outcome::skipped(
            "the document declares no JSONB path filter (x-filterable `field.*`)",
        );
    }
    let strat = arb_list_query(&ds, None, 1..=1, 0..=0, false)
        .prop_filter("a JSONB path filter", |q| {
            q.filters.iter().all(|f| f.field.contains('.'))
        });
    let mut o = grammar::property(ctx, ds.clone(), strat, case_filter).await;
    let _ = Value::Null;
    o.notes.push(format!(
        "JSONB paths compared as the JSON text of the value ({}.* in x-filterable)",
        ds.resource
            .filterable
            .keys()
            .find(|k| k.ends_with(".*"))
            .map(|k| k.trim_end_matches(".*"))
            .unwrap_or("")
    ));
    o
}
