//! Family `post-search`: `POST /{resource}/search` answers like the equivalent GET (same
//! envelope, same rows in the same order for generated queries), is read-only, and needs no
//! Idempotency-Key.

use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::grammar::{self, primary};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::generate::query::{arb_bogus_name, arb_list_query};
use crate::run::Ctx;
use crate::run::dataset::{Dataset, describe};
use crate::run::property::Fail;
use crate::run::walk::{self, label, pagination};

pub const RULES: &[Rule] = &[
    Rule::probe("post-search.same-format-as-get", &[], |c| format(c).boxed()),
    Rule::property("post-search.same-capabilities-as-get", &[], |c| {
        capabilities(c).boxed()
    }),
    Rule::probe("post-search.safe-read-only", &["read_only"], |c| {
        read_only(c).boxed()
    }),
    Rule::probe("post-search.no-idempotency-key-needed", &[], |c| {
        no_key(c).boxed()
    }),
];

/// `POST {collection}/search` when the document has it.
fn search_path(ctx: &Ctx, ds: &Dataset) -> Option<String> {
    let p = format!("{}/search", ds.collection);
    ctx.model()
        .operations
        .iter()
        .any(|o| o.method == "POST" && o.full_path == p)
        .then_some(p)
}

async fn setup(ctx: &Ctx) -> Result<(std::sync::Arc<Dataset>, String), Outcome> {
    let ds = primary(ctx).await?;
    let path = search_path(ctx, &ds).ok_or_else(|| {
        Outcome::skipped(format!("the document has no POST {}/search", ds.collection))
    })?;
    Ok((ds, path))
}

async fn post(
    ctx: &Ctx,
    path: &str,
    body: Value,
    role: &str,
) -> std::sync::Arc<crate::client::Exchange> {
    ctx.send(
        Req::new(reqwest::Method::POST, path)
            .token(role)
            .json(body)
            .no_retry(),
    )
    .await
}

async fn format(ctx: &Ctx) -> Outcome {
    let (ds, path) = match setup(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let body = json!({"per_page": 2});
    let ex = post(ctx, &path, body, "full").await;
    let j = ex.json().cloned().unwrap_or(Value::Null);
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200)
            && j.get("data").is_some_and(Value::is_array)
            && j.get("pagination").is_some_and(Value::is_object)
            && j.get("links").is_some_and(Value::is_object),
        || {
            format!(
                "{}: expected 200 with data, pagination and links like GET {}, got {}",
                label(&ex),
                ds.collection,
                describe(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

async fn capabilities(ctx: &Ctx) -> Outcome {
    let (ds, path) = match setup(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let strat = (
        arb_list_query(&ds, None, 0..=2, 0..=3, !ds.resource.searchable.is_empty()),
        1i64..=3,
        arb_bogus_name(),
    )
        .prop_map(|(mut spec, page, _bogus)| {
            spec.page = Some(page);
            spec
        });
    let path2 = path.clone();
    let mut o = grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let path = format!("{}/search", ds.collection);
            let get = walk::get(ctx, &ds.collection, &spec.pairs(ds)).await;
            let post = post(ctx, &path, spec.search_body(ds), "full").await;
            let (a, b) = (walk::rows(&get)?, walk::rows(&post)?);
            let (ia, ib) = (walk::ids(&a), walk::ids(&b));
            if ia != ib || pagination(&get) != pagination(&post) {
                return Err(Fail::new(
                    format!(
                        "{} and {} differ: GET returned {} rows{}, POST /search {}{}",
                        label(&get),
                        label(&post),
                        ia.len(),
                        if ia.len() == ib.len() { " " } else { "" },
                        ib.len(),
                        if ia.len() == ib.len() && ia != ib {
                            " (same rows, different order)"
                        } else {
                            ""
                        }
                    ),
                    &[&get, &post],
                ));
            }
            Ok(1)
        }
        .boxed()
    })
    .await;
    // An unknown filter field in the body gives 400, like the query string.
    let ex = post(
        ctx,
        &path2,
        json!({"filter": {"zz_specgate_nope": {"eq": "x"}}}),
        "full",
    )
    .await;
    if let Err(m) = grammar::rejects_naming(&ex, "zz_specgate_nope") {
        o.findings.push(super::Finding {
            message: m,
            exchanges: vec![ex.seq],
        });
        o.status = super::Status::Failed;
    }
    o.checked += 1;
    o
}

async fn read_only(ctx: &Ctx) -> Outcome {
    let (ds, path) = match setup(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let count = |ex: &crate::client::Exchange| pagination(ex).get("total_count").cloned();
    let before = walk::get(ctx, &ds.collection, &[("per_page".into(), "1".into())]).await;
    let mut f = Findings::default();
    let ex = post(ctx, &path, json!({"per_page": 1}), "read_only").await;
    f.check(
        ex.status() == Some(200),
        || {
            format!(
                "{}: a read-only token must be allowed to search (C31), got {}",
                label(&ex),
                describe(&ex)
            )
        },
        &[&ex],
    );
    let _ = post(ctx, &path, json!({"q": "zorblax"}), "full").await;
    let after = walk::get(ctx, &ds.collection, &[("per_page".into(), "1".into())]).await;
    f.check(
        count(&before) == count(&after) && count(&before).is_some(),
        || {
            format!(
                "searching changed the collection: total_count {} before, {} after",
                count(&before).unwrap_or_default(),
                count(&after).unwrap_or_default()
            )
        },
        &[&before, &after],
    );
    f.outcome("")
}

async fn no_key(ctx: &Ctx) -> Outcome {
    let (ds, path) = match setup(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let body = json!({"per_page": 5, "filter": ds.scope.as_ref().map(|s| json!({s.field.clone(): {"like": s.value.clone()}})).unwrap_or(json!({}))});
    let a = post(ctx, &path, body.clone(), "full").await;
    let b = post(ctx, &path, body, "full").await;
    let mut f = Findings::default();
    let ids =
        |ex: &std::sync::Arc<crate::client::Exchange>| walk::rows(ex).map(|r| walk::ids(&r)).ok();
    f.check(
        a.status() == Some(200) && b.status() == Some(200) && ids(&a) == ids(&b),
        || format!("{}: the same search twice without Idempotency-Key should give the same 200 result; got {} then {}", label(&b), a.status().unwrap_or(0), b.status().unwrap_or(0)),
        &[&a, &b],
    );
    f.outcome("")
}
