//! `put-patch.*`, `jsonb.*`, `soft-delete.*` and `money.*`.

mod common;
mod helpers;

use common::{TestServer, assert_problem, header, parts};
use reqwest::Method;
use serde_json::{Map, Value, json};

async fn get_item(s: &TestServer, path: &str) -> (Value, String) {
    let (st, h, b) = parts(s.get(path, "full").await).await;
    assert_eq!(st, 200, "{path}: {b}");
    (b["data"].clone(), header(&h, "etag").unwrap().to_string())
}

async fn put(
    s: &TestServer,
    path: &str,
    etag: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    parts(
        s.req(Method::PUT, path, Some("full"))
            .header("if-match", etag)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn patch(
    s: &TestServer,
    path: &str,
    etag: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    parts(
        s.req(Method::PATCH, path, Some("full"))
            .header("if-match", etag)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn item_path(v: &Value) -> String {
    format!("/api/v1/items/{}", v["id"].as_str().unwrap())
}

/// Keys whose values differ between two representations.
fn changed(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

// ---------------------------------------------------------------- put-patch

#[tokio::test]
async fn put_requires_every_required_field() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("put-req")}))
        .await;
    let path = item_path(&item);
    let (_, tag) = get_item(&s, &path).await;
    let (st, h, b) = put(&s, &path, &tag, &json!({"description": "no name"})).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["name"], json!(["cant_be_blank"]));
    let (after, tag2) = get_item(&s, &path).await;
    assert_eq!(after, item);
    assert_eq!(tag2, tag);
    // Comments: both item_id and body are required on PUT.
    let (_, _, c) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["id"], "body": "b"}),
        )
        .await,
    )
    .await;
    let cpath = format!("/api/v1/comments/{}", c["data"]["id"].as_str().unwrap());
    let (_, ctag) = get_item(&s, &cpath).await;
    let (st, h, b) = put(&s, &cpath, &ctag, &json!({"body": "only body"})).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["item_id"], json!(["cant_be_blank"]));
}

#[tokio::test]
async fn put_resets_omitted_fields_to_their_defaults() {
    let s = common::start().await;
    let cat = s.create_category(&helpers::unique("put-cat")).await;
    let item = s
        .create_item(json!({
            "name": helpers::unique("put-reset"),
            "description": "desc",
            "status": "active",
            "priority": "high",
            "category_id": cat["id"],
            "amount_cents": 500,
            "currency": "EUR",
            "tax_rate": "0.2",
            "email": "a@example.com",
            "metadata": {"k": "v"},
            "tags": ["t"],
            "due_at": "2026-01-01T00:00:00Z",
            "is_featured": true
        }))
        .await;
    let path = item_path(&item);
    let (_, tag) = get_item(&s, &path).await;
    let name = helpers::unique("put-reset-2");
    let (st, _, b) = put(&s, &path, &tag, &json!({"name": name})).await;
    assert_eq!(st, 200, "{b}");
    let d = &b["data"];
    assert_eq!(d["name"], name.as_str());
    for (f, want) in [
        ("description", Value::Null),
        ("status", json!("draft")),
        ("priority", json!("medium")),
        ("category_id", Value::Null),
        ("amount_cents", json!(0)),
        ("currency", json!("USD")),
        ("tax_rate", Value::Null),
        ("email", Value::Null),
        ("metadata", json!({})),
        ("tags", json!([])),
        ("due_at", Value::Null),
        ("is_featured", json!(false)),
    ] {
        assert_eq!(d[f], want, "{f} after PUT");
    }
    assert_eq!(d["id"], item["id"]);
    assert_eq!(d["inserted_at"], item["inserted_at"]);
    let (got, _) = get_item(&s, &path).await;
    assert_eq!(&got, d);
}

#[tokio::test]
async fn patch_changes_only_the_fields_sent() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("patch"), "description": "keep", "tags": ["a"], "metadata": {"m": 1}}))
        .await;
    let path = item_path(&item);
    let (before, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(&s, &path, &tag, &json!({"priority": "critical"})).await;
    assert_eq!(st, 200);
    assert_eq!(changed(&before, &b["data"]), vec!["priority", "updated_at"]);
    assert!(
        helpers::parse_ts(&b["data"]["updated_at"]) >= helpers::parse_ts(&before["updated_at"])
    );
    let (after, _) = get_item(&s, &path).await;
    assert_eq!(after, b["data"]);
}

