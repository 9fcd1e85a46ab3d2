//! Shared machinery of the write-path families (`etag`, `idempotency`, `put-patch`, `jsonb`,
//! `bulk`, `soft-delete`, `files`): the resource the probes write to and its body schemas as the
//! document declares them, requests with the full-access token, and small readers of responses.
//! Nothing here is a rule; each family file says what it checks.

use std::collections::HashSet;
use std::sync::Arc;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::Outcome;
use crate::client::{Exchange, Req};
use crate::run::fixtures::{self, Created};
use crate::run::{Ctx, data};
use crate::spec::{ApiModel, Operation, Resource, SchemaRef};

/// One property of a request-body schema, `$ref` resolved.
#[derive(Debug, Clone)]
pub struct Prop {
    pub name: String,
    pub schema: Value,
    pub required: bool,
}

impl Prop {
    /// The JSON types the schema allows (`type` string or array; `object` when only
    /// `properties` is given).
    pub fn types(&self) -> Vec<&str> {
        match self.schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ if self.schema.get("properties").is_some() => vec!["object"],
            _ => vec![],
        }
    }

    pub fn has_type(&self, t: &str) -> bool {
        self.types().contains(&t)
    }

    pub fn nullable(&self) -> bool {
        self.has_type("null") || self.schema.get("nullable") == Some(&Value::Bool(true))
    }

    /// A JSON column: an object- or array-typed property (the guide's JSONB fields).
    pub fn is_jsonb(&self) -> bool {
        self.has_type("object") || self.has_type("array")
    }

    pub fn read_only(&self) -> bool {
        self.schema.get("readOnly") == Some(&Value::Bool(true))
    }

    pub fn enum_values(&self) -> Vec<Value> {
        self.schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|v| !v.is_null()).cloned().collect())
            .unwrap_or_default()
    }

    pub fn default(&self) -> Option<&Value> {
        self.schema.get("default")
    }

    /// A free-text string: no format, pattern, enum or reference (`*_id`).
    pub fn plain_string(&self) -> bool {
        self.has_type("string")
            && !self.is_jsonb()
            && self.schema.get("format").is_none()
            && self.schema.get("pattern").is_none_or(|p| p == "\\S")
            && self.schema.get("enum").is_none()
            && !self.name.ends_with("_id")
    }
}

/// The properties of an operation's `application/json` request body (top level and `allOf`
/// parts), each resolved.
pub fn body_props(model: &ApiModel, op: &Operation) -> Vec<Prop> {
    let Some(schema) = op
        .request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
    else {
        return vec![];
    };
    schema_props(model, &schema)
}

pub fn schema_props(model: &ApiModel, schema: &SchemaRef) -> Vec<Prop> {
    let Some((file, s)) = model
        .doc
        .lookup(&schema.file, &format!("#{}", schema.pointer))
        .and_then(|(f, v)| model.doc.resolve(f, v))
    else {
        return vec![];
    };
    let mut out = Vec::new();
    collect_props(model, file, s, &mut out, 0, &mut HashSet::new());
    out
}

/// `seen` holds the schemas already read (by address), so `allOf` parts that refer back to
/// their schema are read once instead of fanning out exponentially.
fn collect_props(
    model: &ApiModel,
    file: &str,
    s: &Value,
    out: &mut Vec<Prop>,
    depth: usize,
    seen: &mut HashSet<*const Value>,
) {
    if depth > 8 || !seen.insert(s as *const Value) {
        return;
    }
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let schema = model
                .doc
                .resolve(file, p)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            out.retain(|q: &Prop| &q.name != name);
            out.push(Prop {
                name: name.clone(),
                schema,
                required: required.contains(&name.as_str()),
            });
        }
    }
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some((f, v)) = model.doc.resolve(file, part) {
            collect_props(model, f, v, out, depth + 1, seen);
        }
    }
}

/// The resource the write probes exercise, with its create, replace and update bodies.
pub struct Writable<'m> {
    pub res: &'m Resource,
    /// Collection path on the server, e.g. /api/v1/items.
    pub collection: String,
    pub create: Vec<Prop>,
    /// PUT body properties (the create body's when PUT documents none).
    pub replace: Vec<Prop>,
}

/// The resource with full CRUD (see [`fixtures::writable_resource`]), or the skip saying why
/// there is none.
pub fn writable(model: &ApiModel) -> Result<Writable<'_>, Outcome> {
    let res = fixtures::writable_resource(model).ok_or_else(|| {
        Outcome::skipped(
            "the document has no resource with POST on its collection and GET, PUT, PATCH and \
             DELETE on its items",
        )
    })?;
    Ok(writable_for(model, res))
}

