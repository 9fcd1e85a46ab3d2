//! Family `deprecation`: skipped (with the reason) on the reference server as `check
//! --reference` runs it (no sunset date); passes when the reference server is deprecated with
//! `sunset`; fails when the headers go missing on error responses or the sunset comes too soon.

mod common;

use chrono::{Datelike, Months, NaiveDate};
use common::*;

const RULES: [&str; 5] = [
    "deprecation.supported-12-months-after-ga",
    "deprecation.deprecation-header",
    "deprecation.sunset-header",
    "deprecation.warning-299-header",
    "deprecation.timeline-in-agents-and-openapi",
];

fn sunset() -> NaiveDate {
    let today = chrono::Utc::now().date_naive();
    NaiveDate::from_ymd_opt(today.year() + 2, 3, 1).expect("a date")
}

async fn deprecated(faults: &[&str], ga: NaiveDate) -> specgate::run::RunReport {
    let rc = reference_server::Config {
        sunset: Some(sunset()),
        ..reference_config(faults)
    };
    let ext = start_external(rc).await;
    run_external(
        ext,
        "capabilities = [\"deprecated-version\"]",
        &format!("[deprecation]\nga_date = \"{ga}\"\n"),
        None,
        &["deprecation"],
    )
    .await
}

#[tokio::test]
async fn reference_without_sunset_skips_deprecation_with_a_reason() {
    let report = run_reference(&[], &["deprecation"]).await;
    assert_eq!(report.results.len(), RULES.len());
    for id in RULES {
        assert_skipped(&report, id, "deprecated-version");
    }
}

#[tokio::test]
async fn deprecated_reference_passes_deprecation() {
    let ga = sunset() - Months::new(13);
    let report = deprecated(&[], ga).await;
    assert_eq!(report.results.len(), RULES.len());
    assert_all_passed(&report);
}

#[tokio::test]
async fn deprecation_headers_lost_on_errors_are_caught() {
    let ga = sunset() - Months::new(13);
    let report = deprecated(&["deprecation-headers-missing-on-errors"], ga).await;
    let broken = [
        "deprecation.deprecation-header",
        "deprecation.sunset-header",
        "deprecation.warning-299-header",
    ];
    for id in broken {
        assert_failed_with_evidence(&report, id);
    }
    assert_others_hold(&report, &broken);
}

#[tokio::test]
async fn sunset_sooner_than_12_months_after_ga_is_caught() {
    let ga = sunset() - Months::new(6);
    let report = deprecated(&[], ga).await;
    assert_failed_with_evidence(&report, "deprecation.supported-12-months-after-ga");
    assert_others_hold(&report, &["deprecation.supported-12-months-after-ga"]);
}