#[tokio::test]
async fn patch_with_explicit_null_clears_a_field() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("null"), "description": "x", "email": "a@b.co", "due_at": "2026-01-01T00:00:00Z"}))
        .await;
    let path = item_path(&item);
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(
        &s,
        &path,
        &tag,
        &json!({"description": null, "email": null, "due_at": null}),
    )
    .await;
    assert_eq!(st, 200);
    for f in ["description", "email", "due_at"] {
        assert_eq!(b["data"][f], Value::Null, "{f}");
    }
    let (after, _) = get_item(&s, &path).await;
    assert_eq!(after["description"], Value::Null);
    // A non-nullable field cannot be nulled.
    let (st, h, b) = parts(s.patch(&path, "full", &json!({"status": null})).await).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["status"], json!(["cant_be_blank"]));
}

#[tokio::test]
async fn read_only_keys_are_ignored_and_unknown_keys_refused() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("ro-keys")}))
        .await;
    let path = item_path(&item);
    let mut echoed = item.as_object().unwrap().clone();
    echoed.insert("description".into(), json!("edited"));
    echoed.insert("id".into(), json!(uuid::Uuid::new_v4()));
    echoed.insert("inserted_at".into(), json!("2000-01-01T00:00:00Z"));
    let (st, _, b) = parts(s.patch(&path, "full", &Value::Object(echoed)).await).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"]["id"], item["id"]);
    assert_eq!(b["data"]["inserted_at"], item["inserted_at"]);
    assert_eq!(b["data"]["description"], "edited");
    let (st, h, b) = parts(s.patch(&path, "full", &json!({"colour": "red"})).await).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["colour"], json!(["unknown_field"]));
}

// ---------------------------------------------------------------- jsonb

#[tokio::test]
async fn jsonb_patch_replaces_the_whole_value() {
    let s = common::start().await;
    let item = s
        .create_item(
            json!({"name": helpers::unique("jsonb"), "tags": ["a"], "metadata": {"x": 1, "y": 2}}),
        )
        .await;
    let path = item_path(&item);
    let (_, tag) = get_item(&s, &path).await;
    let (st, h, b) = patch(&s, &path, &tag, &json!({"tags": ["b"]})).await;
    assert_eq!(st, 200);
    assert_eq!(
        b["data"]["tags"],
        json!(["b"]),
        "arrays are not appended to"
    );
    let tag = header(&h, "etag").unwrap().to_string();
    let (st, _, b) = patch(&s, &path, &tag, &json!({"metadata": {"y": 3}})).await;
    assert_eq!(st, 200);
    assert_eq!(
        b["data"]["metadata"],
        json!({"y": 3}),
        "maps are not merged"
    );
    let (after, _) = get_item(&s, &path).await;
    assert_eq!(after["tags"], json!(["b"]));
    assert_eq!(after["metadata"], json!({"y": 3}));
    // Nested maps are replaced too (no deep merge).
    let (_, tag) = get_item(&s, &path).await;
    let (_, _, _) = patch(
        &s,
        &path,
        &tag,
        &json!({"metadata": {"a": {"b": 1, "c": 2}}}),
    )
    .await;
    let (_, tag) = get_item(&s, &path).await;
    let (_, _, b) = patch(&s, &path, &tag, &json!({"metadata": {"a": {"c": 3}}})).await;
    assert_eq!(b["data"]["metadata"], json!({"a": {"c": 3}}));
}

#[tokio::test]
async fn jsonb_put_replaces_the_whole_value() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("jsonb-put"), "metadata": {"old": true}, "tags": ["x", "y"]}))
        .await;
    let path = item_path(&item);
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = put(
        &s,
        &path,
        &tag,
        &json!({"name": item["name"], "metadata": {"new": [1, 2]}, "tags": ["z"]}),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (got, _) = get_item(&s, &path).await;
    assert_eq!(got["metadata"], json!({"new": [1, 2]}));
    assert_eq!(got["tags"], json!(["z"]));
}

