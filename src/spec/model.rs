//! The API model built from a loaded document: operations with their parameters, bodies,
//! responses and security, grouped into resources, plus what the document declares about
//! filters, sorts, search, includes, pagination and bulk modes (see `docs/reading-openapi.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::load::{Document, OasVersion};
use super::pointer;
use super::schema::SchemaStore;

pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a schema lives: (file URL, JSON pointer).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaRef {
    pub file: String,
    pub pointer: String,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    /// The resolved schema (refs followed one level; nested refs stay refs).
    pub schema: Option<Value>,
    pub style: Option<String>,
    pub explode: Option<bool>,
    pub description: Option<String>,
    pub pointer: String,
}

#[derive(Debug, Clone, Default)]
pub struct ResponseSpec {
    pub pointer: String,
    /// Media type → schema.
    pub content: BTreeMap<String, Option<SchemaRef>>,
    /// Lower-cased header name → required.
    pub headers: BTreeMap<String, bool>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path as written in the document.
    pub path: String,
    /// Path on the server: servers base path (or a path-level override) + path.
    pub full_path: String,
    pub pointer: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub parameters: Vec<Param>,
    pub request_body: Option<BTreeMap<String, Option<SchemaRef>>>,
    pub request_body_required: bool,
    /// Status ("200", "4XX", "default") → response.
    pub responses: BTreeMap<String, ResponseSpec>,
    /// `security: []` (or `[{}]`) on the operation.
    pub public: bool,
    /// Every `x-` member of the operation.
    pub extensions: Map<String, Value>,
    /// The raw operation object (resolved).
    pub raw: Value,
}

impl Operation {
    pub fn param(&self, name: &str, location: &str) -> Option<&Param> {
        self.parameters
            .iter()
            .find(|p| p.name == name && p.location == location)
    }

    /// The response declared for `status`: exact code, then `4XX`-style range, then `default`.
    pub fn response_for(&self, status: u16) -> Option<&ResponseSpec> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        self.responses
            .get(&exact)
            .or_else(|| self.responses.get(&range))
            .or_else(|| self.responses.get(&range.to_lowercase()))
            .or_else(|| self.responses.get("default"))
    }

    /// Does this operation's path template match a concrete path (query string excluded)?
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && template_matches(&self.full_path, path)
    }

    pub fn is_collection_get(&self) -> bool {
        self.method == "GET" && !self.path.trim_end_matches('/').ends_with('}')
    }

    pub fn path_params(&self) -> usize {
        self.path.matches('{').count()
    }
}

/// `/api/v1/items/{id}` matches `/api/v1/items/3f2…`.
/// Allocation-free and stops at the first differing segment: it runs for every operation of
/// the document on every recorded exchange.
pub fn template_matches(template: &str, path: &str) -> bool {
    let mut t = template.trim_end_matches('/').split('/');
    let mut p = path.trim_end_matches('/').split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(a), Some(b))
                if (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b => {}
            _ => return false,
        }
    }
}

/// A resource: a collection path (`/items`) and its item path (`/items/{id}`), with the
/// query capabilities the document declares.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    /// First segment after the base path, e.g. "items".
    pub name: String,
    pub collection_path: Option<String>,
    pub item_path: Option<String>,
    /// Declared filterable fields → operators (`x-filterable`, or a deepObject `filter` schema).
    pub filterable: BTreeMap<String, Vec<String>>,
    pub sortable: Vec<String>,
    pub searchable: Vec<String>,
    pub includes: Vec<String>,
    pub pagination: Vec<String>,
    /// Bulk operations: (method, path) → "partial" | "atomic".
    pub bulk: BTreeMap<(String, String), String>,
    /// Nested read-only lists: (child name, full path).
    pub nested: Vec<(String, String)>,
}

/// Everything specgate knows about the API under test.
#[derive(Debug, Clone)]
pub struct ApiModel {
    pub doc: Document,
    /// Path of `servers[0].url` (e.g. "/api/v1"; "" when absent).
    pub base_path: String,
    pub operations: Vec<Operation>,
    pub resources: Vec<Resource>,
    /// The document's schemas compiled for validation: built on first use, shared by clones.
    schemas: Arc<OnceLock<Result<SchemaStore, String>>>,
}

impl ApiModel {
    pub fn version(&self) -> OasVersion {
        self.doc.version
    }

