//! Helpers for the query-grammar integration tests (envelope, pagination, sorting, search,
//! filtering, fields, include, nested, links): seeding through the bulk API, collection-shape
//! checks, RFC 8288 `Link` parsing and offset / cursor walks. Builds on `common`.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::common::{TestServer, header, parts};

pub const ITEMS: &str = "/api/v1/items";

/// Percent-encodes a query key or value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `base?k=v&...` with every key and value encoded (no `?` when `pairs` is empty).
pub fn url(base: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return base.to_string();
    }
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{base}?{}", q.join("&"))
}

/// Decodes the query string of a (relative) link into ordered pairs.
pub fn link_query(link: &str) -> Vec<(String, String)> {
    let q = link.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

/// The single value of `key` in a link's query string.
pub fn link_param(link: &str, key: &str) -> Option<String> {
    link_query(link)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

pub async fn get(ts: &TestServer, path: &str, role: &str) -> (u16, HeaderMap, Value) {
    parts(ts.get(path, role).await).await
}

pub async fn post(
    ts: &TestServer,
    path: &str,
    role: &str,
    body: &Value,
) -> (u16, HeaderMap, Value) {
    parts(ts.post(path, role, body).await).await
}

pub async fn send(
    ts: &TestServer,
    method: Method,
    path: &str,
    role: &str,
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    let mut rb = ts.req(method, path, Some(role));
    if let Some(b) = body {
        rb = rb.json(b);
    }
    parts(rb.send().await.expect("request")).await
}

/// GET of a collection that must succeed; checks the collection envelope, the links and the
/// `Link` header, and returns (headers, body).
pub async fn list(ts: &TestServer, path: &str, role: &str) -> (HeaderMap, Value) {
    let (s, h, b) = get(ts, path, role).await;
    assert_eq!(s, 200, "GET {path}: {b}");
    check_collection(&h, &b);
    (h, b)
}

/// Creates items through `POST /items/bulk` (chunks of 100); every entry must succeed.
/// Returns the created representations in request order.
pub async fn bulk_items(ts: &TestServer, items: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(100) {
        let (s, _, b) = post(ts, "/api/v1/items/bulk", "full", &json!({ "items": chunk })).await;
        assert_eq!(s, 201, "bulk create: {b}");
        let results = b["data"].as_array().expect("bulk data array");
        assert_eq!(results.len(), chunk.len());
        for r in results {
            assert_eq!(r["status"], "created", "{r}");
            out.push(r["data"].clone());
        }
    }
    out
}

pub async fn create_comment(ts: &TestServer, item_id: &str, body: &str) -> Value {
    let (s, _, b) = post(
        ts,
        "/api/v1/comments",
        "full",
        &json!({"item_id": item_id, "body": body}),
    )
    .await;
    assert_eq!(s, 201, "create comment: {b}");
    b["data"].clone()
}

pub async fn create_category_desc(ts: &TestServer, name: &str, description: Option<&str>) -> Value {
    let (s, _, b) = post(
        ts,
        "/api/v1/categories",
        "full",
        &json!({"name": name, "description": description}),
    )
    .await;
    assert_eq!(s, 201, "create category: {b}");
    b["data"].clone()
}

pub async fn delete_ok(ts: &TestServer, path: &str) {
    let (s, _, b) = send(ts, Method::DELETE, path, "full", None).await;
    assert_eq!(s, 204, "DELETE {path}: {b}");
}

/// ids of `data` (a collection body or an array of resources).
pub fn ids(v: &Value) -> Vec<String> {
    let arr = if v.is_array() { v } else { &v["data"] };
    arr.as_array()
        .expect("data array")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_string())
        .collect()
}

pub fn id_set(v: &Value) -> BTreeSet<String> {
    ids(v).into_iter().collect()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

pub fn names(v: &Value) -> Vec<String> {
    let arr = if v.is_array() { v } else { &v["data"] };
    arr.as_array()
        .expect("data array")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_string())
        .collect()
}

pub fn total_count(b: &Value) -> i64 {
    b["pagination"]["total_count"]
        .as_i64()
        .unwrap_or_else(|| panic!("total_count: {b}"))
}

pub fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

pub fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Parses an RFC 8288 `Link` header into rel → target (a link with several rel types is
/// listed under each). Panics on malformed syntax or a repeated rel.
pub fn parse_link_header(value: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let s = value.as_bytes();
    let mut i = 0;
    loop {
        while i < s.len() && (s[i] == b' ' || s[i] == b',' || s[i] == b'\t') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        assert_eq!(s[i], b'<', "Link header: expected '<' at {i} in {value}");
        let end = value[i..].find('>').expect("closing '>'") + i;
        let target = value[i + 1..end].to_string();
        i = end + 1;
        let mut rels: Vec<String> = vec![];
        loop {
            while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
                i += 1;
            }
            if i >= s.len() || s[i] == b',' {
                break;
            }
            assert_eq!(s[i], b';', "Link header: expected ';' at {i} in {value}");
            i += 1;
            while i < s.len() && s[i] == b' ' {
                i += 1;
            }
            let name_end = value[i..].find('=').expect("param '='") + i;
            let name = value[i..name_end].trim().to_ascii_lowercase();
            i = name_end + 1;
            let val = if s.get(i) == Some(&b'"') {
                let close = value[i + 1..].find('"').expect("closing quote") + i + 1;
                let v = value[i + 1..close].to_string();
                i = close + 1;
                v
            } else {
                let stop = value[i..]
                    .find([',', ';'])
                    .map(|p| p + i)
                    .unwrap_or(value.len());
                let v = value[i..stop].trim().to_string();
                i = stop;
                v
            };
            if name == "rel" {
                rels.extend(val.split_whitespace().map(str::to_ascii_lowercase));
            }
        }
        assert!(!rels.is_empty(), "Link entry without rel in {value}");
        for rel in rels {
            assert!(
                out.insert(rel.clone(), target.clone()).is_none(),
                "rel {rel} twice in {value}"
            );
        }
    }
    out
}

/// A resource object's own links: `links.self` is `/api/v1/<res>/<id>` and every link value is a
/// relative path.
pub fn check_resource_links(obj: &Value, res: &str) {
    let id = obj["id"].as_str().unwrap_or_else(|| panic!("no id: {obj}"));
    assert_eq!(
        obj["links"]["self"],
        json!(format!("/api/v1/{res}/{id}")),
        "links.self of {obj}"
    );
    for (k, v) in obj["links"].as_object().expect("links object") {
        let v = v
            .as_str()
            .unwrap_or_else(|| panic!("link {k} not a string: {obj}"));
        assert!(
            v.starts_with('/') && !v.contains("://"),
            "link {k} not relative: {v}"
        );
    }
}

/// The collection envelope: exactly data/pagination/links (+ included), every entry with a
/// self link, relative collection links, and a `Link` header carrying exactly the non-null
/// first/prev/next/last links with the same targets.
pub fn check_collection(h: &HeaderMap, b: &Value) {
    let top = keys(b);
    let allowed = set(&["data", "pagination", "links", "included"]);
    assert!(top.is_subset(&allowed), "top-level keys {top:?}");
    assert!(b["data"].is_array(), "data: {b}");
    assert!(b["pagination"].is_object(), "pagination: {b}");
    assert!(b["links"].is_object(), "links: {b}");
    assert_eq!(header(h, "content-type"), Some("application/json"));
    assert!(h.get("etag").is_none(), "collections carry no ETag");
    for d in b["data"].as_array().unwrap() {
        let links = d["links"]["self"]
            .as_str()
            .unwrap_or_else(|| panic!("entry without links.self: {d}"));
        assert!(links.starts_with("/api/v1/"), "{links}");
    }
    let links = b["links"].as_object().unwrap();
    assert!(links["self"].is_string(), "links.self: {b}");
    for (rel, v) in links {
        match v {
            Value::Null => {}
            Value::String(s) => {
                assert!(
                    s.starts_with("/api/v1/") && !s.contains("://"),
                    "links.{rel} = {s}"
                );
            }
            other => panic!("links.{rel} = {other}"),
        }
    }
    let header_links = header(h, "link").map(parse_link_header).unwrap_or_default();
    for rel in ["first", "prev", "next", "last"] {
        match links.get(rel).and_then(Value::as_str) {
            Some(target) => assert_eq!(
                header_links.get(rel).map(String::as_str),
                Some(target),
                "Link header rel={rel} vs body (header {:?})",
                header(h, "link")
            ),
            None => assert!(
                !header_links.contains_key(rel),
                "Link header has rel={rel} but links.{rel} is null"
            ),
        }
    }
    if let Some(s) = header_links.get("self") {
        assert_eq!(Some(s.as_str()), links["self"].as_str());
    }
}

/// Offset-mode pagination object: exactly page/per_page/total_count/total_pages, consistent
/// with the data length.
pub fn check_offset(b: &Value, page: i64, per_page: i64) {
    let p = &b["pagination"];
    assert_eq!(
        keys(p),
        set(&["page", "per_page", "total_count", "total_pages"]),
        "offset pagination keys: {p}"
    );
    assert_eq!(p["page"], json!(page), "{p}");
    assert_eq!(p["per_page"], json!(per_page), "{p}");
    let n = b["data"].as_array().unwrap().len() as i64;
    assert!(n <= per_page);
    if let (Some(total), Some(pages)) = (p["total_count"].as_i64(), p["total_pages"].as_i64()) {
        assert_eq!(pages, (total + per_page - 1) / per_page, "{p}");
        let expected_len = (total - (page - 1) * per_page).clamp(0, per_page);
        assert_eq!(n, expected_len, "page {page} length: {p}");
        let links = &b["links"];
        assert_eq!(
            link_param(links["first"].as_str().unwrap(), "page").as_deref(),
            Some("1")
        );
        assert_eq!(
            link_param(links["self"].as_str().unwrap(), "page"),
            Some(page.to_string())
        );
        match links["prev"].as_str() {
            None => assert_eq!(page, 1, "prev null on page {page}"),
            Some(l) => assert_eq!(link_param(l, "page"), Some((page - 1).to_string())),
        }
        match links["next"].as_str() {
            None => assert!(page >= pages, "next null on page {page} of {pages}"),
            Some(l) => {
                assert!(page < pages, "next on last page");
                assert_eq!(link_param(l, "page"), Some((page + 1).to_string()));
            }
        }
        assert_eq!(
            link_param(links["last"].as_str().expect("links.last"), "page"),
            Some(pages.max(1).to_string())
        );
        for rel in ["self", "first", "prev", "next", "last"] {
            if let Some(l) = links[rel].as_str() {
                assert_eq!(
                    link_param(l, "per_page"),
                    Some(per_page.to_string()),
                    "{rel}: {l}"
                );
            }
        }
    } else {
        assert!(
            p["total_count"].is_null() && p["total_pages"].is_null(),
            "{p}"
        );
    }
}

/// Walks every offset page of `base` + `extra` by following `links.next`; returns all rows.
pub async fn walk_offset(
    ts: &TestServer,
    base: &str,
    extra: &[(&str, &str)],
    per_page: i64,
    role: &str,
) -> Vec<Value> {
    let pp = per_page.to_string();
    let mut pairs: Vec<(&str, &str)> = vec![("page", "1"), ("per_page", &pp)];
    pairs.extend_from_slice(extra);
    let mut path = url(base, &pairs);
    let mut rows = vec![];
    let mut page = 1;
    let mut total = None;
    loop {
        let (_, b) = list(ts, &path, role).await;
        check_offset(&b, page, per_page);
        if total.is_none() {
            total = b["pagination"]["total_count"].as_i64();
        }
        rows.extend(b["data"].as_array().unwrap().iter().cloned());
        match b["links"]["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with(base), "next {next} leaves {base}");
                path = next.to_string();
                page += 1;
                assert!(page < 10_000, "runaway walk");
            }
            None => break,
        }
    }
    if let Some(t) = total {
        assert_eq!(rows.len() as i64, t, "rows walked vs total_count");
    }
    let unique: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), rows.len(), "offset walk repeated a row");
    rows
}

