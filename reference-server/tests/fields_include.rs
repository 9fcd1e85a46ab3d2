//! Sparse fieldsets (`fields.*`) and sideloading (`include.*`).

mod common;
mod qhelp;

use std::collections::{BTreeMap, BTreeSet};

use qhelp::*;
use reqwest::Method;
use serde_json::{Value, json};

const KEPT: &[&str] = &["id", "inserted_at", "updated_at", "links"];

fn kept_plus(extra: &[&str]) -> BTreeSet<String> {
    let mut s = set(KEPT);
    s.extend(extra.iter().map(|e| e.to_string()));
    s
}

fn plural(type_name: &str) -> &'static str {
    match type_name {
        "item" => "items",
        "category" => "categories",
        "comment" => "comments",
        other => panic!("unexpected type {other}"),
    }
}

/// The `included` contract: unique (type, id), each with type, id and its own self link;
/// every relationship reference (on data and on included entries) resolves into `included`.
/// Returns included grouped by type.
fn check_included(b: &Value) -> BTreeMap<String, Vec<Value>> {
    let included = b["included"]
        .as_array()
        .unwrap_or_else(|| panic!("no included: {b}"));
    let mut seen = BTreeSet::new();
    let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in included {
        let ty = e["type"]
            .as_str()
            .unwrap_or_else(|| panic!("included without type: {e}"));
        let id = e["id"].as_str().expect("included id");
        assert!(
            seen.insert((ty.to_string(), id.to_string())),
            "duplicate included {ty}/{id}"
        );
        check_resource_links(e, plural(ty));
        by_type.entry(ty.to_string()).or_default().push(e.clone());
    }
    let entries: Vec<&Value> = match &b["data"] {
        Value::Array(a) => a.iter().chain(included).collect(),
        d => std::iter::once(d).chain(included).collect(),
    };
    for e in entries {
        let Some(rels) = e.get("relationships") else {
            continue;
        };
        for (name, r) in rels.as_object().expect("relationships object") {
            let refs: Vec<&Value> = match r {
                Value::Null => vec![],
                Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            for rf in refs {
                assert_eq!(keys(rf), set(&["type", "id"]), "reference {name}: {rf}");
                let key = (
                    rf["type"].as_str().unwrap().to_string(),
                    rf["id"].as_str().unwrap().to_string(),
                );
                assert!(seen.contains(&key), "reference {key:?} not in included");
            }
        }
    }
    by_type
}

fn no_include_keys(b: &Value) {
    assert!(
        b.get("included").is_none(),
        "included without ?include: {b}"
    );
    let entries: Vec<&Value> = match &b["data"] {
        Value::Array(a) => a.iter().collect(),
        d => vec![d],
    };
    for e in entries {
        assert!(
            e.get("relationships").is_none(),
            "relationships without ?include: {e}"
        );
    }
}

struct Graph {
    ts: common::TestServer,
    cats: Vec<Value>,
    items: Vec<Value>,
    comments: Vec<Value>,
}

/// Two categories; six items (three in cat 0, two in cat 1, one without); comments on the
/// first three items (two, one, one).
async fn graph() -> Graph {
    let ts = common::start().await;
    let cats = vec![
        create_category_desc(&ts, "Tools", Some("hand tools")).await,
        create_category_desc(&ts, "Toys", None).await,
    ];
    let cat_of = [Some(0), Some(0), Some(1), Some(0), Some(1), None];
    let items = bulk_items(
        &ts,
        cat_of
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "name": format!("G{i}"),
                    "status": if i % 2 == 0 { "draft" } else { "active" },
                    "category_id": c.map(|c| cats[c]["id"].clone()),
                })
            })
            .collect(),
    )
    .await;
    let mut comments = vec![];
    for (i, n) in [(0usize, 2), (1, 1), (2, 1)] {
        for k in 0..n {
            comments.push(create_comment(&ts, &id_of(&items[i]), &format!("c{i}.{k}")).await);
        }
    }
    Graph {
        ts,
        cats,
        items,
        comments,
    }
}

