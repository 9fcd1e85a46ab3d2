//! Concurrency and durability: conditional writes under contention, concurrent idempotent
//! creates, and acknowledged writes surviving a SIGKILL of the server process.

mod common;
mod helpers;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{header, parts};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_with_one_if_match_let_exactly_one_win() {
    let s = Arc::new(common::start().await);
    let item = s
        .create_item(json!({"name": helpers::unique("race")}))
        .await;
    let path = format!("/api/v1/items/{}", item["id"].as_str().unwrap());
    let (_, h, _) = parts(s.get(&path, "full").await).await;
    let etag = header(&h, "etag").unwrap().to_string();
    // Warm the token cache so the requests race in the handler, not in authentication.
    assert_eq!(s.get("/api/v1/token", "full").await.status(), 200);
    let mut tasks = vec![];
    for i in 0..50 {
        let (s, path, etag) = (s.clone(), path.clone(), etag.clone());
        tasks.push(tokio::spawn(async move {
            let r = s
                .req(Method::PATCH, &path, Some("full"))
                .header("if-match", etag)
                .json(&json!({"description": format!("writer {i}")}))
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            let b: Value = r.json().await.unwrap();
            (i, st, b)
        }));
    }
    let mut ok = vec![];
    let mut failed = 0;
    for t in tasks {
        let (i, st, b) = t.await.unwrap();
        match st {
            200 => ok.push((i, b)),
            412 => {
                assert!(
                    b["type"]
                        .as_str()
                        .unwrap()
                        .ends_with("/precondition-failed")
                );
                failed += 1;
            }
            other => panic!("unexpected {other}: {b}"),
        }
    }
    assert_eq!(ok.len(), 1, "exactly one winner");
    assert_eq!(failed, 49);
    // The stored state is the winner's.
    let (winner, body) = &ok[0];
    let (_, _, got) = parts(s.get(&path, "full").await).await;
    assert_eq!(got["data"]["description"], format!("writer {winner}"));
    assert_eq!(got["data"], body["data"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_posts_with_one_idempotency_key_create_one_row() {
    let s = Arc::new(common::start().await);
    let name = helpers::unique("idem-race");
    let key = uuid::Uuid::new_v4().to_string();
    assert_eq!(s.get("/api/v1/token", "full").await.status(), 200);
    let mut tasks = vec![];
    for _ in 0..50 {
        let (s, name, key) = (s.clone(), name.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let r = s
                .req(Method::POST, "/api/v1/items", Some("full"))
                .header("idempotency-key", key)
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            let replayed = header(r.headers(), "idempotency-replayed").is_some();
            let b: Value = r.json().await.unwrap();
            (st, replayed, b)
        }));
    }
    let mut ids = vec![];
    let mut fresh = 0;
    for t in tasks {
        let (st, replayed, b) = t.await.unwrap();
        assert_eq!(st, 201, "{b}");
        if !replayed {
            fresh += 1;
        }
        ids.push(b["data"]["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every response names the same record");
    assert_eq!(fresh, 1, "one execution, 49 replays");
    for q in [
        format!("/api/v1/items?filter[name][eq]={}", helpers::enc(&name)),
        format!("/api/v1/items?q={}", helpers::enc(&name)),
    ] {
        assert_eq!(helpers::list_ids(&s, &q, "full").await, ids, "{q}");
    }
}

// ---------------------------------------------------------------- durability

const BIN: &str = env!("CARGO_BIN_EXE_reference-server");

/// Kills the child on drop so a failing test never leaks a server.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The `token = "..."` line of `[tokens.<role>]` in the seed output.
fn token_from_toml(toml: &str, role: &str) -> String {
    let section = toml
        .split(&format!("[tokens.{role}]"))
        .nth(1)
        .unwrap_or_else(|| panic!("no [tokens.{role}] in:\n{toml}"));
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("token = "))
        .expect("token line");
    line.split('"').nth(1).expect("quoted token").to_string()
}

async fn spawn_server(db: &std::path::Path) -> (ServerProcess, String) {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn reference-server");
    let proc = ServerProcess(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = client.get(format!("{base}/health/ready")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (proc, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_creates_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let out = dir.path().join("specgate.toml");
    let status = Command::new(BIN)
        .arg("seed")
        .arg("--db")
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run seed");
    assert!(status.success());
    let toml = std::fs::read_to_string(&out).unwrap();
    let token = token_from_toml(&toml, "full");
    assert!(token.starts_with("ref_test_"), "{token}");

    let (mut proc, base) = spawn_server(&db).await;
    let client = reqwest::Client::new();
    // Writers: sequential creates from 4 tasks; only 201s count as acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = vec![];
    for w in 0..4 {
        let (client, base, token, stop) =
            (client.clone(), base.clone(), token.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acked: Vec<(String, String)> = vec![];
            let mut errors = 0;
            for n in 0.. {
                if stop.load(Ordering::Relaxed) || errors > 20 {
                    break;
                }
                let name = format!("durable-{w}-{n}");
                let r = client
                    .post(format!("{base}/api/v1/items"))
                    .bearer_auth(&token)
                    .timeout(Duration::from_secs(2))
                    .json(&json!({"name": name, "metadata": {"writer": w, "n": n}}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => match r.json::<Value>().await {
                        Ok(b) => acked.push((b["data"]["id"].as_str().unwrap().to_string(), name)),
                        Err(_) => errors += 1,
                    },
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => {
                        errors += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            acked
        }));
    }
    // Kill mid-stream once a good number of writes were acknowledged.
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = client
            .get(format!("{base}/api/v1/items?per_page=1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let b: Value = r.json().await.unwrap();
        if b["pagination"]["total_count"].as_u64().unwrap_or(0) >= 60 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "writers too slow"
        );
    }
    proc.0.kill().expect("SIGKILL");
    let _ = proc.0.wait();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = vec![];
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(acked.len() >= 60, "{} acknowledged", acked.len());

    // Restart on the same database: every acknowledged create is there, intact.
    let (_proc2, base2) = spawn_server(&db).await;
    let client = reqwest::Client::new();
    for (id, name) in &acked {
        let r = client
            .get(format!("{base2}/api/v1/items/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged {name} ({id}) lost");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["data"]["name"], name.as_str());
    }
    // And the store is consistent: the count covers at least the acknowledged rows.
    let b: Value = client
        .get(format!("{base2}/api/v1/items?per_page=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(b["pagination"]["total_count"].as_u64().unwrap() >= acked.len() as u64);
    // The restarted server accepts writes.
    let r = client
        .post(format!("{base2}/api/v1/items"))
        .bearer_auth(&token)
        .json(&json!({"name": "after-restart"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