/// Cursor-mode pagination object: exactly per_page/has_more/next_cursor/prev_cursor.
pub fn check_cursor(b: &Value, per_page: i64) {
    let p = &b["pagination"];
    assert_eq!(
        keys(p),
        set(&["per_page", "has_more", "next_cursor", "prev_cursor"]),
        "cursor pagination keys: {p}"
    );
    assert_eq!(p["per_page"], json!(per_page));
    let has_more = p["has_more"].as_bool().expect("has_more bool");
    let n = b["data"].as_array().unwrap().len() as i64;
    assert!(n <= per_page);
    let links = &b["links"];
    if has_more {
        assert_eq!(n, per_page, "a page with has_more holds per_page rows");
        let next = p["next_cursor"]
            .as_str()
            .expect("next_cursor when has_more");
        assert!(!next.is_empty());
        assert!(
            next.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_=+/".contains(&c)),
            "cursor is not base64: {next}"
        );
        let l = links["next"].as_str().expect("links.next when has_more");
        assert_eq!(link_param(l, "cursor").as_deref(), Some(next), "{l}");
        assert_eq!(link_param(l, "per_page"), Some(per_page.to_string()), "{l}");
    } else {
        assert!(p["next_cursor"].is_null(), "next_cursor on last page: {p}");
        assert!(links["next"].is_null(), "links.next on last page: {links}");
    }
    match p["prev_cursor"].as_str() {
        Some(prev) => {
            let l = links["prev"].as_str().expect("links.prev with prev_cursor");
            assert_eq!(link_param(l, "cursor").as_deref(), Some(prev), "{l}");
        }
        None => assert!(links["prev"].is_null(), "links.prev without prev_cursor"),
    }
}

