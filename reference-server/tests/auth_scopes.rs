//! `auth.*` and `scopes.*`: bearer authentication, workspace isolation and scope enforcement.

mod common;
mod helpers;

use common::{assert_problem, header, parts};
use helpers::{enc, ids, unique};
use reqwest::Method;
use serde_json::{Value, json};

const RANDOM_TOKEN: &str =
    "ref_test_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn assert_401(r: reqwest::Response, what: &str) {
    let (s, h, b) = parts(r).await;
    assert_problem(s, &h, &b, 401, "invalid-token");
    assert_eq!(b["title"], "Invalid Token", "{what}");
    assert_eq!(header(&h, "www-authenticate"), Some("Bearer"), "{what}");
}

#[tokio::test]
async fn missing_or_invalid_token_is_401_invalid_token() {
    let s = common::start().await;
    let url = s.url("/api/v1/items");
    // No header at all.
    assert_401(s.client.get(&url).send().await.unwrap(), "no header").await;
    // "Bearer" with an empty value.
    assert_401(
        s.client
            .get(&url)
            .header("authorization", "Bearer ")
            .send()
            .await
            .unwrap(),
        "empty bearer",
    )
    .await;
    // Basic credentials carrying a valid token.
    assert_401(
        s.client
            .get(&url)
            .basic_auth(s.token("full"), Some(""))
            .send()
            .await
            .unwrap(),
        "basic",
    )
    .await;
    // A well-formed but unknown token.
    assert_401(
        s.client
            .get(&url)
            .bearer_auth(RANDOM_TOKEN)
            .send()
            .await
            .unwrap(),
        "unknown",
    )
    .await;
    // Garbage.
    assert_401(
        s.client
            .get(&url)
            .bearer_auth("not a token")
            .send()
            .await
            .unwrap(),
        "garbage",
    )
    .await;
}