/// [`Writable`] of a given resource.
pub fn writable_for<'m>(model: &'m ApiModel, res: &'m Resource) -> Writable<'m> {
    let collection = res.collection_path.clone().unwrap_or_default();
    let create = fixtures::create_op(model, res)
        .map(|op| body_props(model, op))
        .unwrap_or_default();
    let replace = res
        .item_path
        .as_ref()
        .and_then(|p| {
            model
                .operations
                .iter()
                .find(|o| o.method == "PUT" && &o.full_path == p)
        })
        .map(|op| body_props(model, op))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| create.clone());
    Writable {
        res,
        collection,
        create,
        replace,
    }
}

impl Writable<'_> {
    pub fn name(&self) -> &str {
        &self.res.name
    }

    /// The field identifying a record for people: a required free-text string (`name`).
    pub fn label(&self) -> Option<&Prop> {
        self.create
            .iter()
            .find(|p| p.required && p.plain_string() && !p.read_only())
    }

    /// An optional, nullable free-text field (`description`).
    pub fn nullable_text(&self) -> Option<&Prop> {
        self.create
            .iter()
            .find(|p| !p.required && p.nullable() && p.plain_string() && !p.read_only())
    }

    /// Optional properties whose value the probes can set and whose reset value is known:
    /// nullable free text (resets to null) and enums with a default (reset to it).
    pub fn resettable(&self) -> Vec<&Prop> {
        self.replace
            .iter()
            .filter(|p| !p.required && !p.read_only())
            .filter(|p| {
                (p.nullable() && p.plain_string())
                    || (p.enum_values().len() > 1 && p.default().is_some())
            })
            .collect()
    }

    /// JSON columns (object- or array-typed properties).
    pub fn jsonb(&self) -> Vec<&Prop> {
        self.create
            .iter()
            .filter(|p| p.is_jsonb() && !p.read_only())
            .collect()
    }

    pub fn filterable(&self, field: &str, op: &str) -> bool {
        self.res
            .filterable
            .get(field)
            .is_some_and(|ops| ops.iter().any(|o| o == op))
    }

    /// A PUT body: every replace-schema property the representation carries.
    pub fn replace_body(&self, repr: &Value) -> Map<String, Value> {
        let mut out = Map::new();
        for p in self.replace.iter().filter(|p| !p.read_only()) {
            if let Some(v) = repr.get(&p.name) {
                out.insert(p.name.clone(), v.clone());
            }
        }
        out
    }

    /// A one-field PATCH body that changes the record (a new label, else new free text,
    /// else another enum value, else a flipped boolean).
    pub fn change(&self, ctx: &Ctx, repr: &Value) -> Option<Value> {
        if let Some(p) = self.label().or_else(|| self.nullable_text()) {
            return Some(json!({ p.name.clone(): ctx.unique_name(&p.name) }));
        }
        for p in self.create.iter().filter(|p| !p.read_only()) {
            let cur = repr.get(&p.name);
            if let Some(v) = p.enum_values().into_iter().find(|v| Some(v) != cur) {
                return Some(json!({ p.name.clone(): v }));
            }
            if p.has_type("boolean") {
                let b = cur.and_then(Value::as_bool).unwrap_or(false);
                return Some(json!({ p.name.clone(): !b }));
            }
        }
        None
    }

    /// The items path of record `id`.
    pub fn item(&self, id: &str) -> String {
        format!("{}/{id}", self.collection)
    }
}

