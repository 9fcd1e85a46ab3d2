//! Pagination links: canonical query strings (every parameter of the request except the
//! pagination ones, in a fixed order) and the RFC 8288 `Link` header.
//!
//! Canonical order: `page`/`cursor`, `per_page`, then `sort` (when given), `q` (when not
//! blank), every filter as `filter[field][op]` in request order, `fields`, `include`,
//! `with_count` (when given). Links are absolute paths without scheme or host.

use super::parse::ListQuery;

/// Percent-encodes a query key or value: RFC 3986 unreserved characters and `, : @ / [ ]`
/// stay as they are, everything else (including `+`, `&`, `=`, `%`, space) is `%XX`.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,:@/[]".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `base?k=v&k=v`.
pub(crate) fn url(base: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return base.to_string();
    }
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{base}?{query}")
}

/// The request's non-pagination parameters, canonically ordered.
pub(crate) fn rest_params(q: &ListQuery) -> Vec<(String, String)> {
    let mut out = vec![];
    if q.sort_given {
        out.push(("sort".to_string(), q.sort_spec()));
    }
    if let Some(text) = &q.q {
        out.push(("q".to_string(), text.clone()));
    }
    for f in &q.filters {
        out.push((f.param_name(), f.raw.clone()));
    }
    if !q.fields.is_empty() {
        out.push(("fields".to_string(), q.fields.entries.join(",")));
    }
    if !q.include.is_empty() {
        out.push(("include".to_string(), q.include.paths.join(",")));
    }
    if q.with_count_given {
        out.push(("with_count".to_string(), q.with_count.to_string()));
    }
    out
}

/// `Link` header value with every non-null link except `self`, in the given order; None when
/// there is none.
pub(crate) fn link_header(links: &[(&str, Option<String>)]) -> Option<String> {
    let parts: Vec<String> = links
        .iter()
        .filter(|(rel, _)| *rel != "self")
        .filter_map(|(rel, href)| href.as_ref().map(|h| format!("<{h}>; rel=\"{rel}\"")))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ITEMS;
    use crate::query::parse_list_query;

    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(encode("filter[due_at][gte]"), "filter[due_at][gte]");
        assert_eq!(encode("a b&c=d+e%f#"), "a%20b%26c%3Dd%2Be%25f%23");
        assert_eq!(encode("2026-03-01T10:00:00Z"), "2026-03-01T10:00:00Z");
        assert_eq!(encode("école"), "%C3%A9cole");
        assert_eq!(encode("<x>\""), "%3Cx%3E%22");
    }

    #[test]
    fn canonical_order_and_round_trip() {
        let pairs: Vec<(String, String)> = [
            ("include", "category"),
            ("with_count", "false"),
            ("filter[status]", "active"),
            ("q", " big red "),
            ("fields", "items.name"),
            ("page", "2"),
            ("sort", "name"),
            ("filter[metadata.source][like]", "a&b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let q = parse_list_query(&ITEMS, &pairs).unwrap();
        let mut all = vec![("page".to_string(), "3".to_string())];
        all.extend(rest_params(&q));
        let u = url("/api/v1/items", &all);
        assert_eq!(
            u,
            "/api/v1/items?page=3&sort=name&q=big%20red&filter[status][eq]=active&filter[metadata.source][like]=a%26b&fields=items.name&include=category&with_count=false"
        );
        // The link parses back to the same query (but for the page).
        let query = u.split_once('?').unwrap().1;
        let back: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let q2 = parse_list_query(&ITEMS, &back).unwrap();
        assert_eq!(rest_params(&q2), rest_params(&q));
    }

    #[test]
    fn link_header_skips_self_and_nulls() {
        let links = [
            ("self", Some("/a?page=1".to_string())),
            ("first", Some("/a?page=1".to_string())),
            ("prev", None),
            ("next", Some("/a?page=2".to_string())),
        ];
        assert_eq!(
            link_header(&links).unwrap(),
            "</a?page=1>; rel=\"first\", </a?page=2>; rel=\"next\""
        );
        assert_eq!(
            link_header(&[("self", Some("/a".into())), ("next", None)]),
            None
        );
    }
}
