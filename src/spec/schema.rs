//! Response-schema validation with `jsonschema`: 2020-12 for OpenAPI 3.1, Draft 4 for 3.0
//! (after rewriting `nullable: true` into a `null` type), format validation on. Every loaded
//! file is registered once; validators are compiled lazily per schema location and cached (at
//! most [`MAX_CACHED`] at once).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

use super::load::{Document, OasVersion};
use super::model::SchemaRef;

/// One schema violation: where in the instance, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub instance_path: String,
    pub message: String,
}

/// Compiled validators kept at once.
const MAX_CACHED: usize = 16;

pub struct SchemaStore {
    /// The document (its files), to check a schema for in-place loops before compiling it.
    doc: Document,
    registry: Registry<'static>,
    draft: Draft,
    cache: Mutex<HashMap<SchemaRef, Result<Arc<Validator>, String>>>,
}

impl std::fmt::Debug for SchemaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaStore")
            .field("draft", &self.draft)
            .finish_non_exhaustive()
    }
}

/// Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema (Draft 4) nullability.
pub fn rewrite_nullable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if !k.starts_with("x-") && !matches!(k.as_str(), "example" | "enum" | "default") {
                    rewrite_nullable(child);
                }
            }
            if m.get("nullable") == Some(&Value::Bool(true)) {
                m.remove("nullable");
                match m.get_mut("type") {
                    Some(Value::String(t)) => {
                        let t = t.clone();
                        m.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(e)) = m.get_mut("enum") {
                            if !e.contains(&Value::Null) {
                                e.push(Value::Null);
                            }
                        }
                    }
                    _ => {
                        // `$ref` or composition with nullable: wrap it.
                        let inner = Value::Object(std::mem::take(m));
                        m.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                    }
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

impl SchemaStore {
    pub fn new(doc: &Document) -> Result<SchemaStore, String> {
        let draft = match doc.version {
            OasVersion::V31 => Draft::Draft202012,
            OasVersion::V30 => Draft::Draft4,
        };
        let mut builder = Registry::new().draft(draft);
        for (url, value) in &doc.files {
            let mut v = value.clone();
            if doc.version == OasVersion::V30 {
                rewrite_nullable(&mut v);
            }
            builder = builder
                .add(url.as_str(), v)
                .map_err(|e| format!("failed to register {url}: {e}"))?;
        }
        let registry = builder
            .prepare()
            .map_err(|e| format!("failed to index the document's schemas: {e}"))?;
        Ok(SchemaStore {
            doc: doc.clone(),
            registry,
            draft,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn validator(&self, at: &SchemaRef) -> Result<Arc<Validator>, String> {
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(at).cloned()) {
            return v;
        }
        let built = self.compile(at);
        if let Ok(mut c) = self.cache.lock() {
            // A validator holds every schema it reaches: in a document whose schemas all refer
            // to each other, one per response schema would grow the run by gigabytes. Start
            // over when full (validators in use stay alive through their Arc).
            if c.len() >= MAX_CACHED {
                c.clear();
            }
            c.insert(at.clone(), built.clone());
        }
        built
    }

    fn compile(&self, at: &SchemaRef) -> Result<Arc<Validator>, String> {
        let frag: String = at
            .pointer
            .split('/')
            .map(|t| percent_encoding::utf8_percent_encode(t, FRAGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let schema = json!({"$ref": format!("{}#{}", at.file, frag)});
        let looping = self
            .doc
            .lookup(&at.file, &format!("#{}", at.pointer))
            .and_then(|(file, s)| in_place_loop(&self.doc, file, s));
        if let Some(r) = looping {
            return Err(format!(
                "failed to compile the schema at {}: through $ref '{r}' it applies a schema to the same value again and again (a loop of $ref, allOf, anyOf, oneOf, not, if, then or else, which JSON Schema leaves undefined)",
                at.pointer
            ));
        }
        jsonschema::options()
            .with_draft(self.draft)
            .should_validate_formats(true)
            .with_registry(&self.registry)
            .build(&schema)
            .map(Arc::new)
            .map_err(|e| format!("failed to compile the schema at {}: {e}", at.pointer))
    }

    /// Validates `instance` against the schema at `at`; Err = the schema itself is unusable.
    pub fn validate(&self, at: &SchemaRef, instance: &Value) -> Result<Vec<Violation>, String> {
        let v = self.validator(at)?;
        Ok(v.iter_errors(instance)
            .take(20)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                message: e.to_string(),
            })
            .collect())
    }
}

/// Whether `schema` compiles on its own, its `$ref`s left out: each referenced schema is
/// checked where it is defined. Compiling with references followed costs, for every schema, all
/// the schemas it reaches — quadratic in time, and in memory once cached, for a large document
/// whose schemas refer to each other (thousands of schemas: minutes and gigabytes).
pub fn compiles_alone(version: OasVersion, schema: &Value) -> Result<(), String> {
    let mut s = schema.clone();
    if version == OasVersion::V30 {
        rewrite_nullable(&mut s);
    }
    strip_refs(&mut s);
    let draft = match version {
        OasVersion::V31 => Draft::Draft202012,
        OasVersion::V30 => Draft::Draft4,
    };
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&s)
        .map(|_| ())
        .map_err(|e| format!("failed to compile the schema: {e}"))
}

/// Removes every `$ref` member (its siblings stay: a schema of their own).
fn strip_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("$ref");
            for (k, child) in m.iter_mut() {
                if !k.starts_with("x-")
                    && !matches!(
                        k.as_str(),
                        "example" | "examples" | "enum" | "default" | "const"
                    )
                {
                    strip_refs(child);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_refs),
        _ => {}
    }
}

/// Most values [`in_place_loop`] reaches before it stops looking further.
const MAX_LOOP_VISITS: usize = 100_000;

/// The subschemas applied to the same instance as `s` (which lives in `file`): its `$ref`
/// target and its `allOf`/`anyOf`/`oneOf` branches, `not`, `if`, `then` and `else`.
fn in_place<'a>(doc: &'a Document, file: &'a str, s: &'a Value) -> Vec<(&'a str, &'a Value)> {
    let mut out = Vec::new();
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        out.extend(doc.lookup(file, r));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for part in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            out.push((file, part));
        }
    }
    for key in ["not", "if", "then", "else"] {
        out.extend(s.get(key).map(|v| (file, v)));
    }
    out.retain(|(_, v)| v.is_object());
    out
}