/// Creates a fixture; a failure is the harness's (reported as an error, never as passed).
pub async fn fixture(ctx: &Ctx, w: &Writable<'_>, overrides: Value) -> Result<Created, Outcome> {
    fixtures::create(ctx, w.name(), overrides)
        .await
        .map_err(Outcome::error)
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// GET with the full-access token (retried on transport errors: the response is not under
/// test, only the state it shows).
pub async fn get(ctx: &Ctx, path: &str) -> Arc<Exchange> {
    ctx.send(Req::get(path).token("full")).await
}

/// A JSON write whose response is under test (never retried), with an optional If-Match.
pub async fn write(
    ctx: &Ctx,
    method: Method,
    path: &str,
    body: Value,
    if_match: Option<&str>,
) -> Arc<Exchange> {
    let mut req = Req::new(method, path).token("full").json(body).no_retry();
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    ctx.send(req).await
}

pub async fn patch(ctx: &Ctx, path: &str, body: Value, if_match: Option<&str>) -> Arc<Exchange> {
    write(ctx, Method::PATCH, path, body, if_match).await
}

pub async fn put(ctx: &Ctx, path: &str, body: Value, if_match: Option<&str>) -> Arc<Exchange> {
    write(ctx, Method::PUT, path, body, if_match).await
}

pub async fn delete(ctx: &Ctx, path: &str) -> Arc<Exchange> {
    ctx.send(Req::new(Method::DELETE, path).token("full").no_retry())
        .await
}

pub fn etag(ex: &Exchange) -> Option<String> {
    ex.header("etag").map(str::to_string)
}

/// `data` of a response, or Null.
pub fn data_of(ex: &Exchange) -> Value {
    data(ex).cloned().unwrap_or(Value::Null)
}

/// "STATUS body…" (or why there was no response), for findings.
pub fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => {
            let body = r.body_summary(300);
            if body.is_empty() {
                format!("{} (empty body)", r.status)
            } else {
                format!("{} {body}", r.status)
            }
        }
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

/// "METHOD path" of an exchange.
pub fn what(ex: &Exchange) -> String {
    format!("{} {}", ex.request.method, ex.path())
}

/// The problem `type` of an `application/problem+json` response.
pub fn problem_type(ex: &Exchange) -> Option<String> {
    let r = ex.response.as_ref()?;
    if r.media_type().as_deref() != Some("application/problem+json") {
        return None;
    }
    Some(
        ex.json()
            .and_then(|j| j.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    )
}

pub fn is_problem(ex: &Exchange) -> bool {
    problem_type(ex).is_some()
}

/// Is the response `status` with a problem whose type ends `/problems/{slug}`?
pub fn problem_is(ex: &Exchange, status: u16, slug: &str) -> bool {
    ex.status() == Some(status)
        && problem_type(ex).is_some_and(|t| t.ends_with(&format!("/problems/{slug}")))
}

/// Field names of a 422 `errors` member (`{"name": ["cant_be_blank"]}`).
pub fn error_fields(ex: &Exchange) -> Vec<String> {
    ex.json()
        .and_then(|j| j.get("errors"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Does a problem name `field`: a key of `errors`, or a word of `detail`?
pub fn names_field(ex: &Exchange, field: &str) -> bool {
    let in_errors = error_fields(ex).iter().any(|k| {
        k == field || k.ends_with(&format!(".{field}")) || k.ends_with(&format!("[{field}]"))
    });
    let in_detail = ex
        .json()
        .and_then(|j| j.get("detail"))
        .and_then(Value::as_str)
        .is_some_and(|d| {
            d.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == field)
        });
    in_errors || in_detail
}

/// Does a list response's `data` hold a record with this id?
pub fn lists(ex: &Exchange, id: &str) -> bool {
    data(ex).and_then(Value::as_array).is_some_and(|a| {
        a.iter()
            .any(|r| r.get("id").and_then(Value::as_str) == Some(id))
    })
}

/// Looks for record `id` in the collection, with `extra` query pairs (already encoded):
/// filtered by id when the document allows it, else walking pages of 100 (at most 20).
/// `None` when a page did not come back as a 200 list.
pub async fn find_in_list(
    ctx: &Ctx,
    w: &Writable<'_>,
    id: &str,
    extra: &str,
) -> (Option<bool>, Vec<Arc<Exchange>>) {
    let mut query = String::new();
    if w.filterable("id", "eq") {
        query.push_str(&format!("filter[id][eq]={}&", enc(id)));
    }
    query.push_str("per_page=100");
    if !extra.is_empty() {
        query.push('&');
        query.push_str(extra);
    }
    let mut next = Some(format!("{}?{query}", w.collection));
    let mut seen_ex = Vec::new();
    for _ in 0..20 {
        let Some(url) = next.take() else { break };
        let ex = get(ctx, &url).await;
        seen_ex.push(ex.clone());
        if ex.status() != Some(200) || !data(&ex).is_some_and(Value::is_array) {
            return (None, seen_ex);
        }
        if lists(&ex, id) {
            return (Some(true), seen_ex);
        }
        next = ex
            .json()
            .and_then(|j| j.pointer("/links/next"))
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    (Some(false), seen_ex)
}

/// How many records have `field` equal to `value`: a `filter[field][eq]` list when the
/// document allows it, else a `q` search (counting exact matches), else `None`.
pub async fn count_equal(
    ctx: &Ctx,
    w: &Writable<'_>,
    field: &str,
    value: &str,
) -> Option<(usize, Arc<Exchange>)> {
    let url = if w.filterable(field, "eq") {
        format!(
            "{}?filter[{field}][eq]={}&per_page=100",
            w.collection,
            enc(value)
        )
    } else if w.res.searchable.iter().any(|s| s == field) {
        format!("{}?q={}&per_page=100", w.collection, enc(value))
    } else {
        return None;
    };
    let ex = get(ctx, &url).await;
    let n = data(&ex)?
        .as_array()?
        .iter()
        .filter(|r| r.get(field).and_then(Value::as_str) == Some(value))
        .count();
    Some((n, ex))
}

/// How many records have `field` containing `token`: `filter[field][like]`, else `q`.
pub async fn count_containing(
    ctx: &Ctx,
    w: &Writable<'_>,
    field: &str,
    token: &str,
) -> Option<(usize, Arc<Exchange>)> {
    let url = if w.filterable(field, "like") {
        format!(
            "{}?filter[{field}][like]={}&per_page=100",
            w.collection,
            enc(token)
        )
    } else if w.res.searchable.iter().any(|s| s == field) {
        format!("{}?q={}&per_page=100", w.collection, enc(token))
    } else {
        return None;
    };
    let ex = get(ctx, &url).await;
    let n = data(&ex)?
        .as_array()?
        .iter()
        .filter(|r| {
            r.get(field)
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains(token))
        })
        .count();
    Some((n, ex))
}

/// A create body for `w` with a fresh label (and `overrides`), for requests the probe sends
/// itself rather than through [`fixture`]. Required references are left to the caller.
pub fn create_body(ctx: &Ctx, w: &Writable<'_>, label: Option<&str>, overrides: Value) -> Value {
    let model = ctx.model();
    let mut body = fixtures::create_op(model, w.res)
        .and_then(|op| {
            op.request_body
                .as_ref()
                .and_then(|b| b.get("application/json").cloned().flatten())
        })
        .map(|s| crate::generate::payload::for_body(model, &s, &|h| ctx.unique_name(h)))
        .unwrap_or_else(|| json!({}));
    if let (Some(l), Some(p)) = (label, w.label()) {
        body[&p.name] = json!(l);
    }
    if let (Value::Object(b), Value::Object(o)) = (&mut body, overrides) {
        b.extend(o);
    }
    body
}

/// Remembers the records a create or bulk response made, so the run removes them.
pub fn remember(ctx: &Ctx, w: &Writable<'_>, ex: &Exchange) {
    let d = data_of(ex);
    let mut ids = Vec::new();
    match &d {
        Value::Object(_) => ids.extend(d.get("id").and_then(Value::as_str)),
        Value::Array(a) => {
            for e in a {
                ids.extend(
                    e.get("id")
                        .or_else(|| e.pointer("/data/id"))
                        .and_then(Value::as_str),
                );
            }
        }
        _ => {}
    }
    for id in ids {
        ctx.remember_created(&w.collection, id);
    }
}

/// The top-level keys whose values differ between two representations, except `ignore`.
pub fn same_except(a: &Value, b: &Value, ignore: &[&str]) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["<not an object>".into()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !ignore.contains(&k.as_str()))
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// A create body with a fresh label, whose required references (`*_id`) point at parents the
/// run creates; the caller sends it (with an Idempotency-Key, in a bulk, …).
pub async fn new_body(ctx: &Ctx, w: &Writable<'_>, label: &str) -> Result<Value, Outcome> {
    let mut body = create_body(ctx, w, Some(label), json!({}));
    for p in w
        .create
        .iter()
        .filter(|p| p.required && p.name.ends_with("_id"))
    {
        let parent = fixtures::referenced_resource(ctx.model(), &p.name).ok_or_else(|| {
            Outcome::error(format!("cannot tell which resource {} refers to", p.name))
        })?;
        let c = fixtures::create(ctx, &parent.name.clone(), json!({}))
            .await
            .map_err(Outcome::error)?;
        body[&p.name] = json!(c.id);
    }
    Ok(body)
}

/// POST `body` to `path` with an Idempotency-Key, as `role`; the response is under test.
pub async fn post_keyed(
    ctx: &Ctx,
    path: &str,
    body: &Value,
    key: &str,
    role: &str,
) -> Arc<Exchange> {
    ctx.send(
        Req::new(Method::POST, path)
            .token(role)
            .header("idempotency-key", key)
            .json(body.clone())
            .no_retry(),
    )
    .await
}

/// The `Idempotency-Replayed` header says `true`.
pub fn replayed(ex: &Exchange) -> bool {
    ex.header("idempotency-replayed")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}
