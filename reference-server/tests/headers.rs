//! `security-headers.*`, `cors.*` and `correlation.*`.

mod common;
mod helpers;

use common::{header, parts};
use helpers::assert_security_headers;
use reqwest::Method;
use serde_json::json;

const ORIGIN: &str = "https://app.example.com";

#[tokio::test]
async fn security_headers_on_every_kind_of_response() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("sec")})).await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    let etag = header(&h, "etag").unwrap().to_string();

    let mut cases: Vec<(&str, reqwest::Response, u16)> = vec![
        ("list", s.get("/api/v1/items", "full").await, 200),
        ("single", s.get(&path, "full").await, 200),
        (
            "create",
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("sec")}),
            )
            .await,
            201,
        ),
        (
            "304",
            s.req(Method::GET, &path, Some("full"))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap(),
            304,
        ),
        (
            "400",
            s.get("/api/v1/items?zz_harness_unknown=1", "full").await,
            400,
        ),
        (
            "401",
            s.client.get(s.url("/api/v1/items")).send().await.unwrap(),
            401,
        ),
        ("403", s.get("/api/v1/categories", "scoped").await, 403),
        (
            "404 resource",
            s.get(&format!("/api/v1/items/{}", uuid::Uuid::new_v4()), "full")
                .await,
            404,
        ),
        (
            "404 route",
            s.client.get(s.url("/no/such/route")).send().await.unwrap(),
            404,
        ),
        (
            "405",
            s.req(Method::PUT, "/api/v1/items", Some("full"))
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            405,
        ),
        (
            "412",
            s.req(Method::PATCH, &path, Some("full"))
                .header("if-match", "\"stale\"")
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            412,
        ),
        (
            "422",
            s.post("/api/v1/items", "full", &json!({"name": ""})).await,
            422,
        ),
        (
            "428",
            s.req(Method::PUT, &path, Some("full"))
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap(),
            428,
        ),
        (
            "preflight",
            s.client
                .request(Method::OPTIONS, s.url("/api/v1/items"))
                .header("origin", ORIGIN)
                .header("access-control-request-method", "POST")
                .send()
                .await
                .unwrap(),
            204,
        ),
        (
            "health live",
            s.client.get(s.url("/health/live")).send().await.unwrap(),
            200,
        ),
        (
            "health ready",
            s.client.get(s.url("/health/ready")).send().await.unwrap(),
            200,
        ),
        (
            "health redirect",
            s.client.get(s.url("/health")).send().await.unwrap(),
            308,
        ),
        (
            "agents",
            s.client.get(s.url("/api/v1/agents")).send().await.unwrap(),
            200,
        ),
        (
            "openapi",
            s.client
                .get(s.url("/api/v1/openapi.json"))
                .send()
                .await
                .unwrap(),
            200,
        ),
    ];
    cases.push(("204 delete", s.delete(&path, "full").await, 204));
    for (what, r, want) in cases {
        assert_eq!(r.status(), want, "{what}");
        assert_security_headers(r.headers(), what);
        // The request id is echoed or generated on every response too.
        let rid = header(r.headers(), "x-request-id").unwrap_or_else(|| panic!("{what}"));
        assert!(helpers::is_uuid_v4(rid), "{what}: {rid}");
    }
}

#[tokio::test]
async fn security_headers_on_429() {
    let s = common::start_with(|c| c.rate_limit = 3).await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(s.get("/api/v1/items", "rate_limited").await);
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    assert_security_headers(r.headers(), "429");
    assert!(header(r.headers(), "x-request-id").is_some());
}

fn list_contains(list: &str, want: &str) -> bool {
    list.split(',').any(|x| x.trim().eq_ignore_ascii_case(want))
}

#[tokio::test]
async fn cors_preflight_is_204_without_a_token_and_lists_methods_and_headers() {
    let s = common::start().await;
    let r = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/items"))
        .header("origin", ORIGIN)
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match, if-none-match, idempotency-key, x-request-id",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let h = r.headers().clone();
    assert!(r.bytes().await.unwrap().is_empty());
    assert_eq!(header(&h, "access-control-allow-origin"), Some(ORIGIN));
    let methods = header(&h, "access-control-allow-methods").expect("allow-methods");
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(list_contains(methods, m), "{m} missing from {methods}");
    }
    let allowed = header(&h, "access-control-allow-headers").expect("allow-headers");
    for name in [
        "Authorization",
        "Content-Type",
        "If-Match",
        "If-None-Match",
        "Idempotency-Key",
        "X-Request-Id",
    ] {
        assert!(
            list_contains(allowed, name),
            "{name} missing from {allowed}"
        );
    }
    assert_eq!(header(&h, "access-control-max-age"), Some("86400"));
    assert!(
        header(&h, "vary").is_some_and(|v| v.contains("Origin")),
        "Vary: Origin"
    );
    // Preflight on a single-resource path and on a public path work the same way.
    for path in [
        format!("/api/v1/items/{}", uuid::Uuid::new_v4()),
        "/api/v1/agents".to_string(),
    ] {
        let r = s
            .client
            .request(Method::OPTIONS, s.url(&path))
            .header("origin", ORIGIN)
            .header("access-control-request-method", "GET")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        assert_eq!(
            header(r.headers(), "access-control-allow-origin"),
            Some(ORIGIN)
        );
    }
}

