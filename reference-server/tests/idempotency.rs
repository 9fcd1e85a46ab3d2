//! `idempotency.*`: Idempotency-Key replay, mismatch, workspace scoping and expiry.

mod common;
mod helpers;

use std::time::Duration;

use common::{TestServer, assert_problem, header, parts};
use reqwest::Method;
use serde_json::{Value, json};

async fn post_key(
    s: &TestServer,
    path: &str,
    role: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    s.req(Method::POST, path, Some(role))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn count_named(s: &TestServer, role: &str, name: &str) -> usize {
    helpers::list_ids(
        s,
        &format!("/api/v1/items?filter[name][eq]={}", helpers::enc(name)),
        role,
    )
    .await
    .len()
}

#[tokio::test]
async fn a_replayed_key_returns_the_stored_response() {
    let s = common::start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let name = helpers::unique("idem");
    let body = json!({"name": name, "amount_cents": 1999});
    let r1 = post_key(&s, "/api/v1/items", "full", &key, &body).await;
    let h1 = r1.headers().clone();
    let b1 = r1.bytes().await.unwrap();
    let r2 = post_key(&s, "/api/v1/items", "full", &key, &body).await;
    let h2 = r2.headers().clone();
    assert_eq!(r2.status(), 201);
    let b2 = r2.bytes().await.unwrap();
    assert!(
        header(&h1, "idempotency-replayed").is_none(),
        "first is not a replay"
    );
    assert_eq!(header(&h2, "idempotency-replayed"), Some("true"));
    // Identical body (same id, same timestamps) and stored headers.
    assert_eq!(b1, b2);
    for name in ["etag", "location", "content-type"] {
        assert!(header(&h1, name).is_some(), "{name}");
        assert_eq!(header(&h1, name), header(&h2, name), "{name}");
    }
    // The replay is still a normal response otherwise.
    helpers::assert_security_headers(&h2, "replay");
    helpers::assert_rate_headers(&h2, "replay");
    assert_eq!(count_named(&s, "full", &name).await, 1);
    // A third time, still the same.
    let r3 = post_key(&s, "/api/v1/items", "full", &key, &body).await;
    assert_eq!(r3.status(), 201);
    assert_eq!(r3.bytes().await.unwrap(), b1);
}

#[tokio::test]
async fn reusing_a_key_with_a_different_body_is_rejected() {
    let s = common::start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let a = helpers::unique("idem-a");
    let b = helpers::unique("idem-b");
    let r = post_key(&s, "/api/v1/items", "full", &key, &json!({"name": a})).await;
    assert_eq!(r.status(), 201);
    let r = post_key(&s, "/api/v1/items", "full", &key, &json!({"name": b})).await;
    assert!(header(r.headers(), "idempotency-replayed").is_none());
    let (st, h, body) = parts(r).await;
    // C01: 422 with an explanation (the rule bullet), not a replay and not a second record.
    assert_problem(st, &h, &body, 422, "validation-failed");
    assert_eq!(
        body["errors"]["idempotency_key"],
        json!(["idempotency_key_mismatch"])
    );
    assert!(body["detail"].as_str().unwrap().contains("Idempotency-Key"));
    assert_eq!(count_named(&s, "full", &b).await, 0);
    assert_eq!(count_named(&s, "full", &a).await, 1);
    // The same key on another path is a different request too.
    let r = post_key(&s, "/api/v1/categories", "full", &key, &json!({"name": a})).await;
    let (st, h, body) = parts(r).await;
    assert_problem(st, &h, &body, 422, "validation-failed");
    let (_, _, cats) = parts(s.get("/api/v1/categories", "full").await).await;
    assert_eq!(cats["data"], json!([]));
}

#[tokio::test]
async fn keys_are_scoped_per_workspace() {
    let s = common::start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({"name": helpers::unique("idem-ws")});
    let (st, _, a) = parts(post_key(&s, "/api/v1/items", "full", &key, &body).await).await;
    assert_eq!(st, 201);
    let r = post_key(&s, "/api/v1/items", "second_workspace", &key, &body).await;
    assert_eq!(r.status(), 201);
    assert!(header(r.headers(), "idempotency-replayed").is_none());
    let b: Value = r.json().await.unwrap();
    assert_ne!(a["data"]["id"], b["data"]["id"]);
    // Another token of the same workspace shares the key space.
    let r = post_key(&s, "/api/v1/items", "admin2", &key, &body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(header(r.headers(), "idempotency-replayed"), Some("true"));
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["data"]["id"], a["data"]["id"]);
}

#[tokio::test]
async fn the_key_is_optional_and_harmless_on_other_posts() {
    let s = common::start().await;
    // Without a key: an ordinary create.
    let r = s
        .post(
            "/api/v1/items",
            "full",
            &json!({"name": helpers::unique("nokey")}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(header(r.headers(), "idempotency-replayed").is_none());
    let item: Value = r.json().await.unwrap();
    let path = format!("/api/v1/items/{}", item["data"]["id"].as_str().unwrap());
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    // Restore, exports, webhooks and search with a key: never a 4xx.
    let k = || uuid::Uuid::new_v4().to_string();
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some("full"))
        .header("idempotency-key", k())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post_key(
        &s,
        "/api/v1/exports",
        "full",
        &k(),
        &json!({"resource": "items"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let r = post_key(
        &s,
        "/api/v1/webhooks",
        "full",
        &k(),
        &json!({"url": "https://hooks.example.com/x", "events": ["item.created"], "secret": "0123456789abcdef"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // Search ignores the header entirely: different bodies, same key, no mismatch, no replay.
    let key = k();
    for body in [json!({}), json!({"q": "zzz"})] {
        let r = post_key(&s, "/api/v1/items/search", "full", &key, &body).await;
        assert_eq!(r.status(), 200);
        assert!(header(r.headers(), "idempotency-replayed").is_none());
    }
}

#[tokio::test]
async fn the_header_is_ignored_on_get_put_patch_delete() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("ign")})).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let key = uuid::Uuid::new_v4().to_string();
    for desc in ["first", "second"] {
        let r = s
            .req(Method::PATCH, &path, Some("full"))
            .header("idempotency-key", &key)
            .json(&json!({"description": desc}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(header(r.headers(), "idempotency-replayed").is_none());
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["data"]["description"], desc);
    }
    let r = s
        .req(Method::GET, &path, Some("full"))
        .header("idempotency-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(r.headers(), "idempotency-replayed").is_none());
    let r = s
        .req(Method::DELETE, &path, Some("full"))
        .header("idempotency-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn failed_requests_are_not_stored() {
    let s = common::start().await;
    let key = uuid::Uuid::new_v4().to_string();
    let r = post_key(&s, "/api/v1/items", "full", &key, &json!({"name": ""})).await;
    assert_eq!(r.status(), 422);
    // The same key with a corrected body executes normally.
    let r = post_key(
        &s,
        "/api/v1/items",
        "full",
        &key,
        &json!({"name": helpers::unique("fix")}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(header(r.headers(), "idempotency-replayed").is_none());
}

#[tokio::test]
async fn keys_must_be_short_visible_strings() {
    let s = common::start().await;
    let r = post_key(
        &s,
        "/api/v1/items",
        "full",
        &"k".repeat(256),
        &json!({"name": "x"}),
    )
    .await;
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 400, "bad-request");
    assert!(b["detail"].as_str().unwrap().contains("Idempotency-Key"));
    assert_eq!(count_named(&s, "full", "x").await, 0);
}

#[tokio::test]
async fn keys_expire_after_the_ttl() {
    // The guide's 24 h, shortened for the test.
    let s = common::start_with(|c| c.idempotency_ttl = Duration::from_millis(1000)).await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({"name": helpers::unique("ttl")});
    let (st, _, first) = parts(post_key(&s, "/api/v1/items", "full", &key, &body).await).await;
    assert_eq!(st, 201);
    let path = format!("/api/v1/items/{}", first["data"]["id"].as_str().unwrap());
    // Within the TTL: a replay.
    let r = post_key(&s, "/api/v1/items", "full", &key, &body).await;
    assert_eq!(header(r.headers(), "idempotency-replayed"), Some("true"));
    // Free the unique name, wait out the TTL: the same key executes afresh.
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = post_key(&s, "/api/v1/items", "full", &key, &body).await;
    assert_eq!(r.status(), 201);
    assert!(header(r.headers(), "idempotency-replayed").is_none());
    let again: Value = r.json().await.unwrap();
    assert_ne!(again["data"]["id"], first["data"]["id"]);
    // After expiry the key may also carry a different body.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = post_key(
        &s,
        "/api/v1/items",
        "full",
        &key,
        &json!({"name": helpers::unique("ttl2")}),
    )
    .await;
    assert_eq!(r.status(), 201);
}
