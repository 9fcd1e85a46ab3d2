//! `conventions.*` (content type, ids, timestamps, nulls, empty arrays, boolean params) and
//! `versioning.*` (the /api/v1 prefix everywhere).

mod common;
mod helpers;

use common::{assert_problem, header, parts};
use helpers::{assert_utc_timestamp, assert_uuid_v4};
use serde_json::{Value, json};

const ITEM_FIELDS: &[&str] = &[
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

#[tokio::test]
async fn json_responses_use_application_json() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("ct")})).await;
    let id = item["id"].as_str().unwrap();
    let r = s
        .post(
            "/api/v1/items",
            "full",
            &json!({"name": helpers::unique("ct")}),
        )
        .await;
    assert_eq!(
        header(r.headers(), "content-type"),
        Some("application/json")
    );
    for path in [
        "/api/v1/items".to_string(),
        format!("/api/v1/items/{id}"),
        format!("/api/v1/items/{id}/comments"),
        "/api/v1/categories".to_string(),
        "/api/v1/enums".to_string(),
        "/api/v1/token".to_string(),
        "/api/v1/webhooks".to_string(),
        "/api/v1/files".to_string(),
    ] {
        let r = s.get(&path, "full").await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            header(r.headers(), "content-type"),
            Some("application/json"),
            "{path}"
        );
        let body: Value = r.json().await.expect("JSON body");
        assert!(body.get("data").is_some(), "{path}: data envelope");
    }
    let (st, h, _) = parts(s.post("/api/v1/items/search", "full", &json!({})).await).await;
    assert_eq!(st, 200);
    assert_eq!(header(&h, "content-type"), Some("application/json"));
}

#[tokio::test]
async fn ids_are_lowercase_uuid_v4_strings() {
    let s = common::start().await;
    let cat = s.create_category(&helpers::unique("ids")).await;
    let item = s
        .create_item(json!({"name": helpers::unique("ids"), "category_id": cat["id"]}))
        .await;
    // Upper-case references are accepted and stored in lower case.
    let upper = item["id"].as_str().unwrap().to_ascii_uppercase();
    let (st, _, c) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": upper, "body": "b"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201, "{c}");
    assert_uuid_v4(&cat["id"], "category id");
    assert_uuid_v4(&item["id"], "item id");
    assert_uuid_v4(&item["category_id"], "item category_id");
    assert_uuid_v4(&c["data"]["id"], "comment id");
    assert_uuid_v4(&c["data"]["item_id"], "comment item_id");
    assert_eq!(c["data"]["item_id"], item["id"]);
    let (_, _, list) = parts(s.get("/api/v1/items", "full").await).await;
    for e in list["data"].as_array().unwrap() {
        assert_uuid_v4(&e["id"], "listed id");
    }
}

#[tokio::test]
async fn timestamps_are_utc_iso8601() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("ts"), "due_at": "2026-03-15T12:00:00+02:00"}))
        .await;
    assert_utc_timestamp(&item["inserted_at"], "inserted_at");
    assert_utc_timestamp(&item["updated_at"], "updated_at");
    assert_utc_timestamp(&item["due_at"], "due_at");
    // Offsets are converted to UTC on the way in.
    assert_eq!(
        helpers::parse_ts(&item["due_at"]),
        chrono::DateTime::parse_from_rfc3339("2026-03-15T10:00:00Z").unwrap()
    );
    assert!(
        item["due_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-15T10:00:00")
    );
    let created = helpers::parse_ts(&item["inserted_at"]);
    let now = chrono::Utc::now();
    assert!(
        (now - created).num_seconds().abs() < 30,
        "server clock is UTC"
    );
    // Jobs: created_at too (C16).
    let r = s
        .post("/api/v1/exports", "full", &json!({"resource": "items"}))
        .await;
    let (st, _, job) = parts(r).await;
    assert_eq!(st, 202);
    assert_utc_timestamp(&job["data"]["created_at"], "job created_at");
}

#[tokio::test]
async fn timestamp_filters_accept_utc_only() {
    let s = common::start().await;
    s.create_item(json!({"name": helpers::unique("tf")})).await;
    for ok in [
        "2026-03-01T00:00:00Z",
        "2026-03-01T00:00:00.123456Z",
        "2026-03-01",
    ] {
        let path = format!(
            "/api/v1/items?filter[inserted_at][gte]={}",
            helpers::enc(ok)
        );
        let (st, _, b) = parts(s.get(&path, "full").await).await;
        assert_eq!(st, 200, "{ok}: {b}");
        assert_eq!(b["data"].as_array().unwrap().len(), 1, "{ok}");
    }
    for bad in [
        "2026-03-01T00:00:00+02:00",
        "2026-03-01T00:00:00-05:00",
        "yesterday",
    ] {
        let path = format!(
            "/api/v1/items?filter[inserted_at][gte]={}",
            helpers::enc(bad)
        );
        let (st, h, b) = parts(s.get(&path, "full").await).await;
        assert_problem(st, &h, &b, 400, "bad-request");
    }
}

