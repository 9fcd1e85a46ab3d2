//! `webhooks.*`: registration, signed delivery, event types, retries, failing state, scoping.
//! Deliveries go to a tiny receiver on 127.0.0.1; the test config retries every 200 ms.

mod common;
mod helpers;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{TestServer, assert_problem, header, parts};
use helpers::{Delivery, Receiver};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "whsec_test-secret-0123456789";
const WAIT: Duration = Duration::from_secs(5);

async fn register(s: &TestServer, role: &str, url: &str, events: &[&str]) -> Value {
    let r = s
        .post(
            "/api/v1/webhooks",
            role,
            &json!({"url": url, "events": events, "secret": SECRET}),
        )
        .await;
    let (st, h, b) = parts(r).await;
    assert_eq!(st, 201, "{b}");
    let id = b["data"]["id"].as_str().unwrap();
    assert_eq!(
        header(&h, "location"),
        Some(format!("/api/v1/webhooks/{id}").as_str())
    );
    b["data"].clone()
}

fn verify_signature(d: &Delivery) {
    let sig = d
        .headers
        .get("x-webhook-signature")
        .and_then(|v| v.to_str().ok())
        .expect("X-Webhook-Signature");
    let hex_sig = sig.strip_prefix("sha256=").unwrap_or(sig);
    let raw = hex::decode(hex_sig).expect("hex signature");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&d.body);
    mac.verify_slice(&raw)
        .expect("HMAC-SHA256 of the raw body under the secret");
}

async fn next(rx: &mut Receiver) -> Delivery {
    rx.next(WAIT).await.expect("a delivery within 5 s")
}

