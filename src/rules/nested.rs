//! Family `nested`: read-only nested lists (`/parents/{id}/children`) return exactly the
//! children linked to the parent, 404 for a missing parent, `data: []` for a childless one,
//! accept the collection parameters, and are documented next to their parent.

use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::grammar::{self, Checks, nested_lists};
use super::{Findings, Outcome, Rule};
use crate::client::Req;
use crate::generate::query::{QuerySpec, arb_list_query};
use crate::oracle::filter::text_of;
use crate::run::Ctx;
use crate::run::dataset::{self, Dataset, describe};
use crate::run::walk::{self, Walk, label};
use crate::spec::ApiModel;

pub const RULES: &[Rule] = &[
    Rule::probe("nested.lists-linked-children", &[], |c| linked(c).boxed()),
    Rule::probe("nested.read-only", &[], |c| read_only(c).boxed()),
    Rule::probe("nested.missing-parent-404", &[], |c| missing(c).boxed()),
    Rule::probe("nested.no-children-empty-data", &[], |c| {
        childless(c).boxed()
    }),
    Rule::property("nested.supports-collection-params", &[], |c| {
        params(c).boxed()
    }),
    Rule::static_rule("nested.max-one-level", one_level),
    Rule::static_rule("nested.documented-with-parent", with_parent),
];

/// A nested list with its parent and child datasets and the fk linking them.
struct Nest {
    parent: std::sync::Arc<Dataset>,
    child: std::sync::Arc<Dataset>,
    /// `/api/v1/items/{id}/comments`.
    template: String,
    fk: String,
}

impl Nest {
    fn path(&self, parent_id: &str) -> String {
        let (head, tail) = self
            .template
            .split_once('{')
            .unwrap_or((&self.template, ""));
        let tail = tail.split_once('}').map(|(_, t)| t).unwrap_or("");
        format!("{head}{parent_id}{tail}")
    }

    /// Seeded children of `parent_id`.
    fn children_of(&self, parent_id: &str) -> Vec<&Value> {
        self.child
            .rows
            .iter()
            .filter(|r| r.get(&self.fk).map(text_of).as_deref() == Some(parent_id))
            .collect()
    }
}

async fn nest(ctx: &Ctx) -> Result<Nest, Outcome> {
    let model = ctx.model();
    let lists = nested_lists(model);
    if lists.is_empty() {
        return Err(Outcome::skipped("the document has no nested list endpoint"));
    }
    let mut last_err = String::new();
    for (parent, child, template) in lists {
        let fk_candidates = [
            format!("{}_id", parent.trim_end_matches('s')),
            format!("{}_id", parent.trim_end_matches("ies")) + "",
            format!("{parent}_id"),
        ];
        let p = match dataset::dataset(ctx, &parent).await {
            Ok(d) => d,
            Err(e) => {
                last_err = e;
                continue;
            }
        };
        let c = match dataset::dataset(ctx, &child).await {
            Ok(d) => d,
            Err(e) => {
                last_err = e;
                continue;
            }
        };
        let fk = fk_candidates
            .iter()
            .find(|f| c.fields.contains_key(f.as_str()))
            .cloned()
            .or_else(|| {
                c.fields
                    .keys()
                    .find(|k| {
                        k.ends_with("_id")
                            && crate::run::fixtures::referenced_resource(model, k)
                                .is_some_and(|r| r.name == parent)
                    })
                    .cloned()
            });
        if let Some(fk) = fk {
            return Ok(Nest {
                parent: p,
                child: c,
                template,
                fk,
            });
        }
    }
    Err(Outcome::error(format!(
        "could not seed parent and child records for a nested list: {last_err}"
    )))
}

async fn linked(ctx: &Ctx) -> Outcome {
    let n = match nest(ctx).await {
        Ok(n) => n,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    // Parents with children, and one without if there is one.
    for pid in n.parent.ids_in_order().iter().take(4) {
        let expected: std::collections::BTreeSet<String> = n
            .children_of(pid)
            .iter()
            .map(|r| grammar::id_of(r))
            .collect();
        let ex = walk::get(ctx, &n.path(pid), &[("per_page".into(), "500".into())]).await;
        let rows = walk::rows(&ex).unwrap_or_default();
        let wrong: Vec<String> = rows
            .iter()
            .filter(|r| r.get(&n.fk).map(text_of).as_deref() != Some(pid.as_str()))
            .map(grammar::id_of)
            .collect();
        let got: std::collections::BTreeSet<String> = rows
            .iter()
            .map(grammar::id_of)
            .filter(|id| n.child.ids.contains(id))
            .collect();
        f.check(
            ex.status() == Some(200) && wrong.is_empty() && got == expected,
            || {
                format!(
                    "{}: expected exactly the {} seeded children linked to {pid}; got {} of them{}",
                    label(&ex),
                    expected.len(),
                    got.len(),
                    if wrong.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " and {} rows linked elsewhere ({})",
                            wrong.len(),
                            wrong.join(", ")
                        )
                    }
                )
            },
            &[&ex],
        );
    }
    f.outcome("")
}

