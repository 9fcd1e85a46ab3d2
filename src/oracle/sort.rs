//! Sorting: multi-field, `-` descending, nulls per `x-sort-nulls`, strings in code-point order,
//! booleans false < true, timestamps as instants, then the documented tiebreaker.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::Value;

use super::filter::{instant, text_of};
use super::schema::{FieldInfo, FieldKind, NullsOrder, Semantics};

/// One sort key: field and direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub desc: bool,
}

impl SortKey {
    pub fn parse(spec: &str) -> SortKey {
        match spec.strip_prefix('-') {
            Some(f) => SortKey {
                field: f.into(),
                desc: true,
            },
            None => SortKey {
                field: spec.into(),
                desc: false,
            },
        }
    }

    pub fn spec(&self) -> String {
        format!("{}{}", if self.desc { "-" } else { "" }, self.field)
    }
}

fn value_cmp(kind: &FieldKind, a: &Value, b: &Value) -> Ordering {
    match kind {
        FieldKind::Integer | FieldKind::Number => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        FieldKind::Boolean => a.as_bool().cmp(&b.as_bool()),
        FieldKind::DateTime => match (a.as_str().and_then(instant), b.as_str().and_then(instant)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => text_of(a).cmp(&text_of(b)),
        },
        _ => text_of(a).cmp(&text_of(b)),
    }
}

/// Compares two rows under `keys`; `None` when their order is not determined by what the
/// document says (a null under undocumented null ordering, or a full tie without a documented
/// tiebreaker).
pub fn compare_rows(
    a: &Value,
    b: &Value,
    keys: &[SortKey],
    fields: &BTreeMap<String, FieldInfo>,
    sem: &Semantics,
) -> Option<Ordering> {
    for k in keys {
        let kind = fields
            .get(&k.field)
            .map(|f| f.kind.clone())
            .unwrap_or(FieldKind::Unknown);
        let va = a.get(&k.field).filter(|v| !v.is_null());
        let vb = b.get(&k.field).filter(|v| !v.is_null());
        let o = match (va, vb) {
            (None, None) => Ordering::Equal,
            (Some(x), Some(y)) => value_cmp(&kind, x, y),
            (None, Some(_)) | (Some(_), None) => {
                let null_first = match sem.nulls {
                    NullsOrder::FirstAscending => true,
                    NullsOrder::LastAscending => false,
                    NullsOrder::Unknown => return None,
                };
                if (va.is_none()) == null_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
        };
        let o = if k.desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return Some(o);
        }
    }
    let t = sem.tiebreaker.as_ref()?;
    let (x, y) = (a.get(t)?, b.get(t)?);
    Some(text_of(x).cmp(&text_of(y)))
}

/// The first position `i` where `rows[i]` must not come before `rows[i + 1]`.
pub fn first_disorder(
    rows: &[Value],
    keys: &[SortKey],
    fields: &BTreeMap<String, FieldInfo>,
    sem: &Semantics,
) -> Option<usize> {
    rows.windows(2)
        .position(|w| compare_rows(&w[0], &w[1], keys, fields, sem) == Some(Ordering::Greater))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::schema::NullNeq;
    use serde_json::json;

    #[test]
    fn code_point_nulls_first_and_tiebreak() {
        let sem = Semantics {
            neq_null: NullNeq::Includes,
            nin_null: NullNeq::Includes,
            eq_case_sensitive: true,
            nulls: NullsOrder::FirstAscending,
            tiebreaker: Some("id".into()),
            default_sort: "-inserted_at".into(),
            notes: vec![],
        };
        let f: BTreeMap<String, FieldInfo> = [(
            "name".to_string(),
            FieldInfo {
                kind: FieldKind::Text,
                nullable: true,
                enum_values: vec![],
                pattern: false,
            },
        )]
        .into();
        let k = [SortKey::parse("name")];
        let rows = [
            json!({"id": "1", "name": null}),
            json!({"id": "2", "name": "Alpha"}),
            json!({"id": "0", "name": "alpha"}),
            json!({"id": "3", "name": "alpha"}),
        ];
        assert_eq!(first_disorder(&rows, &k, &f, &sem), None);
        let desc = [SortKey::parse("-name")];
        assert_eq!(first_disorder(&rows, &desc, &f, &sem), Some(0));
    }
}
