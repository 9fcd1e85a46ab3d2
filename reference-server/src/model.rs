//! The resource model: every resource, its fields and relations, as static data.
//!
//! Validation, the query grammar (filters, sorts, search, sparse fields, includes), the
//! `/enums` endpoint and the scope list are all derived from these definitions, so adding an
//! enum value or a filterable field is a one-line change here.

/// A filter operator of the guide's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Nin,
    Like,
    Null,
}

impl Op {
    pub const ALL: [Op; 10] = [
        Op::Eq,
        Op::Neq,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::In,
        Op::Nin,
        Op::Like,
        Op::Null,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::In => "in",
            Op::Nin => "nin",
            Op::Like => "like",
            Op::Null => "null",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == s)
    }
}

/// The kind of value a field holds; drives validation, filter value parsing and SQL binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Uuid,
    Text,
    Enum(&'static [&'static str]),
    Integer,
    /// A decimal number carried as a string (`"0.0875"`).
    Decimal,
    Email,
    Timestamp,
    Bool,
    JsonMap,
    JsonArray,
}

/// One attribute of a resource. The SQL column has the same name as the field.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: FieldKind,
    pub nullable: bool,
    /// Operators accepted in `filter[name][op]`; empty = not filterable.
    pub filter_ops: &'static [Op],
    pub sortable: bool,
    pub searchable: bool,
    /// Writable by clients (false for id, timestamps, deleted_at).
    pub writable: bool,
    pub required: bool,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This resource holds `fk` pointing at the target's id.
    ToOne { fk: &'static str },
    /// The target resource holds `fk` pointing at this resource's id.
    ToMany { fk: &'static str },
}

#[derive(Debug, Clone, Copy)]
pub struct RelationDef {
    pub name: &'static str,
    /// Plural name of the target resource.
    pub target: &'static str,
    pub kind: RelationKind,
}

/// A resource served as a collection with CRUD, search, sparse fields and includes.
#[derive(Debug)]
pub struct ResourceDef {
    /// Plural name: path segment, table name, scope resource and `fields` prefix.
    pub name: &'static str,
    /// Singular name used as `type` in `included` and `relationships`, and in event types.
    pub type_name: &'static str,
    pub fields: &'static [FieldDef],
    pub relations: &'static [RelationDef],
    /// JSON map fields whose keys can be filtered as `filter[field.key][op]`.
    pub json_path_fields: &'static [&'static str],
    /// Extra links (beyond self): (name, path suffix after the self link).
    pub links: &'static [(&'static str, &'static str)],
}

impl ResourceDef {
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn relation(&self, name: &str) -> Option<&'static RelationDef> {
        self.relations.iter().find(|r| r.name == name)
    }
}

const TEXT_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin, Op::Like];
const NULLABLE_TEXT_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin, Op::Like, Op::Null];
const ENUM_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin];
const ID_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin];
const NULLABLE_ID_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin, Op::Null];
const NUMBER_OPS: &[Op] = &[
    Op::Eq,
    Op::Neq,
    Op::Gt,
    Op::Gte,
    Op::Lt,
    Op::Lte,
    Op::In,
    Op::Nin,
];
const TIME_OPS: &[Op] = &[Op::Gt, Op::Gte, Op::Lt, Op::Lte];
const NULLABLE_TIME_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::Gt, Op::Gte, Op::Lt, Op::Lte, Op::Null];
const DELETED_AT_OPS: &[Op] = &[Op::Null, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
const BOOL_OPS: &[Op] = &[Op::Eq, Op::Neq];
const DECIMAL_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::Null];
const LIKE_NULL_OPS: &[Op] = &[Op::Like, Op::Null];
/// Operators accepted on `metadata.<key>` paths.
pub const JSON_PATH_OPS: &[Op] = &[Op::Eq, Op::Neq, Op::In, Op::Nin, Op::Like, Op::Null];

pub const ITEM_STATUS: &[&str] = &["draft", "active", "archived"];
pub const ITEM_PRIORITY: &[&str] = &["low", "medium", "high", "critical"];
pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "CAD", "AUD", "JPY"];

