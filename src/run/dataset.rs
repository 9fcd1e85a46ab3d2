//! The records the query-grammar rules judge: generated from the document's create schema with
//! enough variety to make every operator and sort meaningful (ties, nulls, case variants,
//! boundary values, unicode), created through the API (bulk create where the document has it,
//! else one by one), tagged with a token derived from the run marker so queries can be scoped
//! to them, and remembered for the engine's cleanup. Seeded once per run and resource, on first
//! use. A rule can also have children linked to the very records it looks at
//! ([`link_children`]), created and tagged the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::ctx::{Ctx, data};
use super::fixtures;
use crate::client::{Exchange, Req};
use crate::oracle::{FieldInfo, FilterSpec, Semantics, list_fields};
use crate::spec::{ApiModel, Operation, Resource, SchemaRef};

/// Per-resource datasets of a run (or why one could not be seeded).
pub type Datasets = Mutex<BTreeMap<String, Result<Arc<Dataset>, String>>>;

/// Children a run linked to chosen parent records on top of the child datasets:
/// (child resource, parent id) → ids of the children created for it, in creation order.
pub type Linked = Mutex<BTreeMap<(String, String), Vec<String>>>;

/// Records of the primary resource the query rules seed.
pub const PRIMARY_RECORDS: usize = 20;
/// Records of a resource seeded only as parents or children of the primary one.
pub const SECONDARY_RECORDS: usize = 6;

/// Words of the labels: case variants and non-ASCII letters, so sorts and `like` have work.
pub const LABEL_WORDS: &[&str] = &[
    "alpha", "Alpha", "ALPHA", "beta", "Beta", "école", "École", "Ωmega", "zeta", "Zeta", "ärger",
    "delta",
];
/// Distinctive whole words for full-text search (C26: never partial words).
pub const SEARCH_WORDS: &[&str] = &["zorblax", "quintor", "vexilla", "plimsoll", "marrowby"];

/// Seeded records of one resource.
#[derive(Debug)]
pub struct Dataset {
    pub resource: Resource,
    /// Full path of the collection (`/api/v1/items`).
    pub collection: String,
    pub list_op: Operation,
    /// Kinds of the listed entries' fields.
    pub fields: BTreeMap<String, FieldInfo>,
    pub sem: Semantics,
    /// The string field carrying the dataset token (`name`, `body`).
    pub label: String,
    /// The token every seeded label contains (unique to this run's dataset).
    pub token: String,
    /// `filter[label][like]=token` when the label is `like`-filterable: scopes a query to the
    /// run's own records (plus any foreign row that happens to contain the token).
    pub scope: Option<FilterSpec>,
    /// The records as the list returns them, in creation order.
    pub rows: Vec<Value>,
    pub ids: BTreeSet<String>,
    /// Returned rows the run did not create that soundness checks judged (for notes).
    pub foreign_judged: std::sync::atomic::AtomicUsize,
}

impl Dataset {
    pub fn owns(&self, row: &Value) -> bool {
        row.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| self.ids.contains(id))
    }

    pub fn ids_in_order(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Values a field takes among the seeded rows (JSON text, nulls left out), sorted.
    pub fn values_of(&self, field: &str) -> Vec<String> {
        let set: BTreeSet<String> = self
            .rows
            .iter()
            .filter_map(|r| crate::oracle::filter::field_value(r, field))
            .filter(|v| !v.is_object() && !v.is_array())
            .map(crate::oracle::filter::text_of)
            .collect();
        set.into_iter().collect()
    }
}

/// The list operation of a resource's collection.
pub fn list_op<'a>(model: &'a ApiModel, r: &Resource) -> Option<&'a Operation> {
    let path = r.collection_path.as_ref()?;
    model
        .list_operations()
        .find(|o| &o.full_path == path && o.method == "GET")
}

