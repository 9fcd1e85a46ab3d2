//! The filter grammar: `filter[field][op]=value` (and `filter[field]=value` for `eq`).
//!
//! A filter targets either a model field that lists the operator in its `filter_ops`, or a
//! key path inside a JSON map field (`metadata.source`, `metadata.a.b`) with the operators of
//! [`model::JSON_PATH_OPS`]. Values are validated and normalised here according to the field's
//! [`FieldKind`], so the SQL layer only binds ready-made [`Value`]s.

use rusqlite::types::Value;

use super::error::QueryError;
use crate::model::{self, FieldDef, FieldKind, Op, ResourceDef};

/// What a filter compares.
#[derive(Debug, Clone)]
pub enum FilterTarget {
    /// A column of the resource's table.
    Column(&'static FieldDef),
    /// The JSON text of `field` at `keys` (`metadata.a.b` → field `metadata`, keys `[a, b]`).
    JsonPath {
        field: &'static FieldDef,
        keys: Vec<String>,
    },
}

impl FilterTarget {
    /// The name as written in the request: `status`, `metadata.source`.
    pub fn name(&self) -> String {
        match self {
            FilterTarget::Column(f) => f.name.to_string(),
            FilterTarget::JsonPath { field, keys } => format!("{}.{}", field.name, keys.join(".")),
        }
    }

    /// True when the filter is on `deleted_at` (which lifts the default exclusion of
    /// soft-deleted rows).
    pub fn is_deleted_at(&self) -> bool {
        matches!(self, FilterTarget::Column(f) if f.name == "deleted_at")
    }
}

/// A validated filter value.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// eq, neq, gt, gte, lt, lte, like.
    One(Value),
    /// in, nin.
    Many(Vec<Value>),
    /// null: `true` → IS NULL, `false` → IS NOT NULL.
    IsNull(bool),
}

/// One parsed, validated filter.
#[derive(Debug, Clone)]
pub struct Filter {
    pub target: FilterTarget,
    pub op: Op,
    pub value: FilterValue,
    /// The value as the client wrote it (lists joined with `,`), for canonical links.
    pub raw: String,
}

impl Filter {
    /// Canonical query-parameter name: `filter[status][eq]`.
    pub fn param_name(&self) -> String {
        format!("filter[{}][{}]", self.target.name(), self.op.as_str())
    }
}

/// A filter value before validation: a query-string value, or a JSON array from a search body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawValue {
    Text(String),
    List(Vec<String>),
}

/// Splits a query-string key `filter[f]` / `filter[f][op]` into `(f, op)`; None when malformed.
pub(crate) fn split_filter_key(key: &str) -> Option<(&str, Option<&str>)> {
    let rest = key.strip_prefix("filter[")?;
    let close = rest.find(']')?;
    let field = &rest[..close];
    if field.is_empty() || field.contains('[') {
        return None;
    }
    let after = &rest[close + 1..];
    if after.is_empty() {
        return Some((field, None));
    }
    let op = after.strip_prefix('[')?.strip_suffix(']')?;
    if op.contains('[') || op.contains(']') {
        return None;
    }
    Some((field, Some(op)))
}

fn valid_json_key(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Resolves a filter field name against the resource.
pub(crate) fn resolve_target(
    res: &'static ResourceDef,
    name: &str,
    param: &str,
) -> Result<FilterTarget, QueryError> {
    if let Some(field) = res.field(name) {
        if field.filter_ops.is_empty() {
            return Err(QueryError::new(
                param,
                format!("field '{name}' of {} is not filterable", res.name),
            ));
        }
        return Ok(FilterTarget::Column(field));
    }
    let json_field = name
        .split_once('.')
        .filter(|(head, _)| res.json_path_fields.contains(head))
        .and_then(|(head, tail)| res.field(head).map(|f| (f, tail)));
    if let Some((field, tail)) = json_field {
        let keys: Vec<String> = tail.split('.').map(str::to_string).collect();
        if let Some(bad) = keys.iter().find(|k| !valid_json_key(k)) {
            return Err(QueryError::new(
                param,
                format!(
                    "invalid key '{bad}' in filter field '{name}': keys are 1-64 characters of A-Z, a-z, 0-9 and _"
                ),
            ));
        }
        return Ok(FilterTarget::JsonPath { field, keys });
    }
    Err(QueryError::new(
        param,
        format!("unknown filter field '{name}' for {}", res.name),
    ))
}

fn allowed_ops(target: &FilterTarget) -> &'static [Op] {
    match target {
        FilterTarget::Column(f) => f.filter_ops,
        FilterTarget::JsonPath { .. } => model::JSON_PATH_OPS,
    }
}

