//! What the oracle needs to know about a resource's fields (their JSON kinds, read from the
//! list operation's response schema) and about the target's documented semantics.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::spec::{ApiModel, Operation};

/// The kind of value a field holds, as far as comparisons go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Integer,
    Number,
    Boolean,
    /// `format: date-time`: compared as instants.
    DateTime,
    /// `format: date`.
    Date,
    Uuid,
    /// Any other string (enums included).
    Text,
    /// A JSON object (JSONB): filterable by `field.key` paths, never sortable.
    Object,
    Array,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub kind: FieldKind,
    pub nullable: bool,
    /// `enum` values (strings) when the schema lists them.
    pub enum_values: Vec<String>,
    /// The schema has a `pattern` (decimal strings such as `tax_rate`).
    pub pattern: bool,
}

fn type_names(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// How many `oneOf`/`anyOf`/`allOf` wrappers [`field_info`] looks through: a schema that wraps
/// a `$ref` to itself would otherwise recurse until the stack overflows.
const MAX_WRAPPERS: usize = 16;

fn unknown() -> FieldInfo {
    FieldInfo {
        kind: FieldKind::Unknown,
        nullable: true,
        enum_values: vec![],
        pattern: false,
    }
}

/// Reads a (resolved) property schema.
pub fn field_info(model: &ApiModel, file: &str, s: &Value) -> FieldInfo {
    field_info_at(model, file, s, 0)
}

fn field_info_at(model: &ApiModel, file: &str, s: &Value, depth: usize) -> FieldInfo {
    if depth > MAX_WRAPPERS {
        return unknown();
    }
    let Some((file, s)) = model.doc.resolve(file, s) else {
        return unknown();
    };
    // `oneOf/anyOf: [{$ref}, {type: null}]` and `allOf: [{$ref}]`.
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = s.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> =
                parts.iter().filter(|p| type_names(p) != ["null"]).collect();
            if let Some(first) = non_null.first() {
                let mut info = field_info_at(model, file, first, depth + 1);
                info.nullable |= non_null.len() < parts.len();
                return info;
            }
        }
    }
    let types = type_names(s);
    let nullable = types.iter().any(|t| t == "null")
        || s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    let main = types
        .iter()
        .find(|t| *t != "null")
        .cloned()
        .unwrap_or_else(|| {
            if s.get("properties").is_some() {
                "object".into()
            } else {
                String::new()
            }
        });
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    let kind = match (main.as_str(), format) {
        ("integer", _) => FieldKind::Integer,
        ("number", _) => FieldKind::Number,
        ("boolean", _) => FieldKind::Boolean,
        ("string", "date-time") => FieldKind::DateTime,
        ("string", "date") => FieldKind::Date,
        ("string", "uuid") => FieldKind::Uuid,
        ("string", _) => FieldKind::Text,
        ("object", _) => FieldKind::Object,
        ("array", _) => FieldKind::Array,
        _ => FieldKind::Unknown,
    };
    FieldInfo {
        kind,
        nullable,
        enum_values: s
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        pattern: s.get("pattern").is_some(),
    }
}

/// The properties of the entries a list operation returns (`data[]` of its 200 schema).
pub fn list_fields(model: &ApiModel, op: &Operation) -> BTreeMap<String, FieldInfo> {
    let mut out = BTreeMap::new();
    let Some(Some(schema)) = op
        .responses
        .get("200")
        .and_then(|r| r.content.get("application/json"))
    else {
        return out;
    };
    let Some((file, s)) = model
        .doc
        .lookup(&schema.file, &format!("#{}", schema.pointer))
        .and_then(|(f, v)| model.doc.resolve(f, v))
    else {
        return out;
    };
    let Some((file, data)) = s
        .get("properties")
        .and_then(|p| p.get("data"))
        .and_then(|d| model.doc.resolve(file, d))
    else {
        return out;
    };
    let Some((file, item)) = data.get("items").and_then(|i| model.doc.resolve(file, i)) else {
        return out;
    };
    collect_properties(model, file, item, &mut out, 0, &mut HashSet::new());
    out
}

/// `seen` holds the schemas already read (by address: the document does not change), so parts
/// that refer back to their schema are read once instead of fanning out exponentially.
fn collect_properties(
    model: &ApiModel,
    file: &str,
    s: &Value,
    out: &mut BTreeMap<String, FieldInfo>,
    depth: usize,
    seen: &mut HashSet<*const Value>,
) {
    if depth > 6 || !seen.insert(s as *const Value) {
        return;
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            out.insert(name.clone(), field_info(model, file, p));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some((f, part)) = model.doc.resolve(file, part) {
                collect_properties(model, f, part, out, depth + 1, seen);
            }
        }
    }
}

