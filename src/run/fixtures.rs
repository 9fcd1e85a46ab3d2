//! Records the run creates through the API (carrying the run marker) and removes at the end.

use std::sync::Arc;

use serde_json::{Value, json};

use super::ctx::{Ctx, data};
use crate::client::{Exchange, Req};
use crate::spec::{ApiModel, Operation, Resource};

/// A record created by the run.
#[derive(Debug, Clone)]
pub struct Created {
    pub resource: String,
    /// Collection path on the server, e.g. /api/v1/items.
    pub collection: String,
    pub id: String,
    /// Item path on the server, e.g. /api/v1/items/<id>.
    pub path: String,
    pub data: Value,
    pub exchange: Arc<Exchange>,
}

/// The POST operation creating members of `r`.
pub fn create_op<'a>(model: &'a ApiModel, r: &Resource) -> Option<&'a Operation> {
    let path = r.collection_path.as_ref()?;
    model
        .operations
        .iter()
        .find(|o| o.method == "POST" && &o.full_path == path)
}

fn item_ops(model: &ApiModel, r: &Resource) -> Vec<&'static str> {
    let Some(p) = &r.item_path else { return vec![] };
    ["GET", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|m| {
            model
                .operations
                .iter()
                .any(|o| o.method == *m && &o.full_path == p)
        })
        .collect()
}

pub fn required_fks(model: &ApiModel, op: &Operation) -> Vec<String> {
    let Some(schema) = op
        .request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
    else {
        return vec![];
    };
    let Some((_, s)) = model
        .doc
        .lookup(&schema.file, &format!("#{}", schema.pointer))
        .and_then(|(f, v)| model.doc.resolve(f, v))
    else {
        return vec![];
    };
    s.get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|n| n.ends_with("_id"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn property_count(model: &ApiModel, op: &Operation) -> usize {
    let Some(schema) = op
        .request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
    else {
        return 0;
    };
    model
        .doc
        .lookup(&schema.file, &format!("#{}", schema.pointer))
        .and_then(|(f, v)| model.doc.resolve(f, v))
        .and_then(|(_, s)| {
            s.get("properties")
                .and_then(Value::as_object)
                .map(|p| p.len())
        })
        .unwrap_or(0)
}

/// The resource the probes exercise: full CRUD, no required references if possible, and the
/// richest create schema.
pub fn writable_resource(model: &ApiModel) -> Option<&Resource> {
    model
        .resources
        .iter()
        .filter(|r| create_op(model, r).is_some() && item_ops(model, r).len() == 4)
        .max_by_key(|r| {
            let op = create_op(model, r).expect("filtered");
            (
                required_fks(model, op).is_empty(),
                property_count(model, op),
            )
        })
}

/// The resource a `*_id` field refers to (`item_id` → `items`, `category_id` → `categories`).
pub fn referenced_resource<'a>(model: &'a ApiModel, field: &str) -> Option<&'a Resource> {
    let stem = field.strip_suffix("_id")?;
    let candidates = [
        format!("{stem}s"),
        format!("{stem}es"),
        format!("{}ies", stem.trim_end_matches('y')),
        stem.to_string(),
    ];
    candidates.iter().find_map(|c| model.resource(c))
}

/// Creates one member of `resource` (and any parents its create body requires).
pub async fn create(ctx: &Ctx, resource: &str, overrides: Value) -> Result<Created, String> {
    create_depth(ctx, "full", resource, overrides, 0).await
}

/// Like [`create`], but the record itself is created with `role`'s token (parents the body
/// requires are still created with the full-access token).
pub async fn create_as(
    ctx: &Ctx,
    role: &str,
    resource: &str,
    overrides: Value,
) -> Result<Created, String> {
    create_depth(ctx, role, resource, overrides, 0).await
}

fn create_depth<'a>(
    ctx: &'a Ctx,
    role: &'a str,
    resource: &'a str,
    overrides: Value,
    depth: usize,
) -> futures_util::future::BoxFuture<'a, Result<Created, String>> {
    Box::pin(async move {
        let model = ctx.model();
        let r = model
            .resource(resource)
            .ok_or_else(|| format!("the document has no resource '{resource}'"))?;
        let op = create_op(model, r)
            .ok_or_else(|| format!("the document has no create operation for '{resource}'"))?;
        let collection = r.collection_path.clone().unwrap_or_default();
        let schema = op
            .request_body
            .as_ref()
            .and_then(|b| b.get("application/json").cloned().flatten())
            .ok_or_else(|| format!("POST {collection} documents no application/json body"))?;
        let unique = |hint: &str| ctx.unique_name(hint);
        let mut body = crate::generate::payload::for_body(model, &schema, &unique);
        for fk in required_fks(model, op) {
            if overrides.get(&fk).is_some() || depth > 2 {
                continue;
            }
            let parent = referenced_resource(model, &fk)
                .ok_or_else(|| format!("cannot tell which resource {fk} refers to"))?;
            let p = create_depth(ctx, "full", &parent.name.clone(), json!({}), depth + 1).await?;
            body[&fk] = json!(p.id);
        }
        if let (Value::Object(b), Value::Object(o)) = (&mut body, overrides) {
            b.extend(o);
        }
        let ex = ctx
            .send(
                Req::new(reqwest::Method::POST, collection.clone())
                    .token(role)
                    .json(body.clone()),
            )
            .await;
        let status = ex.status();
        let d = data(&ex).cloned();
        let id = d
            .as_ref()
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match (status, id) {
            (Some(201), Some(id)) | (Some(200), Some(id)) => {
                ctx.remember_created(&collection, &id);
                Ok(Created {
                    resource: resource.to_string(),
                    path: format!("{collection}/{id}"),
                    collection,
                    id,
                    data: d.unwrap_or(Value::Null),
                    exchange: ex,
                })
            }
            _ => Err(format!(
                "could not create a {resource} fixture: POST {collection} with {body} answered {}",
                status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| ex.error.clone().unwrap_or_default())
            )),
        }
    })
}

/// Soft-deletes everything the run created (best effort; ignores 404s).
pub async fn cleanup(ctx: &Ctx) -> usize {
    let created: Vec<(String, String)> = ctx
        .shared
        .created
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    let mut n = 0;
    for (collection, id) in created.iter().rev() {
        let ex = ctx
            .send(Req::new(reqwest::Method::DELETE, format!("{collection}/{id}")).token("full"))
            .await;
        if ex.status().is_some_and(|s| s < 300) {
            n += 1;
        }
    }
    n
}