// ---------------------------------------------------------------- fields

#[tokio::test]
async fn only_requested_fields_plus_always_kept_ones() {
    let g = graph().await;
    let ts = &g.ts;
    let (_, b) = list(ts, &format!("{ITEMS}?fields=items.name"), "full").await;
    assert_eq!(b["data"].as_array().unwrap().len(), 6);
    for d in b["data"].as_array().unwrap() {
        assert_eq!(keys(d), kept_plus(&["name"]), "{d}");
        check_resource_links(d, "items");
        assert!(
            d["links"]["comments"].is_string(),
            "links are never trimmed"
        );
    }
    let path = format!(
        "{ITEMS}/{}?fields=items.name,items.status,items.metadata",
        id_of(&g.items[1])
    );
    let (s, h, b) = get(ts, &path, "full").await;
    assert_eq!(s, 200, "{b}");
    assert!(common::header(&h, "etag").is_some());
    assert_eq!(keys(&b), set(&["data"]));
    assert_eq!(keys(&b["data"]), kept_plus(&["name", "status", "metadata"]));
    assert_eq!(b["data"]["status"], "active");
    assert_eq!(b["data"]["metadata"], json!({}));
    // Asking only for always-kept ones, or repeating a field.
    let (_, b) = list(ts, &format!("{ITEMS}?fields=items.id"), "full").await;
    assert_eq!(keys(&b["data"][0]), kept_plus(&[]));
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?fields=items.name,items.name,items.deleted_at"),
        "full",
    )
    .await;
    assert_eq!(keys(&b["data"][0]), kept_plus(&["name", "deleted_at"]));
    // Null-valued requested fields are present as null, not dropped.
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?fields=items.email,items.category_id&sort=name"),
        "full",
    )
    .await;
    assert_eq!(b["data"][0]["email"], Value::Null);
    assert_eq!(b["data"][5]["category_id"], Value::Null);
    // Other resources and modes.
    let (_, b) = list(
        ts,
        "/api/v1/categories?fields=categories.description",
        "full",
    )
    .await;
    assert_eq!(keys(&b["data"][0]), kept_plus(&["description"]));
    let (_, b) = list(
        ts,
        "/api/v1/comments?fields=comments.body&cursor=&per_page=2",
        "full",
    )
    .await;
    check_cursor(&b, 2);
    assert_eq!(keys(&b["data"][0]), kept_plus(&["body"]));
    let (_, b) = list(
        ts,
        &format!(
            "{ITEMS}/{}/comments?fields=comments.item_id",
            id_of(&g.items[0])
        ),
        "full",
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 2);
    assert_eq!(keys(&b["data"][0]), kept_plus(&["item_id"]));
    // A fieldset for another resource leaves this one whole.
    let (_, b) = list(ts, &format!("{ITEMS}?fields=categories.name"), "full").await;
    assert_eq!(keys(&b["data"][0]).len(), 18);
}

#[tokio::test]
async fn invalid_fields_are_400_naming_them() {
    let ts = common::start().await;
    let item = ts.create_item(json!({"name": "F"})).await;
    let one = format!("{ITEMS}/{}", id_of(&item));
    for (v, needle) in [
        ("items.zz_nope", "zz_nope"),
        ("items.name,items.zz_nope", "zz_nope"),
        ("zz_res.name", "zz_res"),
        ("name", "name"),
        ("item.name", "item"),
        ("items.metadata.source", "metadata.source"),
    ] {
        for base in [ITEMS, one.as_str(), "/api/v1/items/search"] {
            let (s, h, b) = if base.ends_with("/search") {
                let list: Vec<&str> = v.split(',').collect();
                post(&ts, base, "full", &json!({"fields": list})).await
            } else {
                get(&ts, &url(base, &[("fields", v)]), "full").await
            };
            assert_400_naming(s, &h, &b, needle);
        }
    }
    // Single resources accept only fields and include.
    expect_400(&ts, &format!("{one}?page=1"), "page").await;
    expect_400(&ts, &format!("{one}?sort=name"), "sort").await;
}

