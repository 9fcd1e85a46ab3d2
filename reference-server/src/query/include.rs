//! Sideloading: parsing `include=category,comments.item` against the model's relations and
//! resolving it into `relationships` on entries plus a deduplicated `included` list.
//!
//! Related rows are read in batches (one query per relation per level), scoped to the
//! workspace and to live rows: a soft-deleted related row is treated as absent (to-one → null,
//! to-many → left out). To-many relationships are ordered by `inserted_at, id`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::error::QueryError;
use super::faults::QueryFaults;
use super::render::{links_last, row_to_json};
use crate::model::{self, RelationDef, RelationKind, ResourceDef};

/// One relation of the include tree and the paths continuing below it.
#[derive(Debug, Clone)]
pub struct IncludeNode {
    pub relation: &'static RelationDef,
    pub target: &'static ResourceDef,
    pub children: Vec<IncludeNode>,
}

/// Parsed `include` parameter.
#[derive(Debug, Clone, Default)]
pub struct Includes {
    /// Paths in request order, deduplicated (for canonical links).
    pub paths: Vec<String>,
    /// The paths merged into a tree rooted at the requested resource.
    pub tree: Vec<IncludeNode>,
}

impl Includes {
    /// Parses the entries of an `include` value (already split on commas).
    pub fn parse(
        res: &'static ResourceDef,
        entries: &[String],
        param: &str,
    ) -> Result<Includes, QueryError> {
        Includes::parse_with(res, entries, param, QueryFaults::default())
    }

