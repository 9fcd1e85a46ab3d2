//! The rule registry: one module per family of the guide; each exposes `RULES`, a slice of
//! [`Rule`]s keyed by inventory id. `specgate rules`, the reports and the engine all read the
//! same definitions.

pub mod extra;
pub mod inventory;
pub mod types;

pub mod health;
pub mod links;
pub mod openapi_doc;
pub mod openapi_endpoint;
pub mod schema;
pub mod security_headers;
pub mod versioning;

pub mod writes;

pub mod bulk;
pub mod etag;
pub mod files;
pub mod idempotency;
pub mod jsonb;
pub mod put_patch;
pub mod soft_delete;

pub mod async_jobs;
pub mod auth;
pub mod cors;
pub mod deprecation;
pub mod https;
pub mod proto;
pub mod rate_limit;
pub mod scopes;
pub mod token_revocation;
pub mod webhooks;

pub mod agents;
pub mod conventions;
pub mod correlation;
pub mod enums;
pub mod envelope;
pub mod errors;
pub mod observe;
pub mod token_format;
pub mod token_info;

pub mod fields;
pub mod filtering;
pub mod grammar;
pub mod include;
pub mod money;
pub mod nested;
pub mod pagination_cursor;
pub mod pagination_offset;
pub mod post_search;
pub mod search;
pub mod sorting;

use serde::Serialize;

pub use types::{Check, Finding, Findings, Kind, Level, Outcome, Rule, Status, Verdict};

/// Every implemented rule, in run order.
pub fn all() -> Vec<Rule> {
    [
        health::RULES,
        security_headers::RULES,
        envelope::RULES,
        errors::RULES,
        conventions::RULES,
        correlation::RULES,
        enums::RULES,
        agents::RULES,
        token_info::RULES,
        token_format::RULES,
        openapi_doc::RULES,
        openapi_endpoint::RULES,
        schema::RULES,
        versioning::RULES,
        links::RULES,
        etag::RULES,
        idempotency::RULES,
        put_patch::RULES,
        jsonb::RULES,
        soft_delete::RULES,
        bulk::RULES,
        files::RULES,
        auth::RULES,
        scopes::RULES,
        token_revocation::RULES,
        cors::RULES,
        async_jobs::RULES,
        webhooks::RULES,
        deprecation::RULES,
        https::RULES,
        rate_limit::RULES,
        pagination_offset::RULES,
        pagination_cursor::RULES,
        sorting::RULES,
        search::RULES,
        post_search::RULES,
        fields::RULES,
        filtering::RULES,
        include::RULES,
        nested::RULES,
        money::RULES,
    ]
    .concat()
}

/// A rule as listed by `specgate rules`: inventory metadata plus implementation state.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub level: Level,
    pub family: String,
    pub section: String,
    pub statement: String,
    /// static | dynamic | both | no (testable from outside or not).
    pub how: String,
    pub needs: Vec<String>,
    pub implemented: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Rules specgate adds beyond the guide's inventory.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub extra: bool,
}

/// The full catalogue: every inventory rule, then specgate's own extra rules.
pub fn catalogue() -> Vec<RuleInfo> {
    let implemented = all();
    let find = |id: &str| implemented.iter().find(|r| r.id == id);
    let mut out: Vec<RuleInfo> = inventory::entries()
        .iter()
        .map(|e| RuleInfo {
            id: e.id.clone(),
            level: e.level,
            family: e.family.clone(),
            section: e.section.clone(),
            statement: e.statement.clone(),
            how: e.how.clone(),
            needs: e.needs.clone(),
            implemented: find(&e.id).is_some(),
            kind: find(&e.id).map(|r| r.kind),
            extra: false,
        })
        .collect();
    for x in extra::EXTRA {
        out.push(RuleInfo {
            id: x.id.to_string(),
            level: x.level,
            family: x.family.to_string(),
            section: x.section.to_string(),
            statement: x.statement.to_string(),
            how: "dynamic".into(),
            needs: vec![],
            implemented: find(x.id).is_some(),
            kind: find(x.id).map(|r| r.kind),
            extra: true,
        });
    }
    out
}

/// The catalogue as `specgate rules --format json` prints it: each rule's metadata plus
/// `proven_by`, the mutants whose kill proves the rule fires (empty for an unproven rule), and
/// `proven` (implemented and at least one mutant).
pub fn catalogue_json() -> Vec<serde_json::Value> {
    catalogue()
        .into_iter()
        .map(|r| {
            let proven_by = crate::mutants::proving(&r.id);
            let proven = r.implemented && !proven_by.is_empty();
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("proven_by".into(), serde_json::json!(proven_by));
                o.insert("proven".into(), serde_json::json!(proven));
            }
            v
        })
        .collect()
}

/// Metadata of one rule id (inventory or extra).
pub fn info(id: &str) -> Option<RuleInfo> {
    catalogue().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_rule_has_metadata_and_a_unique_id() {
        let cat = catalogue();
        let mut seen = std::collections::BTreeSet::new();
        for r in all() {
            assert!(seen.insert(r.id), "rule {} registered twice", r.id);
            assert!(
                cat.iter().any(|c| c.id == r.id),
                "rule {} is neither in the inventory nor in extra",
                r.id
            );
        }
    }

    #[test]
    fn catalogue_lists_every_inventory_id() {
        assert_eq!(catalogue().iter().filter(|r| !r.extra).count(), 333);
    }
}
