//! Fault switches of the query grammar: each breaks one rule of the guide on purpose, the way
//! real services break it, so specgate's tests can watch the matching rule fire. The query
//! functions do not see the server state, so handlers build a [`QueryFaults`] from
//! `st.fault(..)` and parsing stores it in the parsed query ([`crate::query::ListQuery`],
//! [`crate::query::SingleQuery`]). All switches are off by default.

/// The switches, by name (as passed to `--reference-fault`).
pub const QUERY_FAULTS: &[&str] = &[
    "filter-like-case-sensitive",
    // auth
    "search-ignores-workspace",
    "filter-neq-drops-null",
    "cursor-skips-tied-rows",
    "offset-last-link-off-by-one",
    "total-count-ignores-search",
    "per-page-not-clamped",
    "unknown-filter-field-ignored",
    "fields-drop-id",
    "included-not-deduplicated",
    "include-depth-4-accepted",
    "sort-case-insensitive",
    "post-search-ignores-sort",
    "money-cents-as-decimal",
];

/// Which query-grammar faults are on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryFaults {
    /// `like` compares case-sensitively (`instr` instead of a case-folded match).
    pub like_case_sensitive: bool,
    /// A `q` search is not scoped to the token's workspace (auth).
    pub search_ignores_workspace: bool,
    /// `neq`/`nin` use plain SQL `!=`/`NOT IN`, which drop NULL rows.
    pub neq_drops_null: bool,
    /// The cursor keyset forgets the `id` tiebreaker: rows tied with a page's last row are skipped.
    pub cursor_skips_ties: bool,
    /// `links.last` uses `total_count / per_page` (no ceiling).
    pub last_link_off_by_one: bool,
    /// `total_count` is counted without the `q` search.
    pub count_ignores_search: bool,
    /// `per_page` above 500 is honoured instead of clamped.
    pub per_page_unclamped: bool,
    /// A filter on an unknown field is dropped instead of rejected.
    pub unknown_filter_ignored: bool,
    /// Sparse fieldsets drop `id`.
    pub fields_drop_id: bool,
    /// `included` is not deduplicated by (type, id).
    pub included_duplicates: bool,
    /// Include paths of 4 segments are accepted.
    pub include_depth_4: bool,
    /// Text sort keys compare case-insensitively (`COLLATE NOCASE`).
    pub sort_case_insensitive: bool,
    /// `POST /search` ignores the body's `sort`.
    pub search_ignores_sort: bool,
    /// Rendered `*_cents` amounts become decimal major units (`1999` → `19.99`).
    pub cents_as_decimal: bool,
}

impl QueryFaults {
    /// Builds the switches from a predicate telling whether a named fault is on.
    pub fn from_switches(on: impl Fn(&str) -> bool) -> QueryFaults {
        QueryFaults {
            like_case_sensitive: on("filter-like-case-sensitive"),
            search_ignores_workspace: on("search-ignores-workspace"),
            neq_drops_null: on("filter-neq-drops-null"),
            cursor_skips_ties: on("cursor-skips-tied-rows"),
            last_link_off_by_one: on("offset-last-link-off-by-one"),
            count_ignores_search: on("total-count-ignores-search"),
            per_page_unclamped: on("per-page-not-clamped"),
            unknown_filter_ignored: on("unknown-filter-field-ignored"),
            fields_drop_id: on("fields-drop-id"),
            included_duplicates: on("included-not-deduplicated"),
            include_depth_4: on("include-depth-4-accepted"),
            sort_case_insensitive: on("sort-case-insensitive"),
            search_ignores_sort: on("post-search-ignores-sort"),
            cents_as_decimal: on("money-cents-as-decimal"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_switch_maps_to_a_flag() {
        assert_eq!(
            QueryFaults::from_switches(|_| false),
            QueryFaults::default()
        );
        for name in QUERY_FAULTS {
            assert_ne!(
                QueryFaults::from_switches(|n| n == *name),
                QueryFaults::default(),
                "{name}"
            );
        }
    }
}
