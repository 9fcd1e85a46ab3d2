//! Static rules proven on documents: the reference server's own `openapi.yaml`, mutated in one
//! place, written to a temporary file, loaded and modelled like any document, then judged by
//! one rule of the registry.

use serde_json::Value;
use specgate::rules::{self, Check, Outcome, Status};
use specgate::spec::{self, ApiModel};

/// The reference server's contract as JSON.
pub fn reference_doc() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reference-server/openapi.yaml"
    ))
    .expect("reference openapi.yaml");
    spec::load::parse_text(&text).expect("it parses")
}

/// Loads `doc` through the real loader (from a temporary file) and builds its model.
pub async fn model_of(doc: &Value) -> ApiModel {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, serde_json::to_vec_pretty(doc).expect("serialises")).expect("written");
    let loaded = spec::load(path.to_str().expect("utf-8 path"), None)
        .await
        .expect("the mutated document loads");
    spec::build(loaded)
}

/// The outcome of the static rule `id` on `model`.
pub fn static_outcome(id: &str, model: &ApiModel) -> Outcome {
    let rule = rules::all()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("rule {id} is not registered"));
    match rule.check {
        Check::Static(f) => f(model),
        _ => panic!("rule {id} is not static"),
    }
}

/// Asserts the static rule failed with a finding that contains every one of `needles` (a JSON
/// pointer, an operation, a field name: the evidence of a static finding).
pub fn assert_static_fails(id: &str, o: &Outcome, needles: &[&str]) {
    assert_eq!(o.status, Status::Failed, "{id} should fail: {o:?}");
    assert!(!o.harness_error, "{id} failed as a harness error: {o:?}");
    assert!(
        o.findings
            .iter()
            .any(|f| needles.iter().all(|n| f.message.contains(n))),
        "{id}: no finding mentions {needles:?}: {:#?}",
        o.findings
    );
}
