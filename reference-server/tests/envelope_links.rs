//! Response envelope (`envelope.*`) and HATEOAS links (`links.*`): single and collection
//! shapes, create/replace/update/delete statuses and bodies, resource links, relative
//! collection links and the RFC 8288 `Link` header.

mod common;
mod qhelp;

use qhelp::*;
use reqwest::Method;
use serde_json::{Value, json};

const ITEM_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "status",
    "priority",
    "category_id",
    "amount_cents",
    "currency",
    "tax_rate",
    "email",
    "metadata",
    "tags",
    "due_at",
    "is_featured",
    "inserted_at",
    "updated_at",
    "deleted_at",
    "links",
];
const CATEGORY_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "inserted_at",
    "updated_at",
    "deleted_at",
    "links",
];
const COMMENT_KEYS: &[&str] = &[
    "id",
    "item_id",
    "body",
    "author_email",
    "inserted_at",
    "updated_at",
    "deleted_at",
    "links",
];

fn is_timestamp(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    s.len() == 27
        && s.ends_with('Z')
        && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.6fZ").is_ok()
}

#[tokio::test]
async fn get_single_is_data_object_with_every_field() {
    let ts = common::start().await;
    let item = ts.create_item(json!({"name": "Solo"})).await;
    let id = id_of(&item);
    let (s, h, b) = get(&ts, &format!("{ITEMS}/{id}"), "full").await;
    assert_eq!(s, 200);
    assert_eq!(common::header(&h, "content-type"), Some("application/json"));
    assert!(
        common::header(&h, "etag").is_some(),
        "single GET has an ETag"
    );
    assert_eq!(keys(&b), set(&["data"]), "{b}");
    let d = &b["data"];
    assert_eq!(keys(d), set(ITEM_KEYS), "{d}");
    assert_eq!(d["id"], json!(id));
    assert_eq!(d["name"], "Solo");
    // Defaults and null handling: absent optional fields are null, arrays never null.
    assert_eq!(d["description"], Value::Null);
    assert_eq!(d["status"], "draft");
    assert_eq!(d["priority"], "medium");
    assert_eq!(d["category_id"], Value::Null);
    assert_eq!(d["amount_cents"], 0);
    assert_eq!(d["currency"], "USD");
    assert_eq!(d["tax_rate"], Value::Null);
    assert_eq!(d["email"], Value::Null);
    assert_eq!(d["metadata"], json!({}));
    assert_eq!(d["tags"], json!([]));
    assert_eq!(d["due_at"], Value::Null);
    assert_eq!(d["is_featured"], false);
    assert_eq!(d["deleted_at"], Value::Null);
    assert!(
        is_timestamp(&d["inserted_at"]) && is_timestamp(&d["updated_at"]),
        "{d}"
    );
    // The GET representation is the one returned by create.
    assert_eq!(d, &item);
}

#[tokio::test]
async fn get_collection_is_data_pagination_links() {
    let ts = common::start().await;
    // Empty collection first, then a populated one.
    for n in [0usize, 3] {
        if n > 0 {
            bulk_items(
                &ts,
                (0..n).map(|i| json!({"name": format!("C{i}")})).collect(),
            )
            .await;
        }
        let (h, b) = list(&ts, ITEMS, "full").await;
        assert_eq!(keys(&b), set(&["data", "pagination", "links"]), "{b}");
        assert_eq!(b["data"].as_array().unwrap().len(), n);
        for d in b["data"].as_array().unwrap() {
            assert_eq!(keys(d), set(ITEM_KEYS));
        }
        assert!(common::header(&h, "etag").is_none());
    }
    for path in ["/api/v1/categories", "/api/v1/comments"] {
        let (_, b) = list(&ts, path, "read_only").await;
        assert_eq!(
            keys(&b),
            set(&["data", "pagination", "links"]),
            "{path}: {b}"
        );
    }
}

