//! `--seed` replays a run: two runs with the same seed send the same requests (method, path,
//! query and body), once the values only the server chooses (the ids of records it created,
//! timestamps) are replaced by placeholders.

use std::collections::HashMap;

use specgate::app::{self, CheckOptions};
use specgate::client::Exchange;
use specgate::run::Selection;

const FAMILIES: &[&str] = &[
    "envelope",
    "errors",
    "conventions",
    "correlation",
    "enums",
    "agents",
    "token-info",
    "token-format",
    // Seeds the query datasets and the children it links to the records it reads.
    "include",
];

fn uuid_re() -> regex::Regex {
    regex::Regex::new(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    )
    .expect("valid regex")
}

fn timestamp_re() -> regex::Regex {
    regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
        .expect("valid regex")
}

/// The requests of a run in send order, normalised: server-chosen UUIDs (seen in a response
/// before any request used them, or the ids of the tokens the reference server minted at
/// seeding, which the run's configuration names) become `<server-id N>` in order of first use,
/// timestamps `<ts>`, and the seeded workspace's slug in the token UI's route `<slug>`.
fn normalised(exchanges: &[std::sync::Arc<Exchange>]) -> Vec<String> {
    let mut exchanges: Vec<&Exchange> = exchanges.iter().map(|e| &**e).collect();
    exchanges.sort_by_key(|e| e.seq);
    let (uuids, stamps) = (uuid_re(), timestamp_re());
    let mut sent: std::collections::HashSet<String> = Default::default();
    let mut from_server: std::collections::HashSet<String> = Default::default();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for ex in exchanges {
        let url = url::Url::parse(&ex.request.url).expect("recorded URL");
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let decoded = percent_encoding::percent_decode_str(&target)
            .decode_utf8_lossy()
            .into_owned();
        let line = format!(
            "{} {decoded} {}",
            ex.request.method,
            ex.request.body.as_deref().unwrap_or("")
        );
        let mut line = stamps.replace_all(&line, "<ts>").into_owned();
        // Workspace slugs are minted at seeding too (the token UI's route names one).
        if let Some((before, rest)) = line.split_once("/ui/workspaces/") {
            let after = rest.split_once('/').map_or("", |(_, a)| a);
            line = format!("{before}/ui/workspaces/<slug>/{after}");
        }
        // Token ids come from the seeding, not from a response the run saw.
        if let Some(rest) = decoded.split("/tokens/").nth(1) {
            if let Some(m) = uuids.find(rest) {
                from_server.insert(m.as_str().to_ascii_lowercase());
            }
        }
        for m in uuids.find_iter(&line.clone()) {
            let id = m.as_str().to_ascii_lowercase();
            if from_server.contains(&id) {
                let n = names.len();
                let name = names
                    .entry(id.clone())
                    .or_insert_with(|| format!("<server-id {n}>"))
                    .clone();
                line = line.replace(m.as_str(), &name);
            } else {
                sent.insert(id);
            }
        }
        out.push(line);
        if let Some(r) = &ex.response {
            for m in uuids.find_iter(&r.body) {
                let id = m.as_str().to_ascii_lowercase();
                if !sent.contains(&id) {
                    from_server.insert(id);
                }
            }
        }
    }
    out
}

async fn run(seed: u64) -> Vec<String> {
    let opts = CheckOptions {
        reference: true,
        seed: Some(seed),
        selection: Selection {
            include: FAMILIES.iter().map(|f| f.to_string()).collect(),
            exclude: vec![],
        },
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let (report, _) = app::check(opts, &mut out).await.expect("check runs");
    assert_eq!(report.seed, seed);
    normalised(&report.exchanges)
}

#[tokio::test]
async fn same_seed_sends_the_same_requests() {
    let a = run(7).await;
    let b = run(7).await;
    assert!(a.len() > 100, "a substantial run: {} requests", a.len());
    assert_eq!(a.len(), b.len(), "request counts differ");
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "request {i} differs between two runs with seed 7");
    }
    // Control: another seed changes the generated values (ids, names, markers).
    let c = run(8).await;
    assert_ne!(a, c, "a different seed should generate different requests");
}
