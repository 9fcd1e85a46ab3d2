//! Shared helpers for the reference-server integration tests: boot a seeded server on an
//! ephemeral port with a fresh in-memory database, and talk to it over real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use reference_server::{Config, RunningServer, SeedOutput};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub seed: SeedOutput,
    pub server: RunningServer,
    pub client: reqwest::Client,
}

/// Config used by tests: ephemeral port, in-memory db, fast jobs and webhook retries.
pub fn test_config() -> Config {
    Config {
        addr: ([127, 0, 0, 1], 0).into(),
        job_step: Duration::from_millis(20),
        webhook_schedule: vec![Duration::from_millis(200); 5],
        webhook_timeout: Duration::from_secs(2),
        hash_cost: reference_server::auth::HashCost::Light,
        ..Config::default()
    }
}

pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

pub async fn start_with(f: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    f(&mut config);
    let (server, seed) = reference_server::start_seeded(config)
        .await
        .expect("server starts");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestServer {
        base: server.base_url.clone(),
        seed,
        server,
        client,
    }
}

impl TestServer {
    pub fn token(&self, role: &str) -> &str {
        &self
            .seed
            .tokens
            .get(role)
            .unwrap_or_else(|| panic!("no seeded token {role}"))
            .token
    }

    pub fn token_id(&self, role: &str) -> &str {
        &self.seed.tokens[role].id
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with the given role's bearer token (`None` = no Authorization header).
    pub fn req(&self, method: Method, path: &str, role: Option<&str>) -> RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match role {
            Some(r) => rb.bearer_auth(self.token(r)),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str, role: &str) -> Response {
        self.req(Method::GET, path, Some(role))
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, role: &str, body: &Value) -> Response {
        self.req(Method::POST, path, Some(role))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, role: &str, body: &Value) -> Response {
        self.req(Method::PATCH, path, Some(role))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str, role: &str) -> Response {
        self.req(Method::DELETE, path, Some(role))
            .send()
            .await
            .expect("request")
    }

    /// Creates an item with the full token and returns its JSON representation.
    pub async fn create_item(&self, body: Value) -> Value {
        let r = self.post("/api/v1/items", "full", &body).await;
        assert_eq!(r.status(), 201, "create item {body}");
        r.json::<Value>().await.expect("json")["data"].clone()
    }

    pub async fn create_category(&self, name: &str) -> Value {
        let r = self
            .post(
                "/api/v1/categories",
                "full",
                &serde_json::json!({"name": name}),
            )
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.expect("json")["data"].clone()
    }
}

/// Reads a response as (status, headers, JSON body or Null).
pub async fn parts(r: Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

pub fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Asserts an RFC 9457 problem of the given status and type slug.
pub fn assert_problem(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    want_status: u16,
    slug: &str,
) {
    assert_eq!(status, want_status, "body: {body}");
    assert_eq!(
        header(headers, "content-type"),
        Some("application/problem+json"),
        "body: {body}"
    );
    assert_eq!(body["status"], want_status);
    let ty = body["type"].as_str().unwrap_or_default();
    assert!(
        ty.starts_with("https://") && ty.ends_with(&format!("/problems/{slug}")),
        "type {ty}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
}
