//! Reading schemas the way rules need them: follow `$ref`s, merge `allOf`, collect properties,
//! required names, types and enum values, and find the `data` schema of an operation's
//! response. Every walk is bounded, so recursive schemas (a tree whose nodes refer to the tree)
//! cannot loop.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use super::load::Document;
use super::model::{ApiModel, Operation, SchemaRef};
use super::pointer;

/// How deep `allOf`/`oneOf`/`anyOf` nesting is followed.
const MAX_DEPTH: usize = 16;

/// Schemas already visited by one walk (by address: the document does not change while it is
/// walked), so a schema reached twice, or through a cycle of compositions, is read once.
type Seen = HashSet<*const Value>;

fn first_visit(seen: &mut Seen, v: &Value) -> bool {
    seen.insert(v as *const Value)
}

/// A schema and the file it lives in (refs inside it resolve against that file).
pub type At<'a> = (&'a str, &'a Value);

/// The value a [`SchemaRef`] points at, `$ref`s followed.
pub fn at<'a>(doc: &'a Document, r: &'a SchemaRef) -> Option<At<'a>> {
    let (file, raw) = doc.files.get_key_value(&r.file)?;
    let v = pointer::get(raw, &r.pointer)?;
    doc.resolve(file.as_str(), v)
}

/// Resolves `$ref` chains.
pub fn resolve<'a>(doc: &'a Document, file: &'a str, v: &'a Value) -> Option<At<'a>> {
    doc.resolve(file, v)
}

/// The schema's own properties plus those of its `allOf` parts; with `branches`, also those of
/// `oneOf`/`anyOf` branches. The first definition of a name wins.
pub fn properties<'a>(
    doc: &'a Document,
    file: &'a str,
    schema: &'a Value,
    branches: bool,
) -> BTreeMap<String, At<'a>> {
    let mut out = BTreeMap::new();
    collect_properties(doc, file, schema, branches, 0, &mut Seen::new(), &mut out);
    out
}

fn collect_properties<'a>(
    doc: &'a Document,
    file: &'a str,
    schema: &'a Value,
    branches: bool,
    depth: usize,
    seen: &mut Seen,
    out: &mut BTreeMap<String, At<'a>>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some((file, schema)) = doc.resolve(file, schema) else {
        return;
    };
    if !first_visit(seen, schema) {
        return;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            out.entry(name.clone()).or_insert((file, s));
        }
    }
    let mut keys = vec!["allOf"];
    if branches {
        keys.extend(["oneOf", "anyOf"]);
    }
    for key in keys {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_properties(doc, file, part, branches, depth + 1, seen, out);
        }
    }
}

/// Names the schema (or any of its `allOf` parts) lists as required.
pub fn required(doc: &Document, file: &str, schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_required(doc, file, schema, 0, &mut Seen::new(), &mut out);
    out
}

fn collect_required(
    doc: &Document,
    file: &str,
    schema: &Value,
    depth: usize,
    seen: &mut Seen,
    out: &mut BTreeSet<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some((file, schema)) = doc.resolve(file, schema) else {
        return;
    };
    if !first_visit(seen, schema) {
        return;
    }
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = r.as_str() {
            out.insert(r.to_string());
        }
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_required(doc, file, part, depth + 1, seen, out);
    }
    // A `oneOf`/`anyOf` body requires what every branch requires.
    for key in ["oneOf", "anyOf"] {
        let Some(branches) = schema.get(key).and_then(Value::as_array) else {
            continue;
        };
        let mut common: Option<BTreeSet<String>> = None;
        for part in branches {
            let mut r = BTreeSet::new();
            collect_required(doc, file, part, depth + 1, &mut seen.clone(), &mut r);
            common = Some(match common {
                None => r,
                Some(c) => c.intersection(&r).cloned().collect(),
            });
        }
        out.extend(common.unwrap_or_default());
    }
}

/// The JSON types a schema admits (`type` string or array, `nullable: true` adds "null";
/// `allOf` parts intersect loosely by union of what they state; branches union). Empty = any.
pub fn types(doc: &Document, file: &str, schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_types(doc, file, schema, 0, &mut Seen::new(), &mut out);
    out
}

fn collect_types(
    doc: &Document,
    file: &str,
    schema: &Value,
    depth: usize,
    seen: &mut Seen,
    out: &mut BTreeSet<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some((file, schema)) = doc.resolve(file, schema) else {
        return;
    };
    if !first_visit(seen, schema) {
        return;
    }
    match schema.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.clone());
        }
        Some(Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(Value::as_str).map(str::to_string));
        }
        _ => {}
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        out.insert("null".into());
    }
    if schema.get("type").is_none() && schema.get("properties").is_some() {
        out.insert("object".into());
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_types(doc, file, part, depth + 1, seen, out);
        }
    }
}

/// The fixed values a schema allows: its `enum` (or `const`), through `$ref`s, array `items`
/// and `oneOf`/`anyOf`/`allOf` parts; `null` left out. None = no fixed list.
pub fn enum_values(doc: &Document, file: &str, schema: &Value) -> Option<Vec<Value>> {
    enum_depth(doc, file, schema, 0, &mut Seen::new())
}

