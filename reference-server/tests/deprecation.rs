//! `deprecation.*` (the `--sunset` switch: Deprecation, Sunset, Warning, documented timeline)
//! and `versioning.previous-version-keeps-working`.

mod common;
mod helpers;

use common::{TestServer, header, parts};
use reqwest::Method;
use serde_json::{Value, json};

const SUNSET: &str = "2028-03-01";
const SUNSET_HTTP: &str = "Wed, 01 Mar 2028 00:00:00 GMT";

async fn deprecated() -> TestServer {
    common::start_with(|c| c.sunset = Some(SUNSET.parse().unwrap())).await
}

fn assert_deprecation_headers(h: &reqwest::header::HeaderMap, what: &str) {
    let dep = header(h, "deprecation").unwrap_or_else(|| panic!("no Deprecation on {what}"));
    assert!(
        dep == "true" || dep.starts_with('@'),
        "{what}: Deprecation {dep}"
    );
    let sunset = header(h, "sunset").unwrap_or_else(|| panic!("no Sunset on {what}"));
    assert_eq!(sunset, SUNSET_HTTP, "{what}");
    let parsed = httpdate::parse_http_date(sunset).expect("Sunset is an HTTP-date");
    assert!(
        parsed > std::time::SystemTime::now(),
        "Sunset lies in the future"
    );
    let warning = header(h, "warning").unwrap_or_else(|| panic!("no Warning on {what}"));
    assert!(warning.starts_with("299 - \""), "{what}: {warning}");
    assert!(warning.ends_with('"'), "{what}: {warning}");
    assert!(
        warning.contains(SUNSET),
        "{what}: Warning names the deadline: {warning}"
    );
}

#[tokio::test]
async fn every_v1_response_carries_deprecation_sunset_and_warning() {
    let s = deprecated().await;
    let item = s.create_item(json!({"name": helpers::unique("dep")})).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let cases = vec![
        ("list", s.get("/api/v1/items", "full").await),
        ("single", s.get(&path, "full").await),
        (
            "create",
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("dep")}),
            )
            .await,
        ),
        ("token", s.get("/api/v1/token", "full").await),
        ("enums", s.get("/api/v1/enums", "full").await),
        (
            "401",
            s.client.get(s.url("/api/v1/items")).send().await.unwrap(),
        ),
        ("403", s.get("/api/v1/categories", "scoped").await),
        (
            "404",
            s.get(&format!("/api/v1/items/{}", uuid::Uuid::new_v4()), "full")
                .await,
        ),
        (
            "422",
            s.post("/api/v1/items", "full", &json!({"name": ""})).await,
        ),
        (
            "agents",
            s.client.get(s.url("/api/v1/agents")).send().await.unwrap(),
        ),
        (
            "openapi",
            s.client
                .get(s.url("/api/v1/openapi.json"))
                .send()
                .await
                .unwrap(),
        ),
        (
            "preflight",
            s.client
                .request(Method::OPTIONS, s.url("/api/v1/items"))
                .header("origin", "https://app.example.com")
                .header("access-control-request-method", "GET")
                .send()
                .await
                .unwrap(),
        ),
        ("204", s.delete(&path, "full").await),
    ];
    for (what, r) in cases {
        assert_deprecation_headers(r.headers(), what);
    }
    // The deprecated version still works (versioning.previous-version-keeps-working).
    let (st, _, b) = parts(s.get("/api/v1/items", "full").await).await;
    assert_eq!(st, 200);
    assert!(b["data"].is_array());
    // Health checks are not part of /api/v1.
    let r = s.client.get(s.url("/health/live")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(r.headers(), "deprecation").is_none());
    assert!(header(r.headers(), "sunset").is_none());
}

#[tokio::test]
async fn cors_exposes_the_deprecation_headers() {
    let s = deprecated().await;
    let r = s
        .req(Method::GET, "/api/v1/items", Some("full"))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    let expose = header(r.headers(), "access-control-expose-headers").unwrap();
    for name in ["Deprecation", "Sunset"] {
        assert!(
            expose
                .split(',')
                .any(|x| x.trim().eq_ignore_ascii_case(name)),
            "{name}: {expose}"
        );
    }
}

#[tokio::test]
async fn agents_and_openapi_document_the_timeline() {
    let s = deprecated().await;
    let r = s.client.get(s.url("/api/v1/agents")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let md = r.text().await.unwrap();
    assert!(md.contains(SUNSET), "agents doc names the sunset date");
    assert!(md.to_lowercase().contains("deprecat"));
    let (st, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    let desc = doc["info"]["description"].as_str().unwrap();
    assert!(
        desc.contains(SUNSET),
        "info.description names the sunset date"
    );
    assert!(desc.to_lowercase().contains("deprecat"));
    // The document is otherwise intact.
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    assert!(doc["paths"].as_object().unwrap().len() > 10);
}

#[tokio::test]
async fn without_a_sunset_no_deprecation_headers_are_sent() {
    let s = common::start().await;
    let cases = vec![
        s.get("/api/v1/items", "full").await,
        s.client.get(s.url("/api/v1/items")).send().await.unwrap(),
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    ];
    for r in cases {
        for name in ["deprecation", "sunset", "warning"] {
            assert!(header(r.headers(), name).is_none(), "{name} on {}", r.url());
        }
    }
    let md = s
        .client
        .get(s.url("/api/v1/agents"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!md.contains("keeps working until its sunset on"));
    let doc: Value = s
        .client
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !doc["info"]["description"]
            .as_str()
            .unwrap_or("")
            .contains("keeps working until its sunset on")
    );
}