    /// [`Includes::parse`] with fault switches.
    pub fn parse_with(
        res: &'static ResourceDef,
        entries: &[String],
        param: &str,
        faults: QueryFaults,
    ) -> Result<Includes, QueryError> {
        let max_depth = if faults.include_depth_4 {
            model::MAX_INCLUDE_DEPTH + 1
        } else {
            model::MAX_INCLUDE_DEPTH
        };
        let mut inc = Includes::default();
        'entries: for entry in entries {
            let path = entry.trim();
            let segments: Vec<&str> = path.split('.').collect();
            if segments.len() > max_depth {
                return Err(QueryError::new(
                    param,
                    format!(
                        "include path '{path}' is too deep: at most {} levels are allowed",
                        model::MAX_INCLUDE_DEPTH
                    ),
                ));
            }
            let mut level = &mut inc.tree;
            let mut current = res;
            for seg in &segments {
                let Some(relation) = current.relation(seg) else {
                    // Fault: an include naming no relation is silently dropped.
                    if faults.invalid_include_ignored {
                        continue 'entries;
                    }
                    let valid: Vec<&str> = current.relations.iter().map(|r| r.name).collect();
                    return Err(QueryError::new(
                        param,
                        format!(
                            "invalid include '{path}': '{seg}' is not a relation of {} (valid: {})",
                            current.name,
                            valid.join(", ")
                        ),
                    ));
                };
                let target = model::resource(relation.target)
                    .ok_or_else(|| QueryError::new(param, format!("invalid include '{path}'")))?;
                let pos = match level.iter().position(|n| n.relation.name == relation.name) {
                    Some(pos) => pos,
                    None => {
                        level.push(IncludeNode {
                            relation,
                            target,
                            children: vec![],
                        });
                        level.len() - 1
                    }
                };
                level = &mut level[pos].children;
                current = target;
            }
            if !inc.paths.iter().any(|p| p == path) {
                inc.paths.push(path.to_string());
            }
        }
        Ok(inc)
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

/// Included entries, deduplicated by (type, id), in first-seen order.
#[derive(Default)]
struct Store {
    entries: Vec<(&'static str, Map<String, Value>)>,
    index: HashMap<(&'static str, String), usize>,
    /// Fault switch: keep duplicates.
    keep_duplicates: bool,
    /// Fault switches of sideloading (to-many rows, nested levels, links).
    faults: QueryFaults,
}

impl Store {
    fn add(&mut self, res: &'static ResourceDef, row: &Map<String, Value>) {
        let key = (res.name, id_of(row).to_string());
        if self.index.contains_key(&key) && !self.keep_duplicates {
            return;
        }
        let mut obj = Map::new();
        obj.insert("type".into(), Value::String(res.type_name.into()));
        obj.extend(row.iter().map(|(k, v)| (k.clone(), v.clone())));
        // Fault: sideloaded rows go through a bare serializer without links.
        if self.faults.included_without_links {
            obj.remove("links");
        }
        self.index.entry(key).or_insert(self.entries.len());
        self.entries.push((res.name, obj));
    }

    fn merge_relationships(
        &mut self,
        res: &'static ResourceDef,
        id: &str,
        rels: Map<String, Value>,
    ) {
        if rels.is_empty() {
            return;
        }
        let Some(&i) = self.index.get(&(res.name, id.to_string())) else {
            return;
        };
        let obj = &mut self.entries[i].1;
        match obj.get_mut("relationships") {
            Some(Value::Object(existing)) => existing.extend(rels),
            _ => {
                obj.insert("relationships".into(), Value::Object(rels));
            }
        }
        links_last(obj);
    }
}

fn id_of(row: &Map<String, Value>) -> &str {
    row.get("id").and_then(Value::as_str).unwrap_or("")
}

fn reference(res: &'static ResourceDef, id: &str) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::String(res.type_name.into()));
    m.insert("id".into(), Value::String(id.into()));
    Value::Object(m)
}

/// Adds `relationships` to every primary entry and returns the `included` entries with the
/// plural resource name of each (for sparse fields).
pub(crate) fn resolve(
    conn: &rusqlite::Connection,
    workspace_id: &str,
    data: &mut [Map<String, Value>],
    includes: &Includes,
    faults: QueryFaults,
) -> rusqlite::Result<Vec<(&'static str, Map<String, Value>)>> {
    let mut store = Store {
        keep_duplicates: faults.included_duplicates,
        faults,
        ..Store::default()
    };
    let rels = relate(conn, workspace_id, data, &includes.tree, &mut store)?;
    for (entry, r) in data.iter_mut().zip(rels) {
        entry.insert("relationships".into(), Value::Object(r));
        links_last(entry);
    }
    Ok(store.entries)
}

/// Computes, for each row, the relationships named by `nodes`, adding the related rows (and,
/// recursively, their own includes) to `store`.
fn relate(
    conn: &rusqlite::Connection,
    workspace_id: &str,
    rows: &[Map<String, Value>],
    nodes: &[IncludeNode],
    store: &mut Store,
) -> rusqlite::Result<Vec<Map<String, Value>>> {
    let mut rels = vec![Map::new(); rows.len()];
    for node in nodes {
        let target = node.target;
        let name = node.relation.name.to_string();
        let targets = match node.relation.kind {
            RelationKind::ToOne { fk } => {
                let mut ids: Vec<String> = vec![];
                for row in rows {
                    let fresh = row
                        .get(fk)
                        .and_then(Value::as_str)
                        .filter(|id| !ids.iter().any(|i| i == id));
                    if let Some(id) = fresh {
                        ids.push(id.to_string());
                    }
                }
                let fetched = fetch_by(conn, target, workspace_id, "id", &ids)?;
                for (row, r) in rows.iter().zip(rels.iter_mut()) {
                    let value = row
                        .get(fk)
                        .and_then(Value::as_str)
                        .filter(|id| fetched.iter().any(|t| id_of(t) == *id))
                        .map(|id| reference(target, id))
                        .unwrap_or(Value::Null);
                    r.insert(name.clone(), value);
                }
                fetched
            }
            RelationKind::ToMany { fk } => {
                let mut ids: Vec<String> = vec![];
                for row in rows {
                    let id = id_of(row);
                    if !ids.iter().any(|i| i == id) {
                        ids.push(id.to_string());
                    }
                }
                let fetched = fetch_by(conn, target, workspace_id, fk, &ids)?;
                let mut groups: HashMap<&str, Vec<Value>> = HashMap::new();
                for t in &fetched {
                    let parent = t.get(fk).and_then(Value::as_str).unwrap_or("");
                    groups
                        .entry(parent)
                        .or_default()
                        .push(reference(target, id_of(t)));
                }
                for (row, r) in rows.iter().zip(rels.iter_mut()) {
                    let list = groups.get(id_of(row)).cloned().unwrap_or_default();
                    r.insert(name.clone(), Value::Array(list));
                }
                fetched
            }
        };
        // Faults: to-one (or to-many) rows are referenced but never sideloaded.
        let sideload = match node.relation.kind {
            RelationKind::ToOne { .. } => !store.faults.include_to_one_not_sideloaded,
            RelationKind::ToMany { .. } => !store.faults.include_to_many_not_sideloaded,
        };
        for t in targets.iter().filter(|_| sideload) {
            store.add(target, t);
        }
        // Fault: a dotted include stops at its first segment.
        if !node.children.is_empty() && !store.faults.nested_include_first_level_only {
            let sub = relate(conn, workspace_id, &targets, &node.children, store)?;
            for (t, r) in targets.iter().zip(sub) {
                store.merge_relationships(target, id_of(t), r);
            }
        }
    }
    Ok(rels)
}

/// Live rows of `res` in the workspace whose `column` is one of `values`, ordered by
/// `inserted_at, id`.
fn fetch_by(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    column: &str,
    values: &[String],
) -> rusqlite::Result<Vec<Map<String, Value>>> {
    let mut out = vec![];
    for chunk in values.chunks(500) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT * FROM \"{}\" WHERE workspace_id = ? AND deleted_at IS NULL AND \"{column}\" IN ({placeholders}) ORDER BY inserted_at ASC, id ASC",
            res.name
        );
        let mut stmt = conn.prepare(&sql)?;
        let params = std::iter::once(workspace_id).chain(chunk.iter().map(String::as_str));
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
            row_to_json(res, row)
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CATEGORIES, COMMENTS, ITEMS};
    use crate::query::QueryFaults;
    use crate::query::testutil::*;
    use serde_json::json;