/// Walks every cursor page (`cursor=` first, then `links.next`); returns all rows. Also checks
/// that `links.prev` of the second page returns the first page.
pub async fn walk_cursor(
    ts: &TestServer,
    base: &str,
    extra: &[(&str, &str)],
    per_page: i64,
    role: &str,
) -> Vec<Value> {
    let pp = per_page.to_string();
    let mut pairs: Vec<(&str, &str)> = vec![("cursor", ""), ("per_page", &pp)];
    pairs.extend_from_slice(extra);
    let mut path = url(base, &pairs);
    let mut rows = vec![];
    let mut pages: Vec<Vec<String>> = vec![];
    loop {
        let (_, b) = list(ts, &path, role).await;
        check_cursor(&b, per_page);
        if pages.is_empty() {
            assert!(
                b["pagination"]["prev_cursor"].is_null(),
                "first page prev_cursor"
            );
        }
        if pages.len() == 1 {
            let prev = b["links"]["prev"].as_str().expect("page 2 has links.prev");
            let (_, pb) = list(ts, prev, role).await;
            check_cursor(&pb, per_page);
            assert_eq!(ids(&pb), pages[0], "links.prev of page 2 gives page 1");
        }
        pages.push(ids(&b));
        rows.extend(b["data"].as_array().unwrap().iter().cloned());
        if !b["pagination"]["has_more"].as_bool().unwrap() {
            break;
        }
        path = b["links"]["next"].as_str().unwrap().to_string();
        assert!(path.starts_with(base), "next {path} leaves {base}");
        assert!(pages.len() < 10_000, "runaway walk");
    }
    let unique: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), rows.len(), "cursor walk repeated a row");
    rows
}

