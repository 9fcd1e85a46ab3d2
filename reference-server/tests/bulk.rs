//! `bulk.*`: bulk create (partial success, 207), bulk update and delete (atomic).

mod common;
mod helpers;

use common::{TestServer, assert_problem, parts};
use reqwest::Method;
use serde_json::{Value, json};

async fn bulk(s: &TestServer, m: Method, body: &Value) -> (u16, reqwest::header::HeaderMap, Value) {
    parts(
        s.req(m, "/api/v1/items/bulk", Some("full"))
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn count(s: &TestServer, q: &str) -> u64 {
    let (st, _, b) = parts(
        s.get(&format!("/api/v1/items?per_page=1&{q}"), "full")
            .await,
    )
    .await;
    assert_eq!(st, 200, "{b}");
    b["pagination"]["total_count"].as_u64().unwrap()
}

#[tokio::test]
async fn bulk_create_all_succeed_is_201() {
    let s = common::start().await;
    let tag = helpers::unique("bc");
    let items: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("{tag}-{i}"), "status": "active"}))
        .collect();
    let (st, h, b) = bulk(&s, Method::POST, &json!({"items": items})).await;
    assert_eq!(st, 201, "{b}");
    assert_eq!(common::header(&h, "content-type"), Some("application/json"));
    let data = b["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    for (i, e) in data.iter().enumerate() {
        assert_eq!(e["status"], "created");
        assert_eq!(e["data"]["name"], format!("{tag}-{i}"), "input order");
        helpers::assert_uuid_v4(&e["data"]["id"], "created id");
        assert_eq!(e["id"], e["data"]["id"]);
        assert!(e["data"]["links"]["self"].is_string());
        // Each created row is readable.
        let path = format!("/api/v1/items/{}", e["data"]["id"].as_str().unwrap());
        assert_eq!(s.get(&path, "full").await.status(), 200);
    }
    assert_eq!(
        b["summary"],
        json!({"total": 3, "succeeded": 3, "failed": 0})
    );
    assert_eq!(count(&s, &format!("q={tag}")).await, 3);
}

#[tokio::test]
async fn bulk_update_and_delete_all_succeed_are_200() {
    let s = common::start().await;
    let tag = helpers::unique("bud");
    let items: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("{tag}-{i}")}))
        .collect();
    let (_, _, b) = bulk(&s, Method::POST, &json!({"items": items})).await;
    let ids: Vec<Value> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["id"].clone())
        .collect();
    let updates: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "status": "archived"}))
        .collect();
    let (st, _, b) = bulk(&s, Method::PATCH, &json!({"items": updates})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        b["summary"],
        json!({"total": 3, "succeeded": 3, "failed": 0})
    );
    for (e, id) in b["data"].as_array().unwrap().iter().zip(&ids) {
        assert_eq!(e["id"], *id);
        assert_eq!(e["status"], "updated");
        assert_eq!(e["data"]["status"], "archived");
    }
    assert_eq!(
        count(&s, &format!("q={tag}&filter[status][eq]=archived")).await,
        3
    );
    let (st, _, b) = bulk(&s, Method::DELETE, &json!({"ids": ids})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        b["summary"],
        json!({"total": 3, "succeeded": 3, "failed": 0})
    );
    assert!(
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "deleted")
    );
    assert_eq!(count(&s, &format!("q={tag}")).await, 0);
    // Soft deletes: still there with the deleted filter.
    assert_eq!(
        count(&s, &format!("q={tag}&filter[deleted_at][null]=false")).await,
        3
    );
}

