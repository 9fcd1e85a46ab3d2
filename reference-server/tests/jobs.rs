//! `async-jobs.*`: POST /exports → 202 + Location, job polling, results, failures, TTL.

mod common;
mod helpers;

use std::time::{Duration, Instant};

use common::{TestServer, assert_problem, header, parts};
use serde_json::{Value, json};

const STATUSES: &[&str] = &["pending", "running", "completed", "failed"];

fn rank(s: &str) -> usize {
    match s {
        "pending" => 0,
        "running" => 1,
        _ => 2,
    }
}

async fn start_export(s: &TestServer, body: &Value) -> (String, Value) {
    let r = s.post("/api/v1/exports", "full", body).await;
    let (st, h, b) = parts(r).await;
    assert_eq!(st, 202, "{b}");
    let loc = header(&h, "location").expect("Location on 202").to_string();
    (loc, b)
}

/// Polls until a terminal state; asserts every status is known and never moves back.
async fn wait_done(s: &TestServer, path: &str, role: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = 0;
    loop {
        let (st, h, b) = parts(s.get(path, role).await).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(header(&h, "content-type"), Some("application/json"));
        let status = b["data"]["status"].as_str().unwrap().to_string();
        assert!(STATUSES.contains(&status.as_str()), "{status}");
        assert!(rank(&status) >= last, "status went back to {status}");
        last = rank(&status);
        if status == "completed" || status == "failed" {
            return b["data"].clone();
        }
        assert!(Instant::now() < deadline, "job stuck in {status}");
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

#[tokio::test]
async fn an_export_is_accepted_with_202_a_job_body_and_a_location() {
    let s = common::start().await;
    let (loc, b) = start_export(&s, &json!({"resource": "items", "format": "csv"})).await;
    let d = &b["data"];
    helpers::assert_uuid_v4(&d["job_id"], "job_id");
    let job_id = d["job_id"].as_str().unwrap();
    assert_eq!(d["status"], "pending");
    helpers::assert_utc_timestamp(&d["created_at"], "created_at");
    assert_eq!(d["links"]["self"], format!("/api/v1/jobs/{job_id}"));
    assert_eq!(
        loc,
        format!("/api/v1/jobs/{job_id}"),
        "Location = links.self"
    );
    // GET on the Location returns the job.
    let (st, _, got) = parts(s.get(&loc, "full").await).await;
    assert_eq!(st, 200);
    assert_eq!(got["data"]["job_id"], job_id);
    assert_eq!(got["data"]["links"]["self"], loc.as_str());
}

#[tokio::test]
async fn a_completed_job_has_progress_completed_at_and_a_downloadable_result() {
    let s = common::start().await;
    for (i, status) in ["active", "draft", "active"].iter().enumerate() {
        s.create_item(
            json!({"name": format!("export-{i}"), "status": status, "amount_cents": 100 * i}),
        )
        .await;
    }
    let (loc, _) = start_export(
        &s,
        &json!({"resource": "items", "format": "csv", "filter": {"status": {"eq": "active"}}}),
    )
    .await;
    let job = wait_done(&s, &loc, "full").await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["progress"], 100);
    helpers::assert_utc_timestamp(&job["completed_at"], "completed_at");
    let url = job["result"]["download_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "/api/v1/exports/{}/download",
            job["job_id"].as_str().unwrap()
        )
    );
    // Result TTL: 24 h after completion by default.
    let ttl =
        helpers::parse_ts(&job["result"]["expires_at"]) - helpers::parse_ts(&job["completed_at"]);
    assert!(
        (ttl.num_seconds() - 24 * 3600).abs() <= 60,
        "expires_at - completed_at = {ttl}"
    );
    let r = s.get(url, "full").await;
    assert_eq!(r.status(), 200);
    assert!(
        header(r.headers(), "content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("id,name,"), "{csv}");
    assert_eq!(lines.len(), 3, "header + the two active items: {csv}");
    assert!(csv.contains("export-0") && csv.contains("export-2") && !csv.contains("export-1"));
}

#[tokio::test]
async fn a_json_export_contains_the_rows() {
    let s = common::start().await;
    let item = s
        .create_item(json!({"name": helpers::unique("json-export")}))
        .await;
    let (loc, _) = start_export(&s, &json!({"resource": "items", "format": "json"})).await;
    let job = wait_done(&s, &loc, "full").await;
    assert_eq!(job["status"], "completed");
    let r = s
        .get(job["result"]["download_url"].as_str().unwrap(), "full")
        .await;
    assert_eq!(
        header(r.headers(), "content-type"),
        Some("application/json")
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["id"], item["id"]);
}

#[tokio::test]
async fn a_failed_job_carries_an_rfc9457_error() {
    let s = common::start().await;
    let (loc, _) = start_export(&s, &json!({"resource": "items", "simulate_failure": true})).await;
    let job = wait_done(&s, &loc, "full").await;
    assert_eq!(job["status"], "failed");
    let err = &job["error"];
    assert!(
        err["type"].as_str().unwrap().starts_with("https://"),
        "{err}"
    );
    assert!(
        err["type"]
            .as_str()
            .unwrap()
            .ends_with("/problems/internal-error")
    );
    assert_eq!(err["title"], "Internal Error");
    assert_eq!(err["status"], 500);
    assert!(err["detail"].is_string());
    assert_eq!(job["result"], Value::Null);
    // No download for a failed job.
    let url = format!(
        "/api/v1/exports/{}/download",
        job["job_id"].as_str().unwrap()
    );
    let (st, h, b) = parts(s.get(&url, "full").await).await;
    assert_problem(st, &h, &b, 404, "not-found");
}

#[tokio::test]
async fn jobs_are_scoped_to_the_workspace() {
    let s = common::start().await;
    let (loc, b) = start_export(&s, &json!({"resource": "items"})).await;
    let job = wait_done(&s, &loc, "full").await;
    assert_eq!(job["status"], "completed");
    let (st, h, body) = parts(s.get(&loc, "second_workspace").await).await;
    assert_problem(st, &h, &body, 404, "not-found");
    let url = format!(
        "/api/v1/exports/{}/download",
        b["data"]["job_id"].as_str().unwrap()
    );
    let (st, h, body) = parts(s.get(&url, "second_workspace").await).await;
    assert_problem(st, &h, &body, 404, "not-found");
    // An all:read token of the same workspace can read the job and its result.
    assert_eq!(s.get(&loc, "read_only").await.status(), 200);
    assert_eq!(s.get(&url, "read_only").await.status(), 200);
}

#[tokio::test]
async fn exports_need_the_right_scopes() {
    let s = common::start().await;
    let (loc, _) = start_export(&s, &json!({"resource": "items"})).await;
    // A read-only token cannot start an export.
    let (st, h, b) = parts(
        s.post(
            "/api/v1/exports",
            "read_only",
            &json!({"resource": "items"}),
        )
        .await,
    )
    .await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
    assert_eq!(b["required_scope"], "exports:write");
    // A token without jobs/exports read cannot poll.
    let (st, h, b) = parts(s.get(&loc, "scoped").await).await;
    assert_problem(st, &h, &b, 403, "insufficient-scope");
}

#[tokio::test]
async fn invalid_export_requests_are_422() {
    let s = common::start().await;
    for (body, field, code) in [
        (json!({}), "resource", "cant_be_blank"),
        (json!({"resource": "nope"}), "resource", "inclusion"),
        (
            json!({"resource": "items", "format": "xml"}),
            "format",
            "inclusion",
        ),
        (
            json!({"resource": "items", "filter": {"nope": {"eq": 1}}}),
            "filter",
            "invalid_format",
        ),
        (
            json!({"resource": "items", "extra": 1}),
            "extra",
            "unknown_field",
        ),
    ] {
        let (st, h, b) = parts(s.post("/api/v1/exports", "full", &body).await).await;
        assert_problem(st, &h, &b, 422, "validation-failed");
        assert_eq!(b["errors"][field], json!([code]), "{body}");
    }
    let (st, h, b) = parts(
        s.get(&format!("/api/v1/jobs/{}", uuid::Uuid::new_v4()), "full")
            .await,
    )
    .await;
    assert_problem(st, &h, &b, 404, "not-found");
}

#[tokio::test]
async fn export_results_expire_after_their_ttl() {
    let s = common::start_with(|c| c.export_ttl = Duration::from_millis(400)).await;
    let (loc, _) = start_export(&s, &json!({"resource": "items"})).await;
    let job = wait_done(&s, &loc, "full").await;
    assert_eq!(job["status"], "completed");
    let ttl =
        helpers::parse_ts(&job["result"]["expires_at"]) - helpers::parse_ts(&job["completed_at"]);
    assert!((ttl.num_milliseconds() - 400).abs() < 100, "{ttl}");
    let url = job["result"]["download_url"].as_str().unwrap().to_string();
    let expires = helpers::parse_ts(&job["result"]["expires_at"]);
    let left = expires - chrono::Utc::now();
    if left.num_milliseconds() > 50 {
        assert_eq!(s.get(&url, "full").await.status(), 200, "before expiry");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (st, h, b) = parts(s.get(&url, "full").await).await;
    assert_problem(st, &h, &b, 404, "not-found");
}
