//! Replays the fuzzing inputs on stable Rust: every seed under `fuzz/corpus-seeds/` and every
//! regression under `fuzz/regressions/<target>/` (inputs that once crashed, hung or blew up a
//! fuzz target) goes through the same harness function its cargo-fuzz target calls
//! (`fuzz/src/lib.rs`, compiled in here). Each must return: `Ok`, `Err`, `None` are all fine,
//! a panic or a stack overflow is not. See docs/fuzzing.md.

use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Feeds every seed of `seeds` and every regression of `target` to `harness`; returns how many.
fn replay(target: &str, seeds: &str, harness: fn(&[u8])) -> usize {
    let mut files = inputs(&format!("corpus-seeds/{seeds}"));
    files.extend(inputs(&format!("regressions/{target}")));
    for f in &files {
        let data = std::fs::read(f).expect("readable input");
        // Named before the call, past the test harness's output capture: a stack overflow
        // aborts the process, and captured output would be lost with it.
        let _ = writeln!(std::io::stderr(), "{target}: {}", f.display());
        harness(&data);
    }
    files.len()
}

#[test]
fn openapi_load_inputs_return() {
    assert!(replay("openapi_load", "openapi", harness::openapi_load) > 0);
}

#[test]
fn openapi_schema_inputs_return() {
    assert!(replay("openapi_schema", "openapi", harness::openapi_schema) > 0);
}

#[test]
fn link_header_inputs_return() {
    assert!(replay("link_header", "link_header", harness::link_header) > 0);
}

#[test]
fn ratelimit_header_inputs_return() {
    assert!(
        replay(
            "ratelimit_headers",
            "ratelimit_headers",
            harness::ratelimit_headers
        ) > 0
    );
}

#[test]
fn query_inputs_return() {
    assert!(replay("query", "query", harness::query) > 0);
}

#[test]
fn the_seeds_exercise_the_loader() {
    // The seeds are only useful if the good ones load: check the multi-file split works.
    let two = inputs("corpus-seeds/openapi")
        .into_iter()
        .find(|p| p.ends_with("petstore-3.0-two-files.yaml"))
        .expect("the two-file seed");
    let files = harness::openapi_files(&std::fs::read(two).unwrap()).unwrap();
    assert_eq!(files.len(), 2);
    let doc = specgate::spec::load::load_in_memory(harness::ROOT, &files).expect("loads");
    let model = specgate::spec::build(doc);
    assert!(!model.operations.is_empty());
}