/// The resource the query rules exercise: a creatable collection with the richest query
/// capabilities (filters, sorts, search, includes).
pub fn primary_resource(model: &ApiModel) -> Option<&Resource> {
    model
        .resources
        .iter()
        .filter(|r| fixtures::create_op(model, r).is_some() && list_op(model, r).is_some())
        .max_by_key(|r| {
            (
                r.filterable.len() + r.sortable.len() + r.searchable.len() + r.includes.len(),
                std::cmp::Reverse(r.name.clone()),
            )
        })
}

/// The dataset of `resource`, seeding it on first use.
pub async fn dataset(ctx: &Ctx, resource: &str) -> Result<Arc<Dataset>, String> {
    let primary = primary_resource(ctx.model()).map(|r| r.name.clone());
    match primary {
        Some(p) if p == resource => dataset_depth(ctx, resource, PRIMARY_RECORDS, 0).await,
        Some(p) => {
            // The primary dataset first, so children refer to its records.
            dataset_depth(ctx, &p, PRIMARY_RECORDS, 0).await?;
            dataset_depth(ctx, resource, SECONDARY_RECORDS, 0).await
        }
        None => dataset_depth(ctx, resource, SECONDARY_RECORDS, 0).await,
    }
}

/// The dataset of the primary resource.
pub async fn primary(ctx: &Ctx) -> Result<Arc<Dataset>, String> {
    let name = primary_resource(ctx.model())
        .map(|r| r.name.clone())
        .ok_or("the document has no creatable collection with a list operation")?;
    dataset_depth(ctx, &name, PRIMARY_RECORDS, 0).await
}

fn dataset_depth<'a>(
    ctx: &'a Ctx,
    resource: &'a str,
    n: usize,
    depth: usize,
) -> futures_util::future::BoxFuture<'a, Result<Arc<Dataset>, String>> {
    Box::pin(async move {
        if let Some(done) = ctx
            .shared
            .datasets
            .lock()
            .ok()
            .and_then(|d| d.get(resource).cloned())
        {
            return done;
        }
        let seed_ctx = Ctx {
            rule: "specgate.seed-data",
            shared: ctx.shared.clone(),
        };
        let result = seed(&seed_ctx, resource, n, depth).await.map(Arc::new);
        if let Ok(mut d) = ctx.shared.datasets.lock() {
            d.insert(resource.to_string(), result.clone());
        }
        result
    })
}

fn request_schema(op: &Operation) -> Option<SchemaRef> {
    op.request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
}

fn resolved<'a>(model: &'a ApiModel, r: &SchemaRef) -> Option<(&'a str, &'a Value)> {
    model
        .doc
        .lookup(&r.file, &format!("#{}", r.pointer))
        .and_then(|(f, v)| model.doc.resolve(f, v))
}

/// Properties of an object schema (allOf merged), resolved, with the required set.
fn properties(
    model: &ApiModel,
    file: &str,
    s: &Value,
) -> (Vec<(String, String, Value)>, Vec<String>) {
    let mut props = vec![];
    let mut required = vec![];
    let mut stack = vec![(file.to_string(), s.clone())];
    while let Some((f, s)) = stack.pop() {
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                if let Some((pf, pv)) = model.doc.resolve(&f, v) {
                    props.push((k.clone(), pf.to_string(), pv.clone()));
                }
            }
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str() {
                required.push(r.to_string());
            }
        }
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some((pf, pv)) = model.doc.resolve(&f, part) {
                stack.push((pf.to_string(), pv.clone()));
            }
        }
    }
    (props, required)
}

fn first_type(s: &Value) -> (String, bool) {
    let (types, nullable): (Vec<String>, bool) = match s.get("type") {
        Some(Value::String(t)) => (vec![t.clone()], false),
        Some(Value::Array(a)) => {
            let t: Vec<String> = a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let n = t.iter().any(|x| x == "null");
            (t, n)
        }
        _ => (vec![], false),
    };
    let nullable = nullable || s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    let main = types
        .into_iter()
        .find(|t| t != "null")
        .unwrap_or_else(|| "string".into());
    (main, nullable)
}