fn op_list(ops: &[Op]) -> String {
    ops.iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses and validates one filter.
pub(crate) fn build_filter(
    res: &'static ResourceDef,
    field_name: &str,
    op_name: Option<&str>,
    raw: RawValue,
    param: &str,
) -> Result<Filter, QueryError> {
    let target = resolve_target(res, field_name, param)?;
    let allowed = allowed_ops(&target);
    let op = match op_name {
        None => Op::Eq,
        Some(s) => Op::parse(s).ok_or_else(|| {
            QueryError::new(
                param,
                format!(
                    "unknown filter operator '{s}' for field '{field_name}' (supported: {})",
                    op_list(allowed)
                ),
            )
        })?,
    };
    if !allowed.contains(&op) {
        return Err(QueryError::new(
            param,
            format!(
                "operator '{}' is not supported for filter field '{field_name}' (supported: {})",
                op.as_str(),
                op_list(allowed)
            ),
        ));
    }
    let raw_text = match &raw {
        RawValue::Text(s) => s.clone(),
        RawValue::List(items) => items.join(","),
    };
    let value = match op {
        Op::In | Op::Nin => {
            let items: Vec<String> = match raw {
                RawValue::Text(s) => s.split(',').map(str::to_string).collect(),
                RawValue::List(items) => items,
            };
            if items.is_empty() {
                return Err(QueryError::new(
                    param,
                    format!("{param} needs at least one value"),
                ));
            }
            let values = items
                .iter()
                .map(|s| scalar(&target, s, param))
                .collect::<Result<Vec<_>, _>>()?;
            FilterValue::Many(values)
        }
        _ => {
            let RawValue::Text(s) = raw else {
                return Err(QueryError::new(
                    param,
                    format!("{param} takes a single value, not a list"),
                ));
            };
            match op {
                Op::Null => FilterValue::IsNull(parse_bool(&s, param)?),
                Op::Like => FilterValue::One(Value::Text(s)),
                _ => FilterValue::One(scalar(&target, &s, param)?),
            }
        }
    };
    Ok(Filter {
        target,
        op,
        value,
        raw: raw_text,
    })
}

fn parse_bool(s: &str, param: &str) -> Result<bool, QueryError> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(QueryError::new(
            param,
            format!("invalid value '{s}' for {param}: expected true or false"),
        )),
    }
}

/// Validates and converts one comparison value for the target's kind.
fn scalar(target: &FilterTarget, s: &str, param: &str) -> Result<Value, QueryError> {
    let field = match target {
        FilterTarget::JsonPath { .. } => return Ok(Value::Text(s.to_string())),
        FilterTarget::Column(f) => f,
    };
    let bad = |expected: &str| {
        QueryError::new(
            param,
            format!("invalid value '{s}' for {param}: expected {expected}"),
        )
    };
    match field.kind {
        FieldKind::Text | FieldKind::Email => Ok(Value::Text(s.to_string())),
        FieldKind::Uuid => uuid::Uuid::try_parse(s)
            .map(|u| Value::Text(u.hyphenated().to_string()))
            .map_err(|_| bad("a UUID")),
        FieldKind::Enum(values) => {
            if values.contains(&s) {
                Ok(Value::Text(s.to_string()))
            } else {
                Err(bad(&format!("one of {}", values.join(", "))))
            }
        }
        FieldKind::Integer => s
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| bad("an integer")),
        FieldKind::Decimal => parse_decimal(s)
            .map(Value::Real)
            .ok_or_else(|| bad("a decimal number such as 0.0875")),
        FieldKind::Timestamp => normalise_timestamp(s)
            .map(Value::Text)
            .ok_or_else(|| bad("an RFC 3339 UTC timestamp ending in Z, or a date YYYY-MM-DD")),
        FieldKind::Bool => parse_bool(s, param).map(|b| Value::Integer(b as i64)),
        FieldKind::JsonMap | FieldKind::JsonArray => Err(bad("a filterable value")),
    }
}

fn parse_decimal(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    s.parse().ok()
}

