//! `etag.*`: ETags, If-Match (412/428) and If-None-Match (304).

mod common;
mod helpers;

use common::{assert_problem, header, parts};
use reqwest::Method;
use serde_json::{Value, json};

fn etag_of(h: &reqwest::header::HeaderMap) -> String {
    let t = header(h, "etag").expect("ETag header").to_string();
    assert!(
        t.len() >= 3 && t.starts_with('"') && t.ends_with('"') && !t[1..t.len() - 1].contains('"'),
        "not a strong entity-tag: {t}"
    );
    t
}

async fn item(s: &common::TestServer) -> (String, Value, String) {
    let r = s
        .post(
            "/api/v1/items",
            "full",
            &json!({"name": helpers::unique("etag"), "description": "d"}),
        )
        .await;
    let (st, h, b) = parts(r).await;
    assert_eq!(st, 201);
    let path = format!("/api/v1/items/{}", b["data"]["id"].as_str().unwrap());
    (path, b["data"].clone(), etag_of(&h))
}

async fn put(
    s: &common::TestServer,
    path: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut rb = s.req(Method::PUT, path, Some("full")).json(body);
    if let Some(t) = etag {
        rb = rb.header("if-match", t);
    }
    rb.send().await.unwrap()
}

async fn patch_if(
    s: &common::TestServer,
    path: &str,
    etag: &str,
    body: &Value,
) -> reqwest::Response {
    s.req(Method::PATCH, path, Some("full"))
        .header("if-match", etag)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn single_get_put_patch_carry_an_etag_that_tracks_writes() {
    let s = common::start().await;
    let (path, _, created_tag) = item(&s).await;
    let (st, h, _) = parts(s.get(&path, "full").await).await;
    assert_eq!(st, 200);
    let t1 = etag_of(&h);
    assert_eq!(t1, created_tag, "nothing changed since the create");
    // Opaque and stable: two GETs without a write agree.
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    assert_eq!(etag_of(&h), t1);
    // PATCH → new ETag, equal to the next GET's.
    let (st, h, _) = parts(patch_if(&s, &path, &t1, &json!({"description": "e"})).await).await;
    assert_eq!(st, 200);
    let t2 = etag_of(&h);
    assert_ne!(t2, t1);
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    assert_eq!(etag_of(&h), t2);
    // PUT → new ETag, equal to the next GET's.
    let name = helpers::unique("etag-put");
    let (st, h, b) = parts(put(&s, &path, Some(&t2), &json!({"name": name})).await).await;
    assert_eq!(st, 200, "{b}");
    let t3 = etag_of(&h);
    assert_ne!(t3, t2);
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    assert_eq!(etag_of(&h), t3);
}

#[tokio::test]
async fn creates_and_restores_carry_an_etag() {
    let s = common::start().await;
    let (path, _, created) = item(&s).await;
    assert_eq!(s.delete(&path, "full").await.status(), 204);
    let r = s
        .req(Method::POST, &format!("{path}/restore"), Some("full"))
        .send()
        .await
        .unwrap();
    let (st, h, _) = parts(r).await;
    assert_eq!(st, 200);
    let restored = etag_of(&h);
    assert_ne!(restored, created);
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    assert_eq!(etag_of(&h), restored);
    let r = s
        .post("/api/v1/categories", "full", &json!({"name": "c"}))
        .await;
    assert_eq!(r.status(), 201);
    etag_of(r.headers());
}

#[tokio::test]
async fn collections_carry_no_etag() {
    let s = common::start().await;
    let (path, _, _) = item(&s).await;
    for p in [
        "/api/v1/items".to_string(),
        "/api/v1/items?cursor=".to_string(),
        format!("{path}/comments"),
        "/api/v1/categories".to_string(),
        "/api/v1/comments".to_string(),
    ] {
        let r = s.get(&p, "full").await;
        assert_eq!(r.status(), 200, "{p}");
        assert!(header(r.headers(), "etag").is_none(), "{p}");
    }
    let r = s.post("/api/v1/items/search", "full", &json!({})).await;
    assert_eq!(r.status(), 200);
    assert!(header(r.headers(), "etag").is_none());
}

#[tokio::test]
async fn put_without_if_match_is_428_and_changes_nothing() {
    let s = common::start().await;
    let (path, before, tag) = item(&s).await;
    let (st, h, b) = parts(put(&s, &path, None, &json!({"name": "replaced"})).await).await;
    assert_problem(st, &h, &b, 428, "precondition-required");
    assert_eq!(b["title"], "Precondition Required");
    let (_, h, got) = parts(s.get(&path, "full").await).await;
    assert_eq!(got["data"], before);
    assert_eq!(etag_of(&h), tag);
}

#[tokio::test]
async fn stale_if_match_is_412_for_patch_and_put_and_changes_nothing() {
    let s = common::start().await;
    let (path, _, t1) = item(&s).await;
    let (st, h, _) = parts(patch_if(&s, &path, &t1, &json!({"description": "v2"})).await).await;
    assert_eq!(st, 200);
    let t2 = etag_of(&h);
    let (_, _, snapshot) = parts(s.get(&path, "full").await).await;
    let (st, h, b) = parts(patch_if(&s, &path, &t1, &json!({"description": "lost"})).await).await;
    assert_problem(st, &h, &b, 412, "precondition-failed");
    assert_eq!(b["title"], "Precondition Failed");
    let (st, h, b) = parts(put(&s, &path, Some(&t1), &json!({"name": "lost"})).await).await;
    assert_problem(st, &h, &b, 412, "precondition-failed");
    // Garbage and weak tags do not match either.
    for bad in ["\"garbage\"", "W/\"x\"", "nonsense"] {
        let (st, _, _) =
            parts(patch_if(&s, &path, bad, &json!({"description": "lost"})).await).await;
        assert_eq!(st, 412, "{bad}");
    }
    let (_, h, got) = parts(s.get(&path, "full").await).await;
    assert_eq!(got, snapshot);
    assert_eq!(etag_of(&h), t2);
}

#[tokio::test]
async fn matching_if_match_is_applied_and_patch_without_it_is_allowed() {
    let s = common::start().await;
    let (path, _, t1) = item(&s).await;
    let (st, _, b) = parts(patch_if(&s, &path, &t1, &json!({"priority": "high"})).await).await;
    assert_eq!(st, 200);
    assert_eq!(b["data"]["priority"], "high");
    // A list of tags containing the current one matches; so does `*`.
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    let cur = etag_of(&h);
    let (st, _, _) = parts(
        patch_if(
            &s,
            &path,
            &format!("\"other\", {cur}"),
            &json!({"priority": "low"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    let (st, _, _) = parts(patch_if(&s, &path, "*", &json!({"priority": "critical"})).await).await;
    assert_eq!(st, 200);
    // PATCH without If-Match is processed (recommended, not required).
    let (st, _, b) = parts(s.patch(&path, "full", &json!({"priority": "medium"})).await).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"]["priority"], "medium");
}

#[tokio::test]
async fn if_none_match_gives_304_until_the_resource_changes() {
    let s = common::start().await;
    let (path, _, tag) = item(&s).await;
    let get_inm = |t: String| {
        let rb = s
            .req(Method::GET, &path, Some("full"))
            .header("if-none-match", t);
        async move { rb.send().await.unwrap() }
    };
    let r = get_inm(tag.clone()).await;
    assert_eq!(r.status(), 304);
    assert_eq!(header(r.headers(), "etag"), Some(tag.as_str()));
    assert!(r.bytes().await.unwrap().is_empty(), "304 has an empty body");
    // A non-matching tag gives the full body.
    let r = get_inm("\"other\"".into()).await;
    assert_eq!(r.status(), 200);
    // After an update the old tag no longer matches.
    assert_eq!(
        s.patch(&path, "full", &json!({"description": "new"}))
            .await
            .status(),
        200
    );
    let r = get_inm(tag.clone()).await;
    assert_eq!(r.status(), 200);
    let new_tag = etag_of(r.headers());
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["data"]["description"], "new");
    assert_eq!(get_inm(new_tag).await.status(), 304);
}

#[tokio::test]
async fn etag_changes_on_every_update_even_a_no_op() {
    let s = common::start().await;
    let (path, data, t1) = item(&s).await;
    let same = json!({"description": data["description"], "name": data["name"]});
    let (st, h, b) = parts(patch_if(&s, &path, &t1, &same).await).await;
    assert_eq!(st, 200);
    let t2 = etag_of(&h);
    assert_ne!(t2, t1, "no-op PATCH must change the ETag");
    assert_eq!(b["data"]["description"], data["description"]);
    let (st, h, _) = parts(s.patch(&path, "full", &json!({})).await).await;
    assert_eq!(st, 200);
    let t3 = etag_of(&h);
    assert_ne!(t3, t2, "empty PATCH is an update too");
    let (_, h, _) = parts(
        put(
            &s,
            &path,
            Some(&t3),
            &json!({"name": data["name"], "description": "d"}),
        )
        .await,
    )
    .await;
    assert_ne!(etag_of(&h), t3);
}

#[tokio::test]
async fn etags_work_the_same_on_categories_and_comments() {
    let s = common::start().await;
    let cat = s.create_category(&helpers::unique("ce")).await;
    let item = s.create_item(json!({"name": helpers::unique("ce")})).await;
    let (_, _, c) = parts(
        s.post(
            "/api/v1/comments",
            "full",
            &json!({"item_id": item["id"], "body": "b"}),
        )
        .await,
    )
    .await;
    for (path, body) in [
        (
            format!("/api/v1/categories/{}", cat["id"].as_str().unwrap()),
            json!({"name": "renamed"}),
        ),
        (
            format!("/api/v1/comments/{}", c["data"]["id"].as_str().unwrap()),
            json!({"item_id": item["id"], "body": "replaced"}),
        ),
    ] {
        let (_, h, _) = parts(s.get(&path, "full").await).await;
        let t = etag_of(&h);
        let (st, _, _) = parts(put(&s, &path, None, &body).await).await;
        assert_eq!(st, 428, "{path}");
        let (st, h, _) = parts(put(&s, &path, Some(&t), &body).await).await;
        assert_eq!(st, 200, "{path}");
        assert_ne!(etag_of(&h), t);
        let (st, _, _) = parts(put(&s, &path, Some(&t), &body).await).await;
        assert_eq!(st, 412, "{path}");
    }
}