/// Case variant `k` (0 lower, 1 title, 2 upper) of a word.
fn variant(w: &str, k: usize) -> String {
    match k % 3 {
        0 => w.to_lowercase(),
        1 => {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        _ => w.to_uppercase(),
    }
}

/// The label of record `i`: a label word, the token, a search word, the index.
pub fn label_of(token: &str, i: usize) -> String {
    format!(
        "{} {token} {} {i:02}",
        LABEL_WORDS[i % LABEL_WORDS.len()],
        variant(SEARCH_WORDS[i % SEARCH_WORDS.len()], i / SEARCH_WORDS.len())
    )
}

struct Env<'a> {
    token: &'a str,
    label: &'a str,
    /// fk field → parent ids.
    parents: &'a BTreeMap<String, Vec<String>>,
    unique: &'a dyn Fn(&str) -> String,
}

/// A varied value for property `name` of record `i`; None = leave it out.
fn value_for(
    model: &ApiModel,
    name: &str,
    file: &str,
    s: &Value,
    required: bool,
    i: usize,
    env: &Env,
) -> Option<Value> {
    if s.get("readOnly").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let (ty, nullable) = first_type(s);
    let null_turn = nullable && !required && i % 3 == 0;
    if name == env.label {
        return Some(json!(label_of(env.token, i)));
    }
    if let Some(ids) = env.parents.get(name) {
        if null_turn || ids.is_empty() {
            return if required { None } else { Some(Value::Null) };
        }
        return Some(json!(ids[i % ids.len().min(2)]));
    }
    if null_turn {
        return Some(Value::Null);
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        let vals: Vec<&Value> = e.iter().filter(|v| !v.is_null()).collect();
        if vals.is_empty() {
            return None;
        }
        return Some(vals[(i * 7 + name.len()) % vals.len()].clone());
    }
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    let example = s
        .get("example")
        .or_else(|| s.get("examples").and_then(|e| e.get(0)))
        .cloned();
    match ty.as_str() {
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(0).max(0);
            let max = s.get("maximum").and_then(Value::as_i64).unwrap_or(i64::MAX);
            let v: i64 = [0, 100, 100, 2500, 2501, 999_999, 1][i % 7];
            Some(json!(v.clamp(min, max)))
        }
        "number" => {
            let n = [0.5, 1.25, 1.25, 99.0][i % 4];
            Some(json!(n))
        }
        "boolean" => Some(json!(i % 2 == 0 || i % 5 == 0)),
        "object" => Some(match i % 4 {
            0 => json!({}),
            k => {
                let source = ["linkedin", "web", "Web"][k % 3];
                json!({"source": source, "tier": i % 2 == 0})
            }
        }),
        "array" => {
            let items = s.get("items").and_then(|it| model.doc.resolve(file, it));
            match items.map(|(_, it)| first_type(it).0).as_deref() {
                Some("string") if i % 2 == 1 => Some(json!([format!("t{}", i % 3)])),
                _ => Some(json!([])),
            }
        }
        _ => match format {
            "date-time" => {
                let t = [
                    "2026-01-01T00:00:00Z",
                    "2026-01-01T00:00:00Z",
                    "2026-06-15T12:30:00Z",
                    "2027-12-31T23:59:59Z",
                ][i % 4];
                Some(json!(t))
            }
            "date" => {
                let d = ["2026-01-01", "2026-06-15"][i % 2];
                Some(json!(d))
            }
            "email" => Some(json!(format!("u{}@{}.com", i % 5, variant("example", i)))),
            "uri" => Some(json!(format!("https://example.com/{}", i % 3))),
            "uuid" => None,
            _ if s.get("pattern").is_some() => example.filter(|_| !required || i % 2 == 0),
            _ if name == "description" || name.contains("desc") || name == "notes" => {
                Some(json!(format!(
                    "{} {}",
                    variant(SEARCH_WORDS[(i + 1) % SEARCH_WORDS.len()], i),
                    SEARCH_WORDS[(i + 3) % SEARCH_WORDS.len()]
                )))
            }
            _ if required => Some(json!((env.unique)(name))),
            _ => None,
        },
    }
}

