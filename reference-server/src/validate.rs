//! Request-body validation for resource writes, driven by the model's field definitions.
//! Produces the guide's 422 error codes (`cant_be_blank`, `inclusion`, `invalid_uuid`, ...).

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

use crate::auth::AuthToken;
use crate::model::{FieldDef, FieldKind, RelationKind, ResourceDef};
use crate::problem::Problem;

/// Field name → error codes, as in a 422 `errors` member.
pub type FieldErrors = Map<String, Value>;

/// How a body is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: required fields must be present; omitted fields take their defaults.
    Create,
    /// PUT: the complete desired state; omitted optional fields are reset to defaults.
    Replace,
    /// PATCH: only fields present are changed.
    Patch,
}

/// Keys clients may echo back from a read without them counting as unknown fields.
const READ_ONLY_KEYS: &[&str] = &[
    "id",
    "inserted_at",
    "updated_at",
    "deleted_at",
    "links",
    "relationships",
    "type",
];

pub fn max_len(res: &str, field: &str) -> usize {
    match (res, field) {
        ("items", "name") => 200,
        ("categories", "name") => 100,
        ("comments", "body") => 5000,
        (_, "email") | (_, "author_email") => 254,
        _ => 2000,
    }
}

/// Default of a writable field when a create or replace omits it.
pub fn default_value(f: &FieldDef) -> Value {
    match (f.name, f.kind) {
        ("status", _) => json!("draft"),
        ("priority", _) => json!("medium"),
        ("currency", _) => json!("USD"),
        (_, FieldKind::Integer) => json!(0),
        (_, FieldKind::Bool) => json!(false),
        (_, FieldKind::JsonMap) => json!({}),
        (_, FieldKind::JsonArray) => json!([]),
        _ => Value::Null,
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

fn is_decimal(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    (1..=6).contains(&int.len())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| (1..=6).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Validates one value for a field; returns the normalised value or an error code.
fn check_value(res: &ResourceDef, f: &FieldDef, v: &Value) -> Result<Value, &'static str> {
    if v.is_null() {
        return if f.nullable {
            Ok(Value::Null)
        } else {
            Err("cant_be_blank")
        };
    }
    match f.kind {
        FieldKind::Text => {
            let s = v.as_str().ok_or("invalid_format")?;
            if s.trim().is_empty() {
                return Err("cant_be_blank");
            }
            if s.chars().count() > max_len(res.name, f.name) {
                return Err("too_long");
            }
            Ok(Value::String(s.to_string()))
        }
        FieldKind::Enum(values) => {
            let s = v.as_str().ok_or("inclusion")?;
            if values.contains(&s) {
                Ok(v.clone())
            } else {
                Err("inclusion")
            }
        }
        FieldKind::Uuid => {
            let s = v.as_str().ok_or("invalid_uuid")?;
            if crate::util::is_uuid(s) {
                Ok(Value::String(s.to_ascii_lowercase()))
            } else {
                Err("invalid_uuid")
            }
        }
        FieldKind::Integer => {
            if let Some(i) = v.as_i64() {
                if i < 0 {
                    Err("greater_than")
                } else if i > 1_000_000_000_000 {
                    Err("less_than")
                } else {
                    Ok(json!(i))
                }
            } else if v.is_number() {
                Err("not_an_integer")
            } else {
                Err("not_a_number")
            }
        }
        FieldKind::Decimal => match v.as_str() {
            Some(s) if is_decimal(s) => Ok(v.clone()),
            _ => Err("invalid_format"),
        },
        FieldKind::Email => {
            let s = v.as_str().ok_or("invalid_format")?;
            if s.len() > max_len(res.name, f.name) {
                Err("too_long")
            } else if looks_like_email(s) {
                Ok(v.clone())
            } else {
                Err("invalid_format")
            }
        }
        FieldKind::Timestamp => v
            .as_str()
            .and_then(crate::util::normalise_timestamp)
            .map(Value::String)
            .ok_or("invalid_date"),
        FieldKind::Bool => v.as_bool().map(Value::Bool).ok_or("invalid_format"),
        FieldKind::JsonMap => {
            if !v.is_object() {
                return Err("invalid_format");
            }
            if serde_json::to_string(v)
                .map(|s| s.len())
                .unwrap_or(usize::MAX)
                > 16 * 1024
            {
                return Err("too_long");
            }
            Ok(v.clone())
        }
        FieldKind::JsonArray => {
            let arr = v.as_array().ok_or("invalid_format")?;
            if arr.len() > 50 {
                return Err("too_long");
            }
            for t in arr {
                match t.as_str() {
                    Some(s) if !s.is_empty() && s.chars().count() <= 50 => {}
                    _ => return Err("invalid_format"),
                }
            }
            Ok(v.clone())
        }
    }
}

/// The resource a foreign-key field points at, if any.
pub fn fk_target(res: &ResourceDef, field: &str) -> Option<&'static str> {
    res.relations.iter().find_map(|r| match r.kind {
        RelationKind::ToOne { fk } if fk == field => Some(r.target),
        _ => None,
    })
}

/// Does a live row `id` of `table` exist in the workspace?
pub fn live_exists(conn: &Connection, table: &str, ws: &str, id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!(
            "SELECT 1 FROM {table} WHERE id = ?1 AND workspace_id = ?2 AND deleted_at IS NULL"
        ),
        [id, ws],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
}

/// Validates `body` for `res` and returns the complete set of writable attribute values.
/// `current` is the stored representation (PATCH starts from it).
pub fn validate(
    conn: &Connection,
    token: &AuthToken,
    res: &'static ResourceDef,
    body: &Map<String, Value>,
    mode: Mode,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, Problem> {
    let (values, errors) = validate_collect(conn, token, res, body, mode, current)?;
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(Problem::validation(errors))
    }
}

/// Like [`validate`], but returns the error map instead of a problem (bulk operations key
/// the errors by item).
pub fn validate_collect(
    conn: &Connection,
    token: &AuthToken,
    res: &'static ResourceDef,
    body: &Map<String, Value>,
    mode: Mode,
    current: Option<&Map<String, Value>>,
) -> Result<(Map<String, Value>, FieldErrors), Problem> {
    let mut errors: Map<String, Value> = Map::new();
    let mut add = |field: &str, code: &str| {
        let e = errors.entry(field.to_string()).or_insert_with(|| json!([]));
        if let Some(a) = e.as_array_mut() {
            if !a.iter().any(|c| c == code) {
                a.push(json!(code));
            }
        }
    };
    for key in body.keys() {
        let writable = res.field(key).is_some_and(|f| f.writable);
        if !writable && !READ_ONLY_KEYS.contains(&key.as_str()) {
            add(key, "unknown_field");
        }
    }
    let mut values = Map::new();
    for f in res.fields.iter().filter(|f| f.writable) {
        let given = body.get(f.name);
        let v = match (given, mode) {
            (Some(v), _) => match check_value(res, f, v) {
                Ok(v) => v,
                Err(code) => {
                    add(f.name, code);
                    continue;
                }
            },
            (None, Mode::Patch) => current
                .and_then(|c| c.get(f.name).cloned())
                .unwrap_or_else(|| default_value(f)),
            (None, _) if f.required => {
                add(f.name, "cant_be_blank");
                continue;
            }
            (None, _) => default_value(f),
        };
        values.insert(f.name.to_string(), v);
    }
    // References: read scope on the referenced resource first (no existence leak), then existence.
    for f in res
        .fields
        .iter()
        .filter(|f| f.writable && f.kind == FieldKind::Uuid)
    {
        let Some(target) = fk_target(res, f.name) else {
            continue;
        };
        let Some(Value::String(id)) = values.get(f.name) else {
            continue;
        };
        let changed = current.and_then(|c| c.get(f.name)).and_then(Value::as_str) != Some(id);
        if !changed {
            continue;
        }
        if !token.allows(target, "read") {
            add(f.name, "insufficient_scope");
        } else if !live_exists(conn, target, &token.workspace_id, id)? {
            add(f.name, "not_found");
        }
    }
    Ok((values, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ITEMS;

    fn field(name: &str) -> &'static FieldDef {
        ITEMS.field(name).unwrap()
    }

    #[test]
    fn codes_follow_the_guide() {
        assert_eq!(
            check_value(&ITEMS, field("name"), &json!("")),
            Err("cant_be_blank")
        );
        assert_eq!(
            check_value(&ITEMS, field("name"), &json!("x".repeat(201))),
            Err("too_long")
        );
        assert_eq!(
            check_value(&ITEMS, field("status"), &json!("gone")),
            Err("inclusion")
        );
        assert_eq!(
            check_value(&ITEMS, field("category_id"), &json!("nope")),
            Err("invalid_uuid")
        );
        assert_eq!(
            check_value(&ITEMS, field("amount_cents"), &json!(19.99)),
            Err("not_an_integer")
        );
        assert_eq!(
            check_value(&ITEMS, field("amount_cents"), &json!("12")),
            Err("not_a_number")
        );
        assert_eq!(
            check_value(&ITEMS, field("amount_cents"), &json!(-1)),
            Err("greater_than")
        );
        assert_eq!(
            check_value(&ITEMS, field("tax_rate"), &json!(0.5)),
            Err("invalid_format")
        );
        assert_eq!(
            check_value(&ITEMS, field("email"), &json!("not-an-email")),
            Err("invalid_format")
        );
        assert_eq!(
            check_value(&ITEMS, field("due_at"), &json!("03/01/2026")),
            Err("invalid_date")
        );
        assert_eq!(
            check_value(&ITEMS, field("tags"), &Value::Null),
            Err("cant_be_blank")
        );
        assert_eq!(
            check_value(&ITEMS, field("metadata"), &Value::Null),
            Ok(Value::Null)
        );
    }

    #[test]
    fn timestamps_are_normalised_to_utc() {
        assert_eq!(
            check_value(&ITEMS, field("due_at"), &json!("2026-03-15T12:00:00+02:00")),
            Ok(json!("2026-03-15T10:00:00.000000Z"))
        );
    }

    #[test]
    fn decimals() {
        for ok in ["0", "0.0875", "123456.123456"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", ".5", "1.", "1e5", "-1", "1234567"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }
}