#[tokio::test]
async fn every_attribute_is_present_with_nulls_and_empty_arrays() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("nulls")}))
        .await;
    let got: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(got, ITEM_FIELDS, "every declared attribute, in order");
    for f in [
        "description",
        "category_id",
        "tax_rate",
        "email",
        "due_at",
        "deleted_at",
    ] {
        assert_eq!(item[f], Value::Null, "{f}");
    }
    assert_eq!(item["tags"], json!([]));
    assert_eq!(item["metadata"], json!({}));
    assert_eq!(item["status"], "draft");
    assert_eq!(item["priority"], "medium");
    assert_eq!(item["amount_cents"], 0);
    assert_eq!(item["currency"], "USD");
    assert_eq!(item["is_featured"], false);
    // Same on GET, on the list and on the other resources.
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let (_, _, b) = parts(s.get(&path, "full").await).await;
    assert_eq!(b["data"], item);
    let (_, _, list) = parts(s.get("/api/v1/items", "full").await).await;
    assert_eq!(list["data"][0], item);
    let cat = s.create_category(&helpers::unique("c")).await;
    for f in [
        "id",
        "name",
        "description",
        "inserted_at",
        "updated_at",
        "deleted_at",
        "links",
    ] {
        assert!(cat.get(f).is_some(), "category {f}");
    }
    assert_eq!(cat["description"], Value::Null);
    // Empty nested collections are [] (never null).
    let (_, _, nested) = parts(s.get(&format!("{path}/comments"), "full").await).await;
    assert_eq!(nested["data"], json!([]));
    // Links are relative and versioned.
    assert_eq!(item["links"]["self"], path.as_str());
    assert_eq!(item["links"]["comments"], format!("{path}/comments"));
}

#[tokio::test]
async fn boolean_query_params_accept_only_true_and_false() {
    let s = common::start().await;
    for ok in ["true", "false"] {
        let (st, _, b) = parts(
            s.get(&format!("/api/v1/items?with_count={ok}"), "full")
                .await,
        )
        .await;
        assert_eq!(st, 200, "{ok}: {b}");
    }
    for bad in ["1", "0", "yes", "no", "TRUE", ""] {
        let (st, h, b) = parts(
            s.get(&format!("/api/v1/items?with_count={bad}"), "full")
                .await,
        )
        .await;
        assert_problem(st, &h, &b, 400, "bad-request");
        assert!(b["detail"].as_str().unwrap().contains("with_count"), "{b}");
    }
    // Boolean filter values too.
    s.create_item(json!({"name": helpers::unique("b"), "is_featured": true}))
        .await;
    let (st, _, b) = parts(
        s.get("/api/v1/items?filter[is_featured][eq]=true", "full")
            .await,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(b["data"].as_array().unwrap().len(), 1);
    let (st, h, b) = parts(
        s.get("/api/v1/items?filter[is_featured][eq]=1", "full")
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 400, "bad-request");
}

fn all_links(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "links" {
                    if let Value::Object(l) = x {
                        for href in l.values().filter_map(Value::as_str) {
                            out.push(href.to_string());
                        }
                    }
                }
                all_links(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| all_links(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_link_and_location_carries_the_v1_prefix() {
    let s = common::start().await;
    let cat = s.create_category(&helpers::unique("v")).await;
    let item = s
        .create_item(json!({"name": helpers::unique("v"), "category_id": cat["id"]}))
        .await;
    let id = item["id"].as_str().unwrap();
    for i in 0..3 {
        s.create_item(json!({"name": helpers::unique(&format!("v{i}"))}))
            .await;
    }
    let mut links = vec![];
    let mut locations = vec![];
    for path in [
        "/api/v1/items?per_page=2&page=2".to_string(),
        "/api/v1/items?cursor=&per_page=2".to_string(),
        format!("/api/v1/items/{id}?include=category,comments"),
        format!("/api/v1/categories/{}/items", cat["id"].as_str().unwrap()),
    ] {
        let r = s.get(&path, "full").await;
        if let Some(l) = header(r.headers(), "link") {
            for part in l.split(',') {
                let target = part.trim().trim_start_matches('<');
                let target = target.split('>').next().unwrap();
                links.push(target.to_string());
            }
        }
        let b: Value = r.json().await.unwrap();
        all_links(&b, &mut links);
    }
    let r = s
        .post(
            "/api/v1/items",
            "full",
            &json!({"name": helpers::unique("v")}),
        )
        .await;
    locations.push(header(r.headers(), "location").unwrap().to_string());
    let r = s
        .post("/api/v1/exports", "full", &json!({"resource": "items"}))
        .await;
    locations.push(header(r.headers(), "location").unwrap().to_string());
    let b: Value = r.json().await.unwrap();
    all_links(&b, &mut links);
    assert!(links.len() > 10, "{links:?}");
    for l in links.iter().chain(&locations) {
        assert!(l.starts_with("/api/v1/"), "{l}");
        assert!(!l.contains("://"), "relative: {l}");
    }
}

#[tokio::test]
async fn only_v1_exists_and_the_spec_uses_one_version() {
    let s = common::start().await;
    for path in ["/api/v2/items", "/api/items", "/items", "/v1/items"] {
        let (st, h, b) = parts(s.get(path, "full").await).await;
        assert_problem(st, &h, &b, 404, "not-found");
    }
    let (st, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    assert!(
        doc["servers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1"),
        "{}",
        doc["servers"]
    );
    for p in doc["paths"].as_object().unwrap().keys() {
        assert!(!p.contains("/v2") && !p.starts_with("/api/v"), "{p}");
    }
}
