//! Mutants proving the `pagination-cursor` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "cursor-skips-tied-rows",
        &["pagination-cursor.next-cursor-continues-without-gaps"],
        "The keyset WHERE compares the sort value only, without the id tiebreaker, so rows tied with a page's last row are skipped.",
    ),
    Mutant::fault(
        "cursor-null-cursors-omitted",
        &["pagination-cursor.response-shape"],
        "The cursor pagination object is serialised with null fields skipped, so the first page has no prev_cursor and the last no next_cursor.",
    ),
    Mutant::fault(
        "cursor-prev-off-by-one",
        &["pagination-cursor.response-shape"],
        "A page's prev cursor is built from its last row instead of its first, so following links.prev from page 2 returns the rows just before page 2's last row, not page 1.",
    ),
    Mutant::fault(
        "cursor-pagination-with-totals",
        &["pagination-cursor.no-page-or-total-count"],
        "Cursor pages also run a COUNT(*) and report total_count, as offset pages do.",
    ),
    Mutant::fault(
        "cursor-next-cursor-on-last-page",
        &["pagination-cursor.has-more-false-on-last-page"],
        "Next_cursor is always built from the page's last row, so the last page (has_more false) still carries one.",
    ),
    Mutant::fault(
        "cursor-has-more-without-lookahead",
        &["pagination-cursor.has-more-false-on-last-page"],
        "Has_more is computed as \"the page is full\" instead of fetching one row ahead, so a last page that is exactly full says has_more true and leads to an empty page.",
    ),
    Mutant::fault(
        "cursor-invalid-restarts",
        &["pagination-cursor.invalid-or-expired-cursor-400"],
        "A cursor that does not decode is treated as no cursor, so the walk silently restarts at the first page instead of giving 400.",
    ),
    Mutant::fault(
        "cursor-as-json-object",
        &["pagination-cursor.opaque-base64"],
        "Next_cursor and prev_cursor are the keyset object itself ({s, d, k, id}), which clients must then send back, not an opaque string.",
    ),
    Mutant::fault(
        "cursor-per-page-max-100",
        &["pagination-cursor.per-page-default-100-max-500"],
        "Cursor mode clamps per_page to 100, the old page cap, instead of 500.",
    ),
];