#[tokio::test]
async fn fields_apply_to_included_resources() {
    let g = graph().await;
    let ts = &g.ts;
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category,comments&fields=items.name,categories.name"),
        "full",
    )
    .await;
    for d in b["data"].as_array().unwrap() {
        assert_eq!(keys(d), kept_plus(&["name", "relationships"]), "{d}");
    }
    let inc = check_included(&b);
    for c in &inc["category"] {
        assert_eq!(keys(c), kept_plus(&["type", "name"]), "{c}");
    }
    // comments have no fieldset: whole
    for c in &inc["comment"] {
        assert_eq!(
            keys(c),
            set(&[
                "type",
                "id",
                "item_id",
                "body",
                "author_email",
                "inserted_at",
                "updated_at",
                "deleted_at",
                "links"
            ])
        );
    }
    // Single resource, fieldset only on the included type.
    let (s, _, b) = get(
        ts,
        &format!(
            "{ITEMS}/{}?include=category&fields=categories.description",
            id_of(&g.items[0])
        ),
        "full",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(keys(&b["data"]).len(), 19, "item whole plus relationships");
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 1);
    assert_eq!(
        keys(&inc["category"][0]),
        kept_plus(&["type", "description"])
    );
    assert_eq!(inc["category"][0]["description"], "hand tools");
}

// ---------------------------------------------------------------- include

#[tokio::test]
async fn include_is_absent_without_the_parameter() {
    let g = graph().await;
    let ts = &g.ts;
    for path in [
        ITEMS.to_string(),
        format!("{ITEMS}/{}", id_of(&g.items[0])),
        "/api/v1/categories".to_string(),
        format!("/api/v1/categories/{}", id_of(&g.cats[0])),
        format!("/api/v1/categories/{}/items", id_of(&g.cats[0])),
        "/api/v1/comments".to_string(),
        format!("{ITEMS}?fields=items.name"),
    ] {
        let (s, _, b) = get(ts, &path, "full").await;
        assert_eq!(s, 200, "{path}");
        no_include_keys(&b);
    }
}

#[tokio::test]
async fn include_to_one_and_to_many_on_a_collection() {
    let g = graph().await;
    let ts = &g.ts;
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category,comments&sort=name"),
        "full",
    )
    .await;
    assert_eq!(keys(&b), set(&["data", "pagination", "links", "included"]));
    let inc = check_included(&b);
    // Categories: both, once each (three items share cat 0).
    let cat_ids: BTreeSet<String> = inc["category"].iter().map(id_of).collect();
    assert_eq!(cat_ids, g.cats.iter().map(id_of).collect());
    assert_eq!(inc["category"].len(), 2);
    assert_eq!(inc["comment"].len(), g.comments.len());
    for c in &inc["category"] {
        let orig = g.cats.iter().find(|x| x["id"] == c["id"]).unwrap();
        let mut expected = orig.clone();
        expected["type"] = json!("category");
        assert_eq!(keys(c), keys(&expected));
        for k in keys(orig) {
            assert_eq!(c[&k], orig[&k], "included category field {k}");
        }
    }
    let data = b["data"].as_array().unwrap();
    for (d, orig) in data.iter().zip(&g.items) {
        assert_eq!(d["id"], orig["id"], "sorted by name = creation order");
        assert_eq!(keys(&d["relationships"]), set(&["category", "comments"]));
        match orig["category_id"].as_str() {
            Some(cid) => assert_eq!(
                d["relationships"]["category"],
                json!({"type": "category", "id": cid})
            ),
            None => assert_eq!(d["relationships"]["category"], Value::Null),
        }
        let want: BTreeSet<String> = g
            .comments
            .iter()
            .filter(|c| c["item_id"] == orig["id"])
            .map(id_of)
            .collect();
        let got: BTreeSet<String> = d["relationships"]["comments"]
            .as_array()
            .expect("to-many is an array")
            .iter()
            .map(|r| {
                assert_eq!(r["type"], "comment");
                id_of(r)
            })
            .collect();
        assert_eq!(got, want, "comments of {}", orig["name"]);
    }
    // Pagination and include: only this page's relations are included.
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category&sort=-name&per_page=1"),
        "full",
    )
    .await;
    assert_eq!(b["data"][0]["name"], "G5");
    assert_eq!(b["data"][0]["relationships"]["category"], Value::Null);
    assert_eq!(b["included"], json!([]));
    assert_eq!(
        link_param(b["links"]["next"].as_str().unwrap(), "include").as_deref(),
        Some("category")
    );
}