#[tokio::test]
async fn create_returns_201_data_and_location() {
    let ts = common::start().await;
    let cat = {
        let (s, h, b) = post(&ts, "/api/v1/categories", "full", &json!({"name": "Tools"})).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(keys(&b), set(&["data"]));
        assert_eq!(keys(&b["data"]), set(CATEGORY_KEYS));
        let id = id_of(&b["data"]);
        assert_eq!(
            common::header(&h, "location"),
            Some(format!("/api/v1/categories/{id}").as_str())
        );
        assert!(common::header(&h, "etag").is_some());
        b["data"].clone()
    };
    let item = {
        let body = json!({
            "name": "Hammer", "description": "steel", "status": "active", "priority": "high",
            "category_id": cat["id"], "amount_cents": 1999, "currency": "EUR", "tax_rate": "0.0875",
            "email": "shop@example.com", "metadata": {"source": "web"}, "tags": ["a", "b"],
            "due_at": "2026-03-15T10:00:00Z", "is_featured": true
        });
        let (s, h, b) = post(&ts, ITEMS, "full", &body).await;
        assert_eq!(s, 201, "{b}");
        assert_eq!(keys(&b), set(&["data"]));
        let d = &b["data"];
        assert_eq!(keys(d), set(ITEM_KEYS));
        for (k, v) in body.as_object().unwrap() {
            if k != "due_at" {
                assert_eq!(&d[k], v, "field {k}");
            }
        }
        assert_eq!(d["due_at"], "2026-03-15T10:00:00.000000Z");
        let id = id_of(d);
        assert_eq!(
            common::header(&h, "location"),
            Some(format!("{ITEMS}/{id}").as_str())
        );
        d.clone()
    };
    let (s, _, b) = post(
        &ts,
        "/api/v1/comments",
        "full",
        &json!({"item_id": item["id"], "body": "nice", "author_email": "a@example.com"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(keys(&b), set(&["data"]));
    assert_eq!(keys(&b["data"]), set(COMMENT_KEYS));
    assert_eq!(b["data"]["item_id"], item["id"]);
}

#[tokio::test]
async fn put_and_patch_return_200_with_whole_resource() {
    let ts = common::start().await;
    let item = ts
        .create_item(json!({"name": "Orig", "description": "d", "amount_cents": 5, "tags": ["x"]}))
        .await;
    let path = format!("{ITEMS}/{}", id_of(&item));

    // PATCH: only the changed field is sent; the whole resource comes back.
    let (s, h, b) = send(
        &ts,
        Method::PATCH,
        &path,
        "full",
        Some(&json!({"name": "Patched"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(keys(&b), set(&["data"]));
    assert_eq!(keys(&b["data"]), set(ITEM_KEYS));
    assert_eq!(b["data"]["name"], "Patched");
    assert_eq!(b["data"]["description"], "d");
    assert_eq!(b["data"]["amount_cents"], 5);
    assert_eq!(b["data"]["tags"], json!(["x"]));
    let etag = common::header(&h, "etag").expect("PATCH ETag").to_string();
    let (_, _, g) = get(&ts, &path, "full").await;
    assert_eq!(g["data"], b["data"], "PATCH body equals a fresh GET");

    // PUT: full replace, omitted fields back to defaults; whole resource returned.
    let (s, h, b) = parts_put(&ts, &path, &etag, &json!({"name": "Replaced"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(keys(&b), set(&["data"]));
    let d = &b["data"];
    assert_eq!(keys(d), set(ITEM_KEYS));
    assert_eq!(d["name"], "Replaced");
    assert_eq!(d["description"], Value::Null);
    assert_eq!(d["amount_cents"], 0);
    assert_eq!(d["tags"], json!([]));
    assert!(common::header(&h, "etag").is_some());
    let (_, _, g) = get(&ts, &path, "full").await;
    assert_eq!(g["data"], b["data"], "PUT body equals a fresh GET");

    // Same for categories and comments.
    let cat = ts.create_category("Cat").await;
    let cpath = format!("/api/v1/categories/{}", id_of(&cat));
    let (s, _, b) = send(
        &ts,
        Method::PATCH,
        &cpath,
        "full",
        Some(&json!({"description": "x"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(keys(&b["data"]), set(CATEGORY_KEYS));
    assert_eq!(b["data"]["name"], "Cat");
    let com = create_comment(&ts, &id_of(&item), "first").await;
    let mpath = format!("/api/v1/comments/{}", id_of(&com));
    let (s, _, b) = send(
        &ts,
        Method::PATCH,
        &mpath,
        "full",
        Some(&json!({"body": "second"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(keys(&b["data"]), set(COMMENT_KEYS));
    assert_eq!(b["data"]["body"], "second");
    assert_eq!(b["data"]["item_id"], item["id"]);
}

async fn parts_put(
    ts: &common::TestServer,
    path: &str,
    etag: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = ts
        .req(Method::PUT, path, Some("full"))
        .header("If-Match", etag)
        .json(body)
        .send()
        .await
        .expect("PUT");
    common::parts(r).await
}

#[tokio::test]
async fn delete_returns_204_with_empty_body() {
    let ts = common::start().await;
    let item = ts.create_item(json!({"name": "Doomed"})).await;
    let com = create_comment(&ts, &id_of(&item), "bye").await;
    let cat = ts.create_category("Gone").await;
    for path in [
        format!("/api/v1/comments/{}", id_of(&com)),
        format!("{ITEMS}/{}", id_of(&item)),
        format!("/api/v1/categories/{}", id_of(&cat)),
    ] {
        let r = ts.delete(&path, "full").await;
        assert_eq!(r.status(), 204, "{path}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.is_empty(), "204 body must be empty, got {bytes:?}");
        let (s, _, _) = get(&ts, &path, "full").await;
        assert_eq!(s, 404, "deleted {path} is gone");
    }
}

#[tokio::test]
async fn resource_links_self_and_related() {
    let ts = common::start().await;
    let cat = ts.create_category("Linked").await;
    let item = ts
        .create_item(json!({"name": "L", "category_id": cat["id"]}))
        .await;
    let com = create_comment(&ts, &id_of(&item), "c").await;
    let iid = id_of(&item);
    let cid = id_of(&cat);
    let mid = id_of(&com);

    assert_eq!(item["links"]["self"], json!(format!("{ITEMS}/{iid}")));
    assert_eq!(
        item["links"]["comments"],
        json!(format!("{ITEMS}/{iid}/comments"))
    );
    // A to-one link, if offered, points at the related category.
    for (k, v) in item["links"].as_object().unwrap() {
        match k.as_str() {
            "self" | "comments" => {}
            "category" => assert_eq!(v, &json!(format!("/api/v1/categories/{cid}"))),
            other => panic!("unexpected item link {other}: {v}"),
        }
    }
    // Without a category there is no category link (and no null one).
    let bare = ts.create_item(json!({"name": "no category"})).await;
    let bid = id_of(&bare);
    assert_eq!(
        bare["links"],
        json!({"self": format!("{ITEMS}/{bid}"), "comments": format!("{ITEMS}/{bid}/comments")})
    );
    assert_eq!(
        cat["links"],
        json!({"self": format!("/api/v1/categories/{cid}"), "items": format!("/api/v1/categories/{cid}/items")})
    );
    assert_eq!(
        com["links"]["self"],
        json!(format!("/api/v1/comments/{mid}"))
    );

    // Every link is relative and resolves to a 200 (self: with the same id).
    for (obj, res) in [(&item, "items"), (&cat, "categories"), (&com, "comments")] {
        check_resource_links(obj, res);
        for (rel, l) in obj["links"].as_object().unwrap() {
            let (s, _, b) = get(&ts, l.as_str().unwrap(), "full").await;
            assert_eq!(s, 200, "links.{rel} of {res}: {b}");
            if rel == "self" {
                assert_eq!(b["data"]["id"], obj["id"]);
            }
        }
    }
    // Links are present in collection entries and nested lists without any parameter.
    let (_, b) = list(&ts, &format!("{ITEMS}?filter[id]={iid}"), "full").await;
    assert_eq!(b["data"][0]["links"], item["links"]);
    let (_, b) = list(&ts, &format!("{ITEMS}/{iid}/comments"), "full").await;
    check_resource_links(&b["data"][0], "comments");
    let (_, b) = list(&ts, &format!("/api/v1/categories/{cid}/items"), "full").await;
    assert_eq!(b["data"][0]["links"], item["links"]);
}

/// DESIGN.md and openapi.yaml both document `links.item` on comments.
#[tokio::test]
async fn comment_links_include_item() {
    let ts = common::start().await;
    let item = ts.create_item(json!({"name": "Parent"})).await;
    let com = create_comment(&ts, &id_of(&item), "c").await;
    assert_eq!(
        com["links"],
        json!({
            "self": format!("/api/v1/comments/{}", id_of(&com)),
            "item": format!("{ITEMS}/{}", id_of(&item)),
        })
    );
}

#[tokio::test]
async fn collection_links_first_prev_next_last_and_link_header() {
    let ts = common::start().await;
    bulk_items(
        &ts,
        (0..7).map(|i| json!({"name": format!("P{i}")})).collect(),
    )
    .await;

    // page 1 of 3
    let (h, b) = list(&ts, &format!("{ITEMS}?per_page=3"), "full").await;
    check_offset(&b, 1, 3);
    assert_eq!(b["links"]["prev"], Value::Null);
    assert_eq!(
        keys(&b["links"]),
        set(&["self", "first", "prev", "next", "last"])
    );
    let rels = parse_link_header(common::header(&h, "link").expect("Link header"));
    assert!(rels.contains_key("next") && rels.contains_key("last") && !rels.contains_key("prev"));

    // page 2: all four non-null
    let (h, b) = list(&ts, b["links"]["next"].as_str().unwrap(), "full").await;
    check_offset(&b, 2, 3);
    for rel in ["first", "prev", "next", "last"] {
        assert!(b["links"][rel].is_string(), "page 2 links.{rel}: {b}");
    }
    let rels = parse_link_header(common::header(&h, "link").unwrap());
    for rel in ["first", "prev", "next", "last"] {
        assert_eq!(rels[rel], b["links"][rel].as_str().unwrap());
    }
    // last page
    let (h, b) = list(&ts, b["links"]["last"].as_str().unwrap(), "full").await;
    check_offset(&b, 3, 3);
    assert_eq!(b["links"]["next"], Value::Null);
    assert_eq!(b["data"].as_array().unwrap().len(), 1);
    let rels = parse_link_header(common::header(&h, "link").unwrap());
    assert!(!rels.contains_key("next"));
    assert_eq!(rels["prev"], b["links"]["prev"].as_str().unwrap());

    // The exact link strings of the guide's example shape.
    let (_, b) = list(&ts, &format!("{ITEMS}?page=2&per_page=3"), "full").await;
    assert_eq!(
        b["links"],
        json!({
            "self": "/api/v1/items?page=2&per_page=3",
            "first": "/api/v1/items?page=1&per_page=3",
            "prev": "/api/v1/items?page=1&per_page=3",
            "next": "/api/v1/items?page=3&per_page=3",
            "last": "/api/v1/items?page=3&per_page=3",
        })
    );
}

#[tokio::test]
async fn collection_links_keep_the_other_parameters() {
    let ts = common::start().await;
    bulk_items(
        &ts,
        (0..6)
            .map(|i| json!({"name": format!("Keep école {i}"), "status": "active", "amount_cents": i}))
            .collect(),
    )
    .await;
    let extra = [
        ("sort", "-amount_cents,name"),
        ("q", "école"),
        ("filter[status][eq]", "active"),
        ("filter[amount_cents][gte]", "1"),
        ("fields", "items.name,items.amount_cents"),
    ];
    let mut pairs = vec![("per_page", "2")];
    pairs.extend_from_slice(&extra);
    let (_, b) = list(&ts, &url(ITEMS, &pairs), "full").await;
    assert_eq!(total_count(&b), 5);
    for rel in ["self", "first", "next", "last"] {
        let l = b["links"][rel].as_str().unwrap();
        let q = link_query(l);
        for (k, v) in extra {
            assert!(
                q.iter().any(|(qk, qv)| qk == k && qv == v),
                "links.{rel} = {l} lost {k}={v}"
            );
        }
    }
    // Following the links reproduces the query: amounts 5..1 descending.
    let rows = walk_offset(&ts, ITEMS, &extra, 2, "full").await;
    let amounts: Vec<i64> = rows
        .iter()
        .map(|r| r["amount_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [5, 4, 3, 2, 1]);
    for r in &rows {
        assert_eq!(
            keys(r),
            set(&[
                "id",
                "name",
                "amount_cents",
                "inserted_at",
                "updated_at",
                "links"
            ])
        );
    }
}

#[tokio::test]
async fn link_header_on_every_collection_including_nested_and_empty() {
    let ts = common::start().await;
    let cat = ts.create_category("Empty").await;
    let item = ts.create_item(json!({"name": "Lonely"})).await;
    for path in [
        ITEMS.to_string(),
        "/api/v1/categories".to_string(),
        "/api/v1/comments".to_string(),
        format!("{ITEMS}/{}/comments", id_of(&item)),
        format!("/api/v1/categories/{}/items", id_of(&cat)),
        format!("{ITEMS}?q=zzzz-nothing-matches"),
        format!("{ITEMS}?cursor="),
    ] {
        let (h, b) = list(&ts, &path, "full").await;
        // first (and last, in offset mode) are never null, so the header is always there.
        let rels = parse_link_header(
            common::header(&h, "link").unwrap_or_else(|| panic!("no Link on {path}")),
        );
        assert_eq!(
            rels["first"],
            b["links"]["first"].as_str().unwrap(),
            "{path}"
        );
    }
}

/// Values with reserved characters survive the round trip through the links and the `Link`
/// header: `+`, `,`, `;`, `"`, `<`, `>`, `&`, `=`, `%`, spaces and non-ASCII.
#[tokio::test]
async fn links_round_trip_reserved_characters() {
    let ts = common::start().await;
    let mut seed = vec![];
    for i in 0..5 {
        seed.push(json!({
            "name": format!("Smith, John <{i}> \"q\";a=b&c 100% é"),
            "email": format!("john+tag{i}@example.com"),
        }));
    }
    seed.push(json!({"name": "decoy", "email": "johntag@example.com"}));
    let rows = bulk_items(&ts, seed).await;
    let exact = rows[2]["name"].as_str().unwrap().to_string();
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("filter[email][like]", "+tag")],
        vec![("q", "smith, <")],
        vec![("q", "\";a=b&c 100%")],
        vec![("filter[name][like]", "É")],
        vec![("filter[name][eq]", &exact)],
        vec![("filter[name][in]", "decoy,zzz"), ("sort", "-name")],
    ];
    let expected_len = [5, 5, 5, 5, 1, 1];
    for (extra, want) in cases.iter().zip(expected_len) {
        let walked = walk_offset(&ts, ITEMS, extra, 2, "full").await;
        assert_eq!(walked.len(), want, "{extra:?}");
        let walked = walk_cursor(&ts, ITEMS, extra, 2, "full").await;
        assert_eq!(walked.len(), want, "{extra:?}");
        let mut pairs = vec![("per_page", "2")];
        pairs.extend_from_slice(extra);
        let (h, b) = list(&ts, &url(ITEMS, &pairs), "full").await;
        let q = link_query(b["links"]["self"].as_str().unwrap());
        for (k, v) in extra.iter() {
            assert!(
                q.iter().any(|(qk, qv)| qk == k && qv == v),
                "self link keeps {k}={v}: {q:?}"
            );
        }
        if let Some(l) = common::header(&h, "link") {
            assert!(l.is_ascii(), "Link header is ASCII: {l}");
        }
    }
}