#[tokio::test]
async fn every_protected_endpoint_requires_a_bearer_token() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("auth")})).await;
    let id = item["id"].as_str().unwrap();
    let uuid = uuid::Uuid::new_v4().to_string();
    let calls: Vec<(Method, String)> = vec![
        (Method::GET, "/api/v1/items".into()),
        (Method::POST, "/api/v1/items".into()),
        (Method::POST, "/api/v1/items/search".into()),
        (Method::GET, format!("/api/v1/items/{id}")),
        (Method::PUT, format!("/api/v1/items/{id}")),
        (Method::PATCH, format!("/api/v1/items/{id}")),
        (Method::DELETE, format!("/api/v1/items/{id}")),
        (Method::POST, format!("/api/v1/items/{id}/restore")),
        (Method::GET, format!("/api/v1/items/{id}/comments")),
        (Method::POST, "/api/v1/items/bulk".into()),
        (Method::GET, "/api/v1/categories".into()),
        (Method::GET, "/api/v1/comments".into()),
        (Method::GET, "/api/v1/enums".into()),
        (Method::GET, "/api/v1/token".into()),
        (Method::DELETE, format!("/api/v1/tokens/{uuid}")),
        (Method::POST, "/api/v1/exports".into()),
        (Method::GET, format!("/api/v1/jobs/{uuid}")),
        (Method::GET, "/api/v1/webhooks".into()),
        (Method::GET, "/api/v1/files".into()),
        (Method::POST, "/api/v1/files/presign".into()),
    ];
    for (m, path) in calls {
        let r = s
            .req(m.clone(), &path, None)
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        let (st, h, b) = parts(r).await;
        assert_eq!(st, 401, "{m} {path}: {b}");
        assert_problem(st, &h, &b, 401, "invalid-token");
    }
    // The item was not touched by the unauthenticated writes.
    let (st, _, b) = parts(s.get(&format!("/api/v1/items/{id}"), "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["name"], item["name"]);
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_401() {
    let s = common::start().await;
    for role in ["revoked", "expired"] {
        for path in ["/api/v1/token", "/api/v1/items"] {
            assert_401(s.get(path, role).await, role).await;
        }
    }
}

#[tokio::test]
async fn tokens_in_query_or_basic_are_not_accepted() {
    let s = common::start().await;
    let t = s.token("full").to_string();
    for param in ["token", "api_key", "access_token"] {
        let r = s
            .client
            .get(s.url(&format!("/api/v1/token?{param}={t}")))
            .send()
            .await
            .unwrap();
        assert_401(r, param).await;
    }
}

#[tokio::test]
async fn queries_are_scoped_to_the_tokens_workspace() {
    let s = common::start().await;
    let name = unique("tenant-a-secret");
    let item = s.create_item(json!({"name": name})).await;
    let id = item["id"].as_str().unwrap();
    // Workspace A sees it.
    assert_eq!(
        helpers::list_ids(&s, &format!("/api/v1/items?q={}", enc(&name)), "full").await,
        vec![id.to_string()]
    );
    // Workspace B sees it nowhere.
    let b = "second_workspace";
    for path in [
        format!("/api/v1/items?q={}", enc(&name)),
        format!("/api/v1/items?filter[name][eq]={}", enc(&name)),
        format!("/api/v1/items?filter[id][eq]={id}"),
        "/api/v1/items".to_string(),
    ] {
        let got = helpers::list_ids(&s, &path, b).await;
        assert!(!got.contains(&id.to_string()), "{path} leaked {id}");
    }
    let r = s.post("/api/v1/items/search", b, &json!({"q": name})).await;
    let (st, _, body) = parts(r).await;
    assert_eq!(st, 200, "{body}");
    assert!(ids(&body).is_empty(), "{body}");
    let (st, h, body) = parts(s.get(&format!("/api/v1/items/{id}"), b).await).await;
    assert_problem(st, &h, &body, 404, "not-found");
}

#[tokio::test]
async fn workspace_id_in_a_body_is_refused_and_never_moves_the_record() {
    let s = common::start().await;
    let ws_b = s.seed.workspaces[1].id.clone();
    let name = unique("ws-field");
    let r = s
        .post(
            "/api/v1/items",
            "full",
            &json!({"name": name, "workspace_id": ws_b}),
        )
        .await;
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["workspace_id"], json!(["unknown_field"]));
    // Nothing was created in either workspace.
    for role in ["full", "second_workspace"] {
        let got = helpers::list_ids(
            &s,
            &format!("/api/v1/items?filter[name][eq]={}", enc(&name)),
            role,
        )
        .await;
        assert!(got.is_empty(), "{role}: {got:?}");
    }
}

#[tokio::test]
async fn each_token_is_bound_to_one_workspace() {
    let s = common::start().await;
    let (_, _, a1) = parts(s.get("/api/v1/token", "full").await).await;
    let (_, _, a2) = parts(s.get("/api/v1/token", "full").await).await;
    let (_, _, r) = parts(s.get("/api/v1/token", "read_only").await).await;
    let (_, _, b) = parts(s.get("/api/v1/token", "second_workspace").await).await;
    assert!(a1["data"]["workspace"].is_object());
    assert_eq!(a1["data"]["workspace"], a2["data"]["workspace"]);
    assert_eq!(a1["data"]["workspace"], r["data"]["workspace"]);
    assert_ne!(a1["data"]["workspace"]["id"], b["data"]["workspace"]["id"]);
    assert_eq!(
        a1["data"]["workspace"]["id"],
        s.seed.workspaces[0].id.as_str()
    );
    assert_eq!(
        b["data"]["workspace"]["id"],
        s.seed.workspaces[1].id.as_str()
    );
}

#[tokio::test]
async fn read_scope_allows_get_and_head() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("ro")})).await;
    let id = item["id"].as_str().unwrap();
    for role in ["read_only", "scoped"] {
        let (st, _, b) = parts(s.get("/api/v1/items", role).await).await;
        assert_eq!(st, 200, "{role}: {b}");
        let (st, h, b) = parts(s.get(&format!("/api/v1/items/{id}"), role).await).await;
        assert_eq!(st, 200, "{role}: {b}");
        assert_eq!(b["data"]["id"], id);
        let etag = header(&h, "etag").map(str::to_string);
        let r = s
            .req(Method::HEAD, &format!("/api/v1/items/{id}"), Some(role))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "HEAD as {role}");
        assert_eq!(header(r.headers(), "etag").map(str::to_string), etag);
        assert!(r.bytes().await.unwrap().is_empty(), "HEAD has no body");
    }
}

