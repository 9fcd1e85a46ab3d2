//! `specgate lint` on the fixture documents, through the real binary: 3.0 and 3.1 documents
//! (nullable, `$ref` siblings, relative-file refs, type arrays, numeric exclusiveMinimum,
//! const, examples, webhooks) and recursive schemas load and are judged (exit 0 or 1, never 2);
//! a dangling `$ref` and a Swagger 2.0 document are usage errors (exit 2) that say what and
//! where. Also: the schemas of both petstores validate bodies the way their dialect means.

use std::process::Command;

use serde_json::json;
use specgate::spec::{self, SchemaRef};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/openapi");

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn lint(file: &str, extra: &[&str]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_specgate"))
        .arg("lint")
        .arg("--spec")
        .arg(format!("{FIXTURES}/{file}"))
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("the specgate binary runs");
    let r = Ran {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked"),
        "specgate panicked on {file}: {}",
        r.stderr
    );
    r
}

/// The document loaded and the rules ran: exit 0 or 1, a summary, no error line.
fn assert_judged(file: &str, r: &Ran) {
    assert!(
        r.code == 0 || r.code == 1,
        "{file}: expected exit 0 or 1, got {} (stderr: {})",
        r.code,
        r.stderr
    );
    assert!(!r.stderr.contains("error:"), "{file}: {}", r.stderr);
    assert!(r.stdout.contains(" passed, "), "{file}: {}", r.stdout);
    assert!(
        r.stdout.contains("PASS  openapi-doc.ci-validates-spec"),
        "{file}: the structural validation should hold: {}",
        r.stdout
    );
}

#[test]
fn petstore_3_0_loads_and_is_judged() {
    assert_judged("petstore-3.0.yaml", &lint("petstore-3.0.yaml", &["-v"]));
}

#[test]
fn petstore_3_1_loads_and_is_judged() {
    assert_judged("petstore-3.1.yaml", &lint("petstore-3.1.yaml", &["-v"]));
}

#[test]
fn recursive_schemas_load_and_are_judged() {
    let r = lint("cyclic.yaml", &["-v"]);
    assert_judged("cyclic.yaml", &r);
    // The recursion through anyOf branches is seen (and reported) rather than followed forever.
    assert!(
        r.stdout
            .contains("#/components/schemas/Animal/properties/friend: anyOf over 2 object schemas"),
        "{}",
        r.stdout
    );
}

#[test]
fn dangling_ref_is_a_usage_error_naming_file_and_pointer() {
    let r = lint("broken-dangling-ref.yaml", &[]);
    assert_eq!(r.code, 2, "stdout: {} stderr: {}", r.stdout, r.stderr);
    for needle in [
        "broken-dangling-ref.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        "'#/components/schemas/PetList' does not resolve",
    ] {
        assert!(r.stderr.contains(needle), "{needle} not in: {}", r.stderr);
    }
}

#[test]
fn swagger_2_is_refused_as_such() {
    let r = lint("swagger-2.0.json", &[]);
    assert_eq!(r.code, 2, "stdout: {} stderr: {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("swagger-2.0.json") && r.stderr.contains("Swagger 2.0"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_operation_ids_fail_the_naming_rule() {
    let r = lint(
        "bad-operation-ids.yaml",
        &["--rules", "openapi-doc.operationid-naming-convention"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    for needle in [
        "FAIL  openapi-doc.operationid-naming-convention",
        "'Items_List' is not camelCase",
        "'newItem' should start with 'create'",
        "'item' should start with 'get'",
    ] {
        assert!(r.stdout.contains(needle), "{needle} not in: {}", r.stdout);
    }
}

#[tokio::test]
async fn relative_file_refs_resolve_into_the_model() {
    let doc = spec::load(&format!("{FIXTURES}/petstore-3.0.yaml"), None)
        .await
        .expect("loads");
    assert_eq!(doc.files.len(), 2, "petstore-3.0.yaml and common.yaml");
    let model = spec::build(doc);
    let list = model
        .find_operation("GET", "/api/v1/pets")
        .expect("listPets");
    let page = list.param("page", "query").expect("page from common.yaml");
    assert_eq!(
        page.schema.as_ref().and_then(|s| s.get("default")),
        Some(&json!(1))
    );
    let get = model
        .find_operation("GET", "/api/v1/pets/3f2504e0-4f89-41d3-9a0c-0305e82c3301")
        .expect("getPet");
    assert!(
        get.param("id", "path").is_some(),
        "path-level $ref parameter"
    );
}

fn pet_response(model: &spec::ApiModel, path: &str) -> SchemaRef {
    let op = model.find_operation("GET", path).expect("getPet");
    op.responses["200"].content["application/json"]
        .clone()
        .expect("a schema")
}

#[tokio::test]
async fn nullable_and_ref_siblings_validate_as_openapi_3_0_means() {
    let model = spec::build(
        spec::load(&format!("{FIXTURES}/petstore-3.0.yaml"), None)
            .await
            .expect("loads"),
    );
    let at = pet_response(&model, "/api/v1/pets/x");
    let store = model.schemas().expect("schemas register");
    let ok = json!({"data": {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "name": "Rex", "tag": null, "owner": null}});
    assert_eq!(store.validate(&at, &ok).expect("compiles"), vec![]);
    let bad = json!({"data": {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "name": "Rex", "tag": 5, "weight_kg": 0}});
    let v = store.validate(&at, &bad).expect("compiles");
    let paths: Vec<&str> = v.iter().map(|x| x.instance_path.as_str()).collect();
    assert!(paths.contains(&"/data/tag"), "{v:?}");
    assert!(
        paths.contains(&"/data/weight_kg"),
        "exclusiveMinimum: true: {v:?}"
    );
}

#[tokio::test]
async fn type_arrays_const_and_numeric_exclusive_minimum_validate_as_3_1_means() {
    let model = spec::build(
        spec::load(&format!("{FIXTURES}/petstore-3.1.yaml"), None)
            .await
            .expect("loads"),
    );
    assert_eq!(model.version(), spec::OasVersion::V31);
    let at = pet_response(&model, "/api/v1/pets/x");
    let store = model.schemas().expect("schemas register");
    let ok = json!({"data": {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "kind": "pet", "name": "Rex", "tag": null, "weight_kg": 0.5}});
    assert_eq!(store.validate(&at, &ok).expect("compiles"), vec![]);
    let bad = json!({"data": {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "kind": "dog", "name": "Rex", "weight_kg": 0}});
    let v = store.validate(&at, &bad).expect("compiles");
    let paths: Vec<&str> = v.iter().map(|x| x.instance_path.as_str()).collect();
    assert!(paths.contains(&"/data/kind"), "const: {v:?}");
    assert!(
        paths.contains(&"/data/weight_kg"),
        "exclusiveMinimum 0: {v:?}"
    );
}