macro_rules! field {
    ($name:expr, $kind:expr, nullable=$n:expr, ops=$ops:expr, sort=$s:expr, search=$q:expr, writable=$w:expr, required=$r:expr, $desc:expr) => {
        FieldDef {
            name: $name,
            kind: $kind,
            nullable: $n,
            filter_ops: $ops,
            sortable: $s,
            searchable: $q,
            writable: $w,
            required: $r,
            description: $desc,
        }
    };
}

const fn id_field() -> FieldDef {
    field!(
        "id",
        FieldKind::Uuid,
        nullable = false,
        ops = ID_OPS,
        sort = false,
        search = false,
        writable = false,
        required = false,
        "UUID v4"
    )
}
const fn inserted_at() -> FieldDef {
    field!(
        "inserted_at",
        FieldKind::Timestamp,
        nullable = false,
        ops = TIME_OPS,
        sort = true,
        search = false,
        writable = false,
        required = false,
        "Creation time (UTC)"
    )
}
const fn updated_at() -> FieldDef {
    field!(
        "updated_at",
        FieldKind::Timestamp,
        nullable = false,
        ops = TIME_OPS,
        sort = true,
        search = false,
        writable = false,
        required = false,
        "Last update time (UTC)"
    )
}
const fn deleted_at() -> FieldDef {
    field!(
        "deleted_at",
        FieldKind::Timestamp,
        nullable = true,
        ops = DELETED_AT_OPS,
        sort = false,
        search = false,
        writable = false,
        required = false,
        "Soft-deletion time, null while live"
    )
}

pub static ITEM_FIELDS: [FieldDef; 17] = [
    id_field(),
    field!(
        "name",
        FieldKind::Text,
        nullable = false,
        ops = TEXT_OPS,
        sort = true,
        search = true,
        writable = true,
        required = true,
        "Unique per workspace among live items, 1-200 characters"
    ),
    field!(
        "description",
        FieldKind::Text,
        nullable = true,
        ops = LIKE_NULL_OPS,
        sort = false,
        search = true,
        writable = true,
        required = false,
        "Free text, up to 2000 characters"
    ),
    field!(
        "status",
        FieldKind::Enum(ITEM_STATUS),
        nullable = false,
        ops = ENUM_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Current lifecycle status of the item"
    ),
    field!(
        "priority",
        FieldKind::Enum(ITEM_PRIORITY),
        nullable = false,
        ops = ENUM_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Urgency level"
    ),
    field!(
        "category_id",
        FieldKind::Uuid,
        nullable = true,
        ops = NULLABLE_ID_OPS,
        sort = false,
        search = false,
        writable = true,
        required = false,
        "The category the item belongs to"
    ),
    field!(
        "amount_cents",
        FieldKind::Integer,
        nullable = false,
        ops = NUMBER_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Amount in minor currency units"
    ),
    field!(
        "currency",
        FieldKind::Enum(CURRENCIES),
        nullable = false,
        ops = ENUM_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "ISO 4217 currency code"
    ),
    field!(
        "tax_rate",
        FieldKind::Decimal,
        nullable = true,
        ops = DECIMAL_OPS,
        sort = false,
        search = false,
        writable = true,
        required = false,
        "Decimal rate as a string, e.g. \"0.0875\""
    ),
    field!(
        "email",
        FieldKind::Email,
        nullable = true,
        ops = NULLABLE_TEXT_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Contact email address"
    ),
    field!(
        "metadata",
        FieldKind::JsonMap,
        nullable = true,
        ops = &[],
        sort = false,
        search = false,
        writable = true,
        required = false,
        "Free-form JSON object (replaced whole on update)"
    ),
    field!(
        "tags",
        FieldKind::JsonArray,
        nullable = false,
        ops = &[],
        sort = false,
        search = false,
        writable = true,
        required = false,
        "Array of strings (replaced whole on update)"
    ),
    field!(
        "due_at",
        FieldKind::Timestamp,
        nullable = true,
        ops = NULLABLE_TIME_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Optional due date (UTC)"
    ),
    field!(
        "is_featured",
        FieldKind::Bool,
        nullable = false,
        ops = BOOL_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Whether the item is featured"
    ),
    inserted_at(),
    updated_at(),
    deleted_at(),
];

