//! Requests per second of `GET /api/v1/items/{id}` (token auth, scope check, rate limiter,
//! idempotency layer, security headers, SQLite read) against a bare `GET /health/live`, in the
//! same run, over one keep-alive connection per client task.
//!
//! `cargo bench -p reference-server --bench throughput`; criterion prints `thrpt` in elem/s,
//! one element = one request. The ratio of the two is the cost of the full request path.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reference_server::Config;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (server, seed) = rt
        .block_on(reference_server::start_seeded(Config {
            addr: ([127, 0, 0, 1], 0).into(),
            ..Config::default()
        }))
        .expect("server");
    let token = seed.tokens["full"].token.clone();
    // Rate limiting stays on; the bench token's limit is just high enough never to refuse.
    {
        let conn = server.state.db.lock().expect("db");
        conn.execute(
            "UPDATE tokens SET rate_limit = 1000000000, burst = 1000000000 WHERE id = ?1",
            [&seed.tokens["full"].id],
        )
        .expect("raise limit");
    }
    let client = reqwest::Client::new();
    let base = server.base_url.clone();
    let item: serde_json::Value = rt.block_on(async {
        client
            .post(format!("{base}/api/v1/items"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "bench item", "metadata": {"k": "v"}, "tags": ["a"]}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json")
    });
    let item_url = format!(
        "{base}/api/v1/items/{}",
        item["data"]["id"].as_str().expect("id")
    );
    let health_url = format!("{base}/health/live");

    let mut g = c.benchmark_group("requests");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("GET /health/live", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client.get(&health_url).send().await.expect("send");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("body")
        })
    });
    g.bench_function("GET /api/v1/items/{id} (auth + rate limit)", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client
                .get(&item_url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("body")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