async fn read_only(ctx: &Ctx) -> Outcome {
    let mut f = Findings::default();
    let model = ctx.model();
    for (_, _, template) in nested_lists(model) {
        let writes: Vec<&str> = model
            .operations
            .iter()
            .filter(|o| {
                o.full_path == template
                    && o.method != "GET"
                    && o.method != "HEAD"
                    && o.method != "OPTIONS"
            })
            .map(|o| o.method.as_str())
            .collect();
        f.check(
            writes.is_empty(),
            || {
                format!(
                    "{template} documents {}: nested paths are read-only",
                    writes.join(", ")
                )
            },
            &[],
        );
    }
    let n = match nest(ctx).await {
        Ok(n) => n,
        Err(o) => return if f.items.is_empty() { o } else { f.outcome("") },
    };
    let Some(pid) = n.parent.ids_in_order().first().cloned() else {
        return Outcome::error("no parent record was seeded");
    };
    let path = n.path(&pid);
    let before = walk::get(ctx, &path, &[("per_page".into(), "1".into())]).await;
    for m in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let ex = ctx
            .send(
                Req::new(m.clone(), path.clone())
                    .token("full")
                    .json(json!({n.child.label.clone(): "specgate nested write"}))
                    .no_retry(),
            )
            .await;
        let problem = ex
            .header("content-type")
            .is_some_and(|c| c.contains("problem+json"));
        f.check(
            matches!(ex.status(), Some(404) | Some(405)) && problem,
            || {
                format!(
                    "{}: writes on a nested path must give 404 or 405 problem+json (C29), got {}",
                    label(&ex),
                    describe(&ex)
                )
            },
            &[&ex],
        );
    }
    let after = walk::get(ctx, &path, &[("per_page".into(), "1".into())]).await;
    let total = |e: &crate::client::Exchange| walk::pagination(e).get("total_count").cloned();
    f.check(
        total(&before) == total(&after),
        || format!("{}: the writes changed the nested list", label(&after)),
        &[&before, &after],
    );
    f.outcome("")
}

async fn missing(ctx: &Ctx) -> Outcome {
    let n = match nest(ctx).await {
        Ok(n) => n,
        Err(o) => return o,
    };
    let mut f = Findings::default();
    let ex = walk::get(ctx, &n.path(&ctx.client().uuid()), &[]).await;
    f.check(
        ex.status() == Some(404),
        || {
            format!(
                "{}: a missing parent must give 404, got {}",
                label(&ex),
                describe(&ex)
            )
        },
        &[&ex],
    );
    if ctx.has("second_workspace") {
        // Another workspace's parent is as missing as a random id.
        let create = ctx
            .send(
                Req::new(reqwest::Method::POST, n.parent.collection.clone())
                    .token("second_workspace")
                    .json(json!({n.parent.label.clone(): ctx.unique_name("nested-foreign")})),
            )
            .await;
        if let Some(id) = create
            .json()
            .and_then(|j| j.get("data"))
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
        {
            let ex = walk::get(ctx, &n.path(id), &[]).await;
            f.check(
                ex.status() == Some(404),
                || {
                    format!(
                        "{}: another workspace's parent must give 404, got {}",
                        label(&ex),
                        describe(&ex)
                    )
                },
                &[&ex],
            );
            let _ = ctx
                .send(
                    Req::new(
                        reqwest::Method::DELETE,
                        format!("{}/{id}", n.parent.collection),
                    )
                    .token("second_workspace"),
                )
                .await;
        }
    }
    f.outcome("")
}

