//! Rules specgate adds beyond the guide's inventory (metadata here; checks in their family).

use super::Level;

pub struct ExtraRule {
    pub id: &'static str,
    pub level: Level,
    pub family: &'static str,
    pub section: &'static str,
    pub statement: &'static str,
}

pub const EXTRA: &[ExtraRule] = &[ExtraRule {
    id: "schema.response-body-matches-schema",
    level: Level::Must,
    family: "schema",
    section: "OpenAPI 3.1 Specification > Keeping the spec in sync",
    statement: "Every JSON response body validates against the schema the document declares for its operation, status and media type.",
}];
