//! Mutants proving the `filtering` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "filter-like-case-sensitive",
        &[
            "filtering.like-case-insensitive-substring",
            "filtering.jsonb-path-filter",
        ],
        "The like filter compiles to SQLite instr(), a case-sensitive substring match, instead of a case-insensitive one.",
    ),
    Mutant::fault(
        "filter-neq-drops-null",
        &[
            "filtering.eq-and-neq",
            "filtering.in-and-nin",
            "filtering.multiple-filters-anded",
            "filtering.jsonb-path-filter",
        ],
        "The neq filter compiles to != and nin to NOT IN, so rows whose value is NULL are dropped although NULL differs from every value.",
    ),
    Mutant::fault(
        "unknown-filter-field-ignored",
        &["filtering.unknown-field-400-names-field"],
        "A filter on a field the resource does not have is silently dropped instead of rejected with 400 naming the field.",
    ),
    Mutant::fault(
        "filter-inclusive-bounds-strict",
        &["filtering.gt-gte-lt-lte"],
        "The operator table maps gte and lte to the strict > and <, so boundary values are dropped.",
    ),
    Mutant::fault(
        "filter-null-false-as-null",
        &["filtering.null-operator"],
        "The null operator only looks at its presence: filter[f][null]=false also means IS NULL.",
    ),
    Mutant::fault(
        "filter-shorthand-ignored",
        &["filtering.shorthand-defaults-to-eq"],
        "The parser only recognises filter[field][op]; the shorthand filter[field]=v is silently dropped.",
    ),
    Mutant::fault(
        "filter-dropped-with-search",
        &["filtering.composes-with-search-sort-pagination"],
        "With q, the search code path builds its own WHERE clause and forgets the filters.",
    ),
    Mutant::fault(
        "filter-boolean-lenient",
        &["filtering.boolean-values-true-false"],
        "Boolean filter values are parsed as truthy strings: 1, yes, on and TRUE are accepted.",
    ),
    Mutant::fault(
        "filter-date-unvalidated",
        &["filtering.dates-iso8601"],
        "Timestamp filter values are not validated: 03/01/2026 is compared as raw text instead of rejected.",
    ),
    Mutant::fault(
        "filter-unknown-operator-as-eq",
        &["filtering.fields-and-operators-documented"],
        "An operator the field does not document falls back to eq instead of giving 400.",
    ),
];