/// How `neq`/`nin` treat null rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullNeq {
    /// Documented: null rows match `neq`/`nin` (the reference server's reading).
    Includes,
    /// Documented: null rows never match (SQL `!=`).
    Excludes,
    /// Undocumented: either is accepted.
    Either,
}

/// Where nulls sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    FirstAscending,
    LastAscending,
    /// Undocumented: null positions are not judged.
    Unknown,
}

/// The semantics a target documents on a list operation, with the defaults applied.
#[derive(Debug, Clone)]
pub struct Semantics {
    pub neq_null: NullNeq,
    pub nin_null: NullNeq,
    /// `eq` on strings is case-sensitive (default) or not.
    pub eq_case_sensitive: bool,
    pub nulls: NullsOrder,
    /// `x-sort-tiebreaker` (e.g. `id`, ascending); None = ties are not judged.
    pub tiebreaker: Option<String>,
    /// `x-sort-default` (e.g. `-inserted_at`).
    pub default_sort: String,
    /// Notes on readings applied where the document is silent.
    pub notes: Vec<String>,
}

impl Semantics {
    pub fn of(op: &Operation) -> Semantics {
        let ext = &op.extensions;
        let sem = ext.get("x-filter-semantics");
        let get = |k: &str| sem.and_then(|s| s.get(k)).and_then(Value::as_str);
        let mut notes = vec![];
        let null_neq = |k: &str, notes: &mut Vec<String>| match get(k) {
            Some(v) if v.contains("includes-null") => NullNeq::Includes,
            Some(v) if v.contains("excludes-null") || v.contains("never") => NullNeq::Excludes,
            _ => {
                notes.push(format!(
                    "the document does not say whether {k} matches null rows (x-filter-semantics.{k}); \
                     null rows are accepted either way"
                ));
                NullNeq::Either
            }
        };
        let neq_null = null_neq("neq", &mut notes);
        let nin_null = null_neq("nin", &mut notes);
        let eq_case_sensitive = !get("eq").is_some_and(|v| v.contains("insensitive"));
        let nulls = match ext.get("x-sort-nulls").and_then(Value::as_str) {
            Some(v) if v.starts_with("first") => NullsOrder::FirstAscending,
            Some(v) if v.starts_with("last") => NullsOrder::LastAscending,
            _ => {
                notes.push(
                    "the document does not say where nulls sort (x-sort-nulls); their position is not judged"
                        .into(),
                );
                NullsOrder::Unknown
            }
        };
        let tiebreaker = ext
            .get("x-sort-tiebreaker")
            .and_then(Value::as_str)
            .map(str::to_string);
        if tiebreaker.is_none() {
            notes.push(
                "the document names no sort tiebreaker (x-sort-tiebreaker); the order of ties is not judged"
                    .into(),
            );
        }
        Semantics {
            neq_null,
            nin_null,
            eq_case_sensitive,
            nulls,
            tiebreaker,
            default_sort: ext
                .get("x-sort-default")
                .and_then(Value::as_str)
                .unwrap_or("-inserted_at")
                .to_string(),
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn model(yaml: &str) -> ApiModel {
        let root = "file:///t/openapi.yaml";
        let files = BTreeMap::from([(root.to_string(), yaml.to_string())]);
        crate::spec::build(crate::spec::load::load_in_memory(root, &files).unwrap())
    }

    #[test]
    fn a_schema_wrapping_a_ref_to_itself_is_unknown_not_a_stack_overflow() {
        // A legal document (the ref reaches content). Found by reading the code while writing
        // the openapi_load fuzz target; the fuzzer had not reached it.
        let m = model(
            "openapi: 3.1.0\ninfo: {title: t, version: v}\npaths:\n  /items:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                properties:\n                  data:\n                    type: array\n                    items:\n                      properties:\n                        loop: {$ref: '#/components/schemas/Loop'}\n                        n: {oneOf: [{type: integer}, {type: 'null'}]}\ncomponents:\n  schemas:\n    Loop:\n      oneOf:\n        - $ref: '#/components/schemas/Loop'\n",
        );
        let fields = list_fields(&m, &m.operations[0]);
        assert_eq!(fields["loop"].kind, FieldKind::Unknown);
        assert_eq!(fields["n"].kind, FieldKind::Integer);
        assert!(fields["n"].nullable);
    }
}
