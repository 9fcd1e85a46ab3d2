//! Nested read-only endpoints (`nested.*`): /items/{id}/comments and /categories/{id}/items.

mod common;
mod qhelp;

use std::collections::BTreeSet;

use qhelp::*;
use reqwest::Method;
use serde_json::{Value, json};

struct Fixture {
    ts: common::TestServer,
    cat: Value,
    other_cat: Value,
    /// items[0..5] in `cat`, items[5..7] in `other_cat`, items[7] uncategorised.
    items: Vec<Value>,
    /// comments on items[0] (7 of them), one on items[1].
    comments: Vec<Value>,
}

async fn fixture() -> Fixture {
    let ts = common::start().await;
    let cat = create_category_desc(&ts, "Parent", None).await;
    let other_cat = create_category_desc(&ts, "Elsewhere", None).await;
    let mut seed = varied_items(8, "n");
    for (i, it) in seed.iter_mut().enumerate() {
        it["category_id"] = match i {
            0..5 => cat["id"].clone(),
            5..7 => other_cat["id"].clone(),
            _ => Value::Null,
        };
    }
    let items = bulk_items(&ts, seed).await;
    let mut comments = vec![];
    for k in 0..7 {
        let body = json!({
            "item_id": items[0]["id"],
            "body": format!("note {} {}", ["alpha", "beta", "gamma"][k % 3], k),
            "author_email": if k % 2 == 0 { Value::Null } else { json!(format!("u{k}@example.com")) },
        });
        let (s, _, b) = post(&ts, "/api/v1/comments", "full", &body).await;
        assert_eq!(s, 201, "{b}");
        comments.push(b["data"].clone());
    }
    comments.push(create_comment(&ts, &id_of(&items[1]), "other item alpha").await);
    Fixture {
        ts,
        cat,
        other_cat,
        items,
        comments,
    }
}

fn ids_of(v: &[Value]) -> BTreeSet<String> {
    v.iter().map(id_of).collect()
}

