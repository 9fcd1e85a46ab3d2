//! Response-schema validation with `jsonschema`: 2020-12 for OpenAPI 3.1, Draft 4 for 3.0
//! (after rewriting `nullable: true` into a `null` type), format validation on. Every loaded
//! file is registered once; validators are compiled lazily per schema location and cached.

use std::collections::HashMap;
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

pub struct SchemaStore {
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
            registry,
            draft,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn validator(&self, at: &SchemaRef) -> Result<Arc<Validator>, String> {
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(at).cloned()) {
            return v;
        }
        let frag: String = at
            .pointer
            .split('/')
            .map(|t| percent_encoding::utf8_percent_encode(t, FRAGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let schema = json!({"$ref": format!("{}#{}", at.file, frag)});
        let built = jsonschema::options()
            .with_draft(self.draft)
            .should_validate_formats(true)
            .with_registry(&self.registry)
            .build(&schema)
            .map(Arc::new)
            .map_err(|e| format!("failed to compile the schema at {}: {e}", at.pointer));
        if let Ok(mut c) = self.cache.lock() {
            c.insert(at.clone(), built.clone());
        }
        built
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

    #[test]
    fn pointer_escapes_survive() {
        assert_eq!(pointer::escape("application/json"), "application~1json");
    }
}