    /// The validator store of this document (every rule kind reaches it through the model).
    /// Err = the document's schemas cannot be registered (the message says why).
    pub fn schemas(&self) -> Result<&SchemaStore, &str> {
        self.schemas
            .get_or_init(|| SchemaStore::new(&self.doc))
            .as_ref()
            .map_err(String::as_str)
    }

    pub fn root(&self) -> &Value {
        self.doc.root()
    }

    /// The documented operation serving `method path`, if any.
    pub fn find_operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        // Prefer literal segments over templated ones (`/items/search` before `/items/{id}`).
        self.operations
            .iter()
            .filter(|o| o.matches(method, path))
            .min_by_key(|o| o.path_params())
    }

    pub fn operation_by_id(&self, id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(id))
    }

    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// Collection GET operations (top-level and nested).
    pub fn list_operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter().filter(|o| self.is_list_operation(o))
    }

    /// Is `op` one of [`list_operations`](Self::list_operations)? (Asked of one operation,
    /// without walking them all: rules ask it of every operation of documents with thousands.)
    pub fn is_list_operation(&self, op: &Operation) -> bool {
        op.is_collection_get() && returns_collection(self, op)
    }
}

/// Does a GET's 200 schema look like a collection (`data` is an array)?
fn returns_collection(model: &ApiModel, op: &Operation) -> bool {
    let Some(resp) = op.responses.get("200") else {
        return false;
    };
    let Some(Some(schema)) = resp.content.get("application/json") else {
        return false;
    };
    let Some((file, s)) = model
        .doc
        .lookup(&schema.file, &format!("#{}", schema.pointer))
    else {
        return false;
    };
    let Some((file, s)) = model.doc.resolve(file, s) else {
        return false;
    };
    let data = s.get("properties").and_then(|p| p.get("data"));
    data.and_then(|d| model.doc.resolve(file, d))
        .is_some_and(|(_, d)| {
            d.get("type") == Some(&Value::String("array".into()))
                || d.get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|t| t == "array"))
        })
}

fn url_path(url: &str) -> String {
    let path = if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        rest.find('/').map(|i| &rest[i..]).unwrap_or("")
    } else {
        url
    };
    path.trim_end_matches('/').to_string()
}

fn servers_base(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
        .map(url_path)
}

/// Builds the model from a loaded document.
pub fn build(doc: Document) -> ApiModel {
    let root_file = doc.base.to_string();
    let root = doc.root().clone();
    let base_path = servers_base(root.get("servers")).unwrap_or_default();
    let mut operations = Vec::new();
    if let Some(paths) = root.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item_ptr = format!("/paths/{}", pointer::escape(path));
            let Some((item_file, item)) = doc.resolve(&root_file, item) else {
                continue;
            };
            let item_file = item_file.to_string();
            let path_base = servers_base(item.get("servers")).unwrap_or_else(|| base_path.clone());
            let shared: Vec<Param> = params_of(
                &doc,
                &item_file,
                item.get("parameters"),
                &format!("{item_ptr}/parameters"),
            );
            for m in METHODS {
                let Some(op) = item.get(*m) else { continue };
                let op_ptr = format!("{item_ptr}/{m}");
                let Some((op_file, op)) = doc.resolve(&item_file, op) else {
                    continue;
                };
                let op_file = op_file.to_string();
                let mut parameters = params_of(
                    &doc,
                    &op_file,
                    op.get("parameters"),
                    &format!("{op_ptr}/parameters"),
                );
                for p in &shared {
                    if !parameters
                        .iter()
                        .any(|q| q.name == p.name && q.location == p.location)
                    {
                        parameters.push(p.clone());
                    }
                }
                let full_path = format!(
                    "{}{}",
                    servers_base(op.get("servers")).unwrap_or_else(|| path_base.clone()),
                    path
                );
                let (request_body, request_body_required) = body_of(
                    &doc,
                    &op_file,
                    op.get("requestBody"),
                    &format!("{op_ptr}/requestBody"),
                );
                let responses = responses_of(
                    &doc,
                    &op_file,
                    op.get("responses"),
                    &format!("{op_ptr}/responses"),
                );
                let security = op.get("security");
                let public = security.and_then(Value::as_array).is_some_and(|a| {
                    a.is_empty() || a.iter().any(|r| r.as_object().is_some_and(Map::is_empty))
                });
                let extensions: Map<String, Value> = op
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, _)| k.starts_with("x-"))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(Operation {
                    method: m.to_uppercase(),
                    path: path.clone(),
                    full_path,
                    pointer: op_ptr,
                    operation_id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    summary: op
                        .get("summary")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    tags: op
                        .get("tags")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    parameters,
                    request_body,
                    request_body_required,
                    responses,
                    public,
                    extensions,
                    raw: op.clone(),
                });
            }
        }
    }
    let mut model = ApiModel {
        doc,
        base_path,
        operations,
        resources: Vec::new(),
        schemas: Arc::new(OnceLock::new()),
    };
    model.resources = resources_of(&model);
    model
}

