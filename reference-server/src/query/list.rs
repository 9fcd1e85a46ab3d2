//! Running a list query: offset pages (with or without counts) and keyset cursor pages, with
//! the `pagination` object, `links`, the `Link` header, includes and sparse fields.
//!
//! Order is always the sort keys then `id ASC`, so offset and cursor walks visit rows in the
//! same order.

use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value, json};

use super::cursor::{Cursor, Direction};
use super::error::ListError;
use super::faults::QueryFaults;
use super::links;
use super::parse::{ListQuery, PageMode, SortKey};
use super::render::{render_entries, row_to_json};
use super::sql::{self, Sql};
use crate::model::ResourceDef;

/// Where a list query runs.
#[derive(Debug, Clone, Copy)]
pub struct ListContext<'a> {
    pub res: &'static ResourceDef,
    pub workspace_id: &'a str,
    /// Nested list: (fk column on this resource, parent id), e.g. `("item_id", id)` for
    /// `/items/{id}/comments`.
    pub parent: Option<(&'static str, &'a str)>,
    /// Path the links are built on, e.g. `/api/v1/items` or `/api/v1/items/<id>/comments`.
    pub base_path: &'a str,
}

/// A rendered collection page: `{data, pagination, links, included?}` and the `Link` header.
#[derive(Debug, Clone)]
pub struct ListResponse {
    pub body: Value,
    pub link_header: Option<String>,
}

/// One fetched row: its JSON, its sort-key values and id (for cursors).
struct Fetched {
    obj: Map<String, Value>,
    keys: Vec<SqlValue>,
    id: String,
}

