//! Family `money`: amounts are integer minor units in `*_cents` fields paired with an ISO 4217
//! `currency`; other decimals (rates, percentages) travel as strings. Static checks read the
//! document's schemas; dynamic ones read the seeded records as the target returns them.

use std::collections::BTreeSet;

use futures_util::FutureExt;
use serde_json::{Value, json};

use super::grammar::primary;
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::run::Ctx;
use crate::run::dataset::describe;
use crate::run::walk::{self, label};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::property("money.integer-cents", &[], |c| integer_cents(c).boxed()),
    Rule::static_rule("money.cents-suffix", cents_suffix),
    Rule::probe("money.paired-with-currency", &[], |c| paired(c).boxed()),
    Rule::probe("money.currency-iso-4217", &[], |c| iso(c).boxed()),
    Rule::probe("money.non-monetary-decimals-as-strings", &[], |c| {
        decimals(c).boxed()
    }),
];

/// ISO 4217 active codes.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWL";

/// Every object schema in `components.schemas` (and nested `properties`) as (pointer, schema).
fn object_schemas(model: &ApiModel) -> Vec<(String, Value)> {
    let mut out = vec![];
    let mut stack: Vec<(String, Value)> = model
        .root()
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (format!("#/components/schemas/{k}"), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    while let Some((ptr, s)) = stack.pop() {
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                stack.push((format!("{ptr}/properties/{k}"), v.clone()));
                if let Some(items) = v.get("items") {
                    stack.push((format!("{ptr}/properties/{k}/items"), items.clone()));
                }
            }
            out.push((ptr, s));
        }
    }
    out
}

fn type_of(v: &Value) -> Vec<String> {
    match v.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// A property schema with `$ref`s followed.
fn resolve(model: &ApiModel, v: &Value) -> Value {
    let root = model.doc.base.to_string();
    model
        .doc
        .resolve(&root, v)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| v.clone())
}

/// Types of a schema, through `anyOf`/`oneOf`/`allOf` branches.
fn types_deep(model: &ApiModel, v: &Value, depth: usize) -> Vec<String> {
    let mut out = type_of(v);
    if depth < 4 {
        for key in ["anyOf", "oneOf", "allOf"] {
            for b in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                out.extend(types_deep(model, &resolve(model, b), depth + 1));
            }
        }
    }
    out
}

