//! Filters: `filter[field][op]=value` evaluated on a returned row.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::schema::{FieldInfo, FieldKind, NullNeq, Semantics};

/// One filter as sent: `op` is None for the shorthand `filter[field]=value` (= eq).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FilterSpec {
    pub field: String,
    pub op: Option<String>,
    pub value: String,
}

impl FilterSpec {
    pub fn new(field: &str, op: &str, value: impl Into<String>) -> FilterSpec {
        FilterSpec {
            field: field.into(),
            op: Some(op.into()),
            value: value.into(),
        }
    }

    /// The query parameter name: `filter[status][eq]` or `filter[status]`.
    pub fn param(&self) -> String {
        match &self.op {
            Some(op) => format!("filter[{}][{op}]", self.field),
            None => format!("filter[{}]", self.field),
        }
    }

    pub fn op_name(&self) -> &str {
        self.op.as_deref().unwrap_or("eq")
    }
}

impl fmt::Display for FilterSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.param(), self.value)
    }
}

/// Three-valued match: a row the document's silence lets go either way is `Either`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Either,
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Either, _) | (_, Tri::Either) => Tri::Either,
            _ => Tri::Yes,
        }
    }
}

/// The value a filter on `field` compares (`metadata.source` walks into JSON objects); None =
/// null or missing.
pub fn field_value<'a>(row: &'a Value, field: &str) -> Option<&'a Value> {
    if let Some(v) = row.get(field) {
        return (!v.is_null()).then_some(v);
    }
    let mut cur = row;
    for key in field.split('.') {
        cur = cur.get(key)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// The kind a filter on `field` compares as: the field's own, or text for JSON paths.
fn kind_of(fields: &BTreeMap<String, FieldInfo>, field: &str) -> FieldKind {
    match fields.get(field) {
        Some(f) => f.kind.clone(),
        None => FieldKind::Text,
    }
}

/// JSON text of a value: strings as they are, `true`/`false`, numbers as written.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses an RFC 3339 timestamp or a `YYYY-MM-DD` date (midnight UTC).
pub fn instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Compares a row value with a filter value as `kind`; None when they are not comparable.
pub fn compare(kind: &FieldKind, row: &Value, given: &str) -> Option<Ordering> {
    match kind {
        FieldKind::Integer | FieldKind::Number => {
            let a = row.as_f64().or_else(|| row.as_str()?.parse().ok())?;
            let b: f64 = given.parse().ok()?;
            a.partial_cmp(&b)
        }
        FieldKind::DateTime => Some(instant(row.as_str()?)?.cmp(&instant(given)?)),
        FieldKind::Boolean => {
            let a = row.as_bool()?;
            let b = match given {
                "true" => true,
                "false" => false,
                _ => return None,
            };
            Some(a.cmp(&b))
        }
        FieldKind::Uuid => Some(
            text_of(row)
                .to_ascii_lowercase()
                .cmp(&given.to_ascii_lowercase()),
        ),
        _ => Some(text_of(row).as_str().cmp(given)),
    }
}

fn eq(kind: &FieldKind, row: Option<&Value>, given: &str, sem: &Semantics) -> bool {
    let Some(v) = row else { return false };
    if matches!(kind, FieldKind::Text) && !sem.eq_case_sensitive {
        return text_of(v).to_lowercase() == given.to_lowercase();
    }
    compare(kind, v, given) == Some(Ordering::Equal)
}

fn null_rule(n: NullNeq) -> Tri {
    match n {
        NullNeq::Includes => Tri::Yes,
        NullNeq::Excludes => Tri::No,
        NullNeq::Either => Tri::Either,
    }
}

/// Does `row` match one filter?
pub fn matches(
    row: &Value,
    f: &FilterSpec,
    fields: &BTreeMap<String, FieldInfo>,
    sem: &Semantics,
) -> Tri {
    let kind = kind_of(fields, &f.field);
    let v = field_value(row, &f.field);
    let list = || f.value.split(',').map(str::to_string).collect::<Vec<_>>();
    match f.op_name() {
        "eq" => Tri::from(eq(&kind, v, &f.value, sem)),
        "neq" => match v {
            None => null_rule(sem.neq_null),
            Some(_) => Tri::from(!eq(&kind, v, &f.value, sem)),
        },
        "in" => Tri::from(list().iter().any(|x| eq(&kind, v, x, sem))),
        "nin" => match v {
            None => null_rule(sem.nin_null),
            Some(_) => Tri::from(!list().iter().any(|x| eq(&kind, v, x, sem))),
        },
        op @ ("gt" | "gte" | "lt" | "lte") => {
            let Some(o) = v.and_then(|v| compare(&kind, v, &f.value)) else {
                return Tri::No;
            };
            Tri::from(match op {
                "gt" => o == Ordering::Greater,
                "gte" => o != Ordering::Less,
                "lt" => o == Ordering::Less,
                _ => o != Ordering::Greater,
            })
        }
        "like" => Tri::from(
            v.is_some_and(|v| text_of(v).to_lowercase().contains(&f.value.to_lowercase())),
        ),
        "null" => match f.value.as_str() {
            "true" => Tri::from(v.is_none()),
            "false" => Tri::from(v.is_some()),
            _ => Tri::No,
        },
        _ => Tri::No,
    }
}

/// Does `row` match every filter (ANDed)?
pub fn matches_all(
    row: &Value,
    filters: &[FilterSpec],
    fields: &BTreeMap<String, FieldInfo>,
    sem: &Semantics,
) -> Tri {
    filters
        .iter()
        .fold(Tri::Yes, |acc, f| acc.and(matches(row, f, fields, sem)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::schema::NullsOrder;
    use serde_json::json;

    fn sem(n: NullNeq) -> Semantics {
        Semantics {
            neq_null: n,
            nin_null: n,
            eq_case_sensitive: true,
            nulls: NullsOrder::FirstAscending,
            tiebreaker: Some("id".into()),
            default_sort: "-inserted_at".into(),
            notes: vec![],
        }
    }

    fn fields() -> BTreeMap<String, FieldInfo> {
        let f = |kind| FieldInfo {
            kind,
            nullable: true,
            enum_values: vec![],
            pattern: false,
        };
        [
            ("name", f(FieldKind::Text)),
            ("amount_cents", f(FieldKind::Integer)),
            ("due_at", f(FieldKind::DateTime)),
            ("is_featured", f(FieldKind::Boolean)),
            ("metadata", f(FieldKind::Object)),
            ("email", f(FieldKind::Text)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn operators() {
        let row = json!({"name": "École Alpha", "amount_cents": 100, "due_at": "2026-03-01T00:00:00.000000Z",
            "is_featured": true, "metadata": {"source": "web", "flag": false}, "email": null});
        let s = sem(NullNeq::Includes);
        let m =
            |f: &str, op: &str, v: &str| matches(&row, &FilterSpec::new(f, op, v), &fields(), &s);
        assert_eq!(m("name", "like", "éCOLE"), Tri::Yes);
        assert_eq!(m("name", "eq", "école alpha"), Tri::No);
        assert_eq!(m("amount_cents", "gte", "100"), Tri::Yes);
        assert_eq!(m("amount_cents", "gt", "100"), Tri::No);
        assert_eq!(m("amount_cents", "in", "5,100"), Tri::Yes);
        assert_eq!(m("amount_cents", "nin", "5,100"), Tri::No);
        assert_eq!(m("due_at", "lt", "2026-03-02"), Tri::Yes);
        assert_eq!(m("due_at", "eq", "2026-03-01T00:00:00Z"), Tri::Yes);
        assert_eq!(m("is_featured", "eq", "true"), Tri::Yes);
        assert_eq!(m("metadata.source", "eq", "web"), Tri::Yes);
        assert_eq!(m("metadata.flag", "eq", "false"), Tri::Yes);
        assert_eq!(m("metadata.none", "null", "true"), Tri::Yes);
        assert_eq!(m("email", "neq", "x"), Tri::Yes);
        assert_eq!(m("email", "gt", "a"), Tri::No);
        assert_eq!(m("email", "null", "true"), Tri::Yes);
        let strict = sem(NullNeq::Either);
        assert_eq!(
            matches(
                &row,
                &FilterSpec::new("email", "nin", "x"),
                &fields(),
                &strict
            ),
            Tri::Either
        );
    }
}