#[tokio::test]
async fn at_most_100_items_per_request() {
    let s = common::start().await;
    let tag = helpers::unique("max");
    let make = |n: usize, t: &str| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"name": format!("{t}-{i}")}))
            .collect()
    };
    let over = format!("{tag}-over");
    let (st, h, b) = bulk(&s, Method::POST, &json!({"items": make(101, &over)})).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["items"], json!(["too_long"]));
    assert_eq!(count(&s, &format!("q={over}")).await, 0, "nothing created");
    let ids: Vec<String> = (0..101).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let (st, h, b) = bulk(&s, Method::DELETE, &json!({"ids": ids})).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    let (st, _, b) = bulk(&s, Method::POST, &json!({"items": make(100, &tag)})).await;
    assert_eq!(st, 201, "{b}");
    assert_eq!(b["summary"]["succeeded"], 100);
    assert_eq!(count(&s, &format!("q={tag}")).await, 100);
    // Empty and missing lists are refused.
    for body in [json!({"items": []}), json!({}), json!({"items": "x"})] {
        let (st, h, b) = bulk(&s, Method::POST, &body).await;
        assert_problem(st, &h, &b, 422, "validation-failed");
    }
}

#[tokio::test]
async fn all_items_failing_is_422_with_per_item_errors() {
    let s = common::start().await;
    let before = count(&s, "").await;
    let (st, h, b) = bulk(
        &s,
        Method::POST,
        &json!({"items": [
            {"name": ""},
            {"name": "ok-name", "status": "bogus"},
            {"name": "ok-name-2", "email": "nope"}
        ]}),
    )
    .await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    // Each item validated independently: three distinct errors pointing at their own item.
    let errors = b["errors"].as_object().unwrap();
    assert_eq!(errors["items[0].name"], json!(["cant_be_blank"]), "{b}");
    assert_eq!(errors["items[1].status"], json!(["inclusion"]), "{b}");
    assert_eq!(errors["items[2].email"], json!(["invalid_format"]), "{b}");
    assert_eq!(errors.len(), 3);
    assert_eq!(count(&s, "").await, before, "nothing created");
}

