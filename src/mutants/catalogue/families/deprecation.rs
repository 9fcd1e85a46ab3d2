//! Mutants proving the `deprecation` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
    "deprecation-headers-missing-on-errors",
    &[
        "deprecation.deprecation-header",
        "deprecation.sunset-header",
        "deprecation.warning-299-header",
    ],
    "Deprecation headers added by the success path only, lost on error responses.",
)
.deprecated(),
    Mutant::fault(
        "sunset-six-months-after-ga",
        &[
            "deprecation.supported-12-months-after-ga",
        ],
        "Sunset computed as the successor's GA plus 6 months instead of 12.",
    )
    .deprecated(),
    Mutant::fault(
        "agents-missing-deprecation-timeline",
        &[
            "deprecation.timeline-in-agents-and-openapi",
        ],
        "The deprecation timeline added to the OpenAPI description only, never to the agents guide.",
    )
    .deprecated(),
];