fn params_of(doc: &Document, file: &str, v: Option<&Value>, ptr: &str) -> Vec<Param> {
    let Some(list) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (pf, p) = doc.resolve(file, p)?;
            let schema = p
                .get("schema")
                .and_then(|s| doc.resolve(pf, s))
                .map(|(_, s)| s.clone());
            Some(Param {
                name: p.get("name")?.as_str()?.to_string(),
                location: p.get("in")?.as_str()?.to_string(),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema,
                style: p.get("style").and_then(Value::as_str).map(str::to_string),
                explode: p.get("explode").and_then(Value::as_bool),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                pointer: format!("{ptr}/{i}"),
            })
        })
        .collect()
}

fn content_of(
    doc: &Document,
    file: &str,
    content: Option<&Value>,
    ptr: &str,
) -> BTreeMap<String, Option<SchemaRef>> {
    let mut out = BTreeMap::new();
    let Some(content) = content.and_then(Value::as_object) else {
        return out;
    };
    for (media, m) in content {
        let schema = m.get("schema").map(|_| SchemaRef {
            file: file.to_string(),
            pointer: format!("{ptr}/{}/schema", pointer::escape(media)),
        });
        let _ = doc;
        out.insert(media.to_ascii_lowercase(), schema);
    }
    out
}

fn body_of(
    doc: &Document,
    file: &str,
    v: Option<&Value>,
    ptr: &str,
) -> (Option<BTreeMap<String, Option<SchemaRef>>>, bool) {
    let Some(v) = v else { return (None, false) };
    let (file, ptr) = ref_target(doc, file, v, ptr);
    let Some(b) = pointer_value(doc, &file, &ptr) else {
        return (None, false);
    };
    (
        Some(content_of(
            doc,
            &file,
            b.get("content"),
            &format!("{ptr}/content"),
        )),
        b.get("required").and_then(Value::as_bool).unwrap_or(false),
    )
}

/// Follows a `$ref` chain at `v` and returns the (file, pointer) of the target, so that schema
/// pointers stay addressable for validation.
fn ref_target(doc: &Document, file: &str, v: &Value, ptr: &str) -> (String, String) {
    let (mut file, mut ptr, mut v) = (file.to_string(), ptr.to_string(), v.clone());
    for _ in 0..64 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some((f, target)) = doc.lookup(&file, r) else {
            break;
        };
        let frag = r
            .split_once('#')
            .map(|(_, f)| f.to_string())
            .unwrap_or_default();
        file = f.to_string();
        ptr = percent_encoding::percent_decode_str(&frag)
            .decode_utf8_lossy()
            .into_owned();
        v = target.clone();
    }
    (file, ptr)
}

fn pointer_value<'a>(doc: &'a Document, file: &str, ptr: &str) -> Option<&'a Value> {
    doc.files.get(file).and_then(|d| pointer::get(d, ptr))
}

