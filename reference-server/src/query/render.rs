//! Turning rows into JSON: [`row_to_json`], [`fetch_one`], sparse fieldsets ([`Fieldset`]) and
//! [`render_single`] for single-resource responses.

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

use super::error::QueryError;
use super::faults::QueryFaults;
use super::include::{self, Includes};
use super::parse::SingleQuery;
use crate::model::{self, FieldKind, ResourceDef};

/// Prefix of every resource link.
pub const API_PREFIX: &str = "/api/v1";

/// Keys never removed by sparse fieldsets.
pub const ALWAYS_KEPT: &[&str] = &[
    "id",
    "type",
    "inserted_at",
    "updated_at",
    "links",
    "relationships",
];

fn conversion_error(
    idx: usize,
    err: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(err))
}

fn text_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::String(i.to_string()),
        ValueRef::Real(f) => Value::String(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::String(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// Full JSON representation of one row read with `SELECT * FROM <table>`: every model field
/// in model order (per [`FieldKind`]), then `links` (`self` plus the resource's extra links).
/// `version` and `workspace_id` are not part of it.
pub fn row_to_json(
    res: &'static ResourceDef,
    row: &rusqlite::Row,
) -> rusqlite::Result<Map<String, Value>> {
    let mut out = Map::new();
    for (idx, field) in res.fields.iter().enumerate() {
        let raw = row.get_ref(field.name)?;
        let value = match field.kind {
            FieldKind::Integer => match raw {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::from(i),
                ValueRef::Real(f) => Value::from(f),
                other => text_of(other),
            },
            FieldKind::Bool => match raw {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Bool(i != 0),
                ValueRef::Real(f) => Value::Bool(f != 0.0),
                ValueRef::Text(t) | ValueRef::Blob(t) => Value::Bool(t == b"true" || t == b"1"),
            },
            FieldKind::JsonMap | FieldKind::JsonArray => match raw {
                ValueRef::Null if field.kind == FieldKind::JsonArray => Value::Array(vec![]),
                ValueRef::Null => Value::Null,
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    serde_json::from_slice(t).map_err(|e| conversion_error(idx, e))?
                }
                other => text_of(other),
            },
            FieldKind::Uuid
            | FieldKind::Text
            | FieldKind::Enum(_)
            | FieldKind::Decimal
            | FieldKind::Email
            | FieldKind::Timestamp => text_of(raw),
        };
        out.insert(field.name.to_string(), value);
    }
    let id = match out.get("id") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let mut links = resource_links(res, &id);
    // HATEOAS: a to-one relation links to the related resource when it is set.
    for rel in res.relations {
        if let crate::model::RelationKind::ToOne { fk } = rel.kind {
            if let (Some(Value::String(target_id)), Value::Object(l)) = (out.get(fk), &mut links) {
                l.insert(
                    rel.name.to_string(),
                    Value::String(format!("{API_PREFIX}/{}/{target_id}", rel.target)),
                );
            }
        }
    }
    out.insert("links".into(), links);
    Ok(out)
}

/// `{"self": "/api/v1/<res>/<id>", <name>: self + suffix, ...}`.
pub fn resource_links(res: &'static ResourceDef, id: &str) -> Value {
    let self_link = format!("{API_PREFIX}/{}/{id}", res.name);
    let mut links = Map::new();
    links.insert("self".into(), Value::String(self_link.clone()));
    for (name, suffix) in res.links {
        links.insert(
            (*name).to_string(),
            Value::String(format!("{self_link}{suffix}")),
        );
    }
    Value::Object(links)
}

/// Fetches one live row (`deleted_at IS NULL`) of the workspace by id, as [`row_to_json`].
pub fn fetch_one(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    id: &str,
) -> rusqlite::Result<Option<Map<String, Value>>> {
    let sql = format!(
        "SELECT * FROM \"{}\" WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL",
        res.name
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([workspace_id, id])?;
    match rows.next()? {
        Some(row) => Ok(Some(row_to_json(res, row)?)),
        None => Ok(None),
    }
}

/// Parsed `fields=items.name,categories.name`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fieldset {
    /// Entries in request order, deduplicated (for canonical links).
    pub entries: Vec<String>,
    /// Requested attributes per plural resource name.
    pub by_resource: Vec<(&'static str, Vec<String>)>,
}

impl Fieldset {
    /// Parses the entries of a `fields` value (already split on commas).
    pub fn parse(entries: &[String], param: &str) -> Result<Fieldset, QueryError> {
        let mut set = Fieldset::default();
        for entry in entries {
            let entry = entry.trim();
            let Some((prefix, name)) = entry.split_once('.') else {
                return Err(QueryError::new(
                    param,
                    format!(
                        "invalid fields entry '{entry}': expected <resource>.<field>, e.g. items.name"
                    ),
                ));
            };
            let Some(res) = model::resource(prefix) else {
                return Err(QueryError::new(
                    param,
                    format!("invalid fields entry '{entry}': unknown resource '{prefix}'"),
                ));
            };
            if res.field(name).is_none() && !ALWAYS_KEPT.contains(&name) {
                return Err(QueryError::new(
                    param,
                    format!(
                        "invalid fields entry '{entry}': {} has no field '{name}'",
                        res.name
                    ),
                ));
            }
            if set.entries.iter().any(|e| e == entry) {
                continue;
            }
            set.entries.push(entry.to_string());
            match set.by_resource.iter_mut().find(|(r, _)| *r == res.name) {
                Some((_, names)) => names.push(name.to_string()),
                None => set.by_resource.push((res.name, vec![name.to_string()])),
            }
        }
        Ok(set)
    }

    /// [`Fieldset::parse`] for a query on `res`, with fault switches.
    pub fn parse_with(
        res: &'static ResourceDef,
        entries: &[String],
        param: &str,
        faults: QueryFaults,
    ) -> Result<Fieldset, QueryError> {
        let mut entries = entries.to_vec();
        // Fault: names that match no attribute are silently dropped.
        if faults.invalid_fields_ignored {
            entries.retain(|e| Fieldset::parse(std::slice::from_ref(e), param).is_ok());
        }
        // Fault: names are read as bare attributes of the requested resource, so a prefixed
        // name is an unknown field.
        if faults.fields_prefix_not_understood {
            for e in &mut entries {
                let name = e.trim().to_string();
                if name.contains('.') {
                    return Err(QueryError::new(
                        param,
                        format!(
                            "invalid fields entry '{name}': {} has no field '{name}'",
                            res.name
                        ),
                    ));
                }
                *e = format!("{}.{name}", res.name);
            }
        }
        Fieldset::parse(&entries, param)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps only the requested attributes (plus [`ALWAYS_KEPT`]) when the resource has an
    /// entry; leaves the object untouched otherwise.
    pub fn apply(&self, res_name: &str, obj: &mut Map<String, Value>) {
        if let Some((_, names)) = self.by_resource.iter().find(|(r, _)| *r == res_name) {
            obj.retain(|k, _| ALWAYS_KEPT.contains(&k.as_str()) || names.iter().any(|n| n == k));
        }
    }
}

/// Moves `links` to the end of the object (after a late-added `relationships`).
pub(crate) fn links_last(obj: &mut Map<String, Value>) {
    if let Some(links) = obj.remove("links") {
        obj.insert("links".into(), links);
    }
}

/// Applies sparse fields and includes to one resource: `{"data": {...}, "included"?: [...]}`.
pub fn render_single(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    row: Map<String, Value>,
    q: &SingleQuery,
) -> rusqlite::Result<Value> {
    let mut data = vec![row];
    let included = render_entries(
        conn,
        res,
        workspace_id,
        &mut data,
        &q.fields,
        &q.include,
        q.faults,
    )?;
    let mut body = Map::new();
    body.insert("data".into(), Value::Object(data.pop().unwrap_or_default()));
    if let Some(included) = included {
        body.insert("included".into(), Value::Array(included));
    }
    Ok(Value::Object(body))
}

/// Adds relationships (when including) and applies sparse fields to primary entries; returns
/// the `included` array when `include` was requested.
pub(crate) fn render_entries(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    data: &mut [Map<String, Value>],
    fields: &Fieldset,
    includes: &Includes,
    faults: QueryFaults,
) -> rusqlite::Result<Option<Vec<Value>>> {
    let included = if includes.is_empty() {
        // Fault: the serializer always emits an (empty) included array.
        faults.included_always.then(Vec::new)
    } else {
        Some(include::resolve(
            conn,
            workspace_id,
            data,
            includes,
            faults,
        )?)
    };
    for entry in data.iter_mut() {
        apply_fields(fields, res.name, entry, faults);
        fault_money(res, entry, faults);
        if faults.fields_drop_id && !fields.is_empty() {
            entry.remove("id");
        }
        if faults.cents_as_decimal {
            for (k, v) in entry.iter_mut() {
                if let (true, Some(c)) = (k.ends_with("_cents"), v.as_i64()) {
                    *v = Value::from(c as f64 / 100.0);
                }
            }
        }
    }
    Ok(included.map(|entries| {
        entries
            .into_iter()
            .map(|(res_name, mut obj)| {
                // Fault: sparse fields are applied to the primary data only.
                if !faults.fields_ignored_on_included {
                    apply_fields(fields, res_name, &mut obj, faults);
                }
                Value::Object(obj)
            })
            .collect()
    }))
}

/// [`Fieldset::apply`] with the sparse-fieldset fault switches.
fn apply_fields(
    fields: &Fieldset,
    res_name: &str,
    obj: &mut Map<String, Value>,
    faults: QueryFaults,
) {
    let Some((_, names)) = fields.by_resource.iter().find(|(r, _)| *r == res_name) else {
        return;
    };
    // Fault: unrequested attributes are nulled instead of left out.
    if faults.fields_unrequested_as_null {
        for (k, v) in obj.iter_mut() {
            if !ALWAYS_KEPT.contains(&k.as_str()) && !names.iter().any(|n| n == k) {
                *v = Value::Null;
            }
        }
    } else {
        fields.apply(res_name, obj);
    }
    // Faults: the always-kept list forgets links, or the timestamps.
    if faults.fields_drop_links {
        obj.remove("links");
    }
    if faults.fields_drop_timestamps {
        obj.remove("inserted_at");
        obj.remove("updated_at");
    }
}

/// The money-rendering fault switches: currency lower-cased or left out, decimal columns
/// rendered as JSON numbers.
fn fault_money(res: &'static ResourceDef, obj: &mut Map<String, Value>, faults: QueryFaults) {
    if faults.currency_lowercase {
        if let Some(Value::String(c)) = obj.get_mut("currency") {
            *c = c.to_lowercase();
        }
    }
    if faults.currency_omitted {
        obj.remove("currency");
    }
    if faults.decimal_as_number {
        for f in res.fields.iter().filter(|f| f.kind == FieldKind::Decimal) {
            if let Some(v) = obj.get_mut(f.name) {
                if let Some(n) = v.as_str().and_then(|t| t.parse::<f64>().ok()) {
                    *v = Value::from(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CATEGORIES, ITEMS};
    use crate::query::testutil::*;
    use serde_json::json;

    #[test]
    fn row_json_follows_field_kinds_and_order() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let id = ItemSeed::new("Hammer", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .amount(1250)
            .featured(true)
            .metadata(r#"{"source":"web","n":3}"#)
            .tags(r#"["a","b"]"#)
            .tax_rate("0.0875")
            .insert(&conn);
        let row = fetch_one(&conn, &ITEMS, WS, &id).unwrap().unwrap();
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = ITEMS.fields.iter().map(|f| f.name).collect();
        expected.push("links");
        assert_eq!(keys, expected);
        assert_eq!(row["amount_cents"], json!(1250));
        assert_eq!(row["is_featured"], json!(true));
        assert_eq!(row["metadata"], json!({"source": "web", "n": 3}));
        assert_eq!(row["tags"], json!(["a", "b"]));
        assert_eq!(row["tax_rate"], json!("0.0875"));
        assert_eq!(row["category_id"], json!(cat));
        assert_eq!(row["due_at"], Value::Null);
        assert_eq!(row["deleted_at"], Value::Null);
        assert_eq!(
            row["links"],
            json!({
                "self": format!("/api/v1/items/{id}"),
                "comments": format!("/api/v1/items/{id}/comments"),
                "category": format!("/api/v1/categories/{cat}"),
            })
        );
        assert!(!row.contains_key("version") && !row.contains_key("workspace_id"));
    }

    #[test]
    fn fetch_one_scopes_and_skips_deleted() {
        let conn = test_conn();
        let id = ItemSeed::new("A", "2026-01-01T00:00:00.000000Z").insert(&conn);
        assert!(fetch_one(&conn, &ITEMS, "other-ws", &id).unwrap().is_none());
        assert!(fetch_one(&conn, &ITEMS, WS, &id).unwrap().is_some());
        soft_delete(&conn, "items", &id);
        assert!(fetch_one(&conn, &ITEMS, WS, &id).unwrap().is_none());
        assert!(
            fetch_one(&conn, &CATEGORIES, WS, "missing")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn fieldset_parsing_names_offenders() {
        let parse = |s: &str| {
            Fieldset::parse(
                &s.split(',').map(str::to_string).collect::<Vec<_>>(),
                "fields",
            )
        };
        let e = parse("name").unwrap_err();
        assert!(e.detail.contains("'name'"), "{}", e.detail);
        let e = parse("items.name,widgets.name").unwrap_err();
        assert!(e.detail.contains("'widgets.name'"));
        let e = parse("items.nope").unwrap_err();
        assert!(e.detail.contains("'items.nope'"));
        let e = parse("").unwrap_err();
        assert_eq!(e.param, "fields");
        let f = parse("items.name,categories.name,items.name,items.links").unwrap();
        assert_eq!(f.entries, ["items.name", "categories.name", "items.links"]);
    }

    #[test]
    fn sparse_fields_keep_always_kept_keys() {
        let conn = test_conn();
        let id = ItemSeed::new("A", "2026-01-01T00:00:00.000000Z").insert(&conn);
        let row = fetch_one(&conn, &ITEMS, WS, &id).unwrap().unwrap();
        let q = crate::query::parse_single_query(
            &ITEMS,
            &[(
                "fields".into(),
                "items.name,items.status,categories.name".into(),
            )],
        )
        .unwrap();
        let out = render_single(&conn, &ITEMS, WS, row.clone(), &q).unwrap();
        let keys: Vec<&str> = out["data"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["id", "name", "status", "inserted_at", "updated_at", "links"]
        );
        assert!(out.get("included").is_none());
        // Without fields nothing is removed and no relationships appear.
        let q = crate::query::parse_single_query(&ITEMS, &[]).unwrap();
        let out = render_single(&conn, &ITEMS, WS, row.clone(), &q).unwrap();
        assert_eq!(out, json!({"data": Value::Object(row)}));
    }

    #[test]
    fn single_include_with_sparse_included() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let id = ItemSeed::new("A", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let row = fetch_one(&conn, &ITEMS, WS, &id).unwrap().unwrap();
        let q = crate::query::parse_single_query(
            &ITEMS,
            &[
                ("include".into(), "category".into()),
                ("fields".into(), "categories.name,items.name".into()),
            ],
        )
        .unwrap();
        let out = render_single(&conn, &ITEMS, WS, row, &q).unwrap();
        assert_eq!(
            out["data"]["relationships"],
            json!({"category": {"type": "category", "id": cat}})
        );
        let keys: Vec<&str> = out["data"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "inserted_at",
                "updated_at",
                "relationships",
                "links"
            ]
        );
        assert_eq!(
            out["included"],
            json!([{
                "type": "category",
                "id": cat,
                "name": "Tools",
                "inserted_at": "2026-01-01T00:00:00.000000Z",
                "updated_at": "2026-01-01T00:00:00.000000Z",
                "links": {"self": format!("/api/v1/categories/{cat}"), "items": format!("/api/v1/categories/{cat}/items")}
            }])
        );
    }
}
