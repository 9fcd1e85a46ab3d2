//! Mutants proving the `money` rules.
use serde_json::{Value, json};

use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "money-cents-as-decimal",
        &["money.integer-cents"],
        "Amounts in *_cents fields are rendered as decimal units (12.5) instead of integer cents (1250).",
    ),
    Mutant::document(
        "amount-without-cents-suffix",
        &["money.cents-suffix"],
        "The item schema documents its amount as `amount`, next to its currency, without the _cents suffix.",
        amount_without_suffix,
    ),
    Mutant::fault(
        "currency-omitted",
        &["money.paired-with-currency"],
        "The read serializer leaves out the currency column, so amounts come back without their currency.",
    ),
    Mutant::fault(
        "currency-lowercase",
        &["money.currency-iso-4217"],
        "The currency code is rendered lower-case (usd) by a serializer that normalises strings.",
    ),
    Mutant::fault(
        "decimal-rate-as-number",
        &["money.non-monetary-decimals-as-strings"],
        "The decimal tax_rate column is read as a float and rendered as a JSON number.",
    ),
];

/// Renames `amount_cents` to `amount` in the item schemas (same integer schema, same currency
/// beside it), references included.
fn amount_without_suffix(doc: &mut Value) {
    for name in ["Item", "ItemCreate", "ItemPatch", "ItemBulkPatch"] {
        let base = format!("/components/schemas/{name}");
        if let Some(Value::Object(props)) = doc.pointer_mut(&format!("{base}/properties")) {
            if let Some(v) = props.remove("amount_cents") {
                props.insert("amount".into(), v);
            }
        }
        if let Some(Value::Array(req)) = doc.pointer_mut(&format!("{base}/required")) {
            for r in req.iter_mut().filter(|r| *r == "amount_cents") {
                *r = json!("amount");
            }
        }
    }
    retarget(doc);
}

/// Points `$ref`s at `Item/properties/amount_cents` to the renamed property.
fn retarget(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match x {
                    Value::String(s)
                        if k == "$ref" && s.ends_with("/Item/properties/amount_cents") =>
                    {
                        *s = "#/components/schemas/Item/properties/amount".into();
                    }
                    _ => retarget(x),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(retarget),
        _ => {}
    }
}