pub static CATEGORY_FIELDS: [FieldDef; 6] = [
    id_field(),
    field!(
        "name",
        FieldKind::Text,
        nullable = false,
        ops = TEXT_OPS,
        sort = true,
        search = true,
        writable = true,
        required = true,
        "Category name, 1-100 characters"
    ),
    field!(
        "description",
        FieldKind::Text,
        nullable = true,
        ops = LIKE_NULL_OPS,
        sort = false,
        search = true,
        writable = true,
        required = false,
        "Free text, up to 2000 characters"
    ),
    inserted_at(),
    updated_at(),
    deleted_at(),
];

pub static COMMENT_FIELDS: [FieldDef; 7] = [
    id_field(),
    field!(
        "item_id",
        FieldKind::Uuid,
        nullable = false,
        ops = ID_OPS,
        sort = false,
        search = false,
        writable = true,
        required = true,
        "The item commented on"
    ),
    field!(
        "body",
        FieldKind::Text,
        nullable = false,
        ops = &[Op::Like],
        sort = false,
        search = true,
        writable = true,
        required = true,
        "Comment text, 1-5000 characters"
    ),
    field!(
        "author_email",
        FieldKind::Email,
        nullable = true,
        ops = NULLABLE_TEXT_OPS,
        sort = true,
        search = false,
        writable = true,
        required = false,
        "Author's email address"
    ),
    inserted_at(),
    updated_at(),
    deleted_at(),
];

pub static ITEMS: ResourceDef = ResourceDef {
    name: "items",
    type_name: "item",
    fields: &ITEM_FIELDS,
    relations: &[
        RelationDef {
            name: "category",
            target: "categories",
            kind: RelationKind::ToOne { fk: "category_id" },
        },
        RelationDef {
            name: "comments",
            target: "comments",
            kind: RelationKind::ToMany { fk: "item_id" },
        },
    ],
    json_path_fields: &["metadata"],
    links: &[("comments", "/comments")],
};

pub static CATEGORIES: ResourceDef = ResourceDef {
    name: "categories",
    type_name: "category",
    fields: &CATEGORY_FIELDS,
    relations: &[RelationDef {
        name: "items",
        target: "items",
        kind: RelationKind::ToMany { fk: "category_id" },
    }],
    json_path_fields: &[],
    links: &[("items", "/items")],
};

pub static COMMENTS: ResourceDef = ResourceDef {
    name: "comments",
    type_name: "comment",
    fields: &COMMENT_FIELDS,
    relations: &[RelationDef {
        name: "item",
        target: "items",
        kind: RelationKind::ToOne { fk: "item_id" },
    }],
    json_path_fields: &[],
    links: &[],
};

/// Every CRUD resource, in canonical order.
pub static RESOURCES: [&ResourceDef; 3] = [&CATEGORIES, &COMMENTS, &ITEMS];

pub fn resource(name: &str) -> Option<&'static ResourceDef> {
    RESOURCES.iter().copied().find(|r| r.name == name)
}

/// Resources that appear as scope names (first path segment after `/api/v1/`).
pub const SCOPE_RESOURCES: &[&str] = &[
    "categories",
    "comments",
    "exports",
    "files",
    "items",
    "jobs",
    "webhooks",
];

/// Most include paths may have this many dot-separated segments.
pub const MAX_INCLUDE_DEPTH: usize = 3;
pub const MAX_SORT_FIELDS: usize = 3;
pub const DEFAULT_PER_PAGE: u32 = 100;
pub const MAX_PER_PAGE: u32 = 500;

/// Webhook event types: `{type_name}.{action}` for every resource.
pub const EVENT_ACTIONS: &[&str] = &["created", "updated", "deleted"];

/// File attachment targets and accepted MIME types.
pub const FILE_RESOURCE_TYPES: &[&str] = &["item", "category", "comment"];
pub const FILE_MIME_TYPES: &[&str] = &[
    "text/plain",
    "text/csv",
    "application/json",
    "application/pdf",
    "image/png",
    "image/jpeg",
];
pub const EXPORT_FORMATS: &[&str] = &["json", "csv"];
pub const JOB_STATUSES: &[&str] = &["pending", "running", "completed", "failed"];
pub const WEBHOOK_STATES: &[&str] = &["active", "failing"];