#[tokio::test]
async fn jsonb_empty_map_null_and_absent_key() {
    let s = common::start().await;
    let item = s
        .create_item(
            json!({"name": helpers::unique("jsonb-sp"), "metadata": {"k": "v"}, "tags": ["t"]}),
        )
        .await;
    let path = item_path(&item);
    // {} → empty map.
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(&s, &path, &tag, &json!({"metadata": {}})).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["metadata"], json!({}));
    // null → null.
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(&s, &path, &tag, &json!({"metadata": null})).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["metadata"], Value::Null);
    let (got, _) = get_item(&s, &path).await;
    assert_eq!(got["metadata"], Value::Null);
    // Absent → untouched.
    let (_, tag) = get_item(&s, &path).await;
    let (_, _, _) = patch(&s, &path, &tag, &json!({"metadata": {"back": 1}})).await;
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(&s, &path, &tag, &json!({"description": "scalar only"})).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["metadata"], json!({"back": 1}));
    assert_eq!(b["data"]["tags"], json!(["t"]));
    // An empty array clears tags; a null array is refused (arrays are never null).
    let (_, tag) = get_item(&s, &path).await;
    let (st, _, b) = patch(&s, &path, &tag, &json!({"tags": []})).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["tags"], json!([]));
    let (_, tag) = get_item(&s, &path).await;
    let (st, h, b) = patch(&s, &path, &tag, &json!({"tags": null})).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["tags"], json!(["cant_be_blank"]));
}

// ---------------------------------------------------------------- soft-delete

#[tokio::test]
async fn delete_is_soft_and_excluded_everywhere_by_default() {
    let s = common::start().await;
    let cat = s.create_category(&helpers::unique("sd-cat")).await;
    let name = helpers::unique("softdel");
    let item = s
        .create_item(json!({"name": name, "category_id": cat["id"]}))
        .await;
    let (_, _, c) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["id"], "body": "on a deleted item"}),
        )
        .await,
    )
    .await;
    let id = item["id"].as_str().unwrap();
    let path = item_path(&item);
    let r = s.delete(&path, "full").await;
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    // GET by id → 404; a second DELETE → 404.
    let (st, h, b) = parts(s.get(&path, "full").await).await;
    assert_problem(st, &h, &b, 404, "not-found");
    assert_eq!(s.delete(&path, "full").await.status(), 404);
    // Gone from the list, q search, filters, nested lists and includes.
    let cat_id = cat["id"].as_str().unwrap();
    for p in [
        "/api/v1/items".to_string(),
        format!("/api/v1/items?q={}", helpers::enc(&name)),
        format!("/api/v1/items?filter[name][eq]={}", helpers::enc(&name)),
        format!("/api/v1/categories/{cat_id}/items"),
    ] {
        assert!(
            !helpers::list_ids(&s, &p, "full")
                .await
                .contains(&id.to_string()),
            "{p}"
        );
    }
    let (_, _, b) = parts(
        s.post("/api/v1/items/search", "full", &json!({"q": name}))
            .await,
    )
    .await;
    assert_eq!(b["data"], json!([]));
    let (_, _, b) = parts(
        s.get(
            &format!("/api/v1/categories/{cat_id}?include=items"),
            "full",
        )
        .await,
    )
    .await;
    let included = b["included"].as_array().cloned().unwrap_or_default();
    assert!(included.iter().all(|e| e["id"] != id), "{b}");
    let cpath = format!(
        "/api/v1/comments/{}?include=item",
        c["data"]["id"].as_str().unwrap()
    );
    let (_, _, b) = parts(s.get(&cpath, "full").await).await;
    let included = b["included"].as_array().cloned().unwrap_or_default();
    assert!(included.iter().all(|e| e["id"] != id), "{b}");
}