/// The string field a dataset labels its records with: the first required plain string.
fn label_field(model: &ApiModel, schema: &SchemaRef) -> Option<String> {
    let (file, s) = resolved(model, schema)?;
    let (props, required) = properties(model, file, s);
    for want in ["name", "title", "body"] {
        if props.iter().any(|(n, _, _)| n == want) && required.iter().any(|r| r == want) {
            return Some(want.into());
        }
    }
    props
        .iter()
        .find(|(n, _, s)| {
            required.contains(n)
                && first_type(s).0 == "string"
                && s.get("format").is_none()
                && s.get("enum").is_none()
                && s.get("pattern").is_none()
                && !n.ends_with("_id")
        })
        .map(|(n, _, _)| n.clone())
}

fn bodies(
    model: &ApiModel,
    props: &[(String, String, Value)],
    required: &[String],
    n: usize,
    env: &Env,
) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut m = Map::new();
            for (name, pf, ps) in props {
                let req = required.contains(name);
                if let Some(v) = value_for(model, name, pf, ps, req, i, env) {
                    m.insert(name.clone(), v);
                }
            }
            Value::Object(m)
        })
        .collect()
}

/// What creating records of a resource takes: its collection, the create body's properties,
/// the field labelling the records and the run's token for them.
struct Plan {
    r: Resource,
    list: Operation,
    collection: String,
    label: String,
    token: String,
    props: Vec<(String, String, Value)>,
    required: Vec<String>,
}

fn plan(ctx: &Ctx, resource: &str) -> Result<Plan, String> {
    let model = ctx.model();
    let r = model
        .resource(resource)
        .ok_or_else(|| format!("the document has no resource '{resource}'"))?
        .clone();
    let op = fixtures::create_op(model, &r)
        .ok_or_else(|| format!("the document has no create operation for {resource}"))?;
    let list = list_op(model, &r)
        .ok_or_else(|| format!("the document has no list operation for {resource}"))?
        .clone();
    let schema = request_schema(op)
        .ok_or_else(|| format!("POST {resource} documents no application/json body"))?;
    let label = label_field(model, &schema).ok_or_else(|| {
        format!("the create body of {resource} has no required string field to label records with")
    })?;
    let token = format!(
        "{}{}",
        ctx.shared.marker,
        &resource[..resource.len().min(2)]
    );
    let (file, s) = resolved(model, &schema).ok_or("unresolvable create schema")?;
    let (props, required) = properties(model, file, s);
    let collection = r.collection_path.clone().unwrap_or_default();
    Ok(Plan {
        r,
        list,
        collection,
        label,
        token,
        props,
        required,
    })
}

