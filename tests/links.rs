//! Family `links`: HATEOAS links hold on the reference server; each rule fails, pointing at the
//! exchange (or the document location), when links go missing, absolute, wrong or out of step
//! with the `Link` header.

mod common;
#[path = "support/mutate.rs"]
mod mutate;

use common::*;
use mutate::*;
use specgate::parse::link_header;
use specgate::rules::Status;
use specgate::run::RunReport;

fn any_finding(report: &RunReport, id: &str, needles: &[&str]) {
    let r = report
        .results
        .iter()
        .find(|r| r.info.id == id)
        .unwrap_or_else(|| panic!("{id} not in the report"));
    assert!(
        r.outcome
            .findings
            .iter()
            .any(|f| needles.iter().all(|n| f.message.contains(n))),
        "{id}: no finding mentions {needles:?}: {:#?}",
        r.outcome.findings
    );
}

#[tokio::test]
async fn reference_passes_links() {
    let report = run_reference(&[], &["links"]).await;
    assert_eq!(report.results.len(), 5);
    for r in &report.results {
        assert_eq!(
            r.outcome.status,
            Status::Passed,
            "{}: {:?}",
            r.info.id,
            r.outcome
        );
    }
    // The walk really went over three pages and the self links were followed.
    let walked = report
        .exchanges
        .iter()
        .filter(|e| {
            e.rule == "links.collection-first-prev-next-last"
                && e.request.url.contains("per_page=1")
        })
        .count();
    assert!(walked >= 3, "only {walked} page requests");
    let followed_job = report.exchanges.iter().any(|e| {
        e.rule == "links.self-on-every-resource" && e.request.url.contains("/api/v1/jobs/")
    });
    assert!(followed_job, "no job was looked at");
}

#[tokio::test]
async fn job_without_self_link_is_caught() {
    let report = run_reference(&["job-missing-self-link"], &["links"]).await;
    let id = "links.self-on-every-resource";
    assert_failed_with_evidence(&report, id);
    any_finding(&report, id, &["GET /api/v1/jobs/", "no links.self"]);
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn absolute_collection_links_are_caught() {
    let report = run_reference(&["absolute-links"], &["links"]).await;
    let id = "links.relative-paths";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &[
            "GET /api/v1/items",
            "'https://api.example.com/api/v1/items?",
        ],
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn next_link_on_the_last_page_is_caught() {
    let report = run_reference(&["next-link-on-last-page"], &["links"]).await;
    let id = "links.collection-first-prev-next-last";
    assert_failed_with_evidence(&report, id);
    any_finding(
        &report,
        id,
        &[
            "page=3",
            "(page 3 of 3)",
            "expected links.next null",
            "page=4",
        ],
    );
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn link_header_without_last_is_caught() {
    let report = run_reference(&["link-header-missing-last"], &["links"]).await;
    let id = "links.link-header-on-collections";
    assert_failed_with_evidence(&report, id);
    any_finding(&report, id, &["links.last is", "must carry rel=\"last\""]);
    assert_others_hold(&report, &[id]);
}

#[tokio::test]
async fn resource_schema_without_links_is_caught() {
    let id = "links.available-links-documented";
    assert_eq!(
        static_outcome(id, &model_of(&reference_doc()).await).status,
        Status::Passed
    );
    let mut doc = reference_doc();
    doc["components"]["schemas"]["Category"]["properties"]
        .as_object_mut()
        .expect("object")
        .remove("links");
    let model = model_of(&doc).await;
    assert_static_fails(
        id,
        &static_outcome(id, &model),
        &["GET /categories/{id}", "no links property"],
    );
}

#[test]
fn the_reference_link_header_parses_into_the_body_links() {
    let header = "</api/v1/items?page=1&per_page=1&filter[name][like]=x>; rel=\"first\", </api/v1/items?page=2&per_page=1&filter[name][like]=x>; rel=\"next\", </api/v1/items?page=3&per_page=1&filter[name][like]=x>; rel=\"last\"";
    let links = link_header::parse(header).expect("parses");
    let rels: Vec<Vec<String>> = links.iter().map(|l| l.rels()).collect();
    assert_eq!(rels, [vec!["first"], vec!["next"], vec!["last"]]);
    assert!(
        links[1]
            .target
            .ends_with("page=2&per_page=1&filter[name][like]=x")
    );
}
