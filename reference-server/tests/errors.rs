//! `errors.*`: RFC 9457 problem details for every error.

mod common;
mod helpers;

use std::collections::BTreeMap;

use common::{assert_problem, header, parts};
use reqwest::Method;
use serde_json::{Value, json};

/// The guide's table: slug → (status, title).
const TABLE: &[(&str, u16, &str)] = &[
    ("bad-request", 400, "Bad Request"),
    ("invalid-token", 401, "Invalid Token"),
    ("insufficient-scope", 403, "Insufficient Scope"),
    ("not-found", 404, "Not Found"),
    ("conflict", 409, "Conflict"),
    ("precondition-failed", 412, "Precondition Failed"),
    ("validation-failed", 422, "Validation Failed"),
    ("invalid-params", 422, "Invalid Parameters"),
    ("upload-failed", 422, "Upload Failed"),
    ("precondition-required", 428, "Precondition Required"),
    ("rate-limit-exceeded", 429, "Rate Limit Exceeded"),
    ("internal-error", 500, "Internal Error"),
];

fn slug_of(body: &Value) -> String {
    body["type"]
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Collects one problem of each standard kind the server can be made to produce.
async fn provoke_all(
    s: &common::TestServer,
) -> Vec<(String, u16, reqwest::header::HeaderMap, Value)> {
    let item = s.create_item(json!({"name": helpers::unique("err")})).await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    let mut out = vec![];
    let mut push = |what: &str, p: (u16, reqwest::header::HeaderMap, Value)| {
        out.push((what.to_string(), p.0, p.1, p.2));
    };
    push(
        "bad-request (query)",
        parts(s.get("/api/v1/items?zz_harness_unknown=1", "full").await).await,
    );
    push(
        "bad-request (json)",
        parts(
            s.req(Method::POST, "/api/v1/items", Some("full"))
                .header("content-type", "application/json")
                .body("{\"name\":")
                .send()
                .await
                .unwrap(),
        )
        .await,
    );
    push(
        "invalid-token",
        parts(s.client.get(s.url("/api/v1/items")).send().await.unwrap()).await,
    );
    push(
        "insufficient-scope",
        parts(s.get("/api/v1/categories", "scoped").await).await,
    );
    push(
        "not-found",
        parts(
            s.get(&format!("/api/v1/items/{}", uuid::Uuid::new_v4()), "full")
                .await,
        )
        .await,
    );
    push(
        "conflict",
        parts(
            s.delete(
                &format!("/api/v1/tokens/{}", s.token_id("second_workspace")),
                "second_workspace",
            )
            .await,
        )
        .await,
    );
    push(
        "precondition-failed",
        parts(
            s.req(Method::PATCH, &path, Some("full"))
                .header("if-match", "\"nope\"")
                .json(&json!({"description": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await,
    );
    push(
        "validation-failed",
        parts(s.post("/api/v1/items", "full", &json!({"name": ""})).await).await,
    );
    push(
        "invalid-params",
        parts(
            s.post(
                "/api/v1/files/presign",
                "full",
                &json!({"content_type": "text/plain", "size_bytes": 10}),
            )
            .await,
        )
        .await,
    );
    push(
        "precondition-required",
        parts(
            s.req(Method::PUT, &path, Some("full"))
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await,
    );
    out
}

#[tokio::test]
async fn every_error_is_a_problem_with_the_tables_type_title_and_status() {
    let s = common::start().await;
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    for (what, st, h, b) in provoke_all(&s).await {
        let slug = slug_of(&b);
        let (_, want_status, want_title) = TABLE
            .iter()
            .find(|(sl, _, _)| *sl == slug)
            .unwrap_or_else(|| panic!("{what}: type {} not in the table", b["type"]));
        assert!(what.starts_with(&slug), "{what} gave {slug}: {b}");
        assert_problem(st, &h, &b, *want_status, &slug);
        assert_eq!(b["title"], *want_title, "{what}");
        assert_eq!(
            b["type"],
            format!("https://api.example.com/problems/{slug}"),
            "absolute, stable type URI"
        );
        assert!(
            !b["detail"].as_str().unwrap().trim().is_empty(),
            "{what}: detail"
        );
        // Titles are the same for every occurrence of a type.
        let t = b["title"].as_str().unwrap().to_string();
        if let Some(prev) = titles.insert(slug.clone(), t.clone()) {
            assert_eq!(prev, t, "{slug}");
        }
        // `errors` only on 422.
        if st != 422 {
            assert!(b.get("errors").is_none(), "{what}: errors on a {st}: {b}");
        }
    }
}

#[tokio::test]
async fn router_level_errors_are_problems_too() {
    let s = common::start().await;
    // Unknown route, method not allowed, oversized body, wrong content type.
    let cases = vec![
        s.client.get(s.url("/nope")).send().await.unwrap(),
        s.client.get(s.url("/api/v1/nope")).send().await.unwrap(),
        s.req(Method::DELETE, "/api/v1/items", Some("full"))
            .send()
            .await
            .unwrap(),
        s.req(Method::POST, "/api/v1/items", Some("full"))
            .header("content-type", "application/json")
            .body(vec![b' '; 3 * 1024 * 1024])
            .send()
            .await
            .unwrap(),
        s.req(Method::POST, "/api/v1/files", Some("full"))
            .json(&json!({"file": "x"}))
            .send()
            .await
            .unwrap(),
    ];
    for r in cases {
        let path = r.url().path().to_string();
        let (st, h, b) = parts(r).await;
        assert!(st >= 400, "{path}: {st}");
        assert_eq!(
            header(&h, "content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        assert_eq!(b["status"], st, "{path}: {b}");
        assert!(b["type"].as_str().unwrap().starts_with("https://"), "{b}");
        assert!(b["title"].is_string() && b["detail"].is_string(), "{b}");
        assert_eq!(b["instance"], path.as_str());
    }
}

#[tokio::test]
async fn instance_is_the_request_path() {
    let s = common::start().await;
    let random = uuid::Uuid::new_v4();
    let path = format!("/api/v1/items/{random}");
    let (_, _, b) = parts(s.get(&path, "full").await).await;
    assert_eq!(b["instance"], path.as_str());
    let (_, _, b) = parts(s.post("/api/v1/items", "full", &json!({})).await).await;
    assert_eq!(b["instance"], "/api/v1/items");
    let (_, _, b) = parts(s.client.get(s.url("/api/v1/token")).send().await.unwrap()).await;
    assert_eq!(b["instance"], "/api/v1/token");
}

#[tokio::test]
async fn unrecognized_query_parameters_are_400_naming_them() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("q")})).await;
    for path in [
        "/api/v1/items?zz_harness_unknown=1".to_string(),
        format!(
            "/api/v1/items/{}?zz_harness_unknown=1",
            item["id"].as_str().unwrap()
        ),
        "/api/v1/enums?zz_harness_unknown=1".to_string(),
        "/api/v1/token?zz_harness_unknown=1".to_string(),
        "/api/v1/webhooks?zz_harness_unknown=1".to_string(),
    ] {
        let (st, h, b) = parts(s.get(&path, "full").await).await;
        assert_problem(st, &h, &b, 400, "bad-request");
        assert!(
            b["detail"].as_str().unwrap().contains("zz_harness_unknown"),
            "{path}: {b}"
        );
    }
}

#[tokio::test]
async fn malformed_json_is_400_bad_request() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("mj")})).await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    for (m, p, body) in [
        (Method::POST, "/api/v1/items", "{\"name\":"),
        (Method::POST, "/api/v1/items", "[1, 2"),
        (Method::PATCH, path.as_str(), "{name: 'x'}"),
        (Method::POST, "/api/v1/items/search", "{"),
        (Method::POST, "/api/v1/items/bulk", "{\"items\": [}"),
    ] {
        let r = s
            .req(m.clone(), p, Some("full"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (st, h, b) = parts(r).await;
        assert_problem(st, &h, &b, 400, "bad-request");
        assert!(b.get("errors").is_none());
    }
    // Non-object JSON is a 400 too.
    let (st, h, b) = parts(s.post("/api/v1/items", "full", &json!(["x"])).await).await;
    assert_problem(st, &h, &b, 400, "bad-request");
}

#[tokio::test]
async fn validation_errors_are_422_with_a_field_to_codes_map() {
    let s = common::start().await;
    let taken = helpers::unique("taken");
    s.create_item(json!({"name": taken})).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "name", "cant_be_blank"),
        (json!({"name": "   "}), "name", "cant_be_blank"),
        (json!({"name": taken}), "name", "already_taken"),
        (json!({"name": "x".repeat(201)}), "name", "too_long"),
        (
            json!({"name": "a", "email": "not-an-email"}),
            "email",
            "invalid_format",
        ),
        (
            json!({"name": "a", "status": "gone"}),
            "status",
            "inclusion",
        ),
        (json!({"name": "a", "priority": 3}), "priority", "inclusion"),
        (
            json!({"name": "a", "category_id": "nope"}),
            "category_id",
            "invalid_uuid",
        ),
        (
            json!({"name": "a", "category_id": uuid::Uuid::new_v4()}),
            "category_id",
            "not_found",
        ),
        (
            json!({"name": "a", "due_at": "03/01/2026"}),
            "due_at",
            "invalid_date",
        ),
        (
            json!({"name": "a", "amount_cents": 19.99}),
            "amount_cents",
            "not_an_integer",
        ),
        (
            json!({"name": "a", "amount_cents": "12"}),
            "amount_cents",
            "not_a_number",
        ),
        (
            json!({"name": "a", "amount_cents": -1}),
            "amount_cents",
            "greater_than",
        ),
        (
            json!({"name": "a", "amount_cents": 1_000_000_000_001_i64}),
            "amount_cents",
            "less_than",
        ),
        (json!({"name": "a", "bogus": 1}), "bogus", "unknown_field"),
        (json!({"name": "a", "tags": null}), "tags", "cant_be_blank"),
    ];
    let (_, _, enums) = parts(s.get("/api/v1/enums", "full").await).await;
    let known: Vec<&str> = enums["data"]["error_codes"]["values"]
        .as_array()
        .expect("error_codes in /enums")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for (body, field, code) in cases {
        let (st, h, b) = parts(s.post("/api/v1/items", "full", &body).await).await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"][field], json!([code]), "{body}: {b}");
        for (f, codes) in b["errors"].as_object().unwrap() {
            let codes = codes.as_array().unwrap();
            assert!(!codes.is_empty(), "{f}");
            for c in codes {
                let c = c.as_str().unwrap();
                assert!(
                    c.bytes().all(|x| x.is_ascii_lowercase() || x == b'_')
                        && c.as_bytes()[0].is_ascii_lowercase(),
                    "{c}"
                );
                assert!(known.contains(&c), "{c} missing from /enums error_codes");
            }
        }
    }
    // Several faults at once: every field reported, detail counts them.
    let (st, h, b) = parts(
        s.post(
            "/api/v1/items",
            "full",
            &json!({"status": "x", "email": "y"}),
        )
        .await,
    )
    .await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["name"], json!(["cant_be_blank"]));
    assert_eq!(b["errors"]["status"], json!(["inclusion"]));
    assert_eq!(b["errors"]["email"], json!(["invalid_format"]));
    assert_eq!(b["detail"], "3 fields have validation errors.");
}