/// A loop of in-place applicators anywhere a validator compiled for `s` reaches (its
/// subschemas at any depth and the targets of their `$ref`s): validating such a loop applies
/// the same schema to the same value forever, and compiling it fans out exponentially.
/// Returns a `$ref` of the loop, to name it.
fn in_place_loop(doc: &Document, file: &str, s: &Value) -> Option<String> {
    // Every value reachable from `s`, `$ref`s followed.
    let mut reached: Vec<(&str, &Value)> = Vec::new();
    let mut seen: HashSet<*const Value> = HashSet::new();
    let mut work = vec![(file, s)];
    while let Some((f, v)) = work.pop() {
        if seen.len() > MAX_LOOP_VISITS || !seen.insert(v as *const Value) {
            continue;
        }
        match v {
            Value::Object(m) => {
                reached.push((f, v));
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    work.extend(doc.lookup(f, r));
                }
                for (k, child) in m {
                    if !k.starts_with("x-")
                        && !matches!(
                            k.as_str(),
                            "example" | "examples" | "const" | "enum" | "default"
                        )
                    {
                        work.push((f, child));
                    }
                }
            }
            Value::Array(a) => work.extend(a.iter().map(|c| (f, c))),
            _ => {}
        }
    }
    // Depth-first search along in-place edges from each of them: `on_path` are the schemas
    // of the current path (grey), `done` those fully explored (black); reaching a grey one
    // closes a loop.
    let mut done: HashSet<*const Value> = HashSet::new();
    for (f, start) in reached {
        if done.contains(&(start as *const Value)) {
            continue;
        }
        let mut on_path: HashSet<*const Value> = HashSet::from([start as *const Value]);
        let mut stack = vec![(start, in_place(doc, f, start), 0usize)];
        while let Some((node, next, i)) = stack.last_mut() {
            let Some(&(cf, child)) = next.get(*i) else {
                on_path.remove(&(*node as *const Value));
                done.insert(*node as *const Value);
                stack.pop();
                continue;
            };
            *i += 1;
            let key = child as *const Value;
            if on_path.contains(&key) {
                // A JSON tree has no cycles of its own: the loop goes through a `$ref`.
                let from = stack
                    .iter()
                    .position(|(n, _, _)| std::ptr::eq(*n, child))
                    .unwrap_or(0);
                return stack[from..]
                    .iter()
                    .find_map(|(n, _, _)| n.get("$ref").and_then(Value::as_str))
                    .map(str::to_string);
            }
            if done.contains(&key) {
                continue;
            }
            on_path.insert(key);
            stack.push((child, in_place(doc, cf, child), 0));
        }
    }
    None
}