    fn parse(res: &'static ResourceDef, s: &str) -> Result<Includes, QueryError> {
        Includes::parse(
            res,
            &s.split(',').map(str::to_string).collect::<Vec<_>>(),
            "include",
        )
    }

    #[test]
    fn parses_paths_into_a_tree() {
        let inc = parse(&ITEMS, "category,comments.item,comments,category.items").unwrap();
        assert_eq!(
            inc.paths,
            ["category", "comments.item", "comments", "category.items"]
        );
        assert_eq!(inc.tree.len(), 2);
        assert_eq!(inc.tree[0].relation.name, "category");
        assert_eq!(inc.tree[0].children[0].relation.name, "items");
        assert_eq!(inc.tree[1].children[0].target.name, "items");
        assert!(parse(&ITEMS, "comments.item.category").is_ok());
        assert!(parse(&COMMENTS, "item.category.items").is_ok());
    }

    #[test]
    fn rejects_unknown_and_too_deep() {
        let e = parse(&ITEMS, "category,owner").unwrap_err();
        assert!(e.detail.contains("'owner'"), "{}", e.detail);
        let e = parse(&ITEMS, "category.nope").unwrap_err();
        assert!(e.detail.contains("'category.nope'"));
        let e = parse(&ITEMS, "comments.item.comments.item").unwrap_err();
        assert!(e.detail.contains("'comments.item.comments.item'"));
        let e = parse(&ITEMS, "").unwrap_err();
        assert_eq!(e.param, "include");
        let e = parse(&CATEGORIES, "category").unwrap_err();
        assert!(e.detail.contains("'category'"));
    }