#[tokio::test]
async fn not_found_is_404_for_get_patch_put_delete_and_bad_ids() {
    let s = common::start().await;
    let random = uuid::Uuid::new_v4();
    for id in [
        random.to_string(),
        "not-a-uuid".to_string(),
        "1".to_string(),
    ] {
        let path = format!("/api/v1/items/{id}");
        for m in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
            let r = s
                .req(m.clone(), &path, Some("full"))
                .header("if-match", "\"x\"")
                .json(&json!({"name": "x"}))
                .send()
                .await
                .unwrap();
            let (st, h, b) = parts(r).await;
            assert_problem(st, &h, &b, 404, "not-found");
            assert_eq!(b["title"], "Not Found");
        }
    }
}

#[tokio::test]
async fn cross_workspace_404_is_indistinguishable_from_a_missing_id() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("x-ws")}))
        .await;
    let a_path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let r_path = format!("/api/v1/items/{}", uuid::Uuid::new_v4());
    let (st1, h1, mut b1) = parts(s.get(&a_path, "second_workspace").await).await;
    let (st2, h2, mut b2) = parts(s.get(&r_path, "second_workspace").await).await;
    assert_eq!((st1, st2), (404, 404));
    b1.as_object_mut().unwrap().remove("instance");
    b2.as_object_mut().unwrap().remove("instance");
    assert_eq!(b1, b2);
    let names = |h: &reqwest::header::HeaderMap| {
        let mut v: Vec<String> = h
            .keys()
            .map(|k| k.as_str().to_string())
            .filter(|k| {
                k != "x-request-id" && k != "date" && k != "content-length" && k != "ratelimit"
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&h1), names(&h2));
    assert_eq!(header(&h1, "content-type"), header(&h2, "content-type"));
}

