//! Family `sorting`: `sort=f,-g` ascending/descending, compound sorts with the documented
//! tiebreaker, the default order, the 3-field limit, JSONB fields, invalid names, and sorts
//! composed with filters, search and both pagination modes (properties judged by the oracle).

use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::Value;

use super::grammar::{self, Checks, primary, primary_with, rejects_naming};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{QuerySpec, arb_bogus_name, arb_list_query, arb_per_page, arb_sort};
use crate::oracle::{FieldKind, SortKey};
use crate::run::Ctx;
use crate::run::property::Fail;
use crate::run::walk::{self, label};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::property("sorting.ascending-and-descending", &[], |c| {
        both_ways(c).boxed()
    }),
    Rule::property("sorting.compound-sort", &[], |c| compound(c).boxed()),
    Rule::property("sorting.invalid-field-400-names-field", &[], |c| {
        invalid(c).boxed()
    }),
    Rule::probe("sorting.default-newest-first", &[], |c| {
        default_order(c).boxed()
    }),
    Rule::property("sorting.max-three-fields", &[], |c| max_three(c).boxed()),
    Rule::property(
        "sorting.composes-with-filters-search-pagination",
        &[],
        |c| composes(c).boxed(),
    ),
    Rule::property("sorting.cursor-includes-sort", &[], |c| cursor(c).boxed()),
    Rule::static_rule("sorting.sortable-fields-documented", documented),
    Rule::probe("sorting.jsonb-not-sortable", &[], |c| jsonb(c).boxed()),
];

const ORDER: Checks = Checks {
    sound: false,
    complete: true,
    order: true,
    count: false,
};

#[derive(Debug, Clone)]
struct OneField {
    field: String,
    per_page: i64,
}

impl std::fmt::Display for OneField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sort={0} and sort=-{0}, per_page={1}",
            self.field, self.per_page
        )
    }
}

async fn both_ways(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_sortable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let fields: Vec<String> = ds
        .resource
        .sortable
        .iter()
        .filter(|f| ds.fields.contains_key(*f))
        .cloned()
        .collect();
    // Strings (case variants, unicode) are where orders go wrong most: drawn more often.
    let weighted: Vec<String> = fields
        .iter()
        .flat_map(|f| {
            let text = ds
                .fields
                .get(f)
                .is_some_and(|i| i.kind == FieldKind::Text && i.enum_values.is_empty());
            std::iter::repeat_n(f.clone(), if text { 3 } else { 1 })
        })
        .collect();
    let strat = (proptest::sample::select(weighted), arb_per_page())
        .prop_map(|(field, per_page)| OneField { field, per_page });
    grammar::property(ctx, ds, strat, |ctx, ds, one| {
        async move {
            let mut ids = vec![];
            let mut n = 0;
            for desc in [false, true] {
                let spec = QuerySpec {
                    sort: vec![SortKey {
                        field: one.field.clone(),
                        desc,
                    }],
                    per_page: Some(one.per_page),
                    scoped: ds.scope.is_some(),
                    ..QuerySpec::default()
                };
                let w = grammar::offset(ctx, ds, &spec).await?;
                n += grammar::judge(ds, &spec, &w, ORDER)?;
                let mut set = walk::ids(&w.rows);
                set.sort();
                ids.push((set, w.pages[0].clone()));
            }
            if ids[0].0 != ids[1].0 {
                return Err(Fail::new(
                    format!(
                        "sort={0} and sort=-{0} returned different rows ({1} vs {2})",
                        one.field,
                        ids[0].0.len(),
                        ids[1].0.len()
                    ),
                    &[&ids[0].1, &ids[1].1],
                ));
            }
            Ok(n)
        }
        .boxed()
    })
    .await
}

async fn compound(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_sortable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = (arb_sort(&ds, 2..=3), arb_per_page()).prop_map(|(sort, per_page)| QuerySpec {
        sort,
        per_page: Some(per_page),
        scoped: true,
        ..QuerySpec::default()
    });
    grammar::property(ctx, ds, strat, |ctx, ds, mut spec| {
        async move {
            spec.scoped = ds.scope.is_some();
            grammar::offset_judged(ctx, ds, &spec, ORDER).await
        }
        .boxed()
    })
    .await
}

async fn composes(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_sortable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_list_query(&ds, None, 0..=2, 1..=3, !ds.resource.searchable.is_empty());
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let ch = Checks {
                sound: true,
                complete: true,
                order: true,
                count: false,
            };
            grammar::offset_judged(ctx, ds, &spec, ch).await
        }
        .boxed()
    })
    .await
}

async fn cursor(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    if let Some(r) = grammar::need_cursor(&ds).or(grammar::need_sortable(&ds)) {
        return Outcome::skipped(r);
    }
    let strat = arb_list_query(&ds, None, 0..=1, 1..=3, false);
    grammar::property(ctx, ds, strat, |ctx, ds, spec| {
        async move {
            let mut pairs = grammar::walk_pairs(ctx, ds, &spec).await;
            pairs.retain(|(k, _)| k != "page");
            let w = walk::cursor_walk(ctx, &ds.collection, &pairs).await?;
            let ch = Checks {
                sound: true,
                complete: true,
                order: true,
                count: false,
            };
            grammar::judge(ds, &spec, &w, ch)
        }
        .boxed()
    })
    .await
}