/// A 400 bad-request problem whose detail names `needle`.
pub fn assert_400_naming(s: u16, h: &HeaderMap, b: &Value, needle: &str) {
    crate::common::assert_problem(s, h, b, 400, "bad-request");
    let detail = b["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "400 detail should name {needle:?}: {b}"
    );
}

pub async fn expect_400(ts: &TestServer, path: &str, needle: &str) {
    let (s, h, b) = get(ts, path, "full").await;
    assert_400_naming(s, &h, &b, needle);
}

/// `n` deterministic items with many ties on the sortable fields, nulls in the nullable ones,
/// case variants and non-ASCII names. Names are `"{prefix}{i:03} ..."`-based and unique.
pub fn varied_items(n: usize, prefix: &str) -> Vec<Value> {
    const STATUS: [&str; 3] = ["draft", "active", "archived"];
    const PRIORITY: [&str; 4] = ["low", "medium", "high", "critical"];
    const CURRENCY: [&str; 3] = ["USD", "EUR", "JPY"];
    const AMOUNTS: [i64; 6] = [0, 99, 100, 101, 5000, 1_000_000_000_000];
    const NAMES: [&str; 6] = ["apple", "Apple", "École", "école", "Zebra", "zebra"];
    const EMAILS: [Option<&str>; 4] = [
        None,
        Some("a@gmail.com"),
        Some("B@Example.com"),
        Some("c@GMAIL.com"),
    ];
    const DUES: [Option<&str>; 3] = [
        None,
        Some("2026-03-01T00:00:00Z"),
        Some("2026-04-15T12:30:00Z"),
    ];
    const SOURCES: [&str; 3] = ["web", "linkedin", "LinkedIn"];
    const COLORS: [&str; 3] = ["red", "green", "blue"];
    (0..n)
        .map(|i| {
            json!({
                "name": format!("{} {prefix}{i:03}", NAMES[i % NAMES.len()]),
                "description": if i % 5 == 0 { Value::Null } else { json!(format!("desc {}", COLORS[i % 3])) },
                "status": STATUS[i % 3],
                "priority": PRIORITY[(i / 2) % 4],
                "amount_cents": AMOUNTS[(i * 7) % AMOUNTS.len()],
                "currency": CURRENCY[(i / 3) % 3],
                "email": EMAILS[i % 4],
                "due_at": DUES[(i / 4) % 3],
                "is_featured": i % 3 == 1,
                "metadata": {"source": SOURCES[i % 3]},
            })
        })
        .collect()
}

/// Ascending order of two JSON values of the same field: NULL first, integers numerically,
/// booleans false < true, strings by code point.
pub fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Value::Null, Value::Null) => Equal,
        (Value::Null, _) => Less,
        (_, Value::Null) => Greater,
        (Value::Number(x), Value::Number(y)) => x.as_i64().unwrap().cmp(&y.as_i64().unwrap()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => panic!("incomparable {a} / {b}"),
    }
}

/// Sorts rows the way DESIGN.md documents: the sort keys (`-` = descending), then `id`
/// ascending.
pub fn sort_rows(rows: &mut [Value], spec: &str) {
    let keys: Vec<(bool, String)> = spec
        .split(',')
        .map(|k| match k.strip_prefix('-') {
            Some(f) => (true, f.to_string()),
            None => (false, k.to_string()),
        })
        .collect();
    rows.sort_by(|a, b| {
        for (desc, f) in &keys {
            let o = cmp_values(&a[f], &b[f]);
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        a["id"].as_str().unwrap().cmp(b["id"].as_str().unwrap())
    });
}

pub fn row_ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}