#[tokio::test]
async fn missing_required_parameters_are_422_invalid_params() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": helpers::unique("p")})).await;
    // Presign without filename.
    let (st, h, b) = parts(
        s.post(
            "/api/v1/files/presign",
            "full",
            &json!({"content_type": "text/plain", "size_bytes": 10,
                    "resource_type": "item", "resource_id": item["id"]}),
        )
        .await,
    )
    .await;
    assert_problem(st, &h, &b, 422, "invalid-params");
    assert_eq!(b["title"], "Invalid Parameters");
    assert_eq!(b["errors"]["filename"], json!(["cant_be_blank"]));
    assert!(b["detail"].as_str().unwrap().contains("filename"));
    // Multipart upload without resource_type.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hello".to_vec())
                .file_name("a.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("resource_id", item["id"].as_str().unwrap().to_string());
    let r = s
        .req(Method::POST, "/api/v1/files", Some("full"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 422, "invalid-params");
    assert_eq!(b["errors"]["resource_type"], json!(["cant_be_blank"]));
}

const LEAK_MARKERS: &[&str] = &[
    "rusqlite",
    "sqlite",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "panicked",
    "stack backtrace",
    "src/",
    ".rs:",
    "thread '",
    "serde_json::",
];

#[tokio::test]
async fn client_mistakes_never_give_5xx_or_leak_internals() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("fuzz")}))
        .await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"name": 1e999}"#.to_vec(),
        br#"{"name": "a", "amount_cents": 123456789012345678901234567890}"#.to_vec(),
        br#"{"name": "a", "amount_cents": 1e30}"#.to_vec(),
        br#"{"name": {"nested": true}}"#.to_vec(),
        br#"{"name": "a", "metadata": "not a map"}"#.to_vec(),
        br#"{"name": "a", "tags": [1, 2]}"#.to_vec(),
        br#"{"name": "a", "is_featured": "yes"}"#.to_vec(),
        br#"{"name": "a", "due_at": 12}"#.to_vec(),
        br#"{"name": "a', 'x'); DROP TABLE items; --"}"#.to_vec(),
        format!("{{\"name\": \"a\", \"metadata\": {deep}}}").into_bytes(),
        deep.clone().into_bytes(),
        vec![0xff, 0xfe, b'{', b'}'],
        b"{\"name\": \"\xc3\x28\"}".to_vec(),
        b"".to_vec(),
        b"null".to_vec(),
    ];
    for body in bodies {
        for (m, p) in [
            (Method::POST, "/api/v1/items"),
            (Method::PATCH, path.as_str()),
            (Method::POST, "/api/v1/items/search"),
            (Method::POST, "/api/v1/items/bulk"),
        ] {
            let r = s
                .req(m.clone(), p, Some("full"))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let (st, h, b) = parts(r).await;
            let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
            assert!(st < 500, "{m} {p} {shown}: {st} {b}");
            if st >= 400 {
                assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
                let text = b.to_string();
                for marker in LEAK_MARKERS {
                    assert!(
                        !text.contains(marker),
                        "{m} {p} {shown}: leaked {marker}: {text}"
                    );
                }
            }
        }
    }
    // Odd query strings and path ids.
    for q in [
        "/api/v1/items?page=99999999999999999999999",
        "/api/v1/items?per_page=-5",
        "/api/v1/items?sort=name;DROP",
        "/api/v1/items?filter[name][eq]=%00",
        "/api/v1/items?filter[amount_cents][gt]=1e999",
        "/api/v1/items?cursor=%%%",
        "/api/v1/items?include=category.items.comments.item",
        "/api/v1/items/%27%20OR%201%3D1",
    ] {
        let (st, _, b) = parts(s.get(q, "full").await).await;
        assert!(st < 500, "{q}: {st} {b}");
        let text = b.to_string();
        for marker in LEAK_MARKERS {
            assert!(!text.contains(marker), "{q}: leaked {marker}: {text}");
        }
    }
    // The row survived the injection attempts.
    assert_eq!(s.get(&path, "full").await.status(), 200);
}

#[tokio::test]
async fn database_outage_is_a_problem_without_internals() {
    let s = common::start().await;
    // Warm the token cache so the request reaches the handler.
    assert_eq!(s.get("/api/v1/items", "full").await.status(), 200);
    s.server.state.db.set_available(false);
    let (st, h, b) = parts(s.get("/api/v1/items", "full").await).await;
    s.server.state.db.set_available(true);
    assert!(st >= 500, "{st}");
    assert_eq!(header(&h, "content-type"), Some("application/problem+json"));
    assert_eq!(b["status"], st);
    let text = b.to_string();
    for marker in LEAK_MARKERS {
        assert!(!text.contains(marker), "leaked {marker}: {text}");
    }
    assert_eq!(s.get("/api/v1/items", "full").await.status(), 200);
}