#[tokio::test]
async fn registration_returns_201_and_hides_the_secret() {
    let s = common::start().await;
    let hook = register(
        &s,
        "full",
        "https://hooks.example.com/in",
        &["item.created", "item.deleted"],
    )
    .await;
    helpers::assert_uuid_v4(&hook["id"], "webhook id");
    assert_eq!(hook["url"], "https://hooks.example.com/in");
    assert_eq!(hook["events"], json!(["item.created", "item.deleted"]));
    assert_eq!(hook["state"], "active");
    assert_eq!(hook["failure_count"], 0);
    assert!(hook.get("secret").is_none(), "the secret is never echoed");
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let (st, _, b) = parts(s.get(&path, "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["id"], hook["id"]);
    assert!(b["data"].get("secret").is_none());
    let ids = helpers::list_ids(&s, "/api/v1/webhooks", "full").await;
    assert_eq!(ids, vec![hook["id"].as_str().unwrap().to_string()]);
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    assert_eq!(s.get(&path, "full").await.status(), 404);
}

#[tokio::test]
async fn invalid_registrations_are_422() {
    let s = common::start().await;
    for (body, field, code) in [
        (
            json!({"events": ["item.created"], "secret": SECRET}),
            "url",
            "cant_be_blank",
        ),
        (
            json!({"url": "http://example.com/hook", "events": ["item.created"], "secret": SECRET}),
            "url",
            "invalid_format",
        ),
        (
            json!({"url": "ftp://example.com/hook", "events": ["item.created"], "secret": SECRET}),
            "url",
            "invalid_format",
        ),
        (
            json!({"url": "not a url", "events": ["item.created"], "secret": SECRET}),
            "url",
            "invalid_format",
        ),
        (
            json!({"url": "https://e.com/h", "events": ["item.exploded"], "secret": SECRET}),
            "events",
            "inclusion",
        ),
        (
            json!({"url": "https://e.com/h", "events": [], "secret": SECRET}),
            "events",
            "cant_be_blank",
        ),
        (
            json!({"url": "https://e.com/h", "events": ["item.created"], "secret": "short"}),
            "secret",
            "too_short",
        ),
        (
            json!({"url": "https://e.com/h", "events": ["item.created"]}),
            "secret",
            "cant_be_blank",
        ),
        (
            json!({"url": "https://e.com/h", "events": ["item.created"], "secret": SECRET, "x": 1}),
            "x",
            "unknown_field",
        ),
    ] {
        let (st, h, b) = parts(s.post("/api/v1/webhooks", "full", &body).await).await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"][field], json!([code]), "{body}: {b}");
    }
    let (_, _, list) = parts(s.get("/api/v1/webhooks", "full").await).await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn events_are_posted_signed_and_well_formed() {
    let s = common::start().await;
    let mut rx = Receiver::start().await;
    register(
        &s,
        "full",
        &rx.url,
        &["item.created", "item.updated", "item.deleted"],
    )
    .await;
    let item = s
        .create_item(json!({"name": helpers::unique("hook"), "status": "active"}))
        .await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    let d = next(&mut rx).await;
    verify_signature(&d);
    assert_eq!(
        d.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let ev = d.json();
    let keys: Vec<&str> = ev.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["id", "type", "created_at", "data", "workspace_id"] {
        assert!(keys.contains(&k), "{k} missing: {ev}");
    }
    helpers::assert_uuid_v4(&ev["id"], "event id");
    assert_eq!(ev["type"], "item.created");
    helpers::assert_utc_timestamp(&ev["created_at"], "event created_at");
    assert_eq!(ev["workspace_id"], s.seed.workspaces[0].id.as_str());
    assert_eq!(ev["data"]["id"], id);
    assert_eq!(ev["data"]["name"], item["name"]);
    assert_eq!(ev["data"]["status"], "active");
    // Update and soft delete.
    assert_eq!(
        s.patch(&path, "full", &json!({"status": "archived"}))
            .await
            .status(),
        200
    );
    let d = next(&mut rx).await;
    verify_signature(&d);
    let up = d.json();
    assert_eq!(up["type"], "item.updated");
    assert_eq!(up["data"]["id"], id);
    assert_eq!(up["data"]["status"], "archived");
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    let d = next(&mut rx).await;
    verify_signature(&d);
    let del = d.json();
    assert_eq!(del["type"], "item.deleted");
    assert_eq!(del["data"]["id"], id);
    // Distinct events have distinct ids.
    assert_ne!(ev["id"], up["id"]);
    assert_ne!(up["id"], del["id"]);
    rx.expect_none(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn event_types_cover_every_resource_and_bulk_writes() {
    let s = common::start().await;
    let mut rx = Receiver::start().await;
    register(
        &s,
        "full",
        &rx.url,
        &[
            "category.created",
            "comment.created",
            "item.created",
            "item.updated",
        ],
    )
    .await;
    let cat = s.create_category(&helpers::unique("ev")).await;
    let item = s.create_item(json!({"name": helpers::unique("ev")})).await;
    let (st, _, _) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["id"], "body": "b"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    let (st, _, _) = parts(
        s.req(reqwest::Method::PATCH, "/api/v1/items/bulk", Some("full"))
            .json(&json!({"items": [{"id": item["id"], "priority": "low"}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let mut types = vec![];
    for _ in 0..4 {
        let ev = next(&mut rx).await.json();
        let t = ev["type"].as_str().unwrap().to_string();
        let (res, act) = t.split_once('.').unwrap();
        assert!(
            res.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{t}"
        );
        assert!(["created", "updated", "deleted"].contains(&act), "{t}");
        if t == "category.created" {
            assert_eq!(ev["data"]["id"], cat["id"]);
        }
        types.push(t);
    }
    types.sort();
    assert_eq!(
        types,
        vec![
            "category.created",
            "comment.created",
            "item.created",
            "item.updated"
        ]
    );
}

#[tokio::test]
async fn subscriptions_filter_what_each_webhook_receives() {
    let s = common::start().await;
    let mut created_rx = Receiver::start().await;
    let mut deleted_rx = Receiver::start().await;
    register(&s, "full", &created_rx.url, &["item.created"]).await;
    register(&s, "full", &deleted_rx.url, &["item.deleted"]).await;
    let item = s.create_item(json!({"name": helpers::unique("sub")})).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    assert_eq!(
        s.patch(&path, "full", &json!({"description": "x"}))
            .await
            .status(),
        200
    );
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    assert_eq!(next(&mut created_rx).await.json()["type"], "item.created");
    assert_eq!(next(&mut deleted_rx).await.json()["type"], "item.deleted");
    created_rx.expect_none(Duration::from_millis(400)).await;
    deleted_rx.expect_none(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_event_id_then_marked_failing() {
    let s = common::start().await;
    let mut rx = Receiver::start().await;
    rx.status.store(500, Ordering::Relaxed);
    let hook = register(&s, "full", &rx.url, &["item.created"]).await;
    let hook_path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    s.create_item(json!({"name": helpers::unique("retry")}))
        .await;
    // Initial attempt plus the 5 retries of the (test) schedule, 200 ms apart.
    let mut got: Vec<Delivery> = vec![];
    for _ in 0..6 {
        got.push(next(&mut rx).await);
    }
    let first_id = got[0].json()["id"].clone();
    for (i, d) in got.iter().enumerate() {
        verify_signature(d);
        assert_eq!(d.json()["id"], first_id, "attempt {i} keeps the event id");
        assert_eq!(d.body, got[0].body, "identical payload");
    }
    for w in got.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(150), "backoff gap {gap:?}");
    }
    // The schedule is exhausted: no 7th attempt.
    rx.expect_none(Duration::from_millis(600)).await;
    // Marked failing (not disabled, not deleted).
    let (st, _, b) = parts(s.get(&hook_path, "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["state"], "failing", "{b}");
    assert!(b["data"]["failure_count"].as_i64().unwrap() >= 5, "{b}");
    // New events are still attempted; a success resets the failure count.
    rx.status.store(200, Ordering::Relaxed);
    let item = s
        .create_item(json!({"name": helpers::unique("after-failing")}))
        .await;
    let d = next(&mut rx).await;
    assert_eq!(d.json()["data"]["id"], item["id"]);
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, _, b) = parts(s.get(&hook_path, "full").await).await;
        if b["data"]["failure_count"] == 0 {
            helpers::assert_utc_timestamp(&b["data"]["last_delivery_at"], "last_delivery_at");
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_receiver_that_recovers_gets_the_event_once_more() {
    let s = common::start().await;
    let mut rx = Receiver::start().await;
    rx.status.store(503, Ordering::Relaxed);
    register(&s, "full", &rx.url, &["item.created"]).await;
    s.create_item(json!({"name": helpers::unique("recover")}))
        .await;
    let first = next(&mut rx).await;
    rx.status.store(204, Ordering::Relaxed);
    let second = next(&mut rx).await;
    assert_eq!(first.json()["id"], second.json()["id"]);
    // Delivered: no further attempts.
    rx.expect_none(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_slow_receiver_counts_as_failed_and_is_retried() {
    // The guide's 10 s, shortened: the receiver answers 200 but only after the timeout.
    let s = common::start_with(|c| c.webhook_timeout = Duration::from_millis(300)).await;
    let mut rx = Receiver::start().await;
    rx.delay_ms.store(800, Ordering::Relaxed);
    let hook = register(&s, "full", &rx.url, &["item.created"]).await;
    s.create_item(json!({"name": helpers::unique("slow")}))
        .await;
    let first = next(&mut rx).await;
    rx.delay_ms.store(0, Ordering::Relaxed);
    let second = next(&mut rx).await;
    assert_eq!(
        first.json()["id"],
        second.json()["id"],
        "same event redelivered"
    );
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, _, b) = parts(s.get(&path, "full").await).await;
        if b["data"]["last_delivery_at"].is_string() {
            assert_eq!(b["data"]["state"], "active");
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn webhooks_are_scoped_to_the_workspace() {
    let s = common::start().await;
    let mut rx_a = Receiver::start().await;
    let hook = register(&s, "full", &rx_a.url, &["item.created"]).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    // B cannot see or delete A's webhook.
    let (st, h, b) = parts(s.get(&path, "second_workspace").await).await;
    assert_problem(st, &h, &b, 404, "not-found");
    let (st, h, b) = parts(s.delete(&path, "second_workspace").await).await;
    assert_problem(st, &h, &b, 404, "not-found");
    assert!(
        helpers::list_ids(&s, "/api/v1/webhooks", "second_workspace")
            .await
            .is_empty()
    );
    // B's events never reach A's receiver.
    let r = s
        .post(
            "/api/v1/items",
            "second_workspace",
            &json!({"name": helpers::unique("b")}),
        )
        .await;
    assert_eq!(r.status(), 201);
    rx_a.expect_none(Duration::from_millis(500)).await;
    // A's own events do.
    s.create_item(json!({"name": helpers::unique("a")})).await;
    assert_eq!(
        next(&mut rx_a).await.json()["workspace_id"],
        s.seed.workspaces[0].id.as_str()
    );
}

#[tokio::test]
async fn a_deleted_webhook_receives_nothing() {
    let s = common::start().await;
    let mut rx = Receiver::start().await;
    let hook = register(&s, "full", &rx.url, &["item.created"]).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    s.create_item(json!({"name": helpers::unique("gone")}))
        .await;
    rx.expect_none(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn webhooks_need_the_webhooks_scope() {
    let s = common::start().await;
    let body = json!({"url": "https://e.com/h", "events": ["item.created"], "secret": SECRET});
    let (st, h, b) = parts(s.post("/api/v1/webhooks", "read_only", &body).await).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    assert_eq!(b["required_scope"], "webhooks:write");
    let (st, h, b) = parts(s.get("/api/v1/webhooks", "scoped").await).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    assert_eq!(s.get("/api/v1/webhooks", "read_only").await.status(), 200);
}