fn enum_depth(
    doc: &Document,
    file: &str,
    schema: &Value,
    depth: usize,
    seen: &mut Seen,
) -> Option<Vec<Value>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (file, schema) = doc.resolve(file, schema)?;
    if !first_visit(seen, schema) {
        return None;
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return Some(e.iter().filter(|v| !v.is_null()).cloned().collect());
    }
    if let Some(c) = schema.get("const") {
        return Some(vec![c.clone()]).filter(|_| !c.is_null());
    }
    if let Some(items) = schema.get("items") {
        if let Some(v) = enum_depth(doc, file, items, depth + 1, seen) {
            return Some(v);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let mut found: Option<Vec<Value>> = None;
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(v) = enum_depth(doc, file, part, depth + 1, seen) {
                let f = found.get_or_insert_with(Vec::new);
                for x in v {
                    if !f.contains(&x) {
                        f.push(x);
                    }
                }
            }
        }
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The schema of `op`'s response `status` for `media` (a media type, or None = the first JSON
/// one), `$ref`s followed.
pub fn response_schema<'a>(
    model: &'a ApiModel,
    op: &'a Operation,
    status: &str,
    media: Option<&str>,
) -> Option<At<'a>> {
    let resp = op.responses.get(status)?;
    let schema = match media {
        Some(m) => resp.content.get(m)?.as_ref()?,
        None => resp
            .content
            .iter()
            .find(|(m, _)| is_json(m))
            .and_then(|(_, s)| s.as_ref())?,
    };
    at(&model.doc, schema)
}

/// The schema of `op`'s JSON request body, `$ref`s followed.
pub fn request_schema<'a>(model: &'a ApiModel, op: &'a Operation) -> Option<At<'a>> {
    let body = op.request_body.as_ref()?;
    let schema = body
        .iter()
        .find(|(m, _)| is_json(m))
        .and_then(|(_, s)| s.as_ref())?;
    at(&model.doc, schema)
}

/// The schema of the `data` member of `op`'s first 2xx JSON response.
pub fn data_schema<'a>(model: &'a ApiModel, op: &'a Operation) -> Option<At<'a>> {
    let status = op
        .responses
        .keys()
        .find(|s| s.starts_with('2') && s.len() == 3)?;
    let (file, schema) = response_schema(model, op, status, None)?;
    let props = properties(&model.doc, file, schema, false);
    let (file, data) = props.get("data")?;
    model.doc.resolve(file, data)
}

/// The schema of one resource entry: `data` itself, or its `items` when `data` is an array.
pub fn entry_schema<'a>(model: &'a ApiModel, op: &'a Operation) -> Option<At<'a>> {
    let (file, data) = data_schema(model, op)?;
    if types(&model.doc, file, data).contains("array") {
        let items = data.get("items")?;
        return model.doc.resolve(file, items);
    }
    Some((file, data))
}

/// Is this a JSON media type (`application/json` or a `+json` suffix)?
pub fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim();
    m.eq_ignore_ascii_case("application/json")
        || m.to_ascii_lowercase().ends_with("+json")
        || m == "*/*"
        || m.eq_ignore_ascii_case("application/*")
}

/// Every JSON value in `v` (depth-first) whose key path is given to `f` as a JSON pointer.
pub fn for_each<'a>(v: &'a Value, ptr: String, f: &mut dyn FnMut(&str, &'a Value)) {
    f(&ptr, v);
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                for_each(child, format!("{ptr}/{}", pointer::escape(k)), f);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                for_each(child, format!("{ptr}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(root: Value) -> Document {
        let base = url::Url::parse("file:///t/openapi.json").unwrap();
        let mut files = BTreeMap::new();
        files.insert(base.to_string(), root);
        Document {
            location: "t".into(),
            version: super::super::OasVersion::V31,
            base,
            files,
        }
    }

    #[test]
    fn properties_merge_all_of_and_survive_cycles() {
        let d = doc(json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}},
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}, {"properties": {"a": {"type": "string"}}}]},
            "B": {"allOf": [{"$ref": "#/components/schemas/A"}], "properties": {"b": {"type": "integer"}}, "required": ["b"]}
        }}}));
        let f = d.base.to_string();
        let a = json!({"$ref": "#/components/schemas/A"});
        let props = properties(&d, &f, &a, false);
        assert_eq!(props.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(required(&d, &f, &a).contains("b"));
        let node = json!({"$ref": "#/components/schemas/Node"});
        assert_eq!(properties(&d, &f, &node, true).len(), 1);
    }

    #[test]
    fn wide_composition_cycles_are_read_once() {
        let refs: Vec<Value> = (0..12)
            .map(|_| json!({"$ref": "#/components/schemas/W"}))
            .collect();
        let d = doc(json!({"components": {"schemas": {
            "W": {"oneOf": refs, "allOf": [{"$ref": "#/components/schemas/W"}], "properties": {"w": {}}}
        }}}));
        let f = d.base.to_string();
        let w = json!({"$ref": "#/components/schemas/W"});
        assert_eq!(properties(&d, &f, &w, true).len(), 1);
        assert_eq!(enum_values(&d, &f, &w), None);
        assert_eq!(types(&d, &f, &w), BTreeSet::from(["object".to_string()]));
        assert!(required(&d, &f, &w).is_empty());
    }

    #[test]
    fn enums_through_items_refs_and_nullable() {
        let d = doc(json!({"components": {"schemas": {
            "E": {"type": "string", "enum": ["x", "y", null]}
        }}}));
        let f = d.base.to_string();
        let arr = json!({"type": "array", "items": {"$ref": "#/components/schemas/E"}});
        assert_eq!(
            enum_values(&d, &f, &arr),
            Some(vec![json!("x"), json!("y")])
        );
        let t = json!({"type": ["string", "null"]});
        assert_eq!(
            types(&d, &f, &t),
            ["null", "string"].iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(enum_values(&d, &f, &t), None);
    }
}