const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'#')
    .add(b'%');

#[cfg(test)]
mod tests {
    use super::super::pointer;
    use super::*;

    #[test]
    fn nullable_becomes_a_null_type() {
        let mut v = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"type": "string", "enum": ["x"], "nullable": true},
            "c": {"$ref": "#/x", "nullable": true}
        }});
        rewrite_nullable(&mut v);
        assert_eq!(v["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(v["properties"]["b"]["enum"], json!(["x", null]));
        assert_eq!(
            v["properties"]["c"],
            json!({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]})
        );
    }

    fn store(yaml: &str) -> (Document, SchemaStore) {
        let root = "file:///t/openapi.yaml";
        let files = std::collections::BTreeMap::from([(root.to_string(), yaml.to_string())]);
        let doc = crate::spec::load::load_in_memory(root, &files).unwrap();
        let store = SchemaStore::new(&doc).unwrap();
        (doc, store)
    }

    #[test]
    fn a_schema_applying_itself_in_place_is_refused_not_validated_forever() {
        // Found with a hand-written input to the openapi_load harness: validating such a `F`
        // took minutes (exponential in the
        // branches), in `specgate lint` and on every response a check run validates.
        let (doc, store) = store(
            "openapi: 3.1.0\ninfo: {title: t, version: v}\npaths: {}\ncomponents:\n  schemas:\n    F:\n      type: object\n      allOf: [{$ref: '#/components/schemas/G'}, {$ref: '#/components/schemas/G'}]\n    G:\n      anyOf: [{$ref: '#/components/schemas/F'}, {type: string}]\n    H:\n      properties: {f: {items: {$ref: '#/components/schemas/F'}}}\n    Tree:\n      type: object\n      properties:\n        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}\n        parent: {oneOf: [{$ref: '#/components/schemas/Tree'}, {type: 'null'}]}\n",
        );
        let at = |p: &str| SchemaRef {
            file: doc.base.to_string(),
            pointer: p.into(),
        };
        let e = store
            .validate(&at("/components/schemas/F"), &json!({}))
            .unwrap_err();
        assert!(
            e.starts_with("failed to compile the schema at /components/schemas/F: through $ref"),
            "{e}"
        );
        // So is a schema that only reaches `F` deeper down.
        let e = store
            .validate(&at("/components/schemas/H"), &json!({}))
            .unwrap_err();
        assert!(e.contains("through $ref '#/components/schemas/"), "{e}");
        // Recursion that descends into the value is fine.
        let ok = store
            .validate(
                &at("/components/schemas/Tree"),
                &json!({"children": [{"parent": null}]}),
            )
            .unwrap();
        assert!(ok.is_empty(), "{ok:?}");
    }

    #[test]
    fn compiles_alone_judges_the_schema_not_what_it_refers_to() {
        let bad = json!({"type": "string", "pattern": "(unclosed"});
        let e = compiles_alone(OasVersion::V31, &bad).unwrap_err();
        assert!(e.starts_with("failed to compile the schema"), "{e}");
        // The referenced schema is judged where it is defined, not here.
        let refers = json!({"type": "object", "properties": {"next": {"$ref": "#/nowhere"}}});
        assert_eq!(compiles_alone(OasVersion::V31, &refers), Ok(()));
        let nullable = json!({"type": "string", "nullable": true});
        assert_eq!(compiles_alone(OasVersion::V30, &nullable), Ok(()));
    }

    #[test]
    fn pointer_escapes_survive() {
        assert_eq!(pointer::escape("application/json"), "application~1json");
    }
}