#[tokio::test]
async fn cors_allow_origin_is_explicit_never_a_wildcard() {
    let s = common::start().await;
    // Allowed origin on a real request: echoed exactly, expose list present.
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(r.headers(), "access-control-allow-origin"),
        Some(ORIGIN)
    );
    let expose = header(r.headers(), "access-control-expose-headers").expect("expose-headers");
    for name in [
        "ETag",
        "RateLimit",
        "RateLimit-Policy",
        "Retry-After",
        "X-Request-Id",
        "Link",
        "Deprecation",
        "Sunset",
    ] {
        assert!(list_contains(expose, name), "{name} missing from {expose}");
    }
    // A foreign origin: no ACAO for it (preflight and real request), never `*`.
    let evil = "https://evil.example";
    let pre = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/items"))
        .header("origin", evil)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    let real = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("origin", evil)
        .send()
        .await
        .unwrap();
    for r in [pre, real] {
        let acao = header(r.headers(), "access-control-allow-origin");
        assert_ne!(acao, Some(evil));
        assert_ne!(acao, Some("*"));
        assert!(header(r.headers(), "access-control-allow-credentials").is_none());
    }
    // Error responses for the allowed origin still carry the CORS headers (so browsers can read
    // the problem body).
    let r = s
        .client
        .get(s.url("/api/v1/items"))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        header(r.headers(), "access-control-allow-origin"),
        Some(ORIGIN)
    );
}

#[tokio::test]
async fn cors_origins_are_configurable() {
    let other = "https://admin.example.org";
    let s = common::start_with(|c| c.cors_origins = vec![other.to_string()]).await;
    let r = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/items"))
        .header("origin", other)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        header(r.headers(), "access-control-allow-origin"),
        Some(other)
    );
    let r = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/items"))
        .header("origin", ORIGIN)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();
    assert!(header(r.headers(), "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_plain_options_request_is_not_a_preflight() {
    // C32: only a real preflight (Origin + Access-Control-Request-Method) skips auth.
    let s = common::start().await;
    let r = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/items"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 204);
    assert!(r.status().is_client_error());
    let (st, h, b) = parts(r).await;
    assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
    assert_eq!(b["status"], st);
}

#[tokio::test]
async fn request_id_is_generated_when_absent() {
    let s = common::start().await;
    let a = s.get("/api/v1/items", "full").await;
    let b = s.get("/api/v1/items", "full").await;
    let ra = header(a.headers(), "x-request-id").unwrap().to_string();
    let rb = header(b.headers(), "x-request-id").unwrap().to_string();
    assert!(helpers::is_uuid_v4(&ra), "{ra}");
    assert!(helpers::is_uuid_v4(&rb), "{rb}");
    assert_ne!(ra, rb);
}

#[tokio::test]
async fn client_request_id_is_echoed_on_every_response() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("rid")})).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let rid = uuid::Uuid::new_v4().to_string();
    let reqs = vec![
        s.req(Method::GET, "/api/v1/items", Some("full")),
        s.req(Method::GET, "/api/v1/items", None),
        s.req(Method::GET, "/api/v1/categories", Some("scoped")),
        s.req(Method::GET, "/nope", None),
        s.req(Method::POST, "/api/v1/items", Some("full"))
            .json(&json!({"name": ""})),
        s.req(Method::DELETE, &path, Some("full")),
        s.req(Method::GET, "/health/live", None),
        s.req(Method::GET, "/api/v1/openapi.json", None),
        s.req(Method::OPTIONS, "/api/v1/items", None)
            .header("origin", ORIGIN)
            .header("access-control-request-method", "GET"),
    ];
    for rb in reqs {
        let r = rb.header("x-request-id", &rid).send().await.unwrap();
        let what = format!("{} {}", r.status(), r.url().path());
        assert_eq!(
            header(r.headers(), "x-request-id"),
            Some(rid.as_str()),
            "{what}"
        );
    }
    // C46: a non-UUID value of visible ASCII is echoed as well.
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("x-request-id", "req-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(header(r.headers(), "x-request-id"), Some("req-abc_123"));
    // An unusable value (too long) is replaced by a generated UUID, never refused.
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("x-request-id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(helpers::is_uuid_v4(
        header(r.headers(), "x-request-id").unwrap()
    ));
}

#[tokio::test]
async fn traceparent_is_accepted_and_answered() {
    let s = common::start().await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let tp = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("traceparent", &tp)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tr = header(r.headers(), "traceresponse").expect("traceresponse");
    let parts: Vec<&str> = tr.split('-').collect();
    assert_eq!(parts.len(), 4, "{tr}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], trace_id, "same trace");
    assert_eq!(parts[2].len(), 16);
    assert_ne!(parts[2], "00f067aa0ba902b7", "a new span id");
    // A malformed traceparent is ignored, never a 400.
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("traceparent", "garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(r.headers(), "traceresponse").is_none());
}
