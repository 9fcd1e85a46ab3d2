//! Family `fields`: sparse fieldsets — only the requested attributes plus the always-present
//! keys (id, type, timestamps, links, relationships), on lists and single resources, on included
//! resources too; the plural resource prefix (C25); invalid names rejected.

use std::collections::BTreeSet;

use futures_util::FutureExt;
use serde_json::Value;

use super::grammar::{self, primary, rejects_naming};
use super::{Findings, Outcome, Rule};
use crate::generate::query::{ALWAYS_PRESENT, arb_bogus_name, arb_fields};
use crate::run::Ctx;
use crate::run::dataset::{Dataset, describe};
use crate::run::property::{CaseResult, Fail};
use crate::run::walk::{self, label};

pub const RULES: &[Rule] = &[
    Rule::property("fields.only-requested-fields", &[], |c| {
        sparse(c, only_requested).boxed()
    }),
    Rule::property("fields.id-always-included", &[], |c| {
        sparse(c, |_, e, ex| keep(e, ex, &["id"])).boxed()
    }),
    Rule::property("fields.links-always-included", &[], |c| {
        sparse(c, |_, e, ex| {
            keep(e, ex, &["links"])?;
            match e.get("links").and_then(|l| l.get("self")) {
                Some(Value::String(_)) => Ok(()),
                _ => Err(format!(
                    "{}: links.self is missing under ?fields",
                    label(ex)
                )),
            }
        })
        .boxed()
    }),
    Rule::property("fields.timestamps-always-included", &[], |c| {
        sparse(c, |_, e, ex| keep(e, ex, &["inserted_at", "updated_at"])).boxed()
    }),
    Rule::probe("fields.default-all-fields", &[], |c| all_fields(c).boxed()),
    Rule::property("fields.invalid-field-400-names-field", &[], |c| {
        invalid(c).boxed()
    }),
    Rule::probe("fields.resource-prefix-required", &[], |c| {
        prefix(c).boxed()
    }),
    Rule::probe("fields.applies-to-included", &[], |c| included(c).boxed()),
];

type EntryCheck = fn(&[String], &Value, &crate::client::Exchange) -> Result<(), String>;

fn keep(entry: &Value, ex: &crate::client::Exchange, keys: &[&str]) -> Result<(), String> {
    match keys.iter().find(|k| entry.get(**k).is_none()) {
        Some(k) => Err(format!(
            "{}: entry {} lacks `{k}`, which sparse fieldsets must always keep",
            label(ex),
            entry
                .get("id")
                .map(|v| v.to_string())
                .unwrap_or("(no id)".into())
        )),
        None => Ok(()),
    }
}

fn only_requested(
    asked: &[String],
    entry: &Value,
    ex: &crate::client::Exchange,
) -> Result<(), String> {
    let allowed: BTreeSet<&str> = asked
        .iter()
        .map(String::as_str)
        .chain(ALWAYS_PRESENT.iter().copied())
        .collect();
    let keys: Vec<&String> = entry
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    if let Some(extra) = keys.iter().find(|k| !allowed.contains(k.as_str())) {
        return Err(format!(
            "{}: `{extra}` was not requested but is present",
            label(ex)
        ));
    }
    if let Some(missing) = asked.iter().find(|a| entry.get(a.as_str()).is_none()) {
        return Err(format!(
            "{}: the requested `{missing}` is missing",
            label(ex)
        ));
    }
    Ok(())
}

/// A property over generated field sets, checking every entry of a list page and of a single
/// GET with `check`.
async fn sparse(ctx: &Ctx, check: EntryCheck) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let strat = arb_fields(&ds).prop_map_display();
    let c = ctx.clone();
    crate::run::property::run(ctx, strat, move |fields| {
        let (c, ds) = (c.clone(), ds.clone());
        async move { sparse_case(&c, &ds, &fields.0, check).await }.boxed()
    })
    .await
}

async fn sparse_case(ctx: &Ctx, ds: &Dataset, fields: &[String], check: EntryCheck) -> CaseResult {
    let asked: Vec<String> = fields
        .iter()
        .filter_map(|f| f.split_once('.').map(|(_, n)| n.to_string()))
        .collect();
    let mut pairs = vec![
        ("fields".to_string(), fields.join(",")),
        ("per_page".into(), "3".into()),
    ];
    if let Some(s) = &ds.scope {
        pairs.push((s.param(), s.value.clone()));
    }
    let list = walk::get(ctx, &ds.collection, &pairs).await;
    let rows = walk::rows(&list)?;
    let mut n = 0;
    for r in &rows {
        check(&asked, r, &list).map_err(|m| Fail::new(m, &[&list]))?;
        n += 1;
    }
    if let Some(id) = ds.ids_in_order().first() {
        let one = walk::get(
            ctx,
            &format!("{}/{id}", ds.collection),
            &[("fields".into(), fields.join(","))],
        )
        .await;
        match one.json().and_then(|j| j.get("data")) {
            Some(d) if one.status() == Some(200) => {
                check(&asked, d, &one).map_err(|m| Fail::new(m, &[&one]))?
            }
            _ => {
                return Err(Fail::new(
                    format!("{}: expected 200, got {}", label(&one), describe(&one)),
                    &[&one],
                ));
            }
        }
        n += 1;
    }
    Ok(n)
}

/// Shows a field set as its query value.
#[derive(Debug, Clone)]
pub struct FieldSet(pub Vec<String>);

impl std::fmt::Display for FieldSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields={}", self.0.join(","))
    }
}

