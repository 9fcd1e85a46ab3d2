//! The query grammar of the guide: pagination (offset and cursor), sorting, full-text search,
//! filters, sparse fieldsets, includes and HATEOAS links, all driven by [`crate::model`].
//!
//! Request side: [`parse_list_query`], [`parse_single_query`] and [`parse_search_body`] turn a
//! query string or a `POST /{resource}/search` body into a validated [`ListQuery`] /
//! [`SingleQuery`] (or a [`QueryError`] for a 400). Response side: [`run_list`] renders a
//! collection page, [`fetch_one`] + [`render_single`] a single resource, [`row_to_json`] any row.

mod cursor;
mod error;
mod faults;
mod filter;
mod include;
mod links;
mod list;
mod parse;
mod render;
mod sql;
#[cfg(test)]
mod testutil;

pub use cursor::{Cursor, Direction};
pub use error::{ListError, QueryError};
pub use faults::{QUERY_FAULTS, QueryFaults};
pub use filter::{Filter, FilterTarget, FilterValue};
pub use include::{IncludeNode, Includes};
pub use list::{ListContext, ListResponse, run_list};
pub use parse::{
    ListQuery, PageMode, SingleQuery, SortKey, parse_list_query, parse_list_query_with,
    parse_search_body, parse_search_body_with, parse_single_query, parse_single_query_with,
    sort_spec,
};
pub use render::{
    ALWAYS_KEPT, API_PREFIX, Fieldset, fetch_one, render_single, resource_links, row_to_json,
};
pub use sql::register_functions;
