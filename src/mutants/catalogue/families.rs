//! The per-family mutant lists (one file each, so families grow independently).
use super::Mutant;

mod agents;
mod async_jobs;
mod auth;
mod bulk;
mod conventions;
mod correlation;
mod cors;
mod deprecation;
mod enums;
mod envelope;
mod errors;
mod etag;
mod fields;
mod files;
mod filtering;
mod health;
mod https;
mod idempotency;
mod include;
mod jsonb;
mod links;
mod money;
mod nested;
mod openapi_doc;
mod openapi_endpoint;
mod pagination_cursor;
mod pagination_offset;
mod post_search;
mod put_patch;
mod rate_limit;
mod schema;
mod scopes;
mod search;
mod security_headers;
mod soft_delete;
mod sorting;
mod token_format;
mod token_info;
mod token_revocation;
mod versioning;
mod webhooks;

/// Every family's list.
pub const ALL: &[&[Mutant]] = &[
    agents::MUTANTS,
    async_jobs::MUTANTS,
    auth::MUTANTS,
    bulk::MUTANTS,
    conventions::MUTANTS,
    correlation::MUTANTS,
    cors::MUTANTS,
    deprecation::MUTANTS,
    enums::MUTANTS,
    envelope::MUTANTS,
    errors::MUTANTS,
    etag::MUTANTS,
    fields::MUTANTS,
    files::MUTANTS,
    filtering::MUTANTS,
    health::MUTANTS,
    https::MUTANTS,
    idempotency::MUTANTS,
    include::MUTANTS,
    jsonb::MUTANTS,
    links::MUTANTS,
    money::MUTANTS,
    nested::MUTANTS,
    openapi_doc::MUTANTS,
    openapi_endpoint::MUTANTS,
    pagination_cursor::MUTANTS,
    pagination_offset::MUTANTS,
    post_search::MUTANTS,
    put_patch::MUTANTS,
    rate_limit::MUTANTS,
    schema::MUTANTS,
    scopes::MUTANTS,
    search::MUTANTS,
    security_headers::MUTANTS,
    soft_delete::MUTANTS,
    sorting::MUTANTS,
    token_format::MUTANTS,
    token_info::MUTANTS,
    token_revocation::MUTANTS,
    versioning::MUTANTS,
    webhooks::MUTANTS,
];
