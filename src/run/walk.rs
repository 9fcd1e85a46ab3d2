//! Reading collections the way a client does: one page, an offset walk (page 1 … last), a cursor
//! walk (following `next_cursor`), and the checks every page's `links` and `Link` header must
//! pass.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde_json::Value;

use super::ctx::Ctx;
use super::property::Fail;
use crate::client::{Exchange, Req};

/// Most pages one walk may take before the harness gives up (and says so).
pub const MAX_PAGES: usize = 120;

/// `path?k=v&…` with form encoding.
pub fn url(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

pub async fn get(ctx: &Ctx, path: &str, pairs: &[(String, String)]) -> Arc<Exchange> {
    ctx.send(Req::get(url(path, pairs)).token("full").no_retry())
        .await
}

/// `METHOD path → status`, for messages.
pub fn label(ex: &Exchange) -> String {
    let target = url::Url::parse(&ex.request.url)
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|_| ex.request.url.clone());
    format!(
        "{} {} → {}",
        ex.request.method,
        percent_encoding::percent_decode_str(&target).decode_utf8_lossy(),
        ex.status()
            .map(|s| s.to_string())
            .unwrap_or_else(|| ex.error.clone().unwrap_or_else(|| "no response".into()))
    )
}

/// The `data` array of a 200 list response, or a failure saying what came back.
pub fn rows(ex: &Arc<Exchange>) -> Result<Vec<Value>, Fail> {
    match (ex.status(), ex.json().and_then(|j| j.get("data"))) {
        (Some(200), Some(Value::Array(a))) => Ok(a.clone()),
        _ => Err(Fail::new(
            format!(
                "{}: expected 200 with a data array, got {}",
                label(ex),
                crate::run::dataset::describe(ex)
            ),
            &[ex],
        )),
    }
}

pub fn pagination(ex: &Exchange) -> Value {
    ex.json()
        .and_then(|j| j.get("pagination"))
        .cloned()
        .unwrap_or(Value::Null)
}

pub fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

/// The pages of a walk and the rows they held, in order.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub pages: Vec<Arc<Exchange>>,
    pub rows: Vec<Value>,
    /// Rows per page.
    pub sizes: Vec<usize>,
}

impl Walk {
    pub fn last(&self) -> Option<&Arc<Exchange>> {
        self.pages.last()
    }
    pub fn refs(&self) -> Vec<&Arc<Exchange>> {
        self.pages.iter().collect()
    }
}

/// Offset walk: page 1, 2, … up to `total_pages` (or the first short page when uncounted).
pub async fn offset_walk(
    ctx: &Ctx,
    path: &str,
    base: &[(String, String)],
    per_page: usize,
) -> Result<Walk, Fail> {
    let mut w = Walk::default();
    for page in 1..=MAX_PAGES {
        let mut pairs = base.to_vec();
        pairs.push(("page".into(), page.to_string()));
        let ex = get(ctx, path, &pairs).await;
        let data = rows(&ex)?;
        let total_pages = pagination(&ex).get("total_pages").and_then(Value::as_u64);
        let n = data.len();
        w.sizes.push(n);
        w.rows.extend(data);
        w.pages.push(ex);
        let done = match total_pages {
            Some(t) => page as u64 >= t,
            None => n < per_page,
        };
        if done || n == 0 {
            return Ok(w);
        }
    }
    Err(Fail::harness(format!(
        "the offset walk of {path} did not end within {MAX_PAGES} pages"
    )))
}

/// Cursor walk: `cursor=` (empty) first, then each page's `next_cursor` until `has_more` is
/// false.
pub async fn cursor_walk(ctx: &Ctx, path: &str, base: &[(String, String)]) -> Result<Walk, Fail> {
    let mut w = Walk::default();
    let mut cursor = String::new();
    for _ in 0..MAX_PAGES {
        let mut pairs = base.to_vec();
        pairs.push(("cursor".into(), cursor.clone()));
        let ex = get(ctx, path, &pairs).await;
        let data = rows(&ex)?;
        let p = pagination(&ex);
        w.sizes.push(data.len());
        w.rows.extend(data);
        w.pages.push(ex.clone());
        let next = p.get("next_cursor").and_then(Value::as_str);
        let more = p.get("has_more").and_then(Value::as_bool).unwrap_or(false);
        match next {
            Some(n) if more && !n.is_empty() => cursor = n.to_string(),
            _ => return Ok(w),
        }
    }
    Err(Fail::harness(format!(
        "the cursor walk of {path} did not end within {MAX_PAGES} pages"
    )))
}

/// The query pairs of a link (relative or absolute), decoded.
pub fn link_pairs(link: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let path = url::Url::parse(path)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| path.to_string());
    (
        path,
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    )
}

pub fn param<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// The `Link` header as rel → target (targets may contain commas).
pub fn link_header(ex: &Exchange) -> BTreeMap<String, String> {
    ex.header("link").map(link_header_map).unwrap_or_default()
}

/// A `Link` header value as rel → target (the reading [`links_agree`] compares with).
pub fn link_header_map(h: &str) -> BTreeMap<String, String> {
    // Compiled once: compiling it per header made this the slowest part of reading a page.
    static LINK_RE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"<([^>]*)>([^<]*)").expect("valid regex"));
    let mut out = BTreeMap::new();
    for cap in LINK_RE.captures_iter(h) {
        let target = cap[1].to_string();
        for p in cap[2].split(';') {
            if let Some(rel) = p.trim().trim_end_matches(',').trim().strip_prefix("rel=") {
                for r in rel.trim_matches('"').split_whitespace() {
                    out.insert(r.to_string(), target.clone());
                }
            }
        }
    }
    out
}

/// Normalised form of a link for comparison: path plus sorted, decoded pairs.
pub fn norm_link(link: &str) -> (String, Vec<(String, String)>) {
    let (p, mut q) = link_pairs(link);
    q.sort();
    (p, q)
}

/// Checks that body `links` and the `Link` header agree (every non-null body link other than
/// self appears in the header with the same target, and nothing else does).
pub fn links_agree(ex: &Exchange) -> Result<(), String> {
    let body = ex
        .json()
        .and_then(|j| j.get("links"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let header = link_header(ex);
    for (rel, v) in &body {
        if rel == "self" {
            continue;
        }
        match (v.as_str(), header.get(rel)) {
            (Some(b), Some(h)) if norm_link(b) == norm_link(h) => {}
            (Some(b), Some(h)) => {
                return Err(format!(
                    "links.{rel} is {b} but the Link header's rel=\"{rel}\" is {h}"
                ));
            }
            (Some(b), None) => {
                return Err(format!(
                    "links.{rel} is {b} but the Link header has no rel=\"{rel}\""
                ));
            }
            (None, Some(h)) => {
                return Err(format!(
                    "links.{rel} is null but the Link header has rel=\"{rel}\" → {h}"
                ));
            }
            (None, None) => {}
        }
    }
    Ok(())
}
