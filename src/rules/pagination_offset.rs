//! Family `pagination-offset`: every collection paginates; `page`/`per_page` defaults, clamping,
//! the pagination object, `with_count=false`, totals after filters and search, the empty
//! result, and links that agree with the page math (body `links` and the `Link` header).

use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::grammar::{self, Checks, primary, primary_with};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::generate::query::{
    QuerySpec, arb_list_query, arb_page_below_one, arb_per_page_over_max,
};
use crate::run::Ctx;
use crate::run::property::Fail;
use crate::run::walk::{self, label, link_pairs, links_agree, pagination, param};

pub const RULES: &[Rule] = &[
    Rule::probe("pagination-offset.all-collections-paginated", &[], |c| {
        all_paginated(c).boxed()
    }),
    Rule::probe(
        "pagination-offset.default-strategy-page-1-per-page-100",
        &[],
        |c| defaults(c).boxed(),
    ),
    Rule::property("pagination-offset.per-page-clamped-to-500", &[], |c| {
        clamped(c).boxed()
    }),
    Rule::property("pagination-offset.page-below-1-treated-as-1", &[], |c| {
        below_one(c).boxed()
    }),
    Rule::property("pagination-offset.pagination-object-shape", &[], |c| {
        shape(c).boxed()
    }),
    Rule::property(
        "pagination-offset.with-count-false-nulls-totals",
        &[],
        |c| without_count(c).boxed(),
    ),
    Rule::property(
        "pagination-offset.total-count-after-filters-and-search",
        &[],
        |c| totals(c).boxed(),
    ),
    Rule::probe("pagination-offset.empty-result-shape", &[], |c| {
        empty(c).boxed()
    }),
];

/// Concrete paths of every documented list operation (nested ones with a seeded parent).
pub async fn list_paths(ctx: &Ctx) -> Vec<String> {
    let model = ctx.model();
    let mut out = vec![];
    for op in grammar::collection_list_ops(model)
        .into_iter()
        .filter(|o| !o.public)
    {
        if op.path_params() == 0 {
            out.push(op.full_path.clone());
            continue;
        }
        let Some(r) = model
            .resources
            .iter()
            .find(|r| r.nested.iter().any(|(_, p)| *p == op.full_path))
        else {
            continue;
        };
        if let Ok(ds) = crate::run::dataset::dataset(ctx, &r.name).await {
            if let (Some(id), Some(item)) = (ds.ids_in_order().first(), &r.item_path) {
                let parent = item.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
                let rest = op.full_path.strip_prefix(item.as_str()).unwrap_or("");
                out.push(format!("{parent}/{id}{rest}"));
            }
        }
    }
    out
}

fn is_int(v: Option<&Value>) -> bool {
    v.is_some_and(|v| v.is_u64() || v.is_i64())
}

async fn all_paginated(ctx: &Ctx) -> Outcome {
    let _ = primary(ctx).await;
    let mut f = Findings::default();
    for path in list_paths(ctx).await {
        let ex = ctx.send(Req::get(path.clone()).token("full")).await;
        let p = pagination(&ex);
        f.check(
            ex.status() == Some(200) && p.is_object() && is_int(p.get("per_page")),
            || {
                format!(
                    "{}: expected 200 with a pagination object, got {}",
                    label(&ex),
                    crate::run::dataset::describe(&ex)
                )
            },
            &[&ex],
        );
    }
    f.outcome("the document has no list operation")
}

async fn defaults(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    for path in list_paths(ctx)
        .await
        .into_iter()
        .filter(|p| p.matches('/').count() <= 3)
    {
        let ex = ctx.send(Req::get(path.clone()).token("full")).await;
        let p = pagination(&ex);
        let n = walk::rows(&ex).map(|r| r.len()).unwrap_or(usize::MAX);
        f.check(
            ex.status() == Some(200)
                && p.get("page") == Some(&json!(1))
                && p.get("per_page") == Some(&json!(100))
                && is_int(p.get("total_count"))
                && is_int(p.get("total_pages"))
                && n <= 100,
            || format!("{}: expected pagination {{page: 1, per_page: 100, total_count, total_pages}} and at most 100 rows, got pagination {p} with {n} rows", label(&ex)),
            &[&ex],
        );
    }
    f.outcome("the document has no list operation")
}