type Links = Vec<(&'static str, Option<String>)>;

/// Runs the query. Cursor problems are already reported by parsing, so `ListError::Query` is
/// not produced today; it stays for forward compatibility.
pub fn run_list(
    conn: &rusqlite::Connection,
    ctx: &ListContext,
    q: &ListQuery,
) -> Result<ListResponse, ListError> {
    let filter = sql::where_clause(ctx.res, ctx.workspace_id, ctx.parent, q);
    let (rows, pagination, links) = match &q.mode {
        PageMode::Offset { page } => offset_page(conn, ctx, q, &filter, *page)?,
        PageMode::Cursor(cursor) => cursor_page(conn, ctx, q, &filter, cursor.as_ref())?,
    };
    let mut data: Vec<Map<String, Value>> = rows.into_iter().map(|f| f.obj).collect();
    let included = render_entries(
        conn,
        ctx.res,
        ctx.workspace_id,
        &mut data,
        &q.fields,
        &q.include,
        q.faults,
    )?;
    let mut body = Map::new();
    body.insert(
        "data".into(),
        Value::Array(data.into_iter().map(Value::Object).collect()),
    );
    body.insert("pagination".into(), pagination);
    body.insert(
        "links".into(),
        Value::Object(
            links
                .iter()
                .map(|(rel, href)| {
                    (
                        rel.to_string(),
                        href.clone().map(Value::String).unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
    );
    if let Some(included) = included {
        body.insert("included".into(), Value::Array(included));
    }
    Ok(ListResponse {
        body: Value::Object(body),
        link_header: links::link_header(&links),
    })
}

#[allow(clippy::too_many_arguments)]
fn select(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    faults: QueryFaults,
    sort: &[SortKey],
    filter: &Sql,
    keyset: Option<&Sql>,
    reverse: bool,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<Fetched>> {
    let mut where_sql = filter.text.clone();
    let mut params = filter.params.clone();
    if let Some(k) = keyset {
        where_sql = format!("{where_sql} AND {}", k.text);
        params.extend(k.params.iter().cloned());
    }
    params.push(SqlValue::Integer(limit));
    params.push(SqlValue::Integer(offset));
    let text = format!(
        "SELECT * FROM {} WHERE {where_sql} ORDER BY {} LIMIT ? OFFSET ?",
        sql::quote(res.name),
        sql::order_by_with(sort, reverse, faults)
    );
    let mut stmt = conn.prepare(&text)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| {
        let keys = sort
            .iter()
            .map(|k| row.get::<_, SqlValue>(k.field.name))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Fetched {
            obj: row_to_json(res, row)?,
            keys,
            id: row.get("id")?,
        })
    })?;
    rows.collect()
}

fn count(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    filter: &Sql,
) -> rusqlite::Result<i64> {
    conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            sql::quote(res.name),
            filter.text
        ),
        rusqlite::params_from_iter(filter.params.iter()),
        |r| r.get(0),
    )
}

fn offset_page(
    conn: &rusqlite::Connection,
    ctx: &ListContext,
    q: &ListQuery,
    filter: &Sql,
    page: u64,
) -> rusqlite::Result<(Vec<Fetched>, Value, Links)> {
    let per_page = q.per_page as i64;
    let total = if q.with_count && q.faults.count_ignores_search {
        let mut unsearched = q.clone();
        unsearched.q = None;
        let w = sql::where_clause(ctx.res, ctx.workspace_id, ctx.parent, &unsearched);
        Some(count(conn, ctx.res, &w)?)
    } else if q.with_count {
        Some(count(conn, ctx.res, filter)?)
    } else {
        None
    };
    let probe = if q.with_count { 0 } else { 1 };
    let offset = (page as i64 - 1).saturating_mul(per_page);
    let mut rows = select(
        conn,
        ctx.res,
        q.faults,
        &q.sort,
        filter,
        None,
        false,
        per_page + probe,
        offset,
    )?;
    let total_pages = total.map(|t| (t + per_page - 1) / per_page);
    let has_next = match total_pages {
        Some(pages) => (page as i64) < pages,
        None => rows.len() as i64 > per_page,
    };
    rows.truncate(q.per_page as usize);

    let rest = links::rest_params(q);
    let url = |p: u64| {
        let mut pairs = vec![
            ("page".to_string(), p.to_string()),
            ("per_page".to_string(), q.per_page.to_string()),
        ];
        pairs.extend(rest.iter().cloned());
        links::url(ctx.base_path, &pairs)
    };
    let links = vec![
        ("self", Some(url(page))),
        ("first", Some(url(1))),
        ("prev", (page > 1).then(|| url(page - 1))),
        ("next", has_next.then(|| url(page + 1))),
        (
            "last",
            match (total, q.faults.last_link_off_by_one) {
                (Some(t), true) => Some(url((t / per_page).max(1) as u64)),
                _ => total_pages.map(|pages| url(pages.max(1) as u64)),
            },
        ),
    ];
    let pagination = if q.faults.with_count_false_zero && !q.with_count {
        json!({"page": page, "per_page": q.per_page, "total_count": 0, "total_pages": 0})
    } else {
        json!({
            "page": page,
            "per_page": q.per_page,
            "total_count": total,
            "total_pages": total_pages,
        })
    };
    Ok((rows, pagination, links))
}

fn cursor_page(
    conn: &rusqlite::Connection,
    ctx: &ListContext,
    q: &ListQuery,
    filter: &Sql,
    cursor: Option<&Cursor>,
) -> rusqlite::Result<(Vec<Fetched>, Value, Links)> {
    let per_page = q.per_page as usize;
    let limit = per_page as i64 + 1;
    // Fault `cursor_has_more_without_lookahead`: a full page is taken to mean more rows.
    let lookahead_off = q.faults.cursor_has_more_without_lookahead;
    let spec = q.sort_spec();
    let make = |row: &Fetched, direction: Direction| {
        Cursor {
            sort: spec.clone(),
            direction,
            values: row.keys.clone(),
            id: row.id.clone(),
        }
        .encode()
    };
    let (rows, has_more, next, prev) = match cursor {
        None => {
            let mut rows = select(
                conn, ctx.res, q.faults, &q.sort, filter, None, false, limit, 0,
            )?;
            let has_more = rows.len() > per_page || (lookahead_off && rows.len() == per_page);
            rows.truncate(per_page);
            let next = if has_more || q.faults.cursor_next_on_last_page {
                rows.last().map(|r| make(r, Direction::Next))
            } else {
                None
            };
            (rows, has_more, next, None)
        }
        Some(c) if c.direction == Direction::Next => {
            let after = sql::keyset_with(&q.sort, &c.values, &c.id, false, q.faults);
            let mut rows = select(
                conn,
                ctx.res,
                q.faults,
                &q.sort,
                filter,
                Some(&after),
                false,
                limit,
                0,
            )?;
            let has_more = rows.len() > per_page || (lookahead_off && rows.len() == per_page);
            rows.truncate(per_page);
            let next = if has_more || q.faults.cursor_next_on_last_page {
                rows.last().map(|r| make(r, Direction::Next))
            } else {
                None
            };
            // Fault `cursor_prev_off_by_one`: the prev cursor is built from the page's last row.
            let boundary = if q.faults.cursor_prev_off_by_one {
                rows.last()
            } else {
                rows.first()
            };
            let prev = boundary.map(|r| make(r, Direction::Prev));
            (rows, has_more, next, prev)
        }
        Some(c) => {
            let before = sql::keyset_with(&q.sort, &c.values, &c.id, true, q.faults);
            let mut rows = select(
                conn,
                ctx.res,
                q.faults,
                &q.sort,
                filter,
                Some(&before),
                true,
                limit,
                0,
            )?;
            let more_before = rows.len() > per_page;
            rows.truncate(per_page);
            rows.reverse();
            let prev = if more_before {
                rows.first().map(|r| make(r, Direction::Prev))
            } else {
                None
            };
            let has_more = match rows.last() {
                Some(last) => {
                    let after = sql::keyset_with(&q.sort, &last.keys, &last.id, false, q.faults);
                    !select(
                        conn,
                        ctx.res,
                        q.faults,
                        &q.sort,
                        filter,
                        Some(&after),
                        false,
                        1,
                        0,
                    )?
                    .is_empty()
                }
                None => false,
            };
            let next = if has_more {
                rows.last().map(|r| make(r, Direction::Next))
            } else {
                None
            };
            (rows, has_more, next, prev)
        }
    };

    let rest = links::rest_params(q);
    let url = |token: &str| {
        let mut pairs = vec![
            ("cursor".to_string(), token.to_string()),
            ("per_page".to_string(), q.per_page.to_string()),
        ];
        pairs.extend(rest.iter().cloned());
        links::url(ctx.base_path, &pairs)
    };
    let current = cursor.map(Cursor::encode).unwrap_or_default();
    let links = vec![
        ("self", Some(url(&current))),
        ("first", Some(url(""))),
        ("prev", prev.as_deref().map(url)),
        ("next", next.as_deref().map(url)),
    ];
    let mut pagination = json!({
        "per_page": q.per_page,
        "has_more": has_more,
        "next_cursor": next,
        "prev_cursor": prev,
    });
    cursor_faults(conn, ctx, q, filter, &mut pagination)?;
    Ok((rows, pagination, links))
}

/// Fault switches of the cursor pagination object: cursors as the keyset object, null
/// cursors omitted, a `total_count` added.
fn cursor_faults(
    conn: &rusqlite::Connection,
    ctx: &ListContext,
    q: &ListQuery,
    filter: &Sql,
    pagination: &mut Value,
) -> rusqlite::Result<()> {
    let f = q.faults;
    let Some(p) = pagination.as_object_mut() else {
        return Ok(());
    };
    for key in ["next_cursor", "prev_cursor"] {
        if f.cursor_as_object {
            if let Some(wire) = p.get(key).and_then(Value::as_str).and_then(Cursor::wire) {
                p.insert(key.into(), wire);
            }
        }
        if f.cursor_nulls_omitted && p.get(key).is_some_and(Value::is_null) {
            p.remove(key);
        }
    }
    if f.cursor_with_totals {
        p.insert("total_count".into(), json!(count(conn, ctx.res, filter)?));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CATEGORIES, COMMENTS, ITEMS};
    use crate::query::testutil::*;
    use crate::query::{QueryError, parse_list_query, parse_search_body};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use std::cmp::Ordering;

    fn ctx(res: &'static ResourceDef) -> ListContext<'static> {
        ListContext {
            res,
            workspace_id: WS,
            parent: None,
            base_path: "/api/v1/items",
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn run(conn: &rusqlite::Connection, c: &ListContext, list: &[(&str, &str)]) -> ListResponse {
        let q = parse_list_query(c.res, &pairs(list)).unwrap();
        run_list(conn, c, &q).unwrap()
    }

    /// Follows a link the way a client would: parse its query string and run it.
    fn follow(
        conn: &rusqlite::Connection,
        c: &ListContext,
        link: &str,
    ) -> Result<ListResponse, QueryError> {
        let (path, query) = link.split_once('?').unwrap_or((link, ""));
        assert_eq!(path, c.base_path);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let q = parse_list_query(c.res, &pairs)?;
        Ok(run_list(conn, c, &q).unwrap())
    }

    fn names(r: &ListResponse) -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn ids(r: &ListResponse) -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn link(r: &ListResponse, rel: &str) -> Option<String> {
        r.body["links"][rel].as_str().map(str::to_string)
    }

    fn seven(conn: &rusqlite::Connection) {
        for i in 0..7 {
            ItemSeed::new(
                &format!("n{i}"),
                &format!("2026-01-0{}T00:00:00.000000Z", i + 1),
            )
            .insert(conn);
        }
    }

    #[test]
    fn offset_pages_totals_and_links() {
        let conn = test_conn();
        seven(&conn);
        let c = ctx(&ITEMS);
        let p1 = run(&conn, &c, &[("per_page", "3"), ("sort", "name")]);
        assert_eq!(names(&p1), ["n0", "n1", "n2"]);
        assert_eq!(
            p1.body["pagination"],
            json!({"page": 1, "per_page": 3, "total_count": 7, "total_pages": 3})
        );
        assert_eq!(
            p1.body["links"],
            json!({
                "self": "/api/v1/items?page=1&per_page=3&sort=name",
                "first": "/api/v1/items?page=1&per_page=3&sort=name",
                "prev": null,
                "next": "/api/v1/items?page=2&per_page=3&sort=name",
                "last": "/api/v1/items?page=3&per_page=3&sort=name"
            })
        );
        assert_eq!(
            p1.link_header.as_deref(),
            Some(
                "</api/v1/items?page=1&per_page=3&sort=name>; rel=\"first\", </api/v1/items?page=2&per_page=3&sort=name>; rel=\"next\", </api/v1/items?page=3&per_page=3&sort=name>; rel=\"last\""
            )
        );
        let p2 = follow(&conn, &c, &link(&p1, "next").unwrap()).unwrap();
        assert_eq!(names(&p2), ["n3", "n4", "n5"]);
        assert_eq!(
            link(&p2, "prev").unwrap(),
            "/api/v1/items?page=1&per_page=3&sort=name"
        );
        assert_eq!(
            link(&p2, "next").unwrap(),
            "/api/v1/items?page=3&per_page=3&sort=name"
        );
        let p3 = follow(&conn, &c, &link(&p2, "next").unwrap()).unwrap();
        assert_eq!(names(&p3), ["n6"]);
        assert_eq!(link(&p3, "next"), None);
        assert_eq!(
            link(&p3, "prev").unwrap(),
            "/api/v1/items?page=2&per_page=3&sort=name"
        );
        assert!(!p3.link_header.unwrap().contains("rel=\"next\""));
        // Beyond the end: empty data, page echoed, prev = page - 1.
        let p9 = run(&conn, &c, &[("per_page", "3"), ("page", "9")]);
        assert!(names(&p9).is_empty());
        assert_eq!(p9.body["pagination"]["page"], json!(9));
        assert_eq!(link(&p9, "next"), None);
        assert_eq!(
            link(&p9, "prev").unwrap(),
            "/api/v1/items?page=8&per_page=3"
        );
        assert_eq!(
            link(&p9, "last").unwrap(),
            "/api/v1/items?page=3&per_page=3"
        );
        // Default order is newest first.
        let all = run(&conn, &c, &[]);
        assert_eq!(names(&all), ["n6", "n5", "n4", "n3", "n2", "n1", "n0"]);
        assert_eq!(
            all.body["pagination"],
            json!({"page": 1, "per_page": 100, "total_count": 7, "total_pages": 1})
        );
    }

    #[test]
    fn empty_collection() {
        let conn = test_conn();
        let r = run(&conn, &ctx(&ITEMS), &[]);
        assert_eq!(
            r.body,
            json!({
                "data": [],
                "pagination": {"page": 1, "per_page": 100, "total_count": 0, "total_pages": 0},
                "links": {
                    "self": "/api/v1/items?page=1&per_page=100",
                    "first": "/api/v1/items?page=1&per_page=100",
                    "prev": null,
                    "next": null,
                    "last": "/api/v1/items?page=1&per_page=100"
                }
            })
        );
        let c = run(&conn, &ctx(&ITEMS), &[("cursor", "")]);
        assert_eq!(
            c.body["pagination"],
            json!({"per_page": 100, "has_more": false, "next_cursor": null, "prev_cursor": null})
        );
    }

    #[test]
    fn offset_without_count_probes_for_more() {
        let conn = test_conn();
        seven(&conn);
        let c = ctx(&ITEMS);
        let p1 = run(
            &conn,
            &c,
            &[("per_page", "3"), ("with_count", "false"), ("sort", "name")],
        );
        assert_eq!(names(&p1), ["n0", "n1", "n2"]);
        assert_eq!(
            p1.body["pagination"],
            json!({"page": 1, "per_page": 3, "total_count": null, "total_pages": null})
        );
        assert_eq!(link(&p1, "last"), None);
        let p2 = follow(&conn, &c, &link(&p1, "next").unwrap()).unwrap();
        assert_eq!(
            link(&p2, "self").unwrap(),
            "/api/v1/items?page=2&per_page=3&sort=name&with_count=false"
        );
        let p3 = follow(&conn, &c, &link(&p2, "next").unwrap()).unwrap();
        assert_eq!(names(&p3), ["n6"]);
        assert_eq!(link(&p3, "next"), None);
        // Exactly full last page: the probe finds nothing more.
        let p = run(&conn, &c, &[("per_page", "7"), ("with_count", "false")]);
        assert_eq!(names(&p).len(), 7);
        assert_eq!(link(&p, "next"), None);
        assert_eq!(
            p.link_header.as_deref(),
            Some("</api/v1/items?page=1&per_page=7&with_count=false>; rel=\"first\"")
        );
    }

    #[test]
    fn counts_reflect_filters_search_and_scope() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let a = ItemSeed::new("red apple", "2026-01-01T00:00:00.000000Z")
            .status("active")
            .insert(&conn);
        ItemSeed::new("red brick", "2026-01-02T00:00:00.000000Z")
            .status("active")
            .insert(&conn);
        ItemSeed::new("green apple", "2026-01-03T00:00:00.000000Z")
            .status("draft")
            .insert(&conn);
        let gone = ItemSeed::new("red apple pie", "2026-01-04T00:00:00.000000Z")
            .status("active")
            .insert(&conn);
        soft_delete(&conn, "items", &gone);
        ItemSeed::new("red apple", "2026-01-01T00:00:00.000000Z")
            .workspace("other")
            .insert(&conn);
        let c = ctx(&ITEMS);
        let r = run(
            &conn,
            &c,
            &[("q", "APPLE red"), ("filter[status]", "active")],
        );
        assert_eq!(names(&r), ["red apple"]);
        assert_eq!(r.body["pagination"]["total_count"], json!(1));
        assert_eq!(
            link(&r, "self").unwrap(),
            "/api/v1/items?page=1&per_page=100&q=APPLE%20red&filter[status][eq]=active"
        );
        let r = run(&conn, &c, &[("q", "apple")]);
        assert_eq!(r.body["pagination"]["total_count"], json!(2));
        // POST /search gives the same thing.
        let q = parse_search_body(
            &ITEMS,
            &json!({"q": "apple red", "filter": {"status": "active"}}),
        )
        .unwrap();
        assert_eq!(names(&run_list(&conn, &c, &q).unwrap()), ["red apple"]);

        // Nested list: comments of one item.
        insert_comment(&conn, &a, "one", "2026-02-01T00:00:00.000000Z");
        insert_comment(&conn, &a, "two", "2026-02-02T00:00:00.000000Z");
        insert_comment(&conn, &gone, "three", "2026-02-03T00:00:00.000000Z");
        let base = format!("/api/v1/items/{a}/comments");
        let nested = ListContext {
            res: &COMMENTS,
            workspace_id: WS,
            parent: Some(("item_id", &a)),
            base_path: &base,
        };
        let r = run(&conn, &nested, &[("sort", "inserted_at")]);
        let bodies: Vec<&str> = r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["one", "two"]);
        assert_eq!(
            link(&r, "self").unwrap(),
            format!("{base}?page=1&per_page=100&sort=inserted_at")
        );
        let _ = cat;
    }

    #[test]
    fn list_includes_and_sparse_fields() {
        let conn = test_conn();
        let cat = insert_category(&conn, WS, "Tools", "2026-01-01T00:00:00.000000Z");
        let a = ItemSeed::new("a", "2026-01-02T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let b = ItemSeed::new("b", "2026-01-03T00:00:00.000000Z")
            .category(&cat)
            .insert(&conn);
        let cm = insert_comment(&conn, &a, "hi", "2026-02-01T00:00:00.000000Z");
        let r = run(
            &conn,
            &ctx(&ITEMS),
            &[
                ("include", "category,comments"),
                ("fields", "items.name,categories.name,comments.body"),
                ("sort", "name"),
            ],
        );
        assert_eq!(
            r.body["data"],
            json!([
                {
                    "id": a, "name": "a",
                    "inserted_at": "2026-01-02T00:00:00.000000Z", "updated_at": "2026-01-02T00:00:00.000000Z",
                    "relationships": {"category": {"type": "category", "id": cat}, "comments": [{"type": "comment", "id": cm}]},
                    "links": {"self": format!("/api/v1/items/{a}"), "comments": format!("/api/v1/items/{a}/comments"), "category": format!("/api/v1/categories/{cat}")}
                },
                {
                    "id": b, "name": "b",
                    "inserted_at": "2026-01-03T00:00:00.000000Z", "updated_at": "2026-01-03T00:00:00.000000Z",
                    "relationships": {"category": {"type": "category", "id": cat}, "comments": []},
                    "links": {"self": format!("/api/v1/items/{b}"), "comments": format!("/api/v1/items/{b}/comments"), "category": format!("/api/v1/categories/{cat}")}
                }
            ])
        );
        let included = r.body["included"].as_array().unwrap();
        assert_eq!(included.len(), 2, "category deduplicated");
        assert_eq!(included[0]["type"], json!("category"));
        assert_eq!(included[0]["name"], json!("Tools"));
        assert!(included[0].get("description").is_none());
        assert_eq!(included[1]["type"], json!("comment"));
        assert_eq!(included[1]["body"], json!("hi"));
        assert!(included[1].get("item_id").is_none());
        let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["data", "pagination", "links", "included"]);
        // Without include: neither relationships nor included.
        let r = run(&conn, &ctx(&ITEMS), &[]);
        assert!(r.body.get("included").is_none());
        assert!(r.body["data"][0].get("relationships").is_none());
        // Categories include their items.
        let r = run(&conn, &ctx(&CATEGORIES), &[("include", "items")]);
        assert_eq!(
            r.body["data"][0]["relationships"],
            json!({"items": [{"type": "item", "id": a}, {"type": "item", "id": b}]})
        );
    }

    #[test]
    fn cursor_links_and_tampering() {
        let conn = test_conn();
        seven(&conn);
        let c = ctx(&ITEMS);
        let p1 = run(
            &conn,
            &c,
            &[
                ("cursor", ""),
                ("per_page", "3"),
                ("filter[status]", "draft"),
            ],
        );
        assert_eq!(names(&p1), ["n6", "n5", "n4"]);
        let pag = &p1.body["pagination"];
        assert_eq!(pag["has_more"], json!(true));
        assert_eq!(pag["prev_cursor"], Value::Null);
        let next = pag["next_cursor"].as_str().unwrap();
        assert_eq!(
            p1.body["links"],
            json!({
                "self": "/api/v1/items?cursor=&per_page=3&filter[status][eq]=draft",
                "first": "/api/v1/items?cursor=&per_page=3&filter[status][eq]=draft",
                "prev": null,
                "next": format!("/api/v1/items?cursor={next}&per_page=3&filter[status][eq]=draft")
            })
        );
        assert_eq!(
            p1.link_header.as_deref().unwrap(),
            format!(
                "</api/v1/items?cursor=&per_page=3&filter[status][eq]=draft>; rel=\"first\", </api/v1/items?cursor={next}&per_page=3&filter[status][eq]=draft>; rel=\"next\""
            )
        );
        let p2 = follow(&conn, &c, &link(&p1, "next").unwrap()).unwrap();
        assert_eq!(names(&p2), ["n3", "n2", "n1"]);
        assert_eq!(link(&p2, "self").unwrap(), link(&p1, "next").unwrap());
        assert!(p2.body["pagination"]["prev_cursor"].is_string());
        assert!(p2.body["pagination"].get("page").is_none());

        // A cursor used with another sort is refused, naming the cursor.
        let e =
            parse_list_query(&ITEMS, &pairs(&[("cursor", next), ("sort", "name")])).unwrap_err();
        assert_eq!(e.param, "cursor");
        assert!(e.detail.contains(next));
        // Tampered tokens.
        let mut tampered = next.to_string();
        tampered.insert(5, 'x');
        let e = parse_list_query(&ITEMS, &pairs(&[("cursor", &tampered)])).unwrap_err();
        assert_eq!(e.param, "cursor");
        let e = parse_list_query(&ITEMS, &pairs(&[("cursor", "eyJpZCI6InV1aWQtMTAwIn0=")]))
            .unwrap_err();
        assert_eq!(e.param, "cursor");
        assert!(e.detail.contains("eyJpZCI6InV1aWQtMTAwIn0="));
    }

    /// SQLite-compatible ordering of sort values: NULL < integers < text (byte order).
    fn cmp_sql(a: &SqlValue, b: &SqlValue) -> Ordering {
        match (a, b) {
            (SqlValue::Null, SqlValue::Null) => Ordering::Equal,
            (SqlValue::Null, _) => Ordering::Less,
            (_, SqlValue::Null) => Ordering::Greater,
            (SqlValue::Integer(x), SqlValue::Integer(y)) => x.cmp(y),
            (SqlValue::Text(x), SqlValue::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
            (SqlValue::Integer(_), _) => Ordering::Less,
            (_, SqlValue::Integer(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        }
    }

    /// Expected order of the live WS items for a sort spec, computed in Rust.
    fn expected_order(conn: &rusqlite::Connection, spec: &str) -> Vec<String> {
        let sort = crate::query::parse::parse_sort(
            &ITEMS,
            &spec.split(',').map(str::to_string).collect::<Vec<_>>(),
            "sort",
        )
        .unwrap();
        let mut stmt = conn
            .prepare("SELECT * FROM items WHERE workspace_id = ?1 AND deleted_at IS NULL")
            .unwrap();
        let mut rows: Vec<(Vec<SqlValue>, String)> = stmt
            .query_map([WS], |row| {
                let keys = sort
                    .iter()
                    .map(|k| row.get::<_, SqlValue>(k.field.name))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((keys, row.get::<_, String>("id")?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort_by(|(ka, ia), (kb, ib)| {
            for (i, k) in sort.iter().enumerate() {
                let o = cmp_sql(&ka[i], &kb[i]);
                let o = if k.desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            ia.cmp(ib)
        });
        rows.into_iter().map(|(_, id)| id).collect()
    }

    fn seed_random(conn: &rusqlite::Connection, rng: &mut StdRng) {
        let times = [
            "2026-01-01T00:00:00.000000Z",
            "2026-01-01T00:00:00.000001Z",
            "2026-02-01T00:00:00.000000Z",
        ];
        let n = rng.random_range(0..=13);
        for i in 0..n {
            let due = [None, Some(times[0]), Some(times[2])][rng.random_range(0..3)];
            let email = [None, Some("a@x.io"), Some("b@x.io")][rng.random_range(0..3)];
            let id = ItemSeed::new(
                &format!("n{:02}", rng.random_range(0..100) * 100 + i),
                times[rng.random_range(0..3)],
            )
            .status(["draft", "active", "archived"][rng.random_range(0..3)])
            .amount([0, 100, 200][rng.random_range(0..3)])
            .featured(rng.random_bool(0.5))
            .due_opt(due)
            .email_opt(email)
            .insert(conn);
            if rng.random_bool(0.15) {
                soft_delete(conn, "items", &id);
            }
        }
        ItemSeed::new("elsewhere", times[0])
            .workspace("ws-2")
            .insert(conn);
    }

    const SPECS: &[&str] = &[
        "-inserted_at",
        "inserted_at",
        "name",
        "due_at",
        "-due_at",
        "email,-due_at",
        "-email,due_at,status",
        "is_featured,-amount_cents",
        "-is_featured,email,-inserted_at",
        "status,-inserted_at,due_at",
    ];

    /// Offset and cursor walks (forward via `next`, backward via `prev`) visit every row once,
    /// in the same order, for many data sets, sorts and page sizes.
    #[test]
    fn cursor_walk_matches_offset_walk() {
        for seed in 0..12u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let conn = test_conn();
            seed_random(&conn, &mut rng);
            let c = ctx(&ITEMS);
            for spec in SPECS {
                let expected = expected_order(&conn, spec);
                for per_page in 1..=3usize {
                    let pp = per_page.to_string();
                    let label = format!("seed {seed} sort {spec} per_page {per_page}");

                    // Offset walk.
                    let mut offset_ids = vec![];
                    let mut page = run(&conn, &c, &[("sort", spec), ("per_page", &pp)]);
                    let total = page.body["pagination"]["total_count"].as_i64().unwrap();
                    assert_eq!(total as usize, expected.len(), "{label}");
                    loop {
                        offset_ids.extend(ids(&page));
                        match link(&page, "next") {
                            Some(next) => page = follow(&conn, &c, &next).unwrap(),
                            None => break,
                        }
                    }
                    assert_eq!(offset_ids, expected, "offset {label}");

                    // Cursor walk forward.
                    let mut pages: Vec<Vec<String>> = vec![];
                    let mut page = run(
                        &conn,
                        &c,
                        &[("sort", spec), ("per_page", &pp), ("cursor", "")],
                    );
                    loop {
                        let pag = page.body["pagination"].clone();
                        assert_eq!(pag["prev_cursor"].is_null(), pages.is_empty(), "{label}");
                        assert_eq!(
                            pag["has_more"].as_bool().unwrap(),
                            pag["next_cursor"].is_string(),
                            "{label}"
                        );
                        pages.push(ids(&page));
                        match link(&page, "next") {
                            Some(next) => page = follow(&conn, &c, &next).unwrap(),
                            None => break,
                        }
                    }
                    let flat: Vec<String> = pages.concat();
                    assert_eq!(flat, expected, "cursor {label}");
                    assert!(
                        pages.iter().all(|p| p.len() == per_page)
                            || pages.last().unwrap().len() <= per_page
                    );
                    assert!(
                        pages[..pages.len() - 1].iter().all(|p| p.len() == per_page),
                        "{label}"
                    );

                    // And back again via prev.
                    let mut back = vec![ids(&page)];
                    while let Some(prev) = link(&page, "prev") {
                        page = follow(&conn, &c, &prev).unwrap();
                        assert!(
                            page.body["pagination"]["has_more"].as_bool().unwrap(),
                            "{label}"
                        );
                        back.push(ids(&page));
                    }
                    back.reverse();
                    assert_eq!(back, pages, "prev walk {label}");
                    // The first page reached backwards has no prev.
                    assert!(page.body["pagination"]["prev_cursor"].is_null());
                }
            }
        }
    }

    #[test]
    fn keyset_handles_null_boundaries() {
        // Rows with NULL due_at at both ends of the order, per_page 1 so every boundary is
        // visited, ascending and descending.
        let conn = test_conn();
        let t = "2026-01-01T00:00:00.000000Z";
        ItemSeed::new("a", t).insert(&conn);
        ItemSeed::new("b", t).due(t).insert(&conn);
        ItemSeed::new("c", t).insert(&conn);
        ItemSeed::new("d", t)
            .due("2026-01-02T00:00:00.000000Z")
            .insert(&conn);
        let c = ctx(&ITEMS);
        for spec in [
            "due_at,name",
            "-due_at,name",
            "due_at,-name",
            "-due_at,-name",
        ] {
            let mut page = run(
                &conn,
                &c,
                &[("sort", spec), ("per_page", "1"), ("cursor", "")],
            );
            let mut seen = names(&page);
            while let Some(next) = link(&page, "next") {
                page = follow(&conn, &c, &next).unwrap();
                seen.extend(names(&page));
            }
            let expected = match spec {
                "due_at,name" => ["a", "c", "b", "d"],
                "-due_at,name" => ["d", "b", "a", "c"],
                "due_at,-name" => ["c", "a", "b", "d"],
                _ => ["d", "b", "c", "a"],
            };
            assert_eq!(seen, expected, "{spec}");
        }
    }
}