async fn invalid(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = (arb_bogus_name(), any::<bool>())
        .prop_map(|(n, desc)| if desc { format!("-{n}") } else { n });
    grammar::property(ctx, ds, strat, |ctx, ds, name| {
        async move {
            let ex = walk::get(ctx, &ds.collection, &[("sort".into(), name.clone())]).await;
            rejects_naming(&ex, name.trim_start_matches('-')).map_err(|m| Fail::new(m, &[&ex]))?;
            Ok(1)
        }
        .boxed()
    })
    .await
}

async fn default_order(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let spec = QuerySpec {
        per_page: Some(5),
        scoped: ds.scope.is_some(),
        ..QuerySpec::default()
    };
    let mut o = match grammar::offset_judged(ctx, &ds, &spec, ORDER).await {
        Ok(n) => Outcome::passed(n),
        Err(f) if f.harness => Outcome::error(f.message),
        Err(f) => Outcome::failed(f.message, f.exchanges.iter().map(|e| e.seq).collect()),
    };
    if ds.sem.default_sort != "-inserted_at" {
        o = o.note(format!(
            "the document declares the default sort {} (x-sort-default)",
            ds.sem.default_sort
        ));
    }
    o
}

#[derive(Debug, Clone)]
struct Four(Vec<SortKey>);

impl std::fmt::Display for Four {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sort={}",
            self.0
                .iter()
                .map(SortKey::spec)
                .collect::<Vec<_>>()
                .join(",")
        )
    }
}

async fn max_three(ctx: &Ctx) -> Outcome {
    let ds = match primary_with(ctx, grammar::need_sortable).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    if ds.resource.sortable.len() < 4 {
        return Outcome::skipped(
            "fewer than 4 sortable fields are documented, so a 4-field sort cannot be built from valid names",
        );
    }
    let strat = arb_sort(&ds, 4..=4).prop_map(Four);
    let o = grammar::property(ctx, ds, strat, |ctx, ds, four| {
        async move {
            let spec =
                |keys: &[SortKey]| keys.iter().map(SortKey::spec).collect::<Vec<_>>().join(",");
            let three = walk::get(
                ctx,
                &ds.collection,
                &[
                    ("sort".into(), spec(&four.0[..3])),
                    ("per_page".into(), "1".into()),
                ],
            )
            .await;
            if three.status() != Some(200) {
                return Err(Fail::new(
                    format!("{}: 3 valid sort fields must be accepted", label(&three)),
                    &[&three],
                ));
            }
            let ex = walk::get(
                ctx,
                &ds.collection,
                &[
                    ("sort".into(), spec(&four.0)),
                    ("per_page".into(), "1".into()),
                ],
            )
            .await;
            match ex.status() {
                Some(400) => Ok(2),
                // C29: a silently truncated 2xx is a warning, not a failure.
                Some(s) if s < 300 => Ok(1),
                _ => Err(Fail::new(
                    format!(
                        "{}: a 4th sort field must give 400, got {}",
                        label(&ex),
                        crate::run::dataset::describe(&ex)
                    ),
                    &[&ex],
                )),
            }
        }
        .boxed()
    })
    .await;
    o.note("C29: 4 sort fields are expected to give 400; a 2xx would only be a warning")
}

fn documented(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in grammar::collection_list_ops(model) {
        let declared = op.extensions.get("x-sortable").is_some()
            || op.param("sort", "query").is_some_and(|p| {
                p.schema.as_ref().is_some_and(|s| {
                    let items = s.get("items").unwrap_or(s);
                    items.get("enum").is_some()
                        || items.get("pattern").is_some()
                        || items.get("$ref").is_some()
                }) || p
                    .description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains("sortable"))
            });
        f.checked += 1;
        if !declared {
            f.items.push(super::Finding {
                message: format!("{} {} ({}): no sortable fields documented (x-sortable, or an enum/pattern/description on the sort parameter)", op.method, op.path, op.pointer),
                exchanges: vec![],
            });
        }
    }
    f.outcome("the document has no list operation")
}

async fn jsonb(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let json_fields: Vec<String> = ds
        .fields
        .iter()
        .filter(|(_, i)| i.kind == FieldKind::Object)
        .map(|(k, _)| k.clone())
        .collect();
    if json_fields.is_empty() {
        return Outcome::skipped("the resource has no JSON object (JSONB) field");
    }
    let mut f = Findings::default();
    for field in json_fields {
        let ex = walk::get(ctx, &ds.collection, &[("sort".into(), field.clone())]).await;
        f.check(
            ex.status() == Some(400),
            || {
                format!(
                    "{}: sorting on the JSONB field {field} must give 400, got {}",
                    label(&ex),
                    crate::run::dataset::describe(&ex)
                )
            },
            &[&ex],
        );
    }
    let _ = Value::Null;
    f.outcome("")
}