#[tokio::test]
async fn read_scope_denies_write_methods_with_403_and_no_change() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("ro-w")})).await;
    let id = item["id"].as_str().unwrap();
    let (_, h, _) = parts(s.get(&format!("/api/v1/items/{id}"), "full").await).await;
    let etag = header(&h, "etag").unwrap().to_string();
    let attempts = vec![
        (Method::POST, "/api/v1/items".to_string()),
        (Method::PUT, format!("/api/v1/items/{id}")),
        (Method::PATCH, format!("/api/v1/items/{id}")),
        (Method::DELETE, format!("/api/v1/items/{id}")),
        (Method::POST, format!("/api/v1/items/{id}/restore")),
        (Method::POST, "/api/v1/items/bulk".to_string()),
    ];
    for (m, path) in attempts {
        let r = s
            .req(m.clone(), &path, Some("read_only"))
            .header("if-match", &etag)
            .json(&json!({"name": "changed"}))
            .send()
            .await
            .unwrap();
        let (st, h, b) = parts(r).await;
        assert_problem(st, &h, &b, 403, "insufficient-scope");
        assert_eq!(b["title"], "Insufficient Scope");
        assert_eq!(b["required_scope"], "items:write", "{m} {path}");
        assert_eq!(b["token_scopes"], json!(["all:read"]));
    }
    let (_, h2, b) = parts(s.get(&format!("/api/v1/items/{id}"), "full").await).await;
    assert_eq!(b["data"], item);
    assert_eq!(header(&h2, "etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn write_scope_implies_read_and_allows_every_method() {
    let s = common::start().await;
    // `scoped` holds items:read + comments:write.
    let item = s.create_item(json!({"name": unique("parent")})).await;
    let item_id = item["id"].as_str().unwrap();
    let r = s
        .post(
            "/api/v1/comments",
            "scoped",
            &json!({"item_id": item_id, "body": "first"}),
        )
        .await;
    let (st, h, c) = parts(r).await;
    assert_eq!(st, 201, "{c}");
    let cid = c["data"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/comments/{cid}");
    assert_eq!(header(&h, "location"), Some(path.as_str()));
    // Read your writes: single and list.
    let (st, h, got) = parts(s.get(&path, "scoped").await).await;
    assert_eq!(st, 200, "{got}");
    assert_eq!(got["data"]["body"], "first");
    assert!(
        helpers::list_ids(&s, "/api/v1/comments", "scoped")
            .await
            .contains(&cid)
    );
    // PUT, PATCH, DELETE.
    let r = s
        .req(Method::PUT, &path, Some("scoped"))
        .header("if-match", header(&h, "etag").unwrap())
        .json(&json!({"item_id": item_id, "body": "replaced"}))
        .send()
        .await
        .unwrap();
    let (st, _, b) = parts(r).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"]["body"], "replaced");
    let (st, _, b) = parts(s.patch(&path, "scoped", &json!({"body": "patched"})).await).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"]["body"], "patched");
    let r = s.delete(&path, "scoped").await;
    assert_eq!(r.status(), 204);
    assert_eq!(s.get(&path, "scoped").await.status(), 404);
}

#[tokio::test]
async fn unscoped_resources_are_403() {
    let s = common::start().await;
    let cat = s.create_category(&unique("cat")).await;
    let cid = cat["id"].as_str().unwrap();
    // `scoped` has items:read + comments:write only.
    for (m, path, required) in [
        (
            Method::GET,
            "/api/v1/categories".to_string(),
            "categories:read",
        ),
        (
            Method::POST,
            "/api/v1/categories".to_string(),
            "categories:write",
        ),
        (
            Method::GET,
            format!("/api/v1/categories/{cid}"),
            "categories:read",
        ),
        (Method::POST, "/api/v1/items".to_string(), "items:write"),
        (Method::GET, "/api/v1/webhooks".to_string(), "webhooks:read"),
        (Method::GET, "/api/v1/files".to_string(), "files:read"),
        (Method::POST, "/api/v1/exports".to_string(), "exports:write"),
    ] {
        let r = s
            .req(m.clone(), &path, Some("scoped"))
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        let (st, h, b) = parts(r).await;
        assert_problem(st, &h, &b, 403, "insufficient-scope");
        assert_eq!(b["required_scope"], required, "{m} {path}");
        assert_eq!(b["token_scopes"], json!(["items:read", "comments:write"]));
    }
}

#[tokio::test]
async fn empty_scopes_have_no_access_except_token_info() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("empty")})).await;
    let id = item["id"].as_str().unwrap();
    for path in [
        "/api/v1/items".to_string(),
        "/api/v1/categories".to_string(),
        "/api/v1/comments".to_string(),
        "/api/v1/webhooks".to_string(),
        "/api/v1/files".to_string(),
        format!("/api/v1/items/{id}"),
        format!("/api/v1/items/{id}/comments"),
        format!("/api/v1/jobs/{}", uuid::Uuid::new_v4()),
    ] {
        let (st, h, b) = parts(s.get(&path, "empty").await).await;
        assert_problem(st, &h, &b, 403, "insufficient-scope");
        assert_eq!(b["token_scopes"], json!([]), "{path}");
    }
    let (st, h, b) = parts(
        s.post("/api/v1/items", "empty", &json!({"name": "x"}))
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    // C33: token info is open to any valid token.
    let (st, _, b) = parts(s.get("/api/v1/token", "empty").await).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"]["scopes"], json!([]));
}