async fn childless(ctx: &Ctx) -> Outcome {
    let n = match nest(ctx).await {
        Ok(n) => n,
        Err(o) => return o,
    };
    let parent = match crate::run::fixtures::create(ctx, &n.parent.resource.name, json!({})).await {
        Ok(p) => p,
        Err(e) => return Outcome::error(e),
    };
    let ex = walk::get(ctx, &n.path(&parent.id), &[]).await;
    let mut f = Findings::default();
    f.check(
        ex.status() == Some(200) && ex.json().and_then(|j| j.get("data")) == Some(&json!([])),
        || {
            format!(
                "{}: a parent without children must give 200 with data [], got {}",
                label(&ex),
                describe(&ex)
            )
        },
        &[&ex],
    );
    f.outcome("")
}

#[derive(Debug, Clone)]
struct NestedCase {
    parent: usize,
    spec: QuerySpec,
}

impl std::fmt::Display for NestedCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parent #{}: {}", self.parent, self.spec)
    }
}

async fn params(ctx: &Ctx) -> Outcome {
    let n = match nest(ctx).await {
        Ok(n) => std::sync::Arc::new(n),
        Err(o) => return o,
    };
    let child = n.child.clone();
    let strat = (
        0usize..3,
        arb_list_query(
            &child,
            None,
            0..=1,
            0..=2,
            !child.resource.searchable.is_empty(),
        ),
    )
        .prop_map(|(parent, mut spec)| {
            spec.scoped = false;
            NestedCase { parent, spec }
        });
    let c = ctx.clone();
    crate::run::property::run(ctx, strat, move |case| {
        let (c, n) = (c.clone(), n.clone());
        async move {
            let ids = n.parent.ids_in_order();
            let Some(pid) = ids.get(case.parent % ids.len().max(1)) else {
                return Ok(0);
            };
            let mut spec = case.spec.clone();
            spec.scoped = false;
            let per_page = spec.per_page.unwrap_or(100) as usize;
            let w: Walk =
                walk::offset_walk(&c, &n.path(pid), &spec.pairs(&n.child), per_page).await?;
            // Judge as the child collection, restricted to this parent.
            let mut scoped = spec.clone();
            scoped
                .filters
                .push(crate::oracle::FilterSpec::new(&n.fk, "eq", pid.clone()));
            let ch = Checks {
                sound: true,
                complete: true,
                order: true,
                count: true,
            };
            let sub = Dataset {
                rows: n.children_of(pid).into_iter().cloned().collect(),
                ..clone_dataset(&n.child)
            };
            grammar::judge(&sub, &scoped, &w, ch).map_err(|mut f| {
                f.message = format!("nested list: {}", f.message);
                f
            })
        }
        .boxed()
    })
    .await
}

fn clone_dataset(d: &Dataset) -> Dataset {
    Dataset {
        resource: d.resource.clone(),
        collection: d.collection.clone(),
        list_op: d.list_op.clone(),
        fields: d.fields.clone(),
        sem: d.sem.clone(),
        label: d.label.clone(),
        token: d.token.clone(),
        scope: d.scope.clone(),
        rows: d.rows.clone(),
        ids: d.ids.clone(),
        foreign_judged: Default::default(),
    }
}

fn one_level(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for op in &model.operations {
        let rel = op
            .full_path
            .strip_prefix(&model.base_path)
            .unwrap_or(&op.full_path);
        let segs: Vec<&str> = rel.trim_matches('/').split('/').collect();
        let params: Vec<usize> = segs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.starts_with('{'))
            .map(|(i, _)| i)
            .collect();
        // A second {id} followed by another collection segment (C56).
        let deep = params.len() >= 2 && params[1] + 1 < segs.len();
        f.check(
            !deep,
            || {
                format!(
                    "{} {}: nesting deeper than /parents/{{id}}/children",
                    op.method, op.path
                )
            },
            &[],
        );
    }
    f.outcome("the document has no operations")
}

fn with_parent(model: &ApiModel) -> Outcome {
    let mut f = Findings::default();
    for (parent, _, template) in nested_lists(model) {
        let Some(op) = model
            .operations
            .iter()
            .find(|o| o.full_path == template && o.method == "GET")
        else {
            continue;
        };
        let parent_tags: Vec<String> = model
            .operations
            .iter()
            .filter(|o| {
                model
                    .resource(&parent)
                    .and_then(|r| r.collection_path.as_ref())
                    == Some(&o.full_path)
            })
            .flat_map(|o| o.tags.clone())
            .collect();
        f.check(
            op.tags.iter().any(|t| parent_tags.contains(t)),
            || {
                format!(
                    "GET {}: not tagged with its parent resource's tag ({})",
                    op.path,
                    parent_tags.join(", ")
                )
            },
            &[],
        );
    }
    f.outcome("the document has no nested list endpoint")
}
