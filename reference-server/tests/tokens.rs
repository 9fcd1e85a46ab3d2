//! `token-format.*` (testable ones), `token-info.*` and `token-revocation.*`.

mod common;
mod helpers;

use common::{assert_problem, header, parts};
use serde_json::json;

fn has_guide_shape(t: &str) -> bool {
    let mut p = t.splitn(3, '_');
    let (Some(app), Some(env), Some(hash)) = (p.next(), p.next(), p.next()) else {
        return false;
    };
    app.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && app
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && ["prod", "dev", "test"].contains(&env)
        && hash.len() >= 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn seeded_tokens_have_the_app_env_hash_shape() {
    let s = common::start().await;
    assert!(s.seed.tokens.len() >= 10);
    for (role, t) in &s.seed.tokens {
        assert!(has_guide_shape(&t.token), "{role}: {}", t.token);
        // The env segment names the environment the tokens were generated for.
        assert!(t.token.starts_with("ref_test_"), "{role}");
        // Scopes are not embedded in the token string.
        for sc in &t.scopes {
            assert!(!t.token.contains(sc.as_str()), "{role}");
        }
    }
    // Every token is distinct.
    let mut all: Vec<&str> = s.seed.tokens.values().map(|t| t.token.as_str()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), s.seed.tokens.len());
}