/// Validation error codes this server emits (`/enums` → `error_codes`).
pub const ERROR_CODES: &[&str] = &[
    "cant_be_blank",
    "already_taken",
    "invalid_format",
    "too_short",
    "too_long",
    "not_a_number",
    "not_an_integer",
    "greater_than",
    "less_than",
    "inclusion",
    "exclusion",
    "invalid_uuid",
    "invalid_date",
    "not_found",
    "unknown_field",
    "insufficient_scope",
    "idempotency_key_mismatch",
    "invalid_type",
];

pub const FILE_STATUS: &[&str] = &["uploaded", "pending"];

pub static WEBHOOK_FIELDS: [FieldDef; 9] = [
    id_field(),
    field!(
        "url",
        FieldKind::Text,
        nullable = false,
        ops = &[Op::Eq, Op::Like],
        sort = false,
        search = true,
        writable = false,
        required = true,
        "Delivery URL (https, or http on loopback)"
    ),
    field!(
        "events",
        FieldKind::JsonArray,
        nullable = false,
        ops = &[],
        sort = false,
        search = false,
        writable = false,
        required = true,
        "Subscribed event types"
    ),
    field!(
        "state",
        FieldKind::Enum(WEBHOOK_STATES),
        nullable = false,
        ops = ENUM_OPS,
        sort = false,
        search = false,
        writable = false,
        required = false,
        "Delivery health of a webhook"
    ),
    field!(
        "failure_count",
        FieldKind::Integer,
        nullable = false,
        ops = &[],
        sort = false,
        search = false,
        writable = false,
        required = false,
        "Consecutive failed delivery attempts"
    ),
    field!(
        "last_delivery_at",
        FieldKind::Timestamp,
        nullable = true,
        ops = &[],
        sort = false,
        search = false,
        writable = false,
        required = false,
        "Time of the last successful delivery"
    ),
    inserted_at(),
    updated_at(),
    deleted_at(),
];

/// Webhook registrations: listed and read with the shared query machinery, written by the
/// webhooks module (not generic CRUD).
pub static WEBHOOKS: ResourceDef = ResourceDef {
    name: "webhooks",
    type_name: "webhook",
    fields: &WEBHOOK_FIELDS,
    relations: &[],
    json_path_fields: &[],
    links: &[],
};

pub static FILE_FIELDS: [FieldDef; 11] = [
    id_field(),
    field!(
        "filename",
        FieldKind::Text,
        nullable = false,
        ops = TEXT_OPS,
        sort = true,
        search = true,
        writable = false,
        required = true,
        "Original file name"
    ),
    field!(
        "content_type",
        FieldKind::Text,
        nullable = false,
        ops = ENUM_OPS,
        sort = false,
        search = false,
        writable = false,
        required = true,
        "MIME type"
    ),
    field!(
        "size_bytes",
        FieldKind::Integer,
        nullable = false,
        ops = NUMBER_OPS,
        sort = true,
        search = false,
        writable = false,
        required = true,
        "Size in bytes"
    ),
    field!(
        "checksum_md5",
        FieldKind::Text,
        nullable = true,
        ops = &[],
        sort = false,
        search = false,
        writable = false,
        required = false,
        "Hex MD5 of the content"
    ),
    field!(
        "resource_type",
        FieldKind::Enum(FILE_RESOURCE_TYPES),
        nullable = false,
        ops = ENUM_OPS,
        sort = false,
        search = false,
        writable = false,
        required = true,
        "Kind of resource the file is attached to"
    ),
    field!(
        "resource_id",
        FieldKind::Uuid,
        nullable = false,
        ops = ID_OPS,
        sort = false,
        search = false,
        writable = false,
        required = true,
        "Id of the resource the file is attached to"
    ),
    field!(
        "status",
        FieldKind::Enum(FILE_STATUS),
        nullable = false,
        ops = ENUM_OPS,
        sort = false,
        search = false,
        writable = false,
        required = false,
        "uploaded, or pending while a presigned upload is outstanding"
    ),
    inserted_at(),
    updated_at(),
    deleted_at(),
];

/// Uploaded files, attached to an item, category or comment.
pub static FILES: ResourceDef = ResourceDef {
    name: "files",
    type_name: "file",
    fields: &FILE_FIELDS,
    relations: &[],
    json_path_fields: &[],
    links: &[("download", "/download")],
};