/// `*_cents` properties holding a value (filter-operator schemas left out).
fn cents_props(model: &ApiModel) -> Vec<(String, String, Value)> {
    object_schemas(model)
        .into_iter()
        .flat_map(|(ptr, s)| {
            s.get("properties")
                .and_then(Value::as_object)
                .map(|p| {
                    p.iter()
                        .filter(|(k, _)| k.ends_with("_cents"))
                        .map(|(k, v)| (ptr.clone(), k.clone(), resolve(model, v)))
                        .filter(|(ptr, _, v)| {
                            !ptr.contains("Filter")
                                && v.get("properties").is_none()
                                && !type_of(v).iter().any(|t| t == "object")
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Every `*_cents` value and `currency` of the seeded rows, with the exchange they came from.
async fn observed(
    ctx: &Ctx,
) -> Result<
    (
        Vec<(String, Value)>,
        std::sync::Arc<crate::client::Exchange>,
    ),
    Outcome,
> {
    let ds = primary(ctx).await?;
    let mut pairs = vec![("per_page".to_string(), "100".to_string())];
    if let Some(s) = &ds.scope {
        pairs.push((s.param(), s.value.clone()));
    }
    let ex = walk::get(ctx, &ds.collection, &pairs).await;
    let rows = walk::rows(&ex).map_err(|f| Outcome::error(f.message))?;
    let mut out = vec![];
    for r in &rows {
        collect(r, &mut out);
    }
    Ok((out, ex))
}

fn collect(v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("_cents")
                    || k == "currency"
                    || k.contains("rate")
                    || k.contains("percent")
                {
                    out.push((k.clone(), x.clone()));
                }
                collect(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// A generated case: a page of the seeded records to read, and a fractional amount to send.
#[derive(Debug, Clone)]
struct CentsCase {
    per_page: i64,
    page: i64,
    amount: f64,
}

impl std::fmt::Display for CentsCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "read per_page={}&page={}, then send {}",
            self.per_page, self.page, self.amount
        )
    }
}

async fn integer_cents(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let props = cents_props(model);
    if props.is_empty() {
        return Outcome::skipped("the document has no *_cents property");
    }
    let mut f = Findings::default();
    for (ptr, k, v) in &props {
        f.check(
            types_deep(model, v, 0).iter().any(|t| t == "integer"),
            || {
                format!(
                    "{ptr}/properties/{k}: a *_cents property must be type integer, is {:?}",
                    types_deep(model, v, 0)
                )
            },
            &[],
        );
    }
    if !f.items.is_empty() {
        return f.outcome("");
    }
    let ds = match primary(ctx).await {
        Ok(d) => d,
        Err(o) => return o,
    };
    let Some(field) = props
        .iter()
        .find(|(p, _, _)| p.contains("Create"))
        .or(props.first())
        .map(|(_, k, _)| k.clone())
    else {
        return Outcome::skipped("the document has no *_cents property");
    };
    use proptest::prelude::*;
    // Fractional amounts: the guide's 19.99, a half, and whole cents plus a quarter.
    let amounts = prop_oneof![
        Just(19.99f64),
        Just(0.5f64),
        (1u32..100_000).prop_map(|c| f64::from(c) + 0.25),
    ];
    let strat = (1i64..=7, 1i64..=4, amounts).prop_map(|(per_page, page, amount)| CentsCase {
        per_page,
        page,
        amount,
    });
    let field2 = field.clone();
    let c = ctx.clone();
    let mut o = crate::run::property::run(ctx, strat, move |case| {
        let (c, ds, field) = (c.clone(), ds.clone(), field2.clone());
        async move {
            let mut pairs = vec![
                ("per_page".to_string(), case.per_page.to_string()),
                ("page".to_string(), case.page.to_string()),
            ];
            if let Some(s) = &ds.scope {
                pairs.push((s.param(), s.value.clone()));
            }
            let ex = walk::get(&c, &ds.collection, &pairs).await;
            let mut values = vec![];
            for r in &walk::rows(&ex)? {
                collect(r, &mut values);
            }
            let mut n = 0;
            for (k, v) in values.iter().filter(|(k, _)| k.ends_with("_cents")) {
                n += 1;
                if !(v.is_i64() || v.is_u64() || v.is_null()) {
                    return Err(crate::run::property::Fail::new(
                        format!("{}: {k} is {v}, not an integer number of minor units", label(&ex)),
                        &[&ex],
                    ));
                }
            }
            let Some(id) = ds.ids_in_order().into_iter().nth(case.page as usize % ds.ids.len().max(1)) else {
                return Ok(n);
            };
            let amount = case.amount;
            let patch = c
                .send(
                    Req::new(reqwest::Method::PATCH, format!("{}/{id}", ds.collection))
                        .token("full")
                        .json(json!({field.clone(): amount}))
                        .no_retry(),
                )
                .await;
            let named = patch.json().map(|j| j.to_string().contains(field.as_str())).unwrap_or(false);
            if patch.status() != Some(422) || !named {
                return Err(crate::run::property::Fail::new(
                    format!("{}: {field}: {amount} must give 422 naming {field} (not_an_integer), got {}", label(&patch), describe(&patch)),
                    &[&patch],
                ));
            }
            Ok(n + 1)
        }
        .boxed()
    })
    .await;
    o.checked += f.checked;
    o
}

fn cents_suffix(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    let moneyish = ["amount", "price", "total", "cost", "fee", "balance"];
    let schemas = object_schemas(model);
    for (ptr, s) in &schemas {
        // Next to a currency (on the object or an ancestor, C57) a monetary-looking number is
        // an amount for certain; elsewhere the name alone is a heuristic.
        let with_currency = schemas.iter().any(|(p, s)| {
            ptr.starts_with(p.as_str())
                && s.get("properties")
                    .and_then(|x| x.get("currency"))
                    .is_some()
        });
        for (k, v) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let v = &resolve(model, v);
            let numeric = type_of(v).iter().any(|t| t == "integer" || t == "number");
            let named = moneyish.iter().any(|m| k.split('_').any(|part| part == *m));
            f.checked += 1;
            let counter = k == "total" || ["count", "pages", "items"].iter().any(|c| k.contains(c));
            if numeric && named && !counter && !k.ends_with("_cents") {
                if with_currency {
                    f.items.push(super::Finding {
                        message: format!("{ptr}/properties/{k}: an amount paired with a currency must be named *_cents"),
                        exchanges: vec![],
                    });
                } else {
                    f.note(format!("{ptr}/properties/{k}: a monetary-looking number without the _cents suffix (heuristic)"));
                }
            }
        }
    }
    f.outcome("the document has no object schemas")
}

async fn paired(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    let schemas = object_schemas(model);
    for (ptr, s) in &schemas {
        let props = s.get("properties").and_then(Value::as_object);
        let has_cents = props.is_some_and(|p| p.keys().any(|k| k.ends_with("_cents")));
        if !has_cents {
            continue;
        }
        // C57: the currency may sit on the object or any ancestor.
        let with_currency = schemas.iter().any(|(p, s)| {
            ptr.starts_with(p.as_str())
                && s.get("properties")
                    .and_then(|x| x.get("currency"))
                    .is_some()
        });
        f.check(
            with_currency,
            || {
                format!(
                    "{ptr}: holds a *_cents amount but no currency (itself or in a parent object)"
                )
            },
            &[],
        );
    }
    if f.checked == 0 {
        return Outcome::skipped("the document has no *_cents property");
    }
    if let Ok((values, ex)) = observed(ctx).await {
        let has_amount = values.iter().any(|(k, _)| k.ends_with("_cents"));
        let has_currency = values.iter().any(|(k, v)| k == "currency" && v.is_string());
        f.check(
            !has_amount || has_currency,
            || format!("{}: amounts are returned without a currency", label(&ex)),
            &[&ex],
        );
    }
    f.outcome("")
}

async fn iso(ctx: &Ctx) -> Outcome {
    if cents_props(ctx.model()).is_empty() {
        return Outcome::skipped("the document has no *_cents property");
    }
    let (values, ex) = match observed(ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let codes: BTreeSet<&str> = ISO_4217.split(' ').collect();
    let mut f = Findings::default();
    for (_, v) in values.iter().filter(|(k, _)| k == "currency") {
        let s = v.as_str().unwrap_or("");
        f.check(
            codes.contains(s),
            || format!("{}: currency {v} is not an ISO 4217 code", label(&ex)),
            &[&ex],
        );
    }
    f.outcome("no currency value was returned")
}

async fn decimals(ctx: &Ctx) -> Outcome {
    let model = ctx.model();
    let mut f = Findings::default();
    for (ptr, s) in object_schemas(model) {
        for (k, v) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let v = &resolve(model, v);
            let is_number = type_of(v).iter().any(|t| t == "number");
            let fmt = v.get("format").and_then(Value::as_str).unwrap_or("");
            let rateish = k.contains("rate") || k.contains("percent") || k.contains("ratio");
            f.checked += 1;
            if is_number && (matches!(fmt, "float" | "double") || rateish) {
                f.items.push(super::Finding {
                    message: format!("{ptr}/properties/{k}: a non-monetary decimal must be a string, not a JSON number"),
                    exchanges: vec![],
                });
            }
        }
    }
    if let Ok((values, ex)) = observed(ctx).await {
        let rates: Vec<&(String, Value)> = values
            .iter()
            .filter(|(k, _)| k.contains("rate") || k.contains("percent"))
            .collect();
        for (k, v) in &rates {
            f.check(
                v.is_string() || v.is_null(),
                || format!("{}: {k} is {v}; decimals travel as strings", label(&ex)),
                &[&ex],
            );
        }
        if rates.iter().all(|(_, v)| v.is_null()) {
            written_rate(ctx, &mut f).await;
        }
    }
    f.outcome("")
}

/// Creates a record with a decimal string in its rate field and reads it back: the seeded
/// records may leave every rate null, which proves nothing.
async fn written_rate(ctx: &Ctx, f: &mut Findings) {
    let Ok(ds) = primary(ctx).await else {
        return;
    };
    let Some(field) = ds
        .fields
        .keys()
        .find(|k| k.contains("rate") || k.contains("percent"))
        .cloned()
    else {
        return;
    };
    let created = match crate::run::fixtures::create(
        ctx,
        &ds.resource.name,
        json!({field.clone(): "0.0875"}),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            f.note(format!(
                "could not create a record with {field} \"0.0875\": {e}"
            ));
            return;
        }
    };
    let ex = walk::get(ctx, &created.path, &[]).await;
    let v = ex
        .json()
        .and_then(|j| j.get("data"))
        .and_then(|d| d.get(&field))
        .cloned()
        .unwrap_or(Value::Null);
    f.check(
        v.is_string(),
        || {
            format!(
                "{}: {field} written as \"0.0875\" reads back as {v}; decimals travel as strings",
                label(&ex)
            )
        },
        &[&ex],
    );
}