fn responses_of(
    doc: &Document,
    file: &str,
    v: Option<&Value>,
    ptr: &str,
) -> BTreeMap<String, ResponseSpec> {
    let mut out = BTreeMap::new();
    let Some(map) = v.and_then(Value::as_object) else {
        return out;
    };
    for (status, r) in map {
        let (rf, rp) = ref_target(doc, file, r, &format!("{ptr}/{}", pointer::escape(status)));
        let Some(resp) = pointer_value(doc, &rf, &rp) else {
            continue;
        };
        let mut headers = BTreeMap::new();
        if let Some(h) = resp.get("headers").and_then(Value::as_object) {
            for (name, hv) in h {
                let required = doc
                    .resolve(&rf, hv)
                    .and_then(|(_, h)| h.get("required"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                headers.insert(name.to_ascii_lowercase(), required);
            }
        }
        out.insert(
            status.clone(),
            ResponseSpec {
                pointer: rp.clone(),
                content: content_of(doc, &rf, resp.get("content"), &format!("{rp}/content")),
                headers,
            },
        );
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Enum values of an array-or-string parameter schema.
fn param_enum(p: &Param) -> Vec<String> {
    let Some(s) = &p.schema else {
        return Vec::new();
    };
    let items = s.get("items").unwrap_or(s);
    strings(items.get("enum"))
}

fn resources_of(model: &ApiModel) -> Vec<Resource> {
    let mut by_name: BTreeMap<String, Resource> = BTreeMap::new();
    for op in &model.operations {
        let rel = op
            .full_path
            .strip_prefix(&model.base_path)
            .unwrap_or(&op.full_path);
        let segs: Vec<&str> = rel
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let Some(first) = segs.first() else { continue };
        if first.starts_with('{') {
            continue;
        }
        let r = by_name
            .entry(first.to_string())
            .or_insert_with(|| Resource {
                name: first.to_string(),
                ..Resource::default()
            });
        let is_param = |s: &str| s.starts_with('{') && s.ends_with('}');
        match segs.as_slice() {
            [_] => {
                r.collection_path = Some(op.full_path.clone());
                if op.method == "GET" {
                    absorb_list_capabilities(r, op);
                }
            }
            [_, id] if is_param(id) => r.item_path = Some(op.full_path.clone()),
            [_, "bulk"] => {
                let mode = op
                    .extensions
                    .get("x-bulk-mode")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        if op.responses.contains_key("207") {
                            "partial".into()
                        } else {
                            "atomic".into()
                        }
                    });
                r.bulk
                    .insert((op.method.clone(), op.full_path.clone()), mode);
            }
            [_, id, child]
                if is_param(id)
                    && !is_param(child)
                    && op.method == "GET"
                    && op.is_collection_get()
                    && returns_collection(model, op) =>
            {
                r.nested.push((child.to_string(), op.full_path.clone()));
            }
            _ => {}
        }
    }
    by_name.into_values().collect()
}

fn absorb_list_capabilities(r: &mut Resource, op: &Operation) {
    let ext = &op.extensions;
    if let Some(f) = ext.get("x-filterable").and_then(Value::as_object) {
        for (field, ops) in f {
            r.filterable.insert(field.clone(), strings(Some(ops)));
        }
    } else if let Some(p) = op.param("filter", "query") {
        // A deepObject `filter` parameter: properties = fields, their properties = operators.
        if let Some(props) = p
            .schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
        {
            for (field, s) in props {
                let ops = s
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_else(|| vec!["eq".into()]);
                r.filterable.insert(field.clone(), ops);
            }
        }
    }
    r.sortable = strings(ext.get("x-sortable"));
    if r.sortable.is_empty() {
        if let Some(p) = op.param("sort", "query") {
            let set: BTreeSet<String> = param_enum(p)
                .into_iter()
                .map(|v| v.trim_start_matches('-').to_string())
                .collect();
            r.sortable = set.into_iter().collect();
        }
    }
    r.searchable = strings(ext.get("x-searchable"));
    if r.searchable.is_empty() {
        if let Some(p) = op.param("q", "query") {
            r.searchable = p
                .schema
                .as_ref()
                .map(|s| strings(s.get("x-searchable")))
                .unwrap_or_default();
        }
    }
    r.includes = strings(ext.get("x-includes"));
    if r.includes.is_empty() {
        if let Some(p) = op.param("include", "query") {
            r.includes = param_enum(p);
        }
    }
    r.pagination = strings(ext.get("x-pagination"));
}

#[cfg(test)]
mod tests {
    use super::template_matches;

    #[test]
    fn templates_match_segment_by_segment() {
        assert!(template_matches("/api/v1/items/{id}", "/api/v1/items/3f2"));
        assert!(template_matches("/api/v1/items/", "/api/v1/items"));
        assert!(!template_matches("/api/v1/items/{id}", "/api/v1/items/"));
        assert!(!template_matches(
            "/api/v1/items/{id}",
            "/api/v1/items/3f2/comments"
        ));
        assert!(!template_matches(
            "/api/v1/items/{id}/comments",
            "/api/v1/items/3f2"
        ));
        assert!(!template_matches("/api/v1/items", "/api/v1/files"));
    }
}