/// Timestamp format of the stored columns; string order equals time order.
pub(crate) const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// `2026-03-01` → `2026-03-01T00:00:00.000000Z`; `2026-03-01T10:00:00Z` and
/// `2026-03-01T10:00:00.5Z` likewise; anything not ending in `Z` (or `z`) → None. Fractions
/// beyond microseconds are truncated.
pub(crate) fn normalise_timestamp(s: &str) -> Option<String> {
    if s.len() == 10 {
        let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        return Some(
            date.and_hms_opt(0, 0, 0)?
                .format(TIMESTAMP_FORMAT)
                .to_string(),
        );
    }
    if !(s.ends_with('Z') || s.ends_with('z')) {
        return None;
    }
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(dt.naive_utc().format(TIMESTAMP_FORMAT).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{COMMENTS, ITEMS};

    fn build(field: &str, op: Option<&str>, v: &str) -> Result<Filter, QueryError> {
        build_filter(&ITEMS, field, op, RawValue::Text(v.into()), "p")
    }

    #[test]
    fn splits_filter_keys() {
        assert_eq!(split_filter_key("filter[status]"), Some(("status", None)));
        assert_eq!(
            split_filter_key("filter[status][eq]"),
            Some(("status", Some("eq")))
        );
        assert_eq!(
            split_filter_key("filter[metadata.a.b][like]"),
            Some(("metadata.a.b", Some("like")))
        );
        for bad in [
            "filter",
            "filter[]",
            "filter[a",
            "filter[a]x",
            "filter[a][b][c]",
            "filter[a][b",
            "filter[a[b]]",
        ] {
            assert_eq!(split_filter_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn normalises_timestamps() {
        assert_eq!(
            normalise_timestamp("2026-03-01").as_deref(),
            Some("2026-03-01T00:00:00.000000Z")
        );
        assert_eq!(
            normalise_timestamp("2026-03-01T10:20:30Z").as_deref(),
            Some("2026-03-01T10:20:30.000000Z")
        );
        assert_eq!(
            normalise_timestamp("2026-03-01T10:20:30.5Z").as_deref(),
            Some("2026-03-01T10:20:30.500000Z")
        );
        assert_eq!(
            normalise_timestamp("2026-03-01T10:20:30.123456789Z").as_deref(),
            Some("2026-03-01T10:20:30.123456Z")
        );
        for bad in [
            "2026-03-01T10:20:30+02:00",
            "2026-03-01T10:20:30+00:00",
            "2026-03-01T10:20:30",
            "2026-13-01",
            "yesterday",
            "",
        ] {
            assert_eq!(normalise_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn validates_values_by_kind() {
        let f = build("amount_cents", Some("gte"), "100").unwrap();
        assert_eq!(f.value, FilterValue::One(Value::Integer(100)));
        let e = build("amount_cents", Some("gte"), "1.5").unwrap_err();
        assert!(e.detail.contains("'1.5'"), "{}", e.detail);
        let e = build("status", None, "bogus").unwrap_err();
        assert!(e.detail.contains("'bogus'"), "{}", e.detail);
        let e = build("is_featured", None, "yes").unwrap_err();
        assert!(e.detail.contains("'yes'"));
        let f = build("is_featured", None, "true").unwrap();
        assert_eq!(f.value, FilterValue::One(Value::Integer(1)));
        let e = build("category_id", None, "not-a-uuid").unwrap_err();
        assert!(e.detail.contains("'not-a-uuid'"));
        let f = build("category_id", None, "550E8400-E29B-41D4-A716-446655440000").unwrap();
        assert_eq!(
            f.value,
            FilterValue::One(Value::Text("550e8400-e29b-41d4-a716-446655440000".into()))
        );
        let e = build("due_at", Some("gt"), "2026-03-01T10:00:00+02:00").unwrap_err();
        assert!(e.detail.contains("+02:00"));
        let f = build("tax_rate", None, "0.0875").unwrap();
        assert_eq!(f.value, FilterValue::One(Value::Real(0.0875)));
        assert!(build("tax_rate", None, "1e3").is_err());
        let e = build("status", Some("in"), "draft,nope").unwrap_err();
        assert!(e.detail.contains("'nope'"));
        let f = build("status", Some("nin"), "draft,active").unwrap();
        assert_eq!(
            f.value,
            FilterValue::Many(vec![
                Value::Text("draft".into()),
                Value::Text("active".into())
            ])
        );
        let e = build("due_at", Some("null"), "maybe").unwrap_err();
        assert!(e.detail.contains("'maybe'"));
        assert_eq!(
            build("due_at", Some("null"), "false").unwrap().value,
            FilterValue::IsNull(false)
        );
    }

    #[test]
    fn names_unknown_fields_and_ops() {
        let e = build("nope", None, "x").unwrap_err();
        assert!(e.detail.contains("'nope'"));
        let e = build("name", Some("gt"), "x").unwrap_err();
        assert!(e.detail.contains("'gt'"));
        let e = build("name", Some("regex"), "x").unwrap_err();
        assert!(e.detail.contains("'regex'"));
        let e = build("tags", None, "x").unwrap_err();
        assert!(e.detail.contains("'tags'"));
        let e = build("metadata", None, "x").unwrap_err();
        assert!(e.detail.contains("'metadata'"));
        let e = build("metadata.a-b", None, "x").unwrap_err();
        assert!(e.detail.contains("'a-b'"));
        let e = build("metadata.source", Some("gt"), "x").unwrap_err();
        assert!(e.detail.contains("'gt'"));
        let f = build("metadata.source.deep_1", None, "x").unwrap();
        assert_eq!(f.target.name(), "metadata.source.deep_1");
        // JSON paths exist only where the model declares them.
        let e =
            build_filter(&COMMENTS, "body.x", None, RawValue::Text("x".into()), "p").unwrap_err();
        assert!(e.detail.contains("'body.x'"));
        let e =
            build_filter(&ITEMS, "name", None, RawValue::List(vec!["a".into()]), "p").unwrap_err();
        assert!(e.detail.contains("single value"));
    }
}
