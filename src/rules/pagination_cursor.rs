//! Family `pagination-cursor`: cursor pages (`cursor=` starts a walk, C21) carry
//! `{per_page, has_more, next_cursor, prev_cursor}` and cursor links, never page or totals;
//! following `next_cursor` visits the same rows as the offset walk, each once, ties included;
//! invalid cursors give 400; cursors look like base64 (a warning only, C22).

use base64::Engine;
use futures_util::FutureExt;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use super::grammar::{self, primary};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{QuerySpec, arb_list_query};
use crate::run::Ctx;
use crate::run::dataset::{Dataset, describe};
use crate::run::property::{CaseResult, Fail};
use crate::run::walk::{self, Walk, label, link_pairs, pagination, param};

pub const RULES: &[Rule] = &[
    Rule::property("pagination-cursor.response-shape", &[], |c| {
        shape_rule(c).boxed()
    }),
    Rule::property("pagination-cursor.no-page-or-total-count", &[], |c| {
        walk_rule(c, no_totals).boxed()
    }),
    Rule::property(
        "pagination-cursor.next-cursor-continues-without-gaps",
        &[],
        |c| gaps(c).boxed(),
    ),
    Rule::property("pagination-cursor.has-more-false-on-last-page", &[], |c| {
        walk_rule(c, has_more).boxed()
    }),
    Rule::property(
        "pagination-cursor.invalid-or-expired-cursor-400",
        &[],
        |c| invalid(c).boxed(),
    ),
    Rule::property("pagination-cursor.opaque-base64", &[], |c| {
        opaque(c).boxed()
    }),
    Rule::probe("pagination-cursor.per-page-default-100-max-500", &[], |c| {
        per_page(c).boxed()
    }),
];

async fn setup(ctx: &Ctx) -> Result<std::sync::Arc<Dataset>, Outcome> {
    let ds = primary(ctx).await?;
    match grammar::need_cursor(&ds) {
        Some(r) => Err(Outcome::skipped(r)),
        None => Ok(ds),
    }
}

async fn base_pairs(ctx: &Ctx, ds: &Dataset, spec: &QuerySpec) -> Vec<(String, String)> {
    let mut p = grammar::walk_pairs(ctx, ds, spec).await;
    p.retain(|(k, _)| k != "page");
    p
}

type WalkCheck = fn(&Dataset, &QuerySpec, &Walk) -> CaseResult;

/// A property over cursor walks of generated queries, each judged by `check`.
async fn walk_rule(ctx: &Ctx, check: WalkCheck) -> Outcome {
    let ds = match setup(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 0..=1, 0..=2, false);
    let c = ctx.clone();
    let notes = ds.sem.notes.clone();
    let mut o = crate::run::property::run(ctx, strat, move |spec| {
        let (c, ds) = (c.clone(), ds.clone());
        async move {
            let w =
                walk::cursor_walk(&c, &ds.collection, &base_pairs(&c, &ds, &spec).await).await?;
            check(&ds, &spec, &w)
        }
        .boxed()
    })
    .await;
    o.notes.extend(notes);
    o
}

/// [`shape`] on every page of a cursor walk, then `links.prev` of page 2 followed back.
async fn shape_rule(ctx: &Ctx) -> Outcome {
    let ds = match setup(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 0..=1, 0..=2, false);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let w =
                walk::cursor_walk(ctx, &ds.collection, &base_pairs(ctx, ds, &spec).await).await?;
            let n = shape(ds, &spec, &w)?;
            Ok(n + prev_returns_first_page(ctx, &w).await?)
        }
        .boxed()
    })
    .await
}

