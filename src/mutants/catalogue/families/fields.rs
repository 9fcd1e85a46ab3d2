//! Mutants proving the `fields` rules.
use crate::mutants::Mutant;

pub const MUTANTS: &[Mutant] = &[
    Mutant::fault(
        "fields-drop-id",
        &["fields.id-always-included"],
        "When ?fields= is given, the sparse-fieldset filter also strips id from every resource.",
    ),
    Mutant::fault(
        "fields-unrequested-as-null",
        &["fields.only-requested-fields"],
        "Sparse fieldsets null the attributes that were not asked for instead of leaving them out.",
    ),
    Mutant::fault(
        "fields-drop-links",
        &["fields.links-always-included"],
        "The always-kept list of sparse fieldsets forgets links, so ?fields strips the HATEOAS links.",
    ),
    Mutant::fault(
        "fields-drop-timestamps",
        &["fields.timestamps-always-included"],
        "The always-kept list of sparse fieldsets forgets inserted_at and updated_at.",
    ),
    Mutant::fault(
        "list-omits-json-columns",
        &["fields.default-all-fields"],
        "The list endpoint uses a summary serializer that leaves out the JSON columns (metadata, tags).",
    ),
    Mutant::fault(
        "invalid-fields-ignored",
        &["fields.invalid-field-400-names-field"],
        "A sparse field naming no attribute is silently dropped instead of rejected with 400.",
    ),
    Mutant::fault(
        "fields-prefix-not-understood",
        &["fields.resource-prefix-required"],
        "Sparse field names are read as bare attributes, so fields=items.name is rejected as an unknown field.",
    ),
    Mutant::fault(
        "fields-ignored-on-included",
        &["fields.applies-to-included"],
        "Sparse fieldsets are applied to the primary data only; included resources come back whole.",
    ),
];
