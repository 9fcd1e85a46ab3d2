//! Mutants proving the `links` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "absolute-links",
        &["links.relative-paths"],
        "collection links built from a configured public URL instead of a path.",
    ),
    Mutant::fault(
        "job-missing-self-link",
        &["links.self-on-every-resource"],
        "the status endpoint renders the job without its links.",
    ),
    Mutant::fault(
        "link-header-missing-last",
        &["links.link-header-on-collections"],
        "Link header missing last.",
    ),
    Mutant::fault(
        "next-link-on-last-page",
        &["links.collection-first-prev-next-last"],
        "Next link on last page.",
    ),
];
