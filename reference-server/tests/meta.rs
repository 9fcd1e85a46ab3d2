//! `health.*`, `enums.*`, `agents.*` and `openapi-endpoint.*`.

mod common;
mod helpers;

use common::{assert_problem, header, parts};
use reqwest::Method;
use serde_json::{Value, json};

// ---------------------------------------------------------------- health

#[tokio::test]
async fn liveness_and_readiness_are_public_top_level_and_ok() {
    let s = common::start().await;
    for path in ["/health/live", "/health/ready"] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        let (st, h, b) = parts(r).await;
        assert_eq!(st, 200, "{path}");
        assert_eq!(header(&h, "content-type"), Some("application/json"));
        assert_eq!(b, json!({"status": "ok"}), "{path}");
    }
    // Not behind /api/v1.
    for path in ["/api/v1/health/live", "/api/v1/health/ready"] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn legacy_health_redirects_to_live() {
    let s = common::start().await;
    let r = s.client.get(s.url("/health")).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.status(), 308);
    assert!(
        header(r.headers(), "location")
            .unwrap()
            .ends_with("/health/live")
    );
}

#[tokio::test]
async fn readiness_is_503_degraded_while_the_database_is_down() {
    let s = common::start().await;
    s.server.state.db.set_available(false);
    let (st, h, b) = parts(s.client.get(s.url("/health/ready")).send().await.unwrap()).await;
    // Liveness has no dependency checks.
    let live = s.client.get(s.url("/health/live")).send().await.unwrap();
    let live_status = live.status();
    s.server.state.db.set_available(true);
    assert_eq!(st, 503);
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    assert_eq!(
        b,
        json!({"status": "degraded", "checks": {"database": "unavailable"}})
    );
    helpers::assert_security_headers(&h, "503 ready");
    assert_eq!(live_status, 200);
    // Back to ready once the database returns.
    let (st, _, b) = parts(s.client.get(s.url("/health/ready")).send().await.unwrap()).await;
    assert_eq!(st, 200);
    assert_eq!(b, json!({"status": "ok"}));
}

#[tokio::test]
async fn health_is_never_rate_limited() {
    let s = common::start_with(|c| c.agents_limit = 5).await;
    let futs: Vec<_> = (0..300)
        .map(|i| {
            let path = if i % 2 == 0 {
                "/health/live"
            } else {
                "/health/ready"
            };
            s.client.get(s.url(path)).send()
        })
        .collect();
    for r in futures_util::future::join_all(futs).await {
        let r = r.unwrap();
        assert_eq!(r.status(), 200);
        assert!(header(r.headers(), "ratelimit").is_none());
    }
}

// ---------------------------------------------------------------- enums

#[tokio::test]
async fn enums_require_a_token() {
    let s = common::start().await;
    let (st, h, b) = parts(s.client.get(s.url("/api/v1/enums")).send().await.unwrap()).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
    let (st, _, b) = parts(s.get("/api/v1/enums", "read_only").await).await;
    assert_eq!(st, 200);
    assert!(b["data"].is_object());
}

