//! Minimal valid request bodies from a JSON Schema: required properties only, each given the
//! simplest value its schema allows. Unique-looking strings carry the run marker.

use serde_json::{Map, Value, json};

use crate::spec::{ApiModel, SchemaRef};

/// Most schemas one generated value may visit: `allOf` parts and required properties that
/// refer back to their schema would otherwise fan out exponentially within the depth limit.
const MAX_VISITS: usize = 4096;

/// Generates a value for `schema` (which lives in `file`). `name_hint` produces unique strings.
pub fn minimal(
    model: &ApiModel,
    file: &str,
    schema: &Value,
    unique: &dyn Fn(&str) -> String,
    depth: usize,
) -> Value {
    minimal_in(model, file, schema, unique, depth, &mut MAX_VISITS.clone())
}

fn minimal_in(
    model: &ApiModel,
    file: &str,
    schema: &Value,
    unique: &dyn Fn(&str) -> String,
    depth: usize,
    budget: &mut usize,
) -> Value {
    let Some((file, schema)) = model.doc.resolve(file, schema) else {
        return Value::Null;
    };
    if depth > 8 || *budget == 0 {
        return Value::Null;
    }
    *budget -= 1;
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|v| !v.is_null()))
    {
        return e.clone();
    }
    if let Some(d) = schema.get("default") {
        return d.clone();
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            if key == "allOf" {
                let mut merged = Map::new();
                for part in schema[key].as_array().into_iter().flatten() {
                    if let Value::Object(m) =
                        minimal_in(model, file, part, unique, depth + 1, budget)
                    {
                        merged.extend(m);
                    }
                }
                return Value::Object(merged);
            }
            return minimal_in(model, file, first, unique, depth + 1, budget);
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "string".into(),
    };
    match ty.as_str() {
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let props = schema.get("properties").and_then(Value::as_object);
            for name in required {
                let v = props
                    .and_then(|p| p.get(name))
                    .map(|s| string_for_name(name, s, model, file, unique, depth, budget))
                    .unwrap_or(Value::String(unique(name)));
                out.insert(name.to_string(), v);
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0)
        ),
        "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0)),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            Some("email") => json!("specgate@example.com"),
            Some("date-time") => json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            Some("date") => json!(chrono::Utc::now().format("%Y-%m-%d").to_string()),
            Some("uri") => json!("https://example.com/specgate"),
            _ => json!(unique("specgate")),
        },
    }
}

fn string_for_name(
    name: &str,
    s: &Value,
    model: &ApiModel,
    file: &str,
    unique: &dyn Fn(&str) -> String,
    depth: usize,
    budget: &mut usize,
) -> Value {
    let v = minimal_in(model, file, s, unique, depth + 1, budget);
    match (&v, name) {
        (Value::String(_), n)
            if n == "name" || n == "title" || n == "body" || n == "description" =>
        {
            json!(unique(n))
        }
        _ => v,
    }
}

/// Minimal create body of an operation's JSON request body.
pub fn for_body(model: &ApiModel, schema: &SchemaRef, unique: &dyn Fn(&str) -> String) -> Value {
    let Some(doc) = model.doc.files.get(&schema.file) else {
        return json!({});
    };
    let Some(s) = crate::spec::pointer::get(doc, &schema.pointer) else {
        return json!({});
    };
    minimal(model, &schema.file, s, unique, 0)
}