#[tokio::test]
async fn include_on_single_resources() {
    let g = graph().await;
    let ts = &g.ts;
    let path = format!("{ITEMS}/{}?include=category,comments", id_of(&g.items[0]));
    let (s, h, b) = get(ts, &path, "full").await;
    assert_eq!(s, 200, "{b}");
    assert!(common::header(&h, "etag").is_some());
    assert_eq!(keys(&b), set(&["data", "included"]));
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 1);
    assert_eq!(inc["comment"].len(), 2);
    assert_eq!(
        b["data"]["relationships"]["category"]["id"],
        g.cats[0]["id"]
    );
    assert_eq!(
        b["data"]["relationships"]["comments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (s, _, b) = get(
        ts,
        &format!("/api/v1/categories/{}?include=items", id_of(&g.cats[0])),
        "full",
    )
    .await;
    assert_eq!(s, 200);
    let inc = check_included(&b);
    assert_eq!(inc["item"].len(), 3);
    assert_eq!(
        b["data"]["relationships"]["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let (s, _, b) = get(
        ts,
        &format!("/api/v1/comments/{}?include=item", id_of(&g.comments[0])),
        "full",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        b["data"]["relationships"]["item"],
        json!({"type": "item", "id": g.items[0]["id"]})
    );
    let inc = check_included(&b);
    assert_eq!(inc["item"].len(), 1);
    // An item without relations: null and [].
    let (s, _, b) = get(
        ts,
        &format!("{ITEMS}/{}?include=category,comments", id_of(&g.items[5])),
        "full",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        b["data"]["relationships"],
        json!({"category": null, "comments": []})
    );
    assert_eq!(b["included"], json!([]));
}

#[tokio::test]
async fn nested_include_paths() {
    let g = graph().await;
    let ts = &g.ts;
    // 2 segments: the comments' item and that item's category.
    let (_, b) = list(ts, "/api/v1/comments?include=item.category", "full").await;
    let inc = check_included(&b);
    let items: BTreeSet<String> = inc["item"].iter().map(id_of).collect();
    assert_eq!(items, g.items[..3].iter().map(id_of).collect());
    for it in &inc["item"] {
        let orig = g.items.iter().find(|x| x["id"] == it["id"]).unwrap();
        assert_eq!(
            it["relationships"]["category"]["id"], orig["category_id"],
            "first-level entries carry relationships to the second level"
        );
    }
    let cats: BTreeSet<String> = inc["category"].iter().map(id_of).collect();
    assert_eq!(cats, g.cats.iter().map(id_of).collect());
    for d in b["data"].as_array().unwrap() {
        assert_eq!(keys(&d["relationships"]), set(&["item"]));
    }
    // 2 segments, to-many then to-one, on a single item: its category's items.
    let (s, _, b) = get(
        ts,
        &format!("{ITEMS}/{}?include=category.items", id_of(&g.items[0])),
        "full",
    )
    .await;
    assert_eq!(s, 200);
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 1);
    assert_eq!(
        inc["category"][0]["relationships"]["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // 3 segments are accepted.
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=comments.item.category"),
        "full",
    )
    .await;
    let inc = check_included(&b);
    assert!(
        inc.contains_key("comment") && inc.contains_key("item") && inc.contains_key("category")
    );
    let (_, b) = list(ts, "/api/v1/categories?include=items.comments.item", "full").await;
    check_included(&b);
    // The same category reached through two paths is included once; fieldsets apply at
    // every level.
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category,comments.item.category&fields=items.name,comments.body,categories.name"),
        "full",
    )
    .await;
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 2);
    for c in &inc["category"] {
        assert_eq!(keys(c), kept_plus(&["type", "name"]));
    }
    for c in &inc["comment"] {
        assert_eq!(keys(c), kept_plus(&["type", "body", "relationships"]));
    }
    for i in &inc["item"] {
        assert_eq!(keys(i), kept_plus(&["type", "name", "relationships"]));
    }
    // Several paths sharing a prefix merge into one tree.
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category,category.items,comments"),
        "full",
    )
    .await;
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 2);
}