/// Following `links.prev` from the second page returns the first page's rows.
async fn prev_returns_first_page(ctx: &Ctx, w: &Walk) -> CaseResult {
    let (Some(p1), Some(p2)) = (w.pages.first(), w.pages.get(1)) else {
        return Ok(0);
    };
    let prev = p2
        .json()
        .and_then(|j| j.pointer("/links/prev"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(prev) = prev else {
        return Err(Fail::new(
            format!("{}: the second cursor page has no links.prev", label(p2)),
            &[p2],
        ));
    };
    let (path, pairs) = link_pairs(&prev);
    let back = walk::get(ctx, &path, &pairs).await;
    let want = walk::ids(&w.rows[..w.sizes[0]]);
    let got = walk::ids(&walk::rows(&back)?);
    if got != want {
        return Err(Fail::new(
            format!(
                "{}: following links.prev of the second page returned {} row(s) [{}] instead of the first page's {} [{}]",
                label(&back),
                got.len(),
                got.join(", "),
                want.len(),
                want.join(", ")
            ),
            &[p1, p2, &back],
        ));
    }
    Ok(1)
}

fn shape(_: &Dataset, spec: &QuerySpec, w: &Walk) -> CaseResult {
    let mut n = 0;
    for (i, ex) in w.pages.iter().enumerate() {
        let p = pagination(ex);
        for k in ["per_page", "has_more", "next_cursor", "prev_cursor"] {
            if p.get(k).is_none() {
                return Err(Fail::new(
                    format!("{}: the cursor pagination object lacks {k}: {p}", label(ex)),
                    &[ex],
                ));
            }
        }
        if p.get("per_page") != Some(&json!(spec.per_page.unwrap_or(100))) {
            return Err(Fail::new(
                format!(
                    "{}: pagination.per_page should echo {}: {p}",
                    label(ex),
                    spec.per_page.unwrap_or(100)
                ),
                &[ex],
            ));
        }
        let links = ex
            .json()
            .and_then(|j| j.get("links"))
            .cloned()
            .unwrap_or(Value::Null);
        for rel in ["next", "prev"] {
            let link = links.get(rel).and_then(Value::as_str);
            match (p.get(format!("{rel}_cursor")).and_then(Value::as_str), link) {
                (Some(c), Some(l)) if param(&link_pairs(l).1, "cursor") == Some(c) => {}
                (None, None) => {}
                (c, l) => {
                    return Err(Fail::new(
                        format!(
                            "{}: links.{rel} ({}) must carry cursor=<{rel}_cursor> ({})",
                            label(ex),
                            l.unwrap_or("null"),
                            c.unwrap_or("null")
                        ),
                        &[ex],
                    ));
                }
            }
        }
        walk::links_agree(ex).map_err(|m| Fail::new(format!("{}: {m}", label(ex)), &[ex]))?;
        if i == 0 && p.get("prev_cursor") != Some(&Value::Null) {
            return Err(Fail::new(
                format!(
                    "{}: the first page's prev_cursor must be null: {p}",
                    label(ex)
                ),
                &[ex],
            ));
        }
        n += 1;
    }
    Ok(n)
}

fn no_totals(_: &Dataset, _: &QuerySpec, w: &Walk) -> CaseResult {
    for ex in &w.pages {
        let p = pagination(ex);
        if let Some(k) = ["page", "total_count", "total_pages"]
            .into_iter()
            .find(|k| p.get(*k).is_some())
        {
            return Err(Fail::new(
                format!("{}: cursor pagination must not carry {k}: {p}", label(ex)),
                &[ex],
            ));
        }
    }
    Ok(w.pages.len())
}

fn has_more(_: &Dataset, _: &QuerySpec, w: &Walk) -> CaseResult {
    let last = w.pages.len() - 1;
    // has_more true must mean more rows: an empty page after it shows the page before it was
    // the last one (has_more guessed from a full page, without looking ahead).
    if last > 0 && w.sizes[last] == 0 {
        let (before, empty) = (&w.pages[last - 1], &w.pages[last]);
        return Err(Fail::new(
            format!(
                "{}: page {} said has_more true, but following its next_cursor gave an empty page: it was the last page and should have said has_more false",
                label(before),
                last,
            ),
            &[before, empty],
        ));
    }
    for (i, ex) in w.pages.iter().enumerate() {
        let p = pagination(ex);
        let more = p.get("has_more").and_then(Value::as_bool);
        let ok = if i == last {
            more == Some(false) && p.get("next_cursor") == Some(&Value::Null)
        } else {
            more == Some(true)
        };
        if !ok {
            return Err(Fail::new(
                format!(
                    "{}: page {} of {}: expected has_more {} (and next_cursor null on the last page), got {p}",
                    label(ex),
                    i + 1,
                    last + 1,
                    i != last
                ),
                &[ex],
            ));
        }
    }
    Ok(w.pages.len())
}

fn decodes(s: &str) -> bool {
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines.iter().any(|e| e.decode(s).is_ok())
}

/// Cursors are opaque strings; that they decode as base64 is only a warning (C22), so a
/// non-base64 string passes here and a cursor that is not a non-empty string fails.
fn base64_shape(_: &Dataset, _: &QuerySpec, w: &Walk) -> CaseResult {
    let mut n = 0;
    for ex in &w.pages {
        match pagination(ex).get("next_cursor") {
            Some(Value::Null) => {}
            Some(Value::String(c)) if !c.is_empty() => n += 1,
            other => {
                return Err(Fail::new(
                    format!(
                        "{}: next_cursor must be null or an opaque non-empty string, got {}",
                        label(ex),
                        other.map(|v| v.to_string()).unwrap_or("nothing".into())
                    ),
                    &[ex],
                ));
            }
        }
    }
    Ok(n)
}

async fn opaque(ctx: &Ctx) -> Outcome {
    let mut o = walk_rule(ctx, base64_shape).await;
    if let Ok(ds) = primary(ctx).await {
        let ex = walk::get(
            ctx,
            &ds.collection,
            &[
                ("cursor".into(), String::new()),
                ("per_page".into(), "1".into()),
            ],
        )
        .await;
        if let Some(c) = pagination(&ex).get("next_cursor").and_then(Value::as_str) {
            if !decodes(c) {
                o.notes.push(format!(
                    "C22 (warning): next_cursor {c} does not decode as base64 or base64url"
                ));
            }
        }
    }
    o
}

async fn gaps(ctx: &Ctx) -> Outcome {
    let ds = match setup(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    // Sorts on few-valued fields give many ties, which is where keysets go wrong.
    let strat = arb_list_query(&ds, None, 0..=1, 1..=2, false);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let c = walk::cursor_walk(ctx, &ds.collection, &base_pairs(ctx, ds, &spec).await).await?;
            let o = grammar::offset(ctx, ds, &spec).await?;
            let (ci, oi) = (walk::ids(&c.rows), walk::ids(&o.rows));
            let mut seen = std::collections::BTreeSet::new();
            if let Some(dup) = ci.iter().find(|id| !seen.insert(id.to_string())) {
                return Err(Fail::new(format!("the cursor walk of {} returned row {dup} twice", label(&c.pages[0])), &c.refs()));
            }
            if ci != oi {
                let missing: Vec<&String> = oi.iter().filter(|id| !ci.contains(id)).collect();
                return Err(Fail::new(
                    format!(
                        "the cursor walk ({} pages, {} rows) and the offset walk ({} rows) of {} differ{}",
                        c.pages.len(),
                        ci.len(),
                        oi.len(),
                        label(&c.pages[0]),
                        if missing.is_empty() { " in order".to_string() } else { format!(
                                ": the cursor walk skipped {} row(s): {}{}",
                                missing.len(),
                                missing.iter().take(5).map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                                if missing.len() > 5 { ", …" } else { "" }
                            ) }
                    ),
                    &c.refs(),
                ));
            }
            Ok(ci.len() + 1)
        }
        .boxed()
    })
    .await
}

