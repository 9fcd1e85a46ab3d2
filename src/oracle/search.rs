//! Full-text search: `q` words, each a case-insensitive substring of one searchable field
//! (words ANDed; blank `q` ignored).

use serde_json::Value;

use super::filter::text_of;

/// Does `row` match the search `q` over `searchable` fields?
pub fn search_matches(row: &Value, q: &str, searchable: &[String]) -> bool {
    let texts: Vec<String> = searchable
        .iter()
        .filter_map(|f| row.get(f))
        .filter(|v| !v.is_null())
        .map(|v| text_of(v).to_lowercase())
        .collect();
    q.split_whitespace().all(|word| {
        let w = word.to_lowercase();
        texts.iter().any(|t| t.contains(&w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_are_anded_and_case_insensitive() {
        let row = json!({"name": "Zorblax Alpha", "description": null});
        let s = vec!["name".to_string(), "description".to_string()];
        assert!(search_matches(&row, "ALPHA zorblax", &s));
        assert!(!search_matches(&row, "alpha quintor", &s));
        assert!(search_matches(&row, "   ", &s));
    }
}
