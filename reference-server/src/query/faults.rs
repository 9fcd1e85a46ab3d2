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
    // search, pagination (offset and cursor), sorting
    "search-blank-q-rejected",
    "search-case-sensitive",
    "search-words-ored",
    "search-or-precedence",
    "default-per-page-25",
    "page-below-1-rejected",
    "with-count-false-totals-zero",
    "cursor-null-cursors-omitted",
    "cursor-pagination-with-totals",
    "cursor-next-cursor-on-last-page",
    "cursor-has-more-without-lookahead",
    "cursor-invalid-restarts",
    "cursor-as-json-object",
    "cursor-prev-off-by-one",
    "cursor-per-page-max-100",
    "unknown-sort-field-ignored",
    "default-sort-oldest-first",
    "jsonb-field-sortable",
    "unknown-filter-field-ignored",
    "fields-drop-id",
    "included-not-deduplicated",
    "include-depth-4-accepted",
    "sort-case-insensitive",
    "post-search-ignores-sort",
    "money-cents-as-decimal",
    // include
    "include-to-one-not-sideloaded",
    "include-to-many-not-sideloaded",
    "included-empty-without-include",
    "invalid-include-ignored",
    "nested-include-stops-at-first-level",
    "included-without-links",
    "include-ignored-on-single",
    // fields
    "fields-unrequested-as-null",
    "fields-drop-links",
    "fields-drop-timestamps",
    "invalid-fields-ignored",
    "fields-prefix-not-understood",
    "fields-ignored-on-included",
    // filtering
    "filter-inclusive-bounds-strict",
    "filter-null-false-as-null",
    "filter-shorthand-ignored",
    "filter-dropped-with-search",
    "filter-boolean-lenient",
    "filter-date-unvalidated",
    "filter-unknown-operator-as-eq",
    // money
    "currency-lowercase",
    "currency-omitted",
    "decimal-rate-as-number",
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
    /// A blank or whitespace-only `q` is rejected with 400 (min length 1) instead of ignored.
    pub search_blank_rejected: bool,
    /// Search words match case-sensitively (`instr` instead of a case-folded match).
    pub search_case_sensitive: bool,
    /// Search words are ORed instead of ANDed.
    pub search_words_ored: bool,
    /// The search's `OR` across searchable fields is not parenthesised, so it escapes the
    /// `AND` of the other conditions.
    pub search_or_precedence: bool,
    /// Offset mode's default `per_page` is 25 (a framework default) instead of 100.
    pub default_per_page_25: bool,
    /// `page` below 1 is rejected with 400 instead of treated as 1.
    pub page_below_1_rejected: bool,
    /// `with_count=false` reports `total_count`/`total_pages` as 0 instead of null.
    pub with_count_false_zero: bool,
    /// Cursor pagination omits `next_cursor`/`prev_cursor` when they are null.
    pub cursor_nulls_omitted: bool,
    /// Cursor pagination also carries `total_count`.
    pub cursor_with_totals: bool,
    /// The last cursor page still carries a `next_cursor` (to its last row).
    pub cursor_next_on_last_page: bool,
    /// `has_more` is "the page is full" (no look-ahead row), so a last page that is exactly
    /// full says has_more true and is followed by an empty page.
    pub cursor_has_more_without_lookahead: bool,
    /// A cursor that does not decode restarts the walk at the first page.
    pub cursor_invalid_restarts: bool,
    /// `next_cursor`/`prev_cursor` are the keyset object itself, not an opaque string.
    pub cursor_as_object: bool,
    /// The `prev` cursor of a page is built from its last row instead of its first.
    pub cursor_prev_off_by_one: bool,
    /// Cursor mode clamps `per_page` to 100 instead of 500.
    pub cursor_per_page_100: bool,
    /// An unknown sort field is dropped (default order) instead of rejected.
    pub unknown_sort_ignored: bool,
    /// The default order is `inserted_at` ascending (oldest first).
    pub default_sort_ascending: bool,
    /// JSON (JSONB) fields are accepted as sort keys.
    pub jsonb_sortable: bool,
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
    // include
    /// To-one relations are referenced in `relationships` but their rows are not sideloaded.
    pub include_to_one_not_sideloaded: bool,
    /// To-many relations are referenced in `relationships` but their rows are not sideloaded.
    pub include_to_many_not_sideloaded: bool,
    /// Every response carries `included: []`, asked for or not.
    pub included_always: bool,
    /// An include naming no relation is dropped instead of rejected.
    pub invalid_include_ignored: bool,
    /// A dotted include resolves its first segment only.
    pub nested_include_first_level_only: bool,
    /// Included entries are serialised without their `links`.
    pub included_without_links: bool,
    /// `include` is parsed but not resolved on single-resource reads.
    pub include_ignored_on_single: bool,
    // fields
    /// Sparse fieldsets null the unrequested attributes instead of leaving them out.
    pub fields_unrequested_as_null: bool,
    /// Sparse fieldsets drop `links`.
    pub fields_drop_links: bool,
    /// Sparse fieldsets drop `inserted_at` and `updated_at`.
    pub fields_drop_timestamps: bool,
    /// A sparse field naming no attribute is dropped instead of rejected.
    pub invalid_fields_ignored: bool,
    /// Sparse field names are bare attribute names; `items.name` is an unknown field.
    pub fields_prefix_not_understood: bool,
    /// Sparse fieldsets are applied to the primary data only.
    pub fields_ignored_on_included: bool,
    // filtering
    /// `gte`/`lte` compile to the strict `>`/`<`.
    pub filter_inclusive_bounds_strict: bool,
    /// `filter[f][null]=false` compiles to `IS NULL` like `true`.
    pub filter_null_false_as_null: bool,
    /// `filter[f]=v` (no operator) is dropped.
    pub filter_shorthand_ignored: bool,
    /// With `q`, the search WHERE clause replaces the filters.
    pub filter_dropped_with_search: bool,
    /// Boolean filter values parsed loosely (`1`, `yes`, `on`, any case).
    pub filter_boolean_lenient: bool,
    /// Timestamp filter values that do not parse are compared as raw text.
    pub filter_date_unvalidated: bool,
    /// An unknown filter operator falls back to `eq`.
    pub filter_unknown_operator_as_eq: bool,
    // money
    /// `currency` is rendered lower-case (`usd`).
    pub currency_lowercase: bool,
    /// `currency` is left out of rendered resources.
    pub currency_omitted: bool,
    /// Decimal columns (`tax_rate`) are rendered as JSON numbers.
    pub decimal_as_number: bool,
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
            search_blank_rejected: on("search-blank-q-rejected"),
            search_case_sensitive: on("search-case-sensitive"),
            search_words_ored: on("search-words-ored"),
            search_or_precedence: on("search-or-precedence"),
            default_per_page_25: on("default-per-page-25"),
            page_below_1_rejected: on("page-below-1-rejected"),
            with_count_false_zero: on("with-count-false-totals-zero"),
            cursor_nulls_omitted: on("cursor-null-cursors-omitted"),
            cursor_with_totals: on("cursor-pagination-with-totals"),
            cursor_next_on_last_page: on("cursor-next-cursor-on-last-page"),
            cursor_has_more_without_lookahead: on("cursor-has-more-without-lookahead"),
            cursor_invalid_restarts: on("cursor-invalid-restarts"),
            cursor_as_object: on("cursor-as-json-object"),
            cursor_prev_off_by_one: on("cursor-prev-off-by-one"),
            cursor_per_page_100: on("cursor-per-page-max-100"),
            unknown_sort_ignored: on("unknown-sort-field-ignored"),
            default_sort_ascending: on("default-sort-oldest-first"),
            jsonb_sortable: on("jsonb-field-sortable"),
            unknown_filter_ignored: on("unknown-filter-field-ignored"),
            fields_drop_id: on("fields-drop-id"),
            included_duplicates: on("included-not-deduplicated"),
            include_depth_4: on("include-depth-4-accepted"),
            sort_case_insensitive: on("sort-case-insensitive"),
            search_ignores_sort: on("post-search-ignores-sort"),
            cents_as_decimal: on("money-cents-as-decimal"),
            include_to_one_not_sideloaded: on("include-to-one-not-sideloaded"),
            include_to_many_not_sideloaded: on("include-to-many-not-sideloaded"),
            included_always: on("included-empty-without-include"),
            invalid_include_ignored: on("invalid-include-ignored"),
            nested_include_first_level_only: on("nested-include-stops-at-first-level"),
            included_without_links: on("included-without-links"),
            include_ignored_on_single: on("include-ignored-on-single"),
            fields_unrequested_as_null: on("fields-unrequested-as-null"),
            fields_drop_links: on("fields-drop-links"),
            fields_drop_timestamps: on("fields-drop-timestamps"),
            invalid_fields_ignored: on("invalid-fields-ignored"),
            fields_prefix_not_understood: on("fields-prefix-not-understood"),
            fields_ignored_on_included: on("fields-ignored-on-included"),
            filter_inclusive_bounds_strict: on("filter-inclusive-bounds-strict"),
            filter_null_false_as_null: on("filter-null-false-as-null"),
            filter_shorthand_ignored: on("filter-shorthand-ignored"),
            filter_dropped_with_search: on("filter-dropped-with-search"),
            filter_boolean_lenient: on("filter-boolean-lenient"),
            filter_date_unvalidated: on("filter-date-unvalidated"),
            filter_unknown_operator_as_eq: on("filter-unknown-operator-as-eq"),
            currency_lowercase: on("currency-lowercase"),
            currency_omitted: on("currency-omitted"),
            decimal_as_number: on("decimal-rate-as-number"),
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