/// An invalid cursor, built from a real one or from nothing.
#[derive(Debug, Clone)]
enum BadCursor {
    Garbage(String),
    RandomJson(String),
    Truncated(usize),
    Flipped(usize),
}

impl std::fmt::Display for BadCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadCursor::Garbage(s) => write!(f, "cursor={s}"),
            BadCursor::RandomJson(s) => write!(f, "cursor=base64({s})"),
            BadCursor::Truncated(n) => write!(f, "a real cursor cut to {n} characters"),
            BadCursor::Flipped(i) => write!(f, "a real cursor with character {i} changed"),
        }
    }
}

async fn invalid(ctx: &Ctx) -> Outcome {
    let ds = match setup(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = prop_oneof![
        select(vec![
            "!!notbase64".to_string(),
            "%%%".into(),
            "e30".into(),
            "AAAA".into()
        ])
        .prop_map(BadCursor::Garbage),
        (0u32..1000)
            .prop_map(|n| BadCursor::RandomJson(format!("{{\"id\":\"uuid-{n}\",\"k\":[{n}]}}"))),
        (1usize..40).prop_map(BadCursor::Truncated),
        (0usize..40).prop_map(BadCursor::Flipped),
    ];
    grammar::property(ctx, ds, strat, |ctx, ds, bad| {
        async move {
            let first = walk::get(
                ctx,
                &ds.collection,
                &[
                    ("cursor".into(), String::new()),
                    ("per_page".into(), "1".into()),
                ],
            )
            .await;
            let real = pagination(&first)
                .get("next_cursor")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let cursor = match &bad {
                BadCursor::Garbage(s) => s.clone(),
                BadCursor::RandomJson(j) => {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(j)
                }
                BadCursor::Truncated(n) if *n < real.len() => real[..*n].to_string(),
                BadCursor::Flipped(i) if *i < real.len() => {
                    let mut b = real.clone().into_bytes();
                    b[*i] = if b[*i] == b'A' { b'B' } else { b'A' };
                    String::from_utf8_lossy(&b).into_owned()
                }
                _ => return Ok(0),
            };
            let ex = walk::get(ctx, &ds.collection, &[("cursor".into(), cursor.clone())]).await;
            if ex.status() != Some(400) {
                return Err(Fail::new(
                    format!(
                        "{}: an invalid cursor ({bad}) must give 400, got {}",
                        label(&ex),
                        describe(&ex)
                    ),
                    &[&first, &ex],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await
}

async fn per_page(ctx: &Ctx) -> Outcome {
    let ds = match setup(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    for (pp, want) in [(None, 100), (Some("1000"), 500), (Some("501"), 500)] {
        let mut pairs = vec![("cursor".to_string(), String::new())];
        if let Some(pp) = pp {
            pairs.push(("per_page".into(), pp.into()));
        }
        let ex = walk::get(ctx, &ds.collection, &pairs).await;
        let got = pagination(&ex).get("per_page").cloned();
        f.check(
            ex.status() == Some(200) && got == Some(json!(want)),
            || {
                format!(
                    "{}: cursor mode per_page should be {want}, got {}",
                    label(&ex),
                    got.map(|g| g.to_string()).unwrap_or("missing".into())
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}