    #[test]
    fn resolves_relationships_and_dedupes_included() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let gone = insert_category(&conn, WS, "Gone", "2026-01-01T00:00:01.000000Z");
        soft_delete(&conn, "categories", &gone);
        let a = ItemSeed::new("A", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let b = ItemSeed::new("B", "2026-01-03T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let c = ItemSeed::new("C", "2026-01-04T00:00:00.000000Z")
            .category(&gone)
            .insert(&conn);
        let c2 = insert_comment(&conn, &a, "second", "2026-02-02T00:00:00.000000Z");
        let c1 = insert_comment(&conn, &a, "first", "2026-02-01T00:00:00.000000Z");
        let dead = insert_comment(&conn, &a, "dead", "2026-02-03T00:00:00.000000Z");
        soft_delete(&conn, "comments", &dead);

        let mut data: Vec<_> = [&a, &b, &c]
            .iter()
            .map(|id| {
                crate::query::fetch_one(&conn, &ITEMS, WS, id)
                    .unwrap()
                    .unwrap()
            })
            .collect();
        let inc = parse(&ITEMS, "category.items,comments").unwrap();
        let included = resolve(&conn, WS, &mut data, &inc, QueryFaults::default()).unwrap();

        assert_eq!(
            data[0]["relationships"],
            json!({
                "category": {"type": "category", "id": cat},
                "comments": [{"type": "comment", "id": c1}, {"type": "comment", "id": c2}]
            })
        );
        assert_eq!(
            data[2]["relationships"],
            json!({"category": null, "comments": []})
        );
        // relationships sits just before links.
        let keys: Vec<&String> = data[0].keys().collect();
        assert_eq!(keys[keys.len() - 2], "relationships");
        assert_eq!(keys[keys.len() - 1], "links");

        let ids: Vec<(&str, &str)> = included
            .iter()
            .map(|(r, o)| (*r, o["id"].as_str().unwrap()))
            .collect();
        // The category once (though two items point at it), then its live items (deduped:
        // A and B are in the list once each), then the live comments.
        assert_eq!(
            ids,
            [
                ("categories", cat.as_str()),
                ("items", a.as_str()),
                ("items", b.as_str()),
                ("comments", c1.as_str()),
                ("comments", c2.as_str()),
            ]
        );
        let category = &included[0].1;
        assert_eq!(category["type"], json!("category"));
        assert_eq!(
            category["relationships"],
            json!({"items": [{"type": "item", "id": a}, {"type": "item", "id": b}]})
        );
        // Items reached as category.items have no further relationships.
        assert!(included[1].1.get("relationships").is_none());
        assert!(included[3].1.get("relationships").is_none());
    }

    #[test]
    fn relationships_merge_across_paths() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let a = ItemSeed::new("A", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let cm = insert_comment(&conn, &a, "hi", "2026-02-01T00:00:00.000000Z");
        let mut data = vec![
            crate::query::fetch_one(&conn, &COMMENTS, WS, &cm)
                .unwrap()
                .unwrap(),
        ];
        let inc = parse(&COMMENTS, "item.category,item.comments").unwrap();
        let included = resolve(&conn, WS, &mut data, &inc, QueryFaults::default()).unwrap();
        assert_eq!(
            data[0]["relationships"],
            json!({"item": {"type": "item", "id": a}})
        );
        let item = &included[0].1;
        assert_eq!(
            item["relationships"],
            json!({"category": {"type": "category", "id": cat}, "comments": [{"type": "comment", "id": cm}]})
        );
        assert_eq!(included.len(), 3);
        // Other workspaces are invisible.
        let mut data = vec![
            crate::query::fetch_one(&conn, &COMMENTS, WS, &cm)
                .unwrap()
                .unwrap(),
        ];
        let included =
            resolve(&conn, "elsewhere", &mut data, &inc, QueryFaults::default()).unwrap();
        assert!(included.is_empty());
        assert_eq!(data[0]["relationships"], json!({"item": null}));
    }

    #[test]
    fn to_many_fault_references_comments_without_sideloading_them() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let a = ItemSeed::new("A", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let cm = insert_comment(&conn, &a, "hi", "2026-02-01T00:00:00.000000Z");
        let mut data = vec![
            crate::query::fetch_one(&conn, &ITEMS, WS, &a)
                .unwrap()
                .unwrap(),
        ];
        let inc = parse(&ITEMS, "category,comments").unwrap();
        let faults = QueryFaults {
            include_to_many_not_sideloaded: true,
            ..QueryFaults::default()
        };
        let included = resolve(&conn, WS, &mut data, &inc, faults).unwrap();
        assert_eq!(
            data[0]["relationships"]["comments"],
            json!([{"type": "comment", "id": cm}])
        );
        let ids: Vec<&str> = included.iter().map(|(r, _)| *r).collect();
        assert_eq!(ids, ["categories"]);
    }
}
