//! RFC 6901 JSON pointers.

use serde_json::Value;

pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The value at `pointer` ("" = the whole document).
pub fn get<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut v = doc;
    for raw in rest.split('/') {
        let token = unescape(raw);
        v = match v {
            Value::Object(m) => m.get(&token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_round_trip_escapes() {
        let doc = json!({"paths": {"/items/{id}": {"get": {"x": [1, 2]}}}, "a~b": 1});
        assert_eq!(get(&doc, "/paths/~1items~1{id}/get/x/1"), Some(&json!(2)));
        assert_eq!(get(&doc, "/a~0b"), Some(&json!(1)));
        assert_eq!(escape("/items/{id}"), "~1items~1{id}");
        assert_eq!(get(&doc, "/nope"), None);
        assert_eq!(get(&doc, ""), Some(&doc));
    }
}