#[tokio::test]
async fn invalid_or_too_deep_includes_are_400() {
    let g = graph().await;
    let ts = &g.ts;
    let one = format!("{ITEMS}/{}", id_of(&g.items[0]));
    for (v, needle) in [
        ("zz_nope", "zz_nope"),
        ("category,zz_nope", "zz_nope"),
        ("categories", "categories"),
        ("category.zz_rel", "zz_rel"),
        (
            "category.items.category.items",
            "category.items.category.items",
        ),
        ("comments.item.comments.item", "comments.item.comments.item"),
        ("name", "name"),
    ] {
        for base in [ITEMS, one.as_str()] {
            let (s, h, b) = get(ts, &url(base, &[("include", v)]), "full").await;
            assert_400_naming(s, &h, &b, needle);
        }
    }
    expect_400(ts, "/api/v1/comments?include=comments", "comments").await;
    expect_400(ts, "/api/v1/categories?include=category", "category").await;
}

#[tokio::test]
async fn deleted_related_rows_are_absent() {
    let g = graph().await;
    let ts = &g.ts;
    delete_ok(ts, &format!("/api/v1/comments/{}", id_of(&g.comments[0]))).await;
    delete_ok(ts, &format!("/api/v1/categories/{}", id_of(&g.cats[1]))).await;
    let (_, b) = list(
        ts,
        &format!("{ITEMS}?include=category,comments&sort=name"),
        "full",
    )
    .await;
    let inc = check_included(&b);
    assert_eq!(
        inc["category"].iter().map(id_of).collect::<Vec<_>>(),
        [id_of(&g.cats[0])]
    );
    assert!(
        !inc["comment"]
            .iter()
            .any(|c| c["id"] == g.comments[0]["id"])
    );
    assert_eq!(
        b["data"][0]["relationships"]["comments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        b["data"][2]["relationships"]["category"],
        Value::Null,
        "deleted category → null"
    );
}

#[tokio::test]
async fn include_on_nested_lists_and_search() {
    let g = graph().await;
    let ts = &g.ts;
    let (_, b) = list(
        ts,
        &format!(
            "/api/v1/categories/{}/items?include=comments",
            id_of(&g.cats[0])
        ),
        "full",
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 3);
    let inc = check_included(&b);
    assert_eq!(inc["comment"].len(), 3, "comments of items 0 and 1");
    let (s, _, b) = post(
        ts,
        "/api/v1/items/search",
        "read_only",
        &json!({"include": ["category"], "fields": ["categories.name"], "filter": {"category_id": {"null": false}}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let inc = check_included(&b);
    assert_eq!(inc["category"].len(), 2);
    assert_eq!(keys(&inc["category"][0]), kept_plus(&["type", "name"]));
}

#[tokio::test]
async fn patch_response_is_whole_without_include_keys() {
    // PATCH answers with the whole resource and no include keys when none are asked for.
    let g = graph().await;
    let (s, _, b) = send(
        &g.ts,
        Method::PATCH,
        &format!("{ITEMS}/{}", id_of(&g.items[0])),
        "full",
        Some(&json!({"status": "archived"})),
    )
    .await;
    assert_eq!(s, 200);
    no_include_keys(&b);
    assert_eq!(keys(&b["data"]).len(), 18);
}