async fn seed(ctx: &Ctx, resource: &str, n: usize, depth: usize) -> Result<Dataset, String> {
    let model = ctx.model();
    let Plan {
        r,
        list,
        collection,
        label,
        token,
        props,
        required,
    } = plan(ctx, resource)?;
    // Parents first: `*_id` fields referring to another creatable resource.
    let mut parents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, _, ps) in &props {
        if !name.ends_with("_id") || depth > 2 {
            continue;
        }
        let Some(parent) = fixtures::referenced_resource(model, name) else {
            continue;
        };
        if parent.name == resource || fixtures::create_op(model, parent).is_none() {
            continue;
        }
        let (_, nullable) = first_type(ps);
        let pname = parent.name.clone();
        match dataset_depth(ctx, &pname, SECONDARY_RECORDS, depth + 1).await {
            Ok(d) => {
                parents.insert(name.clone(), d.ids_in_order());
            }
            Err(e) if required.contains(name) || !nullable => return Err(e),
            Err(_) => {}
        }
    }
    let bodies = {
        let unique = |hint: &str| ctx.unique_name(hint);
        let env = Env {
            token: &token,
            label: &label,
            parents: &parents,
            unique: &unique,
        };
        bodies(model, &props, &required, n, &env)
    };
    let mut created: Vec<Option<String>> = vec![None; n];
    // Bulk create when the document has one.
    let bulk = r
        .bulk
        .keys()
        .find(|(m, _)| m == "POST")
        .map(|(_, p)| p.clone());
    if let Some(path) = bulk {
        let bulk_op = model
            .operations
            .iter()
            .find(|o| o.method == "POST" && o.full_path == path);
        let key = bulk_op
            .and_then(request_schema)
            .and_then(|sr| resolved(model, &sr).map(|(f, v)| (f.to_string(), v.clone())))
            .and_then(|(f, v)| {
                properties(model, &f, &v)
                    .0
                    .into_iter()
                    .find(|(_, _, s)| first_type(s).0 == "array")
                    .map(|(n, _, _)| n)
            });
        let max = bulk_op
            .and_then(|o| o.extensions.get("x-bulk-max-items"))
            .and_then(Value::as_u64)
            .unwrap_or(100) as usize;
        if let Some(key) = key {
            for (chunk_no, chunk) in bodies.chunks(max.max(1)).enumerate() {
                let ex = ctx
                    .send(
                        Req::new(reqwest::Method::POST, path.clone())
                            .token("full")
                            .json(json!({ key.clone(): chunk })),
                    )
                    .await;
                for (j, entry) in data(&ex)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let id = entry
                        .get("data")
                        .and_then(|d| d.get("id"))
                        .or_else(|| entry.get("id"))
                        .and_then(Value::as_str);
                    if let (Some(id), Some(slot)) = (id, created.get_mut(chunk_no * max.max(1) + j))
                    {
                        ctx.remember_created(&collection, id);
                        *slot = Some(id.to_string());
                    }
                }
            }
        }
    }
    for (i, body) in bodies.iter().enumerate() {
        if created[i].is_some() {
            continue;
        }
        let ex = ctx
            .send(
                Req::new(reqwest::Method::POST, collection.clone())
                    .token("full")
                    .json(body.clone()),
            )
            .await;
        let id = data(&ex)
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match id {
            Some(id) if ex.status().is_some_and(|s| s < 300) => {
                ctx.remember_created(&collection, &id);
                created[i] = Some(id);
            }
            _ => {
                return Err(format!(
                    "could not seed {resource} record {i}: POST {collection} with {body} answered {}",
                    describe(&ex)
                ));
            }
        }
    }
    let ids: BTreeSet<String> = created.iter().flatten().cloned().collect();
    let order: Vec<String> = created.into_iter().flatten().collect();
    // Read the records back as the list renders them.
    let filterable_like = r
        .filterable
        .get(&label)
        .is_some_and(|ops| ops.iter().any(|o| o == "like"));
    let scope = filterable_like.then(|| FilterSpec::new(&label, "like", token.clone()));
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    for id in &order {
        let item = format!("{collection}/{id}");
        let ex = ctx.send(Req::get(item.clone()).token("full")).await;
        match data(&ex) {
            Some(d) if ex.status() == Some(200) => {
                by_id.insert(id.clone(), d.clone());
            }
            _ => {
                return Err(format!(
                    "could not read back seeded {item}: {}",
                    describe(&ex)
                ));
            }
        }
    }
    let rows: Vec<Value> = order.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok(Dataset {
        fields: list_fields(model, &list),
        sem: Semantics::of(&list),
        resource: r,
        collection,
        list_op: list,
        label,
        token,
        scope,
        rows,
        ids,
        foreign_judged: Default::default(),
    })
}