#[tokio::test]
async fn enums_carry_cache_control_and_an_etag() {
    let s = common::start().await;
    let r = s.get("/api/v1/enums", "full").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(r.headers(), "cache-control"),
        Some("public, max-age=5")
    );
    let tag = header(r.headers(), "etag").expect("ETag").to_string();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    // Stable across calls and usable for revalidation.
    let r2 = s.get("/api/v1/enums", "read_only").await;
    assert_eq!(header(r2.headers(), "etag"), Some(tag.as_str()));
    let r3 = s
        .req(Method::GET, "/api/v1/enums", Some("full"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r3.status(), 304);
    assert_eq!(header(r3.headers(), "etag"), Some(tag.as_str()));
    assert_eq!(
        header(r3.headers(), "cache-control"),
        Some("public, max-age=5")
    );
    assert!(r3.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn enums_structure_matches_the_resources() {
    let s = common::start().await;
    let (_, _, b) = parts(s.get("/api/v1/enums", "full").await).await;
    let data = b["data"].as_object().unwrap();
    let resources = [
        "items",
        "categories",
        "comments",
        "exports",
        "files",
        "jobs",
        "webhooks",
    ];
    for (key, fields) in data {
        if key == "scopes" || key == "error_codes" {
            assert!(fields["values"].is_array() && fields["description"].is_string());
            continue;
        }
        assert!(
            resources.contains(&key.as_str()),
            "unexpected top-level key {key}"
        );
        for (f, e) in fields.as_object().unwrap() {
            let values = e["values"]
                .as_array()
                .unwrap_or_else(|| panic!("{key}.{f}.values"));
            assert!(!values.is_empty());
            assert!(values.iter().all(Value::is_string), "{key}.{f}");
            assert!(
                e["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{key}.{f}.description"
            );
        }
    }
    // Canonical (display) order, not alphabetical.
    assert_eq!(
        data["items"]["status"]["values"],
        json!(["draft", "active", "archived"])
    );
    assert_eq!(
        data["items"]["priority"]["values"],
        json!(["low", "medium", "high", "critical"])
    );
    assert_eq!(
        data["jobs"]["status"]["values"],
        json!(["pending", "running", "completed", "failed"])
    );
    assert_eq!(data["items"]["currency"]["values"][0], "USD");
}

#[tokio::test]
async fn enum_values_are_enforced_on_write() {
    let s = common::start().await;
    let (_, _, b) = parts(s.get("/api/v1/enums", "full").await).await;
    for field in ["status", "priority", "currency"] {
        for v in b["data"]["items"][field]["values"].as_array().unwrap() {
            let (st, _, body) = parts(
                s.post(
                    "/api/v1/items",
                    "full",
                    &json!({"name": helpers::unique("enum"), field: v}),
                )
                .await,
            )
            .await;
            assert_eq!(st, 201, "{field}={v}: {body}");
            assert_eq!(body["data"][field], *v);
        }
        let (st, h, body) = parts(
            s.post(
                "/api/v1/items",
                "full",
                &json!({"name": helpers::unique("enum"), field: "definitely-not-listed"}),
            )
            .await,
        )
        .await;
        assert_problem(st, &h, &body, 422, "validation-failed");
        assert_eq!(body["errors"][field], json!(["inclusion"]));
    }
    // On PATCH too.
    let item = s
        .create_item(json!({"name": helpers::unique("enum-patch")}))
        .await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let (st, h, body) = parts(s.patch(&path, "full", &json!({"status": "Active"})).await).await;
    assert_problem(st, &h, &body, 422, "validation-failed");
    assert_eq!(body["errors"]["status"], json!(["inclusion"]));
}

#[tokio::test]
async fn enums_agree_with_the_openapi_document() {
    let s = common::start().await;
    let (_, _, e) = parts(s.get("/api/v1/enums", "full").await).await;
    let (_, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = doc.to_string();
    for (res, fields) in e["data"].as_object().unwrap() {
        if res == "scopes" || res == "error_codes" {
            continue;
        }
        for (f, entry) in fields.as_object().unwrap() {
            let values = entry["values"].clone();
            // Some schema in the document declares exactly this enum array.
            let needle = values.to_string();
            assert!(
                text.contains(&needle),
                "{res}.{f} enum {needle} not in the spec"
            );
        }
    }
}

// ---------------------------------------------------------------- agents

#[tokio::test]
async fn agents_is_public_markdown_under_50kb() {
    let s = common::start().await;
    let r = s.client.get(s.url("/api/v1/agents")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = header(r.headers(), "content-type").unwrap();
    assert!(ct.starts_with("text/markdown"), "{ct}");
    helpers::assert_security_headers(r.headers(), "agents");
    let text = r.text().await.unwrap();
    assert!(!text.trim().is_empty());
    assert!(text.len() < 51_200, "{} bytes", text.len());
    assert!(text.contains("Authorization: Bearer"));
    assert!(text.contains("```"), "has examples");
    // Every documented method + path of the spec is mentioned.
    let (_, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut missing = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let full = if path.starts_with("/health") {
            path.clone()
        } else {
            format!("/api/v1{path}")
        };
        for m in ops.as_object().unwrap().keys() {
            if !["get", "post", "put", "patch", "delete"].contains(&m.as_str()) {
                continue;
            }
            let needle = format!("{} {}", m.to_uppercase(), full);
            let loose = full.replace("{id}", "");
            if !text.contains(&needle) && !text.contains(&loose) {
                missing.push(needle);
            }
        }
    }
    assert!(missing.is_empty(), "not in the agents doc: {missing:?}");
}

#[tokio::test]
async fn agents_is_read_from_disk_on_every_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"),
        dir.path().join("openapi.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("API.md"), "# first version\n").unwrap();
    let docs = dir.path().to_path_buf();
    let s = common::start_with(move |c| c.docs_dir = docs).await;
    let get = || async {
        s.client
            .get(s.url("/api/v1/agents"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(get().await, "# first version\n");
    std::fs::write(dir.path().join("API.md"), "# second version\n").unwrap();
    assert_eq!(get().await, "# second version\n");
}

#[tokio::test]
async fn agents_is_rate_limited_per_ip_at_60_per_minute() {
    let s = common::start().await;
    // The bucket refills 1 request per second, so a slow loop earns a few extra requests.
    let started = std::time::Instant::now();
    let mut refused = None;
    for i in 1..=90 {
        let r = s.client.get(s.url("/api/v1/agents")).send().await.unwrap();
        if r.status() == 429 {
            refused = Some((i, r));
            break;
        }
        assert_eq!(r.status(), 200, "request {i}");
    }
    let (n, r) = refused.expect("a 429 within 90 requests");
    let slack = started.elapsed().as_secs() as usize + 1;
    assert!(n > 60 && n <= 61 + slack, "first 429 at request {n}");
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 429, "rate-limit-exceeded");
    let retry: u64 = header(&h, "retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(header(&h, "ratelimit-policy"), Some("60;w=60"));
    // The per-IP bucket is separate from token buckets.
    assert_eq!(s.get("/api/v1/items", "full").await.status(), 200);
}

// ---------------------------------------------------------------- openapi

#[tokio::test]
async fn the_openapi_document_is_public_json_and_openapi_3_1() {
    let s = common::start().await;
    let r = s
        .client
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(r.headers(), "content-type"),
        Some("application/json")
    );
    let doc: Value = r.json().await.unwrap();
    let v = doc["openapi"].as_str().unwrap();
    let rest = v.strip_prefix("3.1.").expect("3.1.x");
    assert!(
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()),
        "{v}"
    );
    assert!(doc["info"]["title"].is_string());
    assert!(doc["components"]["securitySchemes"].is_object());
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/items",
        "/items/{id}",
        "/items/bulk",
        "/exports",
        "/webhooks",
        "/files",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
    // Public operations override the global security.
    for (p, m) in [
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/agents", "get"),
        ("/openapi.json", "get"),
    ] {
        assert_eq!(doc["paths"][p][m]["security"], json!([]), "{p}");
    }
}

#[tokio::test]
async fn required_fields_in_the_spec_are_enforced_by_the_server() {
    let s = common::start().await;
    let (_, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let resolve = |v: &Value| -> Value {
        let mut v = v.clone();
        for _ in 0..5 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let mut cur = &doc;
            for seg in r.trim_start_matches("#/").split('/') {
                cur = &cur[seg];
            }
            v = cur.clone();
        }
        v
    };
    let item = s
        .create_item(json!({"name": helpers::unique("spec-req")}))
        .await;
    let full_bodies: Vec<(&str, Value)> = vec![
        ("/items", json!({"name": helpers::unique("spec")})),
        ("/categories", json!({"name": helpers::unique("spec")})),
        ("/comments", json!({"item_id": item["id"], "body": "spec"})),
    ];
    let mut checked = 0;
    for (path, body) in full_bodies {
        let op = &doc["paths"][path]["post"];
        let mut schema = resolve(&op["requestBody"]["content"]["application/json"]["schema"]);
        if schema.get("required").is_none() {
            if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
                schema = all
                    .iter()
                    .map(&resolve)
                    .find(|x| x.get("required").is_some())
                    .unwrap_or(schema);
            }
        }
        let required = schema["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no required list in {schema}"));
        assert!(!required.is_empty(), "{path}");
        for field in required {
            let field = field.as_str().unwrap();
            let mut b = body.clone();
            b.as_object_mut().unwrap().remove(field);
            let (st, h, resp) = parts(s.post(&format!("/api/v1{path}"), "full", &b).await).await;
            assert_problem(st, &h, &resp, 422, "validation-failed");
            assert_eq!(
                resp["errors"][field],
                json!(["cant_be_blank"]),
                "{path} without {field}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}

/// Does a concrete path match a documented template like `/items/{id}/comments`?
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

fn collect_links(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("links", Value::Object(l)) => {
                        out.extend(l.values().filter_map(Value::as_str).map(str::to_string))
                    }
                    ("download_url" | "upload_url", Value::String(u)) => out.push(u.clone()),
                    _ => {}
                }
                collect_links(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_links(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_path_the_api_hands_out_is_documented() {
    let s = common::start().await;
    let (_, _, doc) = parts(
        s.client
            .get(s.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let templates: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| {
            if p.starts_with("/health") {
                p.clone()
            } else {
                format!("/api/v1{p}")
            }
        })
        .collect();
    let mut seen: Vec<String> = vec![];
    let mut bodies: Vec<Value> = vec![];
    let mut grab = |r: reqwest::Response| {
        if let Some(l) = header(r.headers(), "location") {
            seen.push(l.to_string());
        }
        if let Some(l) = header(r.headers(), "link") {
            for part in l.split(',') {
                let target = part.trim().trim_start_matches('<');
                seen.push(target.split('>').next().unwrap().to_string());
            }
        }
        r
    };
    let cat = grab(
        s.post("/api/v1/categories", "full", &json!({"name": "docs"}))
            .await,
    );
    bodies.push(cat.json().await.unwrap());
    let cat_id = bodies[0]["data"]["id"].clone();
    let item = grab(
        s.post(
            "/api/v1/items",
            "full",
            &json!({"name": "docs", "category_id": cat_id}),
        )
        .await,
    );
    let item: Value = item.json().await.unwrap();
    let comment = grab(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["data"]["id"], "body": "b"}),
        )
        .await,
    );
    bodies.push(comment.json().await.unwrap());
    let hook = grab(
        s.post(
            "/api/v1/webhooks",
            "full",
            &json!({"url": "https://e.com/h", "events": ["item.created"], "secret": "0123456789abcdef"}),
        )
        .await,
    );
    bodies.push(hook.json().await.unwrap());
    let export = grab(
        s.post("/api/v1/exports", "full", &json!({"resource": "items"}))
            .await,
    );
    let export: Value = export.json().await.unwrap();
    let presign = grab(
        s.post(
            "/api/v1/files/presign",
            "full",
            &json!({"filename": "a.txt", "content_type": "text/plain", "size_bytes": 3,
                    "resource_type": "item", "resource_id": item["data"]["id"]}),
        )
        .await,
    );
    bodies.push(presign.json().await.unwrap());
    let item_id = item["data"]["id"].as_str().unwrap().to_string();
    bodies.push(item);
    bodies.push(export.clone());
    // Let the export finish so its download URL appears.
    let job_path = export["data"]["links"]["self"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..200 {
        let b: Value = s.get(&job_path, "full").await.json().await.unwrap();
        if b["data"]["status"] == "completed" {
            bodies.push(b);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for p in [
        "/api/v1/items?per_page=1".to_string(),
        format!("/api/v1/items/{item_id}?include=category,comments"),
        format!("/api/v1/items/{item_id}/comments"),
        "/api/v1/files?per_page=1&filter[deleted_at][null]=true".to_string(),
    ] {
        let r = grab(s.get(&p, "full").await);
        bodies.push(r.json().await.unwrap());
    }
    for b in &bodies {
        collect_links(b, &mut seen);
    }
    assert!(seen.len() > 15, "{seen:?}");
    for href in &seen {
        let path = href.split('?').next().unwrap();
        assert!(
            templates.iter().any(|t| matches_template(t, path)),
            "{href} matches no documented path"
        );
    }
}
