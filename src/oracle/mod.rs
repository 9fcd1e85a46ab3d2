//! Client-side oracle of the query grammar: what a correct server returns for a filter, a sort
//! and a search, evaluated on the JSON rows the target sends back. Rules compare it with what the
//! target returned: *soundness* (every returned row matches) on any row, *completeness* (no
//! matching row is missing) on the rows the run seeded itself.
//!
//! The semantics follow the document where it speaks (`x-filter-semantics`, `x-sort-tiebreaker`,
//! `x-sort-nulls`, `x-searchable`) and the guide's default reading elsewhere; [`Semantics`]
//! records which, so findings and notes can say so.

pub mod filter;
pub mod schema;
pub mod search;
pub mod sort;

pub use filter::{FilterSpec, matches_all};
pub use schema::{FieldInfo, FieldKind, Semantics, list_fields};
pub use search::search_matches;
pub use sort::{SortKey, compare_rows, first_disorder};
