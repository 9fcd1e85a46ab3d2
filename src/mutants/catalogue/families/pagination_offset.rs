//! Mutants proving the `pagination-offset` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "offset-last-link-off-by-one",
        &["pagination-offset.pagination-object-shape"],
        "Links.last is built from total_count / per_page without rounding up, so it points one page short when the last page is partial.",
    ),
    Mutant::fault(
        "per-page-not-clamped",
        &["pagination-offset.per-page-clamped-to-500"],
        "Per_page above 500 is honoured instead of clamped to 500.",
    ),
    Mutant::fault(
        "total-count-ignores-search",
        &[
            "pagination-offset.total-count-after-filters-and-search",
            "pagination-offset.empty-result-shape",
            "search.total-count-reflects-search",
        ],
        "Total_count is counted with the filters but without the q search.",
    ),
    Mutant::fault(
        "nested-list-unpaginated",
        &["pagination-offset.all-collections-paginated"],
        "Nested sub-collections (/items/{id}/comments) return every child as a bare {data} with no pagination object.",
    ),
    Mutant::fault(
        "default-per-page-25",
        &["pagination-offset.default-strategy-page-1-per-page-100"],
        "Offset pagination falls back to the framework's default page size of 25 when per_page is absent.",
    ),
    Mutant::fault(
        "page-below-1-rejected",
        &["pagination-offset.page-below-1-treated-as-1"],
        "Page=0 and negative pages are rejected with 400 instead of treated as page 1.",
    ),
    Mutant::fault(
        "with-count-false-totals-zero",
        &["pagination-offset.with-count-false-nulls-totals"],
        "With_count=false skips the count but serialises the missing totals as 0 instead of null.",
    ),
];
