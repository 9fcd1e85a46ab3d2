//! Family `errors`: passes on the reference server (the opportunistic 409/500 rules are
//! skipped when nothing provoked one); each rule fails, with evidence, when the server breaks
//! problem details the way real services do. Where a fault necessarily breaks a second rule
//! that judges the same thing, the test names it.

mod common;

use common::*;
use specgate::rules::Status;

const FAMILY: &[&str] = &["errors"];

/// `rule` fails with evidence under `fault`; every other rule of the family holds except
/// `also` (rules that judge the same property from another angle).
async fn caught_with(fault: &str, rule: &str, also: &[&str]) {
    let report = run_reference(&[fault], FAMILY).await;
    assert_failed_with_evidence(&report, rule);
    for a in also {
        assert_eq!(status(&report, a), Status::Failed, "{a} should also fail");
    }
    let mut except = vec![rule];
    except.extend_from_slice(also);
    assert_others_hold(&report, &except);
}

async fn caught(fault: &str, rule: &str) {
    caught_with(fault, rule, &[]).await;
}

#[tokio::test]
async fn reference_passes_errors() {
    let report = run_reference(&[], FAMILY).await;
    assert_eq!(report.results.len(), 19);
    // The opportunistic 409 and 500 rules pass too: the conflict probe asks to revoke the
    // second workspace's last admin token, and the warmup reads a collection while the reference
    // server's database is broken (its hooks).
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
    // The type table rule notes the statuses it could only judge on an absolute URI (405).
    let t = report
        .results
        .iter()
        .find(|r| r.info.id == "errors.type-stable-uri-from-table")
        .expect("in the report");
    assert!(
        t.outcome.notes.iter().any(|n| n.contains("405")),
        "{:?}",
        t.outcome.notes
    );
}

#[tokio::test]
async fn plain_json_404_is_caught() {
    caught(
        "problem-plain-json-on-404",
        "errors.problem-json-content-type",
    )
    .await;
}

#[tokio::test]
async fn status_member_as_string_is_caught() {
    caught(
        "problem-status-as-string",
        "errors.required-members-status-matches",
    )
    .await;
}

#[tokio::test]
async fn relative_problem_type_is_caught() {
    caught("problem-type-relative", "errors.type-stable-uri-from-table").await;
}

#[tokio::test]
async fn title_varying_per_occurrence_is_caught() {
    caught("problem-title-varies", "errors.title-constant-per-type").await;
}

#[tokio::test]
async fn generic_400_detail_is_caught() {
    caught(
        "bad-request-generic-detail",
        "errors.detail-specific-to-occurrence",
    )
    .await;
}

#[tokio::test]
async fn instance_not_the_request_path_is_caught() {
    caught("problem-instance-wrong", "errors.instance-is-request-path").await;
}

#[tokio::test]
async fn errors_member_on_404_is_caught() {
    caught(
        "errors-member-on-404",
        "errors.errors-member-only-on-validation",
    )
    .await;
}

#[tokio::test]
async fn error_codes_not_in_arrays_are_caught() {
    caught(
        "validation-errors-not-arrays",
        "errors.errors-map-field-to-snake-codes",
    )
    .await;
}

#[tokio::test]
async fn nonstandard_validation_codes_are_caught() {
    caught(
        "validation-codes-nonstandard",
        "errors.validation-codes-standard",
    )
    .await;
}

#[tokio::test]
async fn enums_without_error_codes_are_caught() {
    caught("enums-missing-error-codes", "errors.error-codes-in-enums").await;
}

#[tokio::test]
async fn sql_in_error_details_is_caught() {
    caught("error-leaks-sql", "errors.no-internal-leakage").await;
}

#[tokio::test]
async fn malformed_json_as_422_is_caught() {
    caught("malformed-json-422", "errors.malformed-json-400").await;
}

#[tokio::test]
async fn ignored_unknown_query_parameter_is_caught() {
    caught(
        "unknown-query-params-ignored",
        "errors.unrecognized-query-param-400",
    )
    .await;
}

#[tokio::test]
async fn delete_of_missing_record_answering_204_is_caught() {
    caught("not-found-delete-204", "errors.not-found-404").await;
}

#[tokio::test]
async fn cross_workspace_403_is_caught() {
    caught(
        "cross-workspace-403",
        "errors.cross-workspace-404-indistinguishable",
    )
    .await;
}

#[tokio::test]
async fn validation_as_400_is_caught() {
    caught("validation-as-400", "errors.validation-failed-422").await;
}

#[tokio::test]
async fn missing_parameters_as_400_is_caught() {
    caught(
        "missing-params-400",
        "errors.missing-required-params-422-invalid-params",
    )
    .await;
}

/// A 409 with its own type: the type table judges every 409's type as well.
#[tokio::test]
async fn conflict_with_an_app_specific_type_is_caught() {
    caught_with(
        "idempotency-mismatch-409-untyped",
        "errors.conflict-409",
        &["errors.type-stable-uri-from-table"],
    )
    .await;
}

#[tokio::test]
async fn internal_error_leaking_a_stack_trace_is_caught() {
    caught("internal-error-leaks-stack", "errors.internal-error-500").await;
}