#[tokio::test]
async fn the_full_token_is_verified_not_just_its_prefix() {
    let s = common::start().await;
    let good = s.token("full").to_string();
    assert_eq!(s.get("/api/v1/token", "full").await.status(), 200);
    // Keep the first 16 characters (the stored prefix, which covers the guide's 12/13), change
    // the rest, same length.
    let forged: String = good
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < 16 {
                c
            } else if c == '0' {
                '1'
            } else {
                '0'
            }
        })
        .collect();
    assert_eq!(forged.len(), good.len());
    assert_ne!(forged, good);
    // Also a token differing only in its last character.
    let mut last = good.clone();
    let c = last.pop().unwrap();
    last.push(if c == 'a' { 'b' } else { 'a' });
    for t in [forged, last] {
        let r = s
            .client
            .get(s.url("/api/v1/token"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        let (st, h, b) = parts(r).await;
        assert_problem(st, &h, &b, 401, "invalid-token");
    }
}

#[tokio::test]
async fn token_info_returns_workspace_scopes_and_rate_limit() {
    let s = common::start().await;
    let r = s.get("/api/v1/token", "scoped").await;
    let (st, h, b) = parts(r).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    let d = &b["data"];
    helpers::assert_uuid_v4(&d["workspace"]["id"], "workspace.id");
    assert_eq!(d["workspace"]["id"], s.seed.workspaces[0].id.as_str());
    assert_eq!(d["workspace"]["slug"], s.seed.workspaces[0].slug.as_str());
    assert_eq!(d["scopes"], json!(["items:read", "comments:write"]));
    let rl = &d["rate_limit"];
    let limit = rl["limit"].as_u64().expect("limit integer");
    let remaining = rl["remaining"].as_u64().expect("remaining integer");
    let reset_at = rl["reset_at"]
        .as_i64()
        .expect("reset_at integer (epoch seconds)");
    assert!(remaining <= limit);
    let now = chrono::Utc::now().timestamp();
    assert!(
        reset_at >= now - 1 && reset_at <= now + 61,
        "reset_at {reset_at} vs now {now}"
    );
    // limit matches the RateLimit header.
    let (hl, hr) = helpers::assert_rate_headers(&h, "/token");
    assert_eq!(hl, limit);
    assert_eq!(hr, remaining);
    assert_eq!(limit, s.seed.tokens["scoped"].rate_limit as u64);
}

#[tokio::test]
async fn token_info_scopes_match_each_token() {
    let s = common::start().await;
    for (role, t) in &s.seed.tokens {
        if role == "revoked" || role == "expired" {
            continue;
        }
        let (st, _, b) = parts(s.get("/api/v1/token", role).await).await;
        assert_eq!(st, 200, "{role}");
        assert_eq!(b["data"]["scopes"], json!(t.scopes), "{role}");
        assert_eq!(b["data"]["rate_limit"]["limit"], t.rate_limit, "{role}");
    }
}

#[tokio::test]
async fn token_info_requires_authentication() {
    let s = common::start().await;
    let r = s.client.get(s.url("/api/v1/token")).send().await.unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
}

#[tokio::test]
async fn token_info_is_not_counted_by_the_rate_limiter() {
    let s = common::start().await;
    // One counted request first, so the bucket exists.
    let r = s.get("/api/v1/items", "read_only").await;
    let (_, before) = helpers::assert_rate_headers(r.headers(), "items");
    let mut seen = vec![];
    for _ in 0..20 {
        let (st, h, b) = parts(s.get("/api/v1/token", "read_only").await).await;
        assert_eq!(st, 200);
        let rem = b["data"]["rate_limit"]["remaining"].as_u64().unwrap();
        let (_, hrem) = helpers::assert_rate_headers(&h, "/token");
        assert_eq!(rem, hrem);
        seen.push(rem);
    }
    // Refill can only raise `remaining`; /token calls must never lower it.
    assert!(seen.iter().all(|r| *r >= before), "{before} then {seen:?}");
    assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{seen:?}");
    let r = s.get("/api/v1/items", "read_only").await;
    let (_, after) = helpers::assert_rate_headers(r.headers(), "items");
    // The counted request is counted (the bucket never reports a full budget after it), and the
    // 20 uncounted calls before it did not push it below what one request costs.
    let limit = s.seed.tokens["read_only"].rate_limit as u64;
    assert!(after < limit, "after {after}");
    assert!(after + 1 >= before, "before {before}, after {after}");
}

#[tokio::test]
async fn admin_revokes_a_token_with_204_and_it_stops_working_at_once() {
    let s = common::start().await;
    assert_eq!(s.get("/api/v1/token", "disposable_1").await.status(), 200);
    let r = s
        .delete(
            &format!("/api/v1/tokens/{}", s.token_id("disposable_1")),
            "full",
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(header(r.headers(), "content-type").is_none());
    assert!(r.bytes().await.unwrap().is_empty());
    // Immediately and on fresh connections: 401.
    for _ in 0..3 {
        let c = reqwest::Client::new();
        for path in ["/api/v1/token", "/api/v1/items"] {
            let r = c
                .get(s.url(path))
                .bearer_auth(s.token("disposable_1"))
                .send()
                .await
                .unwrap();
            let (st, h, b) = parts(r).await;
            assert_problem(st, &h, &b, 401, "invalid-token");
        }
    }
    // Also over the already-open pooled connection.
    let (st, _, _) = parts(s.get("/api/v1/token", "disposable_1").await).await;
    assert_eq!(st, 401);
    // Revocation is permanent: revoking again is a no-op, the token stays dead.
    let r = s
        .delete(
            &format!("/api/v1/tokens/{}", s.token_id("disposable_1")),
            "full",
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(s.get("/api/v1/token", "disposable_1").await.status(), 401);
}

#[tokio::test]
async fn revocation_requires_authentication() {
    let s = common::start().await;
    let path = format!("/api/v1/tokens/{}", s.token_id("disposable_2"));
    let r = s.client.delete(s.url(&path)).send().await.unwrap();
    let (st, h, b) = parts(r).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
    assert_eq!(s.get("/api/v1/token", "disposable_2").await.status(), 200);
}

#[tokio::test]
async fn a_non_admin_cannot_revoke_another_token() {
    let s = common::start().await;
    let path = format!("/api/v1/tokens/{}", s.token_id("disposable_2"));
    for role in ["read_only", "disposable_3", "scoped"] {
        let (st, h, b) = parts(s.delete(&path, role).await).await;
        assert_problem(st, &h, &b, 403, "insufficient-scope");
    }
    assert_eq!(s.get("/api/v1/token", "disposable_2").await.status(), 200);
}

#[tokio::test]
async fn a_token_can_revoke_itself() {
    let s = common::start().await;
    // Even a token with no scopes at all.
    let path = format!("/api/v1/tokens/{}", s.token_id("empty"));
    assert_eq!(s.delete(&path, "empty").await.status(), 204);
    assert_eq!(s.get("/api/v1/token", "empty").await.status(), 401);
    let path = format!("/api/v1/tokens/{}", s.token_id("disposable_3"));
    let r = s.delete(&path, "disposable_3").await;
    assert_eq!(r.status(), 204);
    let (st, h, b) = parts(s.get("/api/v1/token", "disposable_3").await).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
}

#[tokio::test]
async fn the_last_admin_token_cannot_be_revoked() {
    let s = common::start().await;
    // Workspace 2 has exactly one admin token.
    let path = format!("/api/v1/tokens/{}", s.token_id("second_workspace"));
    let (st, h, b) = parts(s.delete(&path, "second_workspace").await).await;
    assert_problem(st, &h, &b, 409, "conflict");
    assert_eq!(b["title"], "Conflict");
    assert_eq!(
        s.get("/api/v1/token", "second_workspace").await.status(),
        200
    );
    // Workspace 1 has two: the first revocation works, the second is refused.
    let r = s
        .delete(&format!("/api/v1/tokens/{}", s.token_id("admin2")), "full")
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(s.get("/api/v1/token", "admin2").await.status(), 401);
    let (st, h, b) = parts(
        s.delete(&format!("/api/v1/tokens/{}", s.token_id("full")), "full")
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 409, "conflict");
    assert_eq!(s.get("/api/v1/token", "full").await.status(), 200);
}

#[tokio::test]
async fn revoking_an_unknown_token_is_404() {
    let s = common::start().await;
    for id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let (st, h, b) = parts(s.delete(&format!("/api/v1/tokens/{id}"), "full").await).await;
        assert_problem(st, &h, &b, 404, "not-found");
    }
}

/// A token that expires while the server is running must stop working at its expiry, even after
/// it has been used (and verified) before.
#[tokio::test]
async fn a_token_stops_working_when_it_expires() {
    let s = common::start().await;
    let expires = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let (_, raw) = {
        let conn = s.server.state.db.lock().expect("db");
        reference_server::auth::create_token(
            &conn,
            &s.seed.workspaces[0].id,
            "ref",
            "test",
            &reference_server::auth::NewToken {
                name: "short-lived".into(),
                scopes: vec!["all:read".into()],
                expires_at: Some(expires.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
                ..Default::default()
            },
        )
        .expect("create token")
    };
    let call = || {
        s.client
            .get(s.url("/api/v1/items"))
            .bearer_auth(&raw)
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200, "valid before expiry");
    let wait = expires - chrono::Utc::now() + chrono::Duration::milliseconds(300);
    tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
    let (st, h, b) = parts(call().await.unwrap()).await;
    assert_problem(st, &h, &b, 401, "invalid-token");
}