trait DisplayFields {
    fn prop_map_display(self) -> proptest::strategy::Map<Self, fn(Vec<String>) -> FieldSet>
    where
        Self: Sized;
}

impl<S: proptest::strategy::Strategy<Value = Vec<String>>> DisplayFields for S {
    fn prop_map_display(self) -> proptest::strategy::Map<Self, fn(Vec<String>) -> FieldSet> {
        proptest::strategy::Strategy::prop_map(self, FieldSet as fn(Vec<String>) -> FieldSet)
    }
}

async fn all_fields(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let mut pairs = vec![("per_page".to_string(), "3".to_string())];
    if let Some(s) = &ds.scope {
        pairs.push((s.param(), s.value.clone()));
    }
    let ex = walk::get(ctx, &ds.collection, &pairs).await;
    let mut f = Findings::default();
    let rows = walk::rows(&ex).unwrap_or_default();
    for r in &rows {
        // `type` and `relationships` belong to includes (C06), not to attributes.
        let missing: Vec<&String> = ds
            .fields
            .keys()
            .filter(|k| {
                !matches!(k.as_str(), "type" | "relationships") && r.get(k.as_str()).is_none()
            })
            .collect();
        f.check(
            missing.is_empty(),
            || {
                format!(
                    "{}: without ?fields every attribute must be present; missing {}",
                    label(&ex),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            &[&ex],
        );
    }
    f.outcome("the list returned no rows")
}

async fn invalid(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    grammar::property(ctx, ds, arb_bogus_name(), |ctx, ds, name| {
        async move {
            let v = format!("{}.{name}", ds.resource.name);
            let ex = walk::get(ctx, &ds.collection, &[("fields".into(), v)]).await;
            rejects_naming(&ex, &name).map_err(|m| Fail::new(m, &[&ex]))?;
            Ok(1)
        }
        .boxed()
    })
    .await
}

async fn prefix(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let field = ds.label.clone();
    let mut f = Findings::default();
    let ex = walk::get(
        ctx,
        &ds.collection,
        &[
            ("fields".into(), format!("{}.{field}", ds.resource.name)),
            ("per_page".into(), "2".into()),
        ],
    )
    .await;
    let rows = walk::rows(&ex).unwrap_or_default();
    f.check(
        ex.status() == Some(200)
            && rows
                .iter()
                .all(|r| only_requested(std::slice::from_ref(&field), r, &ex).is_ok()),
        || {
            format!(
                "{}: the prefixed name must be honoured, got {}",
                label(&ex),
                describe(&ex)
            )
        },
        &[&ex],
    );
    let bare = walk::get(
        ctx,
        &ds.collection,
        &[
            ("fields".into(), field.clone()),
            ("per_page".into(), "2".into()),
        ],
    )
    .await;
    let how = match bare.status() {
        Some(400) => "rejected with 400".to_string(),
        Some(200) => "honoured".to_string(),
        other => format!("answered {}", other.unwrap_or(0)),
    };
    f.check(
        matches!(bare.status(), Some(400) | Some(200)),
        || {
            format!(
                "{}: an unprefixed fields={field} may give 400 or be honoured (C25), got {}",
                label(&bare),
                describe(&bare)
            )
        },
        &[&bare],
    );
    f.note(format!("C25: an unprefixed fields={field} was {how}"));
    f.outcome("")
}

async fn included(ctx: &Ctx) -> Outcome {
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let Some(rel) = ds
        .resource
        .includes
        .iter()
        .find(|p| !p.contains('.'))
        .cloned()
    else {
        return Outcome::skipped("the list operation documents no include values");
    };
    // The included resource's plural name: the relation name if it is a resource, else plural.
    let model = ctx.model();
    let plural = [
        rel.clone(),
        format!("{rel}s"),
        format!("{}ies", rel.trim_end_matches('y')),
    ]
    .into_iter()
    .find(|n| model.resource(n).is_some())
    .unwrap_or(rel.clone());
    let other_field = model
        .resource(&plural)
        .and_then(|r| crate::run::dataset::list_op(model, r))
        .map(|op| crate::oracle::list_fields(model, op))
        .and_then(|f| {
            f.keys()
                .find(|k| !ALWAYS_PRESENT.contains(&k.as_str()) && k.as_str() == "name")
                .cloned()
                .or_else(|| {
                    f.keys()
                        .find(|k| !ALWAYS_PRESENT.contains(&k.as_str()))
                        .cloned()
                })
        })
        .unwrap_or_else(|| "name".into());
    let fields = format!("{}.{},{plural}.{other_field}", ds.resource.name, ds.label);
    let mut pairs = vec![
        ("fields".to_string(), fields.clone()),
        ("include".into(), rel.clone()),
        ("per_page".into(), "5".into()),
    ];
    if let Some(s) = &ds.scope {
        pairs.push((s.param(), s.value.clone()));
    }
    let ex = walk::get(ctx, &ds.collection, &pairs).await;
    let mut f = Findings::default();
    if ex.status() != Some(200) {
        f.fail(
            format!("{}: expected 200, got {}", label(&ex), describe(&ex)),
            &[&ex],
        );
        return f.outcome("");
    }
    let inc = ex
        .json()
        .and_then(|j| j.get("included"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for e in &inc {
        f.check(
            only_requested(std::slice::from_ref(&other_field), e, &ex).is_ok(),
            || format!("{}: included entries must hold only {other_field} and the always-present keys; got keys {}", label(&ex),
                e.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default()),
            &[&ex],
        );
    }
    f.outcome("the include returned no included entries")
}