fn is_scope(s: &str) -> bool {
    let Some((res, act)) = s.split_once(':') else {
        return false;
    };
    !res.is_empty()
        && res.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && (act == "read" || act == "write")
}

#[tokio::test]
async fn scope_strings_are_resource_colon_action_and_listed_in_enums() {
    let s = common::start().await;
    for role in ["full", "read_only", "scoped", "scoped_write_only"] {
        let (_, _, b) = parts(s.get("/api/v1/token", role).await).await;
        let scopes = b["data"]["scopes"].as_array().unwrap();
        assert!(!scopes.is_empty());
        for sc in scopes {
            assert!(is_scope(sc.as_str().unwrap()), "{role}: {sc}");
        }
        assert_eq!(
            b["data"]["scopes"],
            json!(s.seed.tokens[role].scopes),
            "{role}"
        );
    }
    let (st, _, e) = parts(s.get("/api/v1/enums", "full").await).await;
    assert_eq!(st, 200);
    let values: Vec<&str> = e["data"]["scopes"]["values"]
        .as_array()
        .expect("scopes.values")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for v in &values {
        assert!(is_scope(v), "{v}");
    }
    // Read and write for every routed resource (first path segment after /api/v1/), plus all:*.
    for res in [
        "items",
        "categories",
        "comments",
        "exports",
        "files",
        "jobs",
        "webhooks",
        "all",
    ] {
        for act in ["read", "write"] {
            let sc = format!("{res}:{act}");
            assert!(values.contains(&sc.as_str()), "missing {sc}");
        }
    }
}

#[tokio::test]
async fn nested_lists_need_the_parents_read_scope() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("nested")})).await;
    let path = format!("/api/v1/items/{}/comments", item["id"].as_str().unwrap());
    // items:read (+ comments:write) → allowed.
    let (st, _, b) = parts(s.get(&path, "scoped").await).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"], json!([]));
    // comments:write but no items:read → 403 naming items:read.
    let (st, h, b) = parts(s.get(&path, "scoped_write_only").await).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    assert_eq!(b["required_scope"], "items:read");
}