/// The field of `child`'s create body that refers to a record of `parent` (`item_id`).
pub fn child_fk(ctx: &Ctx, parent: &str, child: &str) -> Option<String> {
    let p = plan(ctx, child).ok()?;
    p.props
        .iter()
        .map(|(name, _, _)| name)
        .find(|name| {
            name.ends_with("_id")
                && fixtures::referenced_resource(ctx.model(), name)
                    .is_some_and(|r| r.name == parent)
        })
        .cloned()
}

/// Ids of the children of `parent_id` the run created: the `child` dataset's records whose
/// `fk` is `parent_id`, then those [`link_children`] created for it.
pub fn children_of(ctx: &Ctx, child: &str, fk: &str, parent_id: &str) -> Vec<String> {
    let mut out: Vec<String> = ctx
        .shared
        .datasets
        .lock()
        .ok()
        .and_then(|d| d.get(child).cloned())
        .and_then(Result::ok)
        .map(|d| {
            d.rows
                .iter()
                .filter(|r| {
                    r.get(fk).map(crate::oracle::filter::text_of).as_deref() == Some(parent_id)
                })
                .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Ok(l) = ctx.shared.linked.lock() {
        if let Some(ids) = l.get(&(child.to_string(), parent_id.to_string())) {
            out.extend(ids.iter().cloned());
        }
    }
    out
}

/// Makes sure every record of `parent_ids` has a child of `child` the run created (linked
/// through `fk`): seeds the child dataset, then creates one child through the API for each
/// parent that still has none, labelled with the child dataset's token like its records and
/// remembered for the cleanup. Deterministic: the bodies depend on the run's seed only.
pub async fn link_children(
    ctx: &Ctx,
    child: &str,
    fk: &str,
    parent_ids: &[String],
) -> Result<(), String> {
    dataset(ctx, child).await?;
    let seed_ctx = Ctx {
        rule: "specgate.seed-data",
        shared: ctx.shared.clone(),
    };
    let p = plan(ctx, child)?;
    for pid in parent_ids {
        if !children_of(ctx, child, fk, pid).is_empty() {
            continue;
        }
        // Labels continue the child dataset's numbering, so they stay unique and tagged.
        let i = SECONDARY_RECORDS
            + ctx
                .shared
                .linked
                .lock()
                .map(|l| l.keys().filter(|(c, _)| c == child).count())
                .unwrap_or(0);
        let parents = BTreeMap::from([(fk.to_string(), vec![pid.clone()])]);
        let mut body = {
            let unique = |hint: &str| ctx.unique_name(hint);
            let env = Env {
                token: &p.token,
                label: &p.label,
                parents: &parents,
                unique: &unique,
            };
            let (model, props, required) = (ctx.model(), &p.props, &p.required);
            props
                .iter()
                .filter_map(|(name, pf, ps)| {
                    let v = value_for(model, name, pf, ps, required.contains(name), i, &env)?;
                    Some((name.clone(), v))
                })
                .collect::<Map<String, Value>>()
        };
        body.insert(fk.to_string(), json!(pid));
        let body = Value::Object(body);
        let ex = seed_ctx
            .send(
                Req::new(reqwest::Method::POST, p.collection.clone())
                    .token("full")
                    .json(body.clone()),
            )
            .await;
        let id = data(&ex)
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match id {
            Some(id) if ex.status().is_some_and(|s| s < 300) => {
                seed_ctx.remember_created(&p.collection, &id);
                if let Ok(mut l) = ctx.shared.linked.lock() {
                    l.entry((child.to_string(), pid.clone()))
                        .or_default()
                        .push(id);
                }
            }
            _ => {
                return Err(format!(
                    "could not link a {child} record to {pid}: POST {} with {body} answered {}",
                    p.collection,
                    describe(&ex)
                ));
            }
        }
    }
    Ok(())
}

/// `status body…` of an exchange, for harness errors.
pub fn describe(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => format!("{} {}", r.status, r.body_summary(300)),
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}