#[tokio::test]
async fn mixed_bulk_create_is_207_with_per_item_results() {
    let s = common::start().await;
    let tag = helpers::unique("mixed");
    let (st, h, b) = bulk(
        &s,
        Method::POST,
        &json!({"items": [
            {"name": format!("{tag}-a")},
            {"name": ""},
            {"name": format!("{tag}-c"), "priority": "high"}
        ]}),
    )
    .await;
    assert_eq!(st, 207, "{b}");
    assert_eq!(common::header(&h, "content-type"), Some("application/json"));
    let data = b["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["status"], "created");
    assert_eq!(data[0]["data"]["name"], format!("{tag}-a"));
    assert_eq!(data[1]["status"], "failed");
    assert_eq!(data[1]["id"], Value::Null);
    let err = &data[1]["error"];
    assert!(
        err["type"]
            .as_str()
            .unwrap()
            .ends_with("/problems/validation-failed")
    );
    assert_eq!(err["title"], "Validation Failed");
    assert!(err["detail"].is_string());
    assert_eq!(err["errors"]["name"], json!(["cant_be_blank"]));
    assert_eq!(data[2]["status"], "created");
    assert_eq!(data[2]["data"]["priority"], "high");
    // Summary matches the per-item statuses.
    assert_eq!(
        b["summary"],
        json!({"total": 3, "succeeded": 2, "failed": 1})
    );
    let created = data.iter().filter(|e| e["status"] == "created").count();
    assert_eq!(b["summary"]["succeeded"], created);
    assert_eq!(count(&s, &format!("q={tag}")).await, 2);
}

#[tokio::test]
async fn partial_success_is_documented_only_on_bulk_create() {
    let s = common::start().await;
    let (st, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let ops = &doc["paths"]["/items/bulk"];
    assert!(
        ops["post"]["responses"].get("207").is_some(),
        "bulkCreateItems documents 207"
    );
    assert!(ops["patch"]["responses"].get("207").is_none());
    assert!(ops["delete"]["responses"].get("207").is_none());
}

#[tokio::test]
async fn bulk_update_is_atomic() {
    let s = common::start().await;
    let a = s
        .create_item(json!({"name": helpers::unique("atom-a")}))
        .await;
    let b0 = s
        .create_item(json!({"name": helpers::unique("atom-b")}))
        .await;
    let (st, h, body) = bulk(
        &s,
        Method::PATCH,
        &json!({"items": [
            {"id": a["id"], "status": "active"},
            {"id": b0["id"], "status": "nonsense"},
            {"id": uuid::Uuid::new_v4(), "status": "active"},
            {"status": "active"}
        ]}),
    )
    .await;
    assert_problem(st, &h, &body, 422, "validation-failed");
    let errors = body["errors"].as_object().unwrap();
    assert_eq!(errors["items[1].status"], json!(["inclusion"]), "{body}");
    assert_eq!(errors["items[2].id"], json!(["not_found"]), "{body}");
    assert_eq!(errors["items[3].id"], json!(["cant_be_blank"]), "{body}");
    // The valid entry was not applied.
    for item in [&a, &b0] {
        let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
        let (_, _, got) = parts(s.get(&path, "full").await).await;
        assert_eq!(got["data"], *item, "unchanged");
    }
    // Renaming two items to the same name fails atomically too.
    let same = helpers::unique("same");
    let (st, _, _) = bulk(
        &s,
        Method::PATCH,
        &json!({"items": [{"id": a["id"], "name": same}, {"id": b0["id"], "name": same}]}),
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(count(&s, &format!("filter[name][eq]={same}")).await, 0);
}

#[tokio::test]
async fn bulk_delete_is_atomic() {
    let s = common::start().await;
    let a = s
        .create_item(json!({"name": helpers::unique("del-a")}))
        .await;
    let (st, h, body) = bulk(
        &s,
        Method::DELETE,
        &json!({"ids": [a["id"], uuid::Uuid::new_v4(), 42]}),
    )
    .await;
    assert_problem(st, &h, &body, 422, "validation-failed");
    assert_eq!(body["errors"]["ids[1]"], json!(["not_found"]));
    assert_eq!(body["errors"]["ids[2]"], json!(["invalid_uuid"]));
    let path = format!("/api/v1/items/{}", a["id"].as_str().unwrap());
    assert_eq!(s.get(&path, "full").await.status(), 200, "not deleted");
    // Other workspaces' ids are not found.
    let (st, _, _) = parts(
        s.req(
            Method::DELETE,
            "/api/v1/items/bulk",
            Some("second_workspace"),
        )
        .json(&json!({"ids": [a["id"]]}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(s.get(&path, "full").await.status(), 200);
}

#[tokio::test]
async fn bulk_create_honours_idempotency_keys() {
    let s = common::start().await;
    let tag = helpers::unique("bidem");
    let body = json!({"items": [{"name": format!("{tag}-1")}, {"name": format!("{tag}-2")}]});
    let key = uuid::Uuid::new_v4().to_string();
    let send = || {
        s.req(Method::POST, "/api/v1/items/bulk", Some("full"))
            .header("idempotency-key", &key)
            .json(&body)
            .send()
    };
    let r1 = send().await.unwrap();
    assert_eq!(r1.status(), 201);
    assert!(common::header(r1.headers(), "idempotency-replayed").is_none());
    let b1 = r1.bytes().await.unwrap();
    let r2 = send().await.unwrap();
    assert_eq!(r2.status(), 201);
    assert_eq!(
        common::header(r2.headers(), "idempotency-replayed"),
        Some("true")
    );
    assert_eq!(r2.bytes().await.unwrap(), b1);
    assert_eq!(count(&s, &format!("q={tag}")).await, 2, "no duplicates");
}

#[tokio::test]
async fn bulk_needs_write_scope_and_valid_json() {
    let s = common::start().await;
    let (st, h, b) = parts(
        s.req(Method::POST, "/api/v1/items/bulk", Some("read_only"))
            .json(&json!({"items": [{"name": "x"}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    let (st, h, b) = parts(
        s.req(Method::POST, "/api/v1/items/bulk", Some("full"))
            .header("content-type", "application/json")
            .body("{\"items\": [")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(st, &h, &b, 400, "bad-request");
}