#[tokio::test]
async fn lists_only_the_linked_children() {
    let f = fixture().await;
    let ts = &f.ts;
    let (_, b) = list(
        ts,
        &format!("{ITEMS}/{}/comments", id_of(&f.items[0])),
        "full",
    )
    .await;
    assert_eq!(id_set(&b), ids_of(&f.comments[..7]));
    assert_eq!(total_count(&b), 7);
    for d in b["data"].as_array().unwrap() {
        assert_eq!(d["item_id"], f.items[0]["id"]);
        check_resource_links(d, "comments");
    }
    let (_, b) = list(
        ts,
        &format!("{ITEMS}/{}/comments", id_of(&f.items[1])),
        "full",
    )
    .await;
    assert_eq!(ids(&b), [id_of(&f.comments[7])]);
    let (_, b) = list(
        ts,
        &format!("/api/v1/categories/{}/items", id_of(&f.cat)),
        "full",
    )
    .await;
    assert_eq!(id_set(&b), ids_of(&f.items[..5]));
    let (_, b) = list(
        ts,
        &format!("/api/v1/categories/{}/items", id_of(&f.other_cat)),
        "full",
    )
    .await;
    assert_eq!(id_set(&b), ids_of(&f.items[5..7]));
    // Soft-deleted children drop out; a deleted_at filter brings them back.
    delete_ok(ts, &format!("/api/v1/comments/{}", id_of(&f.comments[0]))).await;
    delete_ok(ts, &format!("{ITEMS}/{}", id_of(&f.items[0]))).await;
    let (_, b) = list(
        ts,
        &format!("/api/v1/categories/{}/items", id_of(&f.cat)),
        "full",
    )
    .await;
    assert_eq!(id_set(&b), ids_of(&f.items[1..5]));
    let (_, b) = list(
        ts,
        &format!(
            "/api/v1/categories/{}/items?filter[deleted_at][null]=false",
            id_of(&f.cat)
        ),
        "full",
    )
    .await;
    assert_eq!(ids(&b), [id_of(&f.items[0])]);
    // Moving an item to another category moves it between the nested lists.
    let (s, _, _) = send(
        ts,
        Method::PATCH,
        &format!("{ITEMS}/{}", id_of(&f.items[7])),
        "full",
        Some(&json!({"category_id": f.cat["id"]})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, b) = list(
        ts,
        &format!("/api/v1/categories/{}/items", id_of(&f.cat)),
        "full",
    )
    .await;
    assert!(id_set(&b).contains(&id_of(&f.items[7])));
}

#[tokio::test]
async fn missing_deleted_or_foreign_parent_is_404() {
    let f = fixture().await;
    let ts = &f.ts;
    let foreign_item = {
        let (s, _, b) = post(ts, ITEMS, "second_workspace", &json!({"name": "theirs"})).await;
        assert_eq!(s, 201, "{b}");
        b["data"].clone()
    };
    let foreign_cat = {
        let (s, _, b) = post(
            ts,
            "/api/v1/categories",
            "second_workspace",
            &json!({"name": "theirs"}),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        b["data"].clone()
    };
    let random = uuid::Uuid::new_v4().to_string();
    for path in [
        format!("{ITEMS}/{random}/comments"),
        format!("/api/v1/categories/{random}/items"),
        format!("{ITEMS}/{}/comments", id_of(&foreign_item)),
        format!("/api/v1/categories/{}/items", id_of(&foreign_cat)),
        format!("{ITEMS}/not-a-uuid/comments"),
    ] {
        let (s, h, b) = get(ts, &path, "full").await;
        common::assert_problem(s, &h, &b, 404, "not-found");
        assert_eq!(b["instance"], json!(path.split('?').next().unwrap()));
    }
    // And the other way round.
    let (s, h, b) = get(
        ts,
        &format!("{ITEMS}/{}/comments", id_of(&f.items[0])),
        "second_workspace",
    )
    .await;
    common::assert_problem(s, &h, &b, 404, "not-found");
    // A soft-deleted parent is gone too.
    delete_ok(ts, &format!("/api/v1/categories/{}", id_of(&f.other_cat))).await;
    let (s, h, b) = get(
        ts,
        &format!("/api/v1/categories/{}/items", id_of(&f.other_cat)),
        "full",
    )
    .await;
    common::assert_problem(s, &h, &b, 404, "not-found");
}

#[tokio::test]
async fn fresh_parent_gives_empty_data_with_pagination() {
    let f = fixture().await;
    let ts = &f.ts;
    let fresh_item = ts.create_item(json!({"name": "fresh"})).await;
    let fresh_cat = ts.create_category("fresh").await;
    for path in [
        format!("{ITEMS}/{}/comments", id_of(&fresh_item)),
        format!("/api/v1/categories/{}/items", id_of(&fresh_cat)),
    ] {
        let (_, b) = list(ts, &path, "full").await;
        assert_eq!(b["data"], json!([]));
        assert_eq!(
            b["pagination"],
            json!({"page": 1, "per_page": 100, "total_count": 0, "total_pages": 0})
        );
        assert_eq!(
            b["links"]["self"],
            json!(format!("{path}?page=1&per_page=100"))
        );
        assert_eq!(b["links"]["next"], Value::Null);
        assert_eq!(b["links"]["prev"], Value::Null);
        let (_, b) = list(ts, &format!("{path}?cursor="), "full").await;
        assert_eq!(b["data"], json!([]));
        assert_eq!(
            b["pagination"],
            json!({"per_page": 100, "has_more": false, "next_cursor": null, "prev_cursor": null})
        );
    }
}

#[tokio::test]
async fn nested_paths_are_read_only() {
    let f = fixture().await;
    let ts = &f.ts;
    let item_path = format!("{ITEMS}/{}/comments", id_of(&f.items[2]));
    let cat_path = format!("/api/v1/categories/{}/items", id_of(&f.cat));
    let comment_body = json!({"item_id": f.items[2]["id"], "body": "sneaky"});
    let item_body = json!({"name": "sneaky item"});
    for (path, body) in [(&item_path, &comment_body), (&cat_path, &item_body)] {
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let r = ts
                .req(m.clone(), path, Some("full"))
                .header("If-Match", "*")
                .json(body)
                .send()
                .await
                .unwrap();
            let (s, h, b) = common::parts(r).await;
            assert!(s == 404 || s == 405, "{m} {path}: {s} {b}");
            let slug = if s == 405 {
                "method-not-allowed"
            } else {
                "not-found"
            };
            common::assert_problem(s, &h, &b, s, slug);
            if s == 405 {
                let allow = common::header(&h, "allow")
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                assert!(allow.contains("GET"), "405 Allow header: {allow:?}");
            }
        }
    }
    // Nothing changed.
    let (_, b) = list(ts, &item_path, "full").await;
    assert_eq!(b["data"], json!([]));
    let (_, b) = list(ts, &cat_path, "full").await;
    assert_eq!(total_count(&b), 5);
    let (_, b) = list(ts, "/api/v1/comments", "full").await;
    assert_eq!(total_count(&b), 8);
    let (_, b) = list(ts, ITEMS, "full").await;
    assert_eq!(total_count(&b), 8);
    // No deeper nesting: a child id under the nested path does not exist.
    let (s, h, b) = get(
        ts,
        &format!(
            "{ITEMS}/{}/comments/{}",
            id_of(&f.items[0]),
            id_of(&f.comments[0])
        ),
        "full",
    )
    .await;
    common::assert_problem(s, &h, &b, 404, "not-found");
    let (s, h, b) = get(
        ts,
        &format!(
            "/api/v1/categories/{}/items/{}/comments",
            id_of(&f.cat),
            id_of(&f.items[0])
        ),
        "full",
    )
    .await;
    common::assert_problem(s, &h, &b, 404, "not-found");
}

/// The nested list behaves like the top-level list filtered on the foreign key, for every
/// collection parameter.
#[tokio::test]
async fn nested_lists_support_every_collection_parameter() {
    let f = fixture().await;
    let ts = &f.ts;
    let item_id = id_of(&f.items[0]);
    let cat_id = id_of(&f.cat);
    let comment_cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("per_page", "3")],
        vec![("per_page", "3"), ("page", "3")],
        vec![("q", "ALPHA")],
        vec![("q", "note beta")],
        vec![("sort", "author_email")],
        vec![("sort", "-author_email"), ("per_page", "2"), ("page", "2")],
        vec![("filter[author_email][null]", "false")],
        vec![("filter[author_email][neq]", "u1@example.com")],
        vec![("filter[body][like]", "GAMMA")],
        vec![
            ("fields", "comments.body"),
            ("with_count", "false"),
            ("per_page", "4"),
        ],
        vec![("include", "item")],
    ];
    for extra in &comment_cases {
        let nested_path = url(&format!("{ITEMS}/{item_id}/comments"), extra);
        let (_, nested) = list(ts, &nested_path, "full").await;
        let mut top = vec![("filter[item_id][eq]", item_id.as_str())];
        top.extend_from_slice(extra);
        let (_, flat) = list(ts, &url("/api/v1/comments", &top), "full").await;
        assert_eq!(nested["data"], flat["data"], "{extra:?}");
        assert_eq!(nested["pagination"], flat["pagination"], "{extra:?}");
        assert_eq!(nested.get("included"), flat.get("included"), "{extra:?}");
        assert!(
            nested["links"]["self"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{ITEMS}/{item_id}/comments?")),
            "nested links stay on the nested path"
        );
    }
    let item_cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("per_page", "2")],
        vec![("sort", "-amount_cents,name")],
        vec![("q", "apple")],
        vec![("filter[status][in]", "draft,archived"), ("sort", "name")],
        vec![
            ("filter[is_featured]", "false"),
            ("per_page", "1"),
            ("page", "2"),
        ],
        vec![
            ("fields", "items.name,categories.name"),
            ("include", "category"),
        ],
    ];
    for extra in &item_cases {
        let (_, nested) = list(
            ts,
            &url(&format!("/api/v1/categories/{cat_id}/items"), extra),
            "full",
        )
        .await;
        let mut top = vec![("filter[category_id]", cat_id.as_str())];
        top.extend_from_slice(extra);
        let (_, flat) = list(ts, &url(ITEMS, &top), "full").await;
        assert_eq!(nested["data"], flat["data"], "{extra:?}");
        assert_eq!(nested["pagination"], flat["pagination"], "{extra:?}");
        assert_eq!(nested.get("included"), flat.get("included"), "{extra:?}");
    }
    // Walks over the nested list, both modes, agree and cover the children exactly once.
    let base = format!("{ITEMS}/{item_id}/comments");
    let offset = walk_offset(ts, &base, &[("sort", "-author_email")], 2, "full").await;
    let cursor = walk_cursor(ts, &base, &[("sort", "-author_email")], 2, "full").await;
    assert_eq!(row_ids(&offset), row_ids(&cursor));
    assert_eq!(ids_of(&offset), ids_of(&f.comments[..7]));
    // Errors are the same as on the top-level list.
    for (path, needle) in [
        (format!("{base}?sort=zz_nope"), "zz_nope"),
        (format!("{base}?filter[zz_nope]=1"), "zz_nope"),
        (format!("{base}?zz_harness_unknown=1"), "zz_harness_unknown"),
        (format!("{base}?fields=comments.zz_nope"), "zz_nope"),
        (format!("{base}?include=zz_nope"), "zz_nope"),
        (format!("{base}?cursor=!!bad"), "cursor"),
    ] {
        expect_400(ts, &path, needle).await;
    }
    // per_page clamping applies.
    let (_, b) = list(ts, &format!("{base}?per_page=1000"), "full").await;
    check_offset(&b, 1, 500);
}

#[tokio::test]
async fn nested_lists_need_the_parent_read_scope() {
    let f = fixture().await;
    let ts = &f.ts;
    let item_path = format!("{ITEMS}/{}/comments", id_of(&f.items[0]));
    let cat_path = format!("/api/v1/categories/{}/items", id_of(&f.cat));
    // items:read (+ comments:write) reads the item's comments...
    let (_, b) = list(ts, &item_path, "scoped").await;
    assert_eq!(total_count(&b), 7);
    // ...but not a category's items.
    let (s, h, b) = get(ts, &cat_path, "scoped").await;
    common::assert_problem(s, &h, &b, 403, "insufficient-scope");
    // comments:write alone cannot read the parent item.
    let (s, h, b) = get(ts, &item_path, "scoped_write_only").await;
    common::assert_problem(s, &h, &b, 403, "insufficient-scope");
    let (s, h, b) = get(ts, &item_path, "empty").await;
    common::assert_problem(s, &h, &b, 403, "insufficient-scope");
    // all:read reads both.
    list(ts, &item_path, "read_only").await;
    list(ts, &cat_path, "read_only").await;
}