#[tokio::test]
async fn cross_resource_write_needs_read_on_the_referenced_resource() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("ref")})).await;
    let item_id = item["id"].as_str().unwrap();
    // comments:write without items:read → 422 naming item_id.
    let r = s
        .post(
            "/api/v1/comments",
            "scoped_write_only",
            &json!({"item_id": item_id, "body": "hi"}),
        )
        .await;
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 422, "validation-failed");
    assert_eq!(b["errors"]["item_id"], json!(["insufficient_scope"]));
    // Nothing was created.
    let (_, _, list) = parts(
        s.get(&format!("/api/v1/items/{item_id}/comments"), "full")
            .await,
    )
    .await;
    assert_eq!(list["data"], json!([]));
    // With items:read added (the `scoped` token) → 201.
    let r = s
        .post(
            "/api/v1/comments",
            "scoped",
            &json!({"item_id": item_id, "body": "hi"}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn existing_resource_without_scope_is_403_not_404() {
    let s = common::start().await;
    let cat = s.create_category(&unique("c")).await;
    let path = format!("/api/v1/categories/{}", cat["id"].as_str().unwrap());
    let (st, h, b) = parts(s.get(&path, "scoped").await).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
}

#[tokio::test]
async fn cross_tenant_resources_are_404_and_unchanged() {
    let s = common::start().await;
    let item = s.create_item(json!({"name": unique("a-only")})).await;
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/items/{id}");
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    let etag = header(&h, "etag").unwrap().to_string();
    let b = "second_workspace";
    for m in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
        let r = s
            .req(m.clone(), &path, Some(b))
            .header("if-match", &etag)
            .json(&json!({"name": "stolen"}))
            .send()
            .await
            .unwrap();
        let (st, h, body) = parts(r).await;
        assert_problem(st, &h, &body, 404, "not-found");
    }
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some(b))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .req(Method::GET, &format!("{path}/comments"), Some(b))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Revoking workspace A's token from B.
    let r = s
        .delete(&format!("/api/v1/tokens/{}", s.token_id("read_only")), b)
        .await;
    let (st, h, body) = parts(r).await;
    assert_problem(st, &h, &body, 404, "not-found");
    assert_eq!(s.get("/api/v1/token", "read_only").await.status(), 200);
    // A's item is unchanged.
    let (st, h2, got) = parts(s.get(&path, "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(got["data"], item);
    assert_eq!(header(&h2, "etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn authentication_then_scope_then_handler() {
    let s = common::start().await;
    // Invalid token on a write → 401 (not 403/422).
    let r = s
        .client
        .post(s.url("/api/v1/items"))
        .bearer_auth(RANDOM_TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
    // Read-only token with an invalid body → 403 (not 422).
    let (st, h, b) = parts(
        s.post("/api/v1/items", "read_only", &json!({"name": ""}))
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    // Read-only token deleting a random id → 403 (not 404).
    let r = s
        .delete(
            &format!("/api/v1/items/{}", uuid::Uuid::new_v4()),
            "read_only",
        )
        .await;
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    // Read-only token with malformed JSON → 403 (not 400).
    let r = s
        .req(Method::POST, "/api/v1/items", Some("read_only"))
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
}

#[tokio::test]
async fn all_read_and_all_write_wildcards() {
    let s = common::start().await;
    for path in [
        "/api/v1/items",
        "/api/v1/categories",
        "/api/v1/comments",
        "/api/v1/webhooks",
        "/api/v1/files",
    ] {
        let (st, _, b) = parts(s.get(path, "read_only").await).await;
        assert_eq!(st, 200, "{path}: {b}");
        let (st, h, b) = parts(s.post(path, "read_only", &json!({})).await).await;
        assert_problem(st, &h, &b, 403, "insufficient-scope");
    }
    let (_, _, t) = parts(s.get("/api/v1/token", "full").await).await;
    assert_eq!(t["data"]["scopes"], json!(["all:write"]));
    // all:write completes create/update/delete on every writable resource.
    let cat = s.create_category(&unique("wild")).await;
    let item = s
        .create_item(json!({"name": unique("wild"), "category_id": cat["id"]}))
        .await;
    let (st, _, c) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["id"], "body": "b"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    for (res, v) in [
        ("comments", &c["data"]),
        ("items", &item),
        ("categories", &cat),
    ] {
        let path = format!("/api/v1/{res}/{}", v["id"].as_str().unwrap());
        let body: Value = if res == "comments" {
            json!({"body": "updated"})
        } else {
            json!({"description": "updated"})
        };
        let (st, _, b) = parts(s.patch(&path, "full", &body).await).await;
        assert_eq!(st, 200, "{res}: {b}");
        assert_eq!(s.delete(&path, "full").await.status(), 204, "{res}");
    }
}
