//! Opaque cursors for keyset pagination.
//!
//! A cursor is the base64url (no padding) encoding of compact JSON
//! `{"s": <sort spec>, "d": "next"|"prev", "k": [<sort values>], "id": <id>}`: the sort spec
//! it was issued for (`-inserted_at`, `name,-amount_cents`), the walking direction and the
//! boundary row's sort-key values and id. `next` continues strictly after the boundary row,
//! `prev` returns the page that ends strictly before it. Anything that does not decode to
//! exactly that shape, with values of the sort fields' types, or whose sort spec differs from
//! the request's, is rejected with a 400 naming `cursor`.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::error::QueryError;
use super::parse::SortKey;
use crate::model::FieldKind;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Which way a cursor walks from its boundary row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Rows strictly after the boundary, in sort order.
    Next,
    /// The rows immediately before the boundary (returned in sort order).
    Prev,
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// Canonical sort spec the cursor belongs to.
    pub sort: String,
    pub direction: Direction,
    /// The boundary row's sort-key values, one per sort key.
    pub values: Vec<Value>,
    /// The boundary row's id (final tiebreaker).
    pub id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    s: String,
    d: String,
    k: Vec<serde_json::Value>,
    id: String,
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        Value::Real(f) => serde_json::Value::from(*f),
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Blob(b) => serde_json::Value::String(String::from_utf8_lossy(b).into_owned()),
    }
}

fn invalid(why: &str) -> QueryError {
    QueryError::new(
        "cursor",
        format!(
            "invalid cursor: {why}; start again with cursor= (empty) or use a cursor from a previous response"
        ),
    )
}

impl Cursor {
    /// The opaque token.
    pub fn encode(&self) -> String {
        let wire = Wire {
            s: self.sort.clone(),
            d: match self.direction {
                Direction::Next => "next".into(),
                Direction::Prev => "prev".into(),
            },
            k: self.values.iter().map(to_json).collect(),
            id: self.id.clone(),
        };
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        ENGINE.encode(json)
    }

    /// The keyset object a token encodes, as JSON (for the `cursor-as-json-object` fault).
    pub fn wire(token: &str) -> Option<serde_json::Value> {
        serde_json::from_slice(&ENGINE.decode(token).ok()?).ok()
    }

    /// Decodes and validates a token against the request's sort.
    pub fn decode(token: &str, sort: &[SortKey], sort_spec: &str) -> Result<Cursor, QueryError> {
        let bytes = ENGINE
            .decode(token)
            .map_err(|_| invalid(&format!("'{token}' is not base64url")))?;
        let wire: Wire = serde_json::from_slice(&bytes)
            .map_err(|_| invalid(&format!("'{token}' is not a cursor issued by this server")))?;
        if wire.s != sort_spec {
            return Err(QueryError::new(
                "cursor",
                format!(
                    "cursor '{token}' was issued for sort '{}' but the request sorts by '{sort_spec}'; start again with cursor= (empty)",
                    wire.s
                ),
            ));
        }
        let direction = match wire.d.as_str() {
            "next" => Direction::Next,
            "prev" => Direction::Prev,
            _ => return Err(invalid(&format!("'{token}' has an unknown direction"))),
        };
        if wire.k.len() != sort.len() {
            return Err(invalid(&format!("'{token}' does not match the sort")));
        }
        let mut values = Vec::with_capacity(sort.len());
        for (key, v) in sort.iter().zip(wire.k) {
            let numeric = matches!(key.field.kind, FieldKind::Integer | FieldKind::Bool);
            let value = match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Number(n) if numeric => match n.as_i64() {
                    Some(i) => Value::Integer(i),
                    None => return Err(invalid(&format!("'{token}' holds a malformed value"))),
                },
                serde_json::Value::String(s) if !numeric => Value::Text(s),
                _ => return Err(invalid(&format!("'{token}' holds a malformed value"))),
            };
            values.push(value);
        }
        Ok(Cursor {
            sort: wire.s,
            direction,
            values,
            id: wire.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ITEMS;

    fn keys(spec: &str) -> Vec<SortKey> {
        let entries: Vec<String> = spec.split(',').map(str::to_string).collect();
        crate::query::parse::parse_sort(&ITEMS, &entries, "sort").unwrap()
    }

    #[test]
    fn round_trips() {
        let sort = keys("-due_at,amount_cents");
        let c = Cursor {
            sort: "-due_at,amount_cents".into(),
            direction: Direction::Prev,
            values: vec![Value::Null, Value::Integer(42)],
            id: "abc".into(),
        };
        let token = c.encode();
        assert!(!token.contains('=') && !token.contains('+') && !token.contains('/'));
        assert_eq!(
            Cursor::decode(&token, &sort, "-due_at,amount_cents").unwrap(),
            c
        );
        // Padding is tolerated.
        let padded = format!("{token}{}", "=".repeat((4 - token.len() % 4) % 4));
        assert_eq!(
            Cursor::decode(&padded, &sort, "-due_at,amount_cents").unwrap(),
            c
        );
    }

    #[test]
    fn rejects_tampering_and_foreign_sorts() {
        let sort = keys("name");
        let good = Cursor {
            sort: "name".into(),
            direction: Direction::Next,
            values: vec![Value::Text("x".into())],
            id: "abc".into(),
        };
        let token = good.encode();
        let e = Cursor::decode(&token, &keys("-name"), "-name").unwrap_err();
        assert_eq!(e.param, "cursor");
        assert!(e.detail.contains(&token));
        for bad in [
            "!!!".to_string(),
            "bm90IGpzb24".to_string(), // "not json"
            ENGINE.encode(r#"{"s":"name","d":"next","k":["x"],"id":"a","extra":1}"#),
            ENGINE.encode(r#"{"s":"name","d":"sideways","k":["x"],"id":"a"}"#),
            ENGINE.encode(r#"{"s":"name","d":"next","k":[],"id":"a"}"#),
            ENGINE.encode(r#"{"s":"name","d":"next","k":[5],"id":"a"}"#),
            ENGINE.encode(r#"{"s":"name","d":"next","k":["x"]}"#),
        ] {
            let e = Cursor::decode(&bad, &sort, "name").unwrap_err();
            assert_eq!(e.param, "cursor", "{bad}");
            assert!(e.detail.contains(&bad), "{}", e.detail);
        }
        let e = Cursor::decode(
            &ENGINE.encode(r#"{"s":"amount_cents","d":"next","k":["12"],"id":"a"}"#),
            &keys("amount_cents"),
            "amount_cents",
        )
        .unwrap_err();
        assert_eq!(e.param, "cursor");
    }
}