async fn clamped(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, arb_per_page_over_max(), |ctx, ds, n| {
        async move {
            let ex = walk::get(ctx, &ds.collection, &[("per_page".into(), n.to_string())]).await;
            let rows = walk::rows(&ex)?;
            let got = pagination(&ex).get("per_page").cloned().unwrap_or(Value::Null);
            if got != json!(500) || rows.len() > 500 {
                return Err(Fail::new(
                    format!("{}: per_page={n} must be clamped to 500; pagination.per_page is {got} with {} rows", label(&ex), rows.len()),
                    &[&ex],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await
}

#[derive(Debug, Clone)]
struct Below {
    page: i64,
    spec: QuerySpec,
}

impl std::fmt::Display for Below {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page={} with {}", self.page, self.spec)
    }
}

async fn below_one(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = (
        arb_page_below_one(),
        arb_list_query(&ds, None, 0..=1, 0..=1, false),
    )
        .prop_map(|(page, spec)| Below { page, spec });
    grammar::property(ctx, ds, strat, |ctx, ds, b| {
        async move {
            let mut low = b.spec.clone();
            low.page = Some(b.page);
            let mut one = b.spec.clone();
            one.page = Some(1);
            let a = walk::get(ctx, &ds.collection, &low.pairs(ds)).await;
            let c = walk::get(ctx, &ds.collection, &one.pairs(ds)).await;
            let (ra, rc) = (walk::rows(&a)?, walk::rows(&c)?);
            let page = pagination(&a).get("page").cloned().unwrap_or(Value::Null);
            if page != json!(1) || walk::ids(&ra) != walk::ids(&rc) {
                return Err(Fail::new(
                    format!("{}: page={} must be treated as page 1; got pagination.page {page} and {} rows vs {} on page 1", label(&a), b.page, ra.len(), rc.len()),
                    &[&a, &c],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await
}

/// Checks one offset page's links against the page math and the `Link` header.
pub fn check_offset_links(
    ex: &crate::client::Exchange,
    page: u64,
    total_pages: Option<u64>,
) -> Result<(), String> {
    let links = ex
        .json()
        .and_then(|j| j.get("links"))
        .cloned()
        .unwrap_or(Value::Null);
    if !links.is_object() {
        return Err(format!("{}: no links object", label(ex)));
    }
    links_agree(ex).map_err(|m| format!("{}: {m}", label(ex)))?;
    let page_of = |rel: &str| -> Result<Option<u64>, String> {
        match links.get(rel) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let (_, pairs) = link_pairs(s);
                Ok(Some(
                    param(&pairs, "page")
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0),
                ))
            }
            Some(other) => Err(format!("links.{rel} is {other}")),
        }
    };
    let expect = |rel: &str, want: Option<u64>| -> Result<(), String> {
        let got = page_of(rel).map_err(|m| format!("{}: {m}", label(ex)))?;
        if got != want {
            return Err(format!(
                "{}: on page {page} of {} links.{rel} should point at {}, it points at {}",
                label(ex),
                total_pages.map(|t| t.to_string()).unwrap_or("?".into()),
                want.map(|w| format!("page {w}"))
                    .unwrap_or("nothing (null)".into()),
                got.map(|g| format!("page {g}"))
                    .unwrap_or("nothing (null)".into()),
            ));
        }
        Ok(())
    };
    expect("first", Some(1))?;
    expect("prev", (page > 1).then(|| page - 1))?;
    if let Some(t) = total_pages {
        expect("next", (page < t).then(|| page + 1))?;
        // C20: with no rows, last may point at page 1 or be null.
        if t == 0 {
            let got = page_of("last").map_err(|m| format!("{}: {m}", label(ex)))?;
            if got.is_some_and(|g| g != 1) {
                return Err(format!(
                    "{}: with no rows links.last must be null or page 1",
                    label(ex)
                ));
            }
        } else {
            expect("last", Some(t))?;
        }
    }
    Ok(())
}

async fn shape(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 0..=1, 0..=1, false);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let w = grammar::offset(ctx, ds, &spec).await?;
            let per_page = spec.per_page.unwrap_or(100) as u64;
            let mut n = 0;
            let last = w.pages.len();
            for (i, ex) in w.pages.iter().enumerate() {
                let p = pagination(ex);
                let ok_types = ["page", "per_page", "total_count", "total_pages"]
                    .iter()
                    .all(|k| is_int(p.get(*k)));
                let total = p.get("total_count").and_then(Value::as_u64).unwrap_or(0);
                let pages = p.get("total_pages").and_then(Value::as_u64).unwrap_or(0);
                let size = w.sizes[i] as u64;
                let problem = if !ok_types {
                    Some(format!("page, per_page, total_count and total_pages must be integers: {p}"))
                } else if p.get("per_page") != Some(&json!(per_page)) {
                    Some(format!("per_page should echo {per_page}: {p}"))
                } else if pages != total.div_ceil(per_page) {
                    Some(format!("total_pages {pages} ≠ ceil(total_count {total} / per_page {per_page})"))
                } else if i + 1 < last && size != per_page {
                    Some(format!("page {} holds {size} rows; every page but the last must hold per_page = {per_page}", i + 1))
                } else {
                    None
                };
                if let Some(m) = problem {
                    return Err(Fail::new(format!("{}: {m}", label(ex)), &[ex]));
                }
                check_offset_links(ex, i as u64 + 1, Some(pages)).map_err(|m| Fail::new(m, &[ex]))?;
                n += 1;
            }
            Ok(n)
        }
        .boxed()
    })
    .await
}

async fn without_count(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 0..=1, 0..=0, false);
    grammar::property(ctx, ds, strat, |ctx, ds, mut spec| {
        async move {
            spec.with_count = Some("false".into());
            let ex = walk::get(ctx, &ds.collection, &spec.pairs(ds)).await;
            walk::rows(&ex)?;
            let p = pagination(&ex);
            let ok = p.get("total_count") == Some(&Value::Null)
                && p.get("total_pages") == Some(&Value::Null)
                && p.get("page") == Some(&json!(1))
                && p.get("per_page") == Some(&json!(spec.per_page.unwrap_or(100)));
            if !ok {
                return Err(Fail::new(
                    format!("{}: with_count=false must give total_count and total_pages null with page and per_page set; got {p}", label(&ex)),
                    &[&ex],
                ));
            }
            Ok(1)
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
    let strat = arb_list_query(&ds, None, 0..=2, 0..=0, true);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
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

async fn empty(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    if ds.resource.searchable.is_empty() {
        return Outcome::skipped(
            "the list operation documents no searchable fields, so the harness cannot ask for an empty result",
        );
    }
    let q = ctx.client().uuid();
    let ex = walk::get(ctx, &ds.collection, &[("q".into(), q)]).await;
    let body = ex.json().cloned().unwrap_or(Value::Null);
    let want = json!({"page": 1, "per_page": 100, "total_count": 0, "total_pages": 0});
    f.check(
        ex.status() == Some(200)
            && body.get("data") == Some(&json!([]))
            && body.get("pagination") == Some(&want),
        || {
            format!(
                "{}: expected data [] and pagination {want}, got {}",
                label(&ex),
                crate::run::dataset::describe(&ex)
            )
        },
        &[&ex],
    );
    if ex.status() == Some(200) && body.get("links").is_none() {
        f.note("C20: the empty page carries no links object (warning)");
    }
    f.outcome("")
}