#[tokio::test]
async fn deleted_records_are_listed_with_the_deleted_at_filter_and_restored() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("restore")}))
        .await;
    let id = item["id"].as_str().unwrap();
    let path = item_path(&item);
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    let (st, _, b) = parts(
        s.get("/api/v1/items?filter[deleted_at][null]=false", "full")
            .await,
    )
    .await;
    assert_eq!(st, 200);
    let row = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .expect("deleted row listed with filter[deleted_at][null]=false");
    helpers::assert_utc_timestamp(&row["deleted_at"], "deleted_at");
    assert!(helpers::parse_ts(&row["deleted_at"]) >= helpers::parse_ts(&item["inserted_at"]));
    // Restore: 200 with the resource, deleted_at back to null, back in the default list.
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some("full"))
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    assert_eq!(b["data"]["id"], id);
    assert_eq!(b["data"]["deleted_at"], Value::Null);
    assert_eq!(b["data"]["name"], item["name"]);
    assert!(
        helpers::list_ids(&s, "/api/v1/items", "full")
            .await
            .contains(&id.to_string())
    );
    assert_eq!(s.get(&path, "full").await.status(), 200);
    // Restoring a live record is harmless; restoring an unknown id is 404.
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some("full"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .req(
            Method::POST,
            &format!("/api/v1/items/{}/restore", uuid::Uuid::new_v4()),
            Some("full"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn unique_values_can_be_reused_after_a_soft_delete() {
    let s = common::start().await;
    let name = helpers::unique("uniq");
    let first = s.create_item(json!({"name": name})).await;
    let (st, h, b) = parts(
        s.post("/api/v1/items", "full", &json!({"name": name}))
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["name"], json!(["already_taken"]));
    assert_eq!(s.delete(&item_path(&first), "full").await.status(), 204);
    let (st, _, second) = parts(
        s.post("/api/v1/items", "full", &json!({"name": name}))
            .await,
    )
    .await;
    assert_eq!(st, 201);
    assert_ne!(second["data"]["id"], first["id"]);
    // Restoring the first now would create a live duplicate: refused, nothing changes.
    let r = s
        .req(
            Method::POST,
            &format!("{}/restore", item_path(&first)),
            Some("full"),
        )
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["name"], json!(["already_taken"]));
    assert_eq!(s.get(&item_path(&first), "full").await.status(), 404);
    // Names are unique per workspace only.
    let r = s
        .post("/api/v1/items", "second_workspace", &json!({"name": name}))
        .await;
    assert_eq!(r.status(), 201);
}

// ---------------------------------------------------------------- money

#[tokio::test]
async fn money_is_integer_cents_paired_with_an_iso_currency() {
    let s = common::start().await;
    let item = s
        .create_item(
            json!({"name": helpers::unique("money"), "amount_cents": 1999, "currency": "EUR"}),
        )
        .await;
    assert_eq!(item["amount_cents"], json!(1999));
    assert!(item["amount_cents"].is_u64(), "JSON integer");
    assert_eq!(item["currency"], "EUR");
    // Every *_cents value in a list is an integer with a currency next to it.
    let (_, _, list) = parts(s.get("/api/v1/items", "full").await).await;
    for e in list["data"].as_array().unwrap() {
        for (k, v) in e.as_object().unwrap() {
            if k.ends_with("_cents") {
                assert!(v.is_i64() || v.is_u64(), "{k}: {v}");
                let cur = e["currency"].as_str().expect("currency next to the amount");
                assert!(
                    cur.len() == 3 && cur.bytes().all(|b| b.is_ascii_uppercase()),
                    "{cur}"
                );
            }
        }
    }
    // The currency list is ISO 4217 codes.
    let (_, _, enums) = parts(s.get("/api/v1/enums", "full").await).await;
    let currencies = enums["data"]["items"]["currency"]["values"]
        .as_array()
        .unwrap();
    for c in currencies {
        assert!(
            [
                "USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "CNY", "SEK", "NZD"
            ]
            .contains(&c.as_str().unwrap()),
            "{c}"
        );
    }
    let bad: Vec<(Value, &str)> = vec![
        (json!(19.99), "not_an_integer"),
        (json!(10.0), "not_an_integer"),
        (json!("1999"), "not_a_number"),
        (json!(-5), "greater_than"),
    ];
    for (amount, code) in bad {
        let (st, h, b) = parts(
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("m"), "amount_cents": amount}),
            )
            .await,
        )
        .await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"]["amount_cents"], json!([code]), "{amount}");
    }
    for cur in ["usd", "XXX", "US", "dollars"] {
        let (st, h, b) = parts(
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("m"), "currency": cur}),
            )
            .await,
        )
        .await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"]["currency"], json!(["inclusion"]), "{cur}");
    }
    // Large amounts stay exact.
    let big = s
        .create_item(json!({"name": helpers::unique("big"), "amount_cents": 999_999_999_999_i64}))
        .await;
    assert_eq!(big["amount_cents"], json!(999_999_999_999_i64));
}

#[tokio::test]
async fn non_monetary_decimals_are_strings() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("rate"), "tax_rate": "0.0875"}))
        .await;
    assert_eq!(item["tax_rate"], json!("0.0875"));
    let (got, _) = get_item(&s, &item_path(&item)).await;
    assert_eq!(got["tax_rate"], json!("0.0875"), "precision kept");
    for bad in [json!(0.0875), json!("abc"), json!("1e5"), json!("-1")] {
        let (st, h, b) = parts(
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("r"), "tax_rate": bad}),
            )
            .await,
        )
        .await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"]["tax_rate"], json!(["invalid_format"]), "{bad}");
    }
    let mut m = Map::new();
    m.insert("name".into(), json!(helpers::unique("r2")));
    m.insert("tax_rate".into(), json!("123456.123456"));
    let item = s.create_item(Value::Object(m)).await;
    assert_eq!(item["tax_rate"], "123456.123456");
}
