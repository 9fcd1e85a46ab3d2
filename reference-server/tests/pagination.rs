//! Offset (`pagination-offset.*`) and cursor (`pagination-cursor.*`) pagination: defaults,
//! clamping, counts, empty results, cursor walks over tied sort keys, has_more, bad cursors.

mod common;
mod qhelp;

use std::collections::BTreeSet;

use qhelp::*;
use serde_json::{Value, json};

async fn seeded(n: usize) -> (common::TestServer, Vec<Value>) {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(n, "p")).await;
    (ts, rows)
}

#[tokio::test]
async fn default_is_offset_page_1_per_page_100() {
    let (ts, rows) = seeded(130).await;
    let (_, b) = list(&ts, ITEMS, "full").await;
    assert_eq!(
        b["pagination"],
        json!({"page": 1, "per_page": 100, "total_count": 130, "total_pages": 2})
    );
    check_offset(&b, 1, 100);
    assert_eq!(b["data"].as_array().unwrap().len(), 100);
    assert_eq!(b["links"]["self"], "/api/v1/items?page=1&per_page=100");
    assert_eq!(b["links"]["next"], "/api/v1/items?page=2&per_page=100");
    assert_eq!(b["links"]["last"], "/api/v1/items?page=2&per_page=100");
    let (_, b2) = list(&ts, b["links"]["next"].as_str().unwrap(), "full").await;
    check_offset(&b2, 2, 100);
    assert_eq!(b2["data"].as_array().unwrap().len(), 30);
    let mut seen: BTreeSet<String> = id_set(&b);
    seen.extend(id_set(&b2));
    assert_eq!(seen, rows.iter().map(id_of).collect());
}

#[tokio::test]
async fn per_page_clamped_to_500_and_to_1() {
    let (ts, _) = seeded(520).await;
    let (_, b) = list(&ts, &format!("{ITEMS}?per_page=1000"), "full").await;
    assert_eq!(
        b["pagination"],
        json!({"page": 1, "per_page": 500, "total_count": 520, "total_pages": 2})
    );
    assert_eq!(b["data"].as_array().unwrap().len(), 500);
    check_offset(&b, 1, 500);
    assert_eq!(
        link_param(b["links"]["next"].as_str().unwrap(), "per_page").as_deref(),
        Some("500")
    );

    // cursor mode clamps too
    let (_, b) = list(&ts, &format!("{ITEMS}?cursor=&per_page=1000"), "full").await;
    check_cursor(&b, 500);
    assert_eq!(b["data"].as_array().unwrap().len(), 500);
    assert_eq!(b["pagination"]["has_more"], true);

    // below 1 → 1 (DESIGN: clamped)
    for pp in ["0", "-5"] {
        let (_, b) = list(&ts, &format!("{ITEMS}?per_page={pp}"), "full").await;
        check_offset(&b, 1, 1);
        assert_eq!(b["pagination"]["total_pages"], 520);
    }
    // exactly the bounds
    let (_, b) = list(&ts, &format!("{ITEMS}?per_page=500"), "full").await;
    check_offset(&b, 1, 500);
    let (_, b) = list(&ts, &format!("{ITEMS}?per_page=1"), "full").await;
    check_offset(&b, 1, 1);

    // far above the maximum: still clamped, not an error
    let (_, b) = list(
        &ts,
        &format!("{ITEMS}?per_page=99999999999999999999999"),
        "full",
    )
    .await;
    check_offset(&b, 1, 500);
    let (s, _, b) = get(
        &ts,
        &format!("{ITEMS}?page=99999999999999999999999"),
        "full",
    )
    .await;
    assert_eq!(s, 200, "a huge page is just past the end: {b}");
    assert_eq!(b["data"], json!([]));
    for bad in ["abc", "1.5", ""] {
        expect_400(&ts, &format!("{ITEMS}?per_page={bad}"), "per_page").await;
    }
}

#[tokio::test]
async fn page_below_1_is_page_1() {
    let (ts, _) = seeded(12).await;
    let (_, p1) = list(&ts, &format!("{ITEMS}?page=1&per_page=5"), "full").await;
    for page in ["0", "-3"] {
        let (_, b) = list(&ts, &format!("{ITEMS}?page={page}&per_page=5"), "full").await;
        check_offset(&b, 1, 5);
        assert_eq!(ids(&b), ids(&p1), "page={page}");
        assert_eq!(b["links"]["prev"], Value::Null);
    }
    for bad in ["two", "1.0", ""] {
        expect_400(&ts, &format!("{ITEMS}?page={bad}"), "page").await;
    }
    // A page past the end echoes the page, is empty, has no next.
    let (_, b) = list(&ts, &format!("{ITEMS}?page=9&per_page=5"), "full").await;
    check_offset(&b, 9, 5);
    assert_eq!(b["data"], json!([]));
    assert_eq!(b["pagination"]["total_count"], 12);
    assert_eq!(b["links"]["next"], Value::Null);
}

#[tokio::test]
async fn pages_are_full_except_the_last_and_cover_everything() {
    let (ts, rows) = seeded(23).await;
    for per_page in [1, 4, 5, 23, 24] {
        let walked = walk_offset(&ts, ITEMS, &[], per_page, "full").await;
        let mut expected = rows.clone();
        sort_rows(&mut expected, "-inserted_at");
        assert_eq!(row_ids(&walked), row_ids(&expected), "per_page={per_page}");
    }
}

#[tokio::test]
async fn with_count_false_nulls_totals() {
    let (ts, rows) = seeded(7).await;
    let (_, b) = list(&ts, &format!("{ITEMS}?with_count=false&per_page=3"), "full").await;
    assert_eq!(
        b["pagination"],
        json!({"page": 1, "per_page": 3, "total_count": null, "total_pages": null})
    );
    assert_eq!(b["data"].as_array().unwrap().len(), 3);
    let next = b["links"]["next"].as_str().expect("next without a count");
    assert_eq!(link_param(next, "with_count").as_deref(), Some("false"));
    assert!(b["links"]["last"].is_null() || b["links"]["last"].is_string());
    // The walk still reaches every row, and the last page says there is no next.
    let walked = walk_offset(&ts, ITEMS, &[("with_count", "false")], 3, "full").await;
    assert_eq!(walked.len(), rows.len());
    let (_, last) = list(
        &ts,
        &format!("{ITEMS}?with_count=false&per_page=3&page=3"),
        "full",
    )
    .await;
    assert_eq!(last["links"]["next"], Value::Null);
    assert_eq!(last["data"].as_array().unwrap().len(), 1);

    let (_, b) = list(&ts, &format!("{ITEMS}?with_count=true&per_page=3"), "full").await;
    assert_eq!(b["pagination"]["total_count"], 7);
    assert_eq!(b["pagination"]["total_pages"], 3);

    for bad in ["1", "0", "yes", "TRUE", "False", ""] {
        expect_400(&ts, &format!("{ITEMS}?with_count={bad}"), "with_count").await;
    }
}

#[tokio::test]
async fn empty_result_shape() {
    let (ts, _) = seeded(3).await;
    let q = uuid::Uuid::new_v4().to_string();
    let (h, b) = list(&ts, &format!("{ITEMS}?q={q}"), "full").await;
    assert_eq!(b["data"], json!([]));
    assert_eq!(
        b["pagination"],
        json!({"page": 1, "per_page": 100, "total_count": 0, "total_pages": 0})
    );
    let l = &b["links"];
    assert_eq!(l["prev"], Value::Null);
    assert_eq!(l["next"], Value::Null);
    assert_eq!(
        link_param(l["last"].as_str().unwrap(), "page").as_deref(),
        Some("1")
    );
    assert_eq!(
        link_param(l["first"].as_str().unwrap(), "page").as_deref(),
        Some("1")
    );
    assert_eq!(
        link_param(l["self"].as_str().unwrap(), "q"),
        Some(q.clone())
    );
    let rels = parse_link_header(common::header(&h, "link").unwrap());
    assert!(!rels.contains_key("next") && !rels.contains_key("prev"));

    // An empty collection (fresh server, other workspace) looks the same.
    let (_, b) = list(&ts, ITEMS, "second_workspace").await;
    assert_eq!(b["data"], json!([]));
    assert_eq!(
        b["pagination"],
        json!({"page": 1, "per_page": 100, "total_count": 0, "total_pages": 0})
    );
    // and in cursor mode
    let (_, b) = list(&ts, &format!("{ITEMS}?cursor=&q={q}"), "full").await;
    assert_eq!(b["data"], json!([]));
    assert_eq!(
        b["pagination"],
        json!({"per_page": 100, "has_more": false, "next_cursor": null, "prev_cursor": null})
    );
}

#[tokio::test]
async fn total_count_after_filters_and_search() {
    let (ts, rows) = seeded(60).await;
    let expected: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["status"] == "active"
                && r["amount_cents"].as_i64().unwrap() >= 100
                && r["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("green"))
        })
        .collect();
    assert!(expected.len() > 3, "fixture gives a few matches");
    let extra = [
        ("q", "GREEN"),
        ("filter[status]", "active"),
        ("filter[amount_cents][gte]", "100"),
    ];
    let (_, b) = list(&ts, &url(ITEMS, &extra), "full").await;
    assert_eq!(total_count(&b), expected.len() as i64);
    let walked = walk_offset(&ts, ITEMS, &extra, 2, "full").await;
    let got: BTreeSet<String> = walked.iter().map(id_of).collect();
    let want: BTreeSet<String> = expected.iter().map(|r| id_of(r)).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn cursor_walk_matches_offset_walk_with_ties() {
    let (ts, rows) = seeded(37).await;
    for sort in [
        None,
        Some("status"),
        Some("-status"),
        Some("-amount_cents,name"),
        Some("is_featured,-priority"),
        Some("email"),
        Some("-due_at,currency,-is_featured"),
        Some("name"),
    ] {
        let extra: Vec<(&str, &str)> = sort.map(|s| vec![("sort", s)]).unwrap_or_default();
        let mut expected = rows.clone();
        sort_rows(&mut expected, sort.unwrap_or("-inserted_at"));
        let offset = walk_offset(&ts, ITEMS, &extra, 5, "full").await;
        assert_eq!(
            row_ids(&offset),
            row_ids(&expected),
            "offset walk, sort {sort:?}"
        );
        for per_page in [
            if sort.is_none() || sort == Some("email") {
                1
            } else {
                3
            },
            4,
            37,
        ] {
            let cursor = walk_cursor(&ts, ITEMS, &extra, per_page, "full").await;
            assert_eq!(
                row_ids(&cursor),
                row_ids(&expected),
                "cursor walk per_page={per_page}, sort {sort:?}"
            );
        }
    }
}

#[tokio::test]
async fn cursor_walk_with_filter_and_search() {
    let (ts, rows) = seeded(40).await;
    let extra = [
        ("q", "blue"),
        ("filter[status][neq]", "draft"),
        ("sort", "-amount_cents"),
    ];
    let mut expected: Vec<Value> = rows
        .iter()
        .filter(|r| {
            r["status"] != "draft"
                && r["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("blue"))
        })
        .cloned()
        .collect();
    sort_rows(&mut expected, "-amount_cents");
    assert!(expected.len() > 4);
    let walked = walk_cursor(&ts, ITEMS, &extra, 3, "full").await;
    assert_eq!(row_ids(&walked), row_ids(&expected));
}

#[tokio::test]
async fn cursor_response_shape_and_no_offset_keys() {
    let (ts, _) = seeded(5).await;
    let (h, b) = list(&ts, &format!("{ITEMS}?cursor="), "full").await;
    assert_eq!(
        b["pagination"],
        json!({"per_page": 100, "has_more": false, "next_cursor": null, "prev_cursor": null})
    );
    assert_eq!(b["data"].as_array().unwrap().len(), 5);
    let l = b["links"].as_object().unwrap();
    assert!(l.contains_key("self") && l.contains_key("next") && l.contains_key("prev"));
    assert!(!l.contains_key("last") || l["last"].is_null());
    assert_eq!(l["next"], Value::Null);
    assert_eq!(l["prev"], Value::Null);
    assert!(common::header(&h, "etag").is_none());

    let (_, b) = list(&ts, &format!("{ITEMS}?cursor=&per_page=2"), "full").await;
    check_cursor(&b, 2);
    assert_eq!(b["pagination"]["has_more"], true);
    for k in ["page", "total_count", "total_pages"] {
        assert!(
            b["pagination"].get(k).is_none(),
            "cursor pagination has no {k}"
        );
    }
    let next = b["pagination"]["next_cursor"].as_str().unwrap();
    assert!(
        b["links"]["next"]
            .as_str()
            .unwrap()
            .contains(&format!("cursor={next}")),
        "links.next carries the cursor: {}",
        b["links"]["next"]
    );
    // The opaque cursor is base64 / base64url text.
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let s = base64::engine::general_purpose::STANDARD;
    let trimmed = next.trim_end_matches('=');
    assert!(
        e.decode(trimmed).is_ok() || s.decode(next).is_ok(),
        "cursor {next} is not base64"
    );
}

#[tokio::test]
async fn has_more_false_on_exact_last_page() {
    let (ts, _) = seeded(6).await;
    let (_, p1) = list(&ts, &format!("{ITEMS}?cursor=&per_page=3"), "full").await;
    check_cursor(&p1, 3);
    assert_eq!(p1["pagination"]["has_more"], true);
    let (_, p2) = list(&ts, p1["links"]["next"].as_str().unwrap(), "full").await;
    check_cursor(&p2, 3);
    assert_eq!(p2["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        p2["pagination"]["has_more"], false,
        "no empty trailing page"
    );
    assert_eq!(p2["pagination"]["next_cursor"], Value::Null);
    assert!(p2["pagination"]["prev_cursor"].is_string());
    // prev from page 2 gives page 1
    let (_, back) = list(&ts, p2["links"]["prev"].as_str().unwrap(), "full").await;
    assert_eq!(ids(&back), ids(&p1));
    assert_eq!(back["pagination"]["prev_cursor"], Value::Null);
    assert_eq!(back["pagination"]["has_more"], true);
}

#[tokio::test]
async fn cursor_walk_is_stable_under_inserts() {
    let (ts, rows) = seeded(9).await;
    let (_, p1) = list(&ts, &format!("{ITEMS}?cursor=&per_page=4"), "full").await;
    let mut seen = ids(&p1);
    // New rows sort before the cursor (newest first): the walk neither repeats nor skips.
    bulk_items(
        &ts,
        vec![json!({"name": "late 1"}), json!({"name": "late 2"})],
    )
    .await;
    let mut next = p1["links"]["next"].as_str().map(str::to_string);
    while let Some(n) = next {
        let (_, b) = list(&ts, &n, "full").await;
        seen.extend(ids(&b));
        next = b["links"]["next"].as_str().map(str::to_string);
    }
    let mut expected = rows.clone();
    sort_rows(&mut expected, "-inserted_at");
    assert_eq!(seen, row_ids(&expected));
}

#[tokio::test]
async fn invalid_cursors_give_400() {
    let (ts, _) = seeded(5).await;
    let (_, b) = list(&ts, &format!("{ITEMS}?cursor=&per_page=2"), "full").await;
    let real = b["pagination"]["next_cursor"].as_str().unwrap().to_string();
    use base64::Engine as _;
    let junk_json = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"a":1}"#);
    let junk_std = base64::engine::general_purpose::STANDARD.encode(b"{\"id\":\"uuid-100\"}");
    let truncated = real[..real.len() / 2].to_string();
    for bad in [
        "!!notbase64",
        "@@",
        &junk_json,
        &junk_std,
        &truncated,
        "e30",
    ] {
        let (s, h, b) = get(&ts, &url(ITEMS, &[("cursor", bad)]), "full").await;
        assert_400_naming(s, &h, &b, "cursor");
    }
    // A cursor belongs to the query's sort; reusing it under another sort is rejected.
    let (s, h, b) = get(
        &ts,
        &url(ITEMS, &[("cursor", &real), ("sort", "name")]),
        "full",
    )
    .await;
    assert_400_naming(s, &h, &b, "cursor");
    // The real one still works.
    let (_, b) = list(
        &ts,
        &url(ITEMS, &[("cursor", &real), ("per_page", "2")]),
        "full",
    )
    .await;
    check_cursor(&b, 2);
}

#[tokio::test]
async fn every_collection_is_paginated() {
    let ts = common::start().await;
    let cat = ts.create_category("Paged").await;
    let item = ts
        .create_item(json!({"name": "I", "category_id": cat["id"]}))
        .await;
    create_comment(&ts, &id_of(&item), "c").await;
    for path in [
        ITEMS.to_string(),
        "/api/v1/categories".to_string(),
        "/api/v1/comments".to_string(),
        format!("{ITEMS}/{}/comments", id_of(&item)),
        format!("/api/v1/categories/{}/items", id_of(&cat)),
    ] {
        let (_, b) = list(&ts, &path, "full").await;
        check_offset(&b, 1, 100);
        assert_eq!(b["pagination"]["total_count"], 1, "{path}");
        assert_eq!(b["data"].as_array().unwrap().len(), 1, "{path}");
        let (_, b) = list(&ts, &format!("{path}?cursor=&per_page=1"), "full").await;
        check_cursor(&b, 1);
    }
}

#[tokio::test]
async fn unknown_query_parameter_is_400() {
    let ts = common::start().await;
    for path in [
        format!("{ITEMS}?zz_harness_unknown=1"),
        format!("{ITEMS}?direction=prev"),
    ] {
        let (s, h, b) = get(&ts, &path, "full").await;
        let name = if path.contains("zz_") {
            "zz_harness_unknown"
        } else {
            "direction"
        };
        assert_400_naming(s, &h, &b, name);
    }
}

#[tokio::test]
async fn cursor_prev_walk_reverses_the_forward_walk() {
    let (ts, _) = seeded(23).await;
    for sort in [
        "-inserted_at",
        "email,-due_at",
        "-is_featured,status",
        "due_at",
    ] {
        let first = url(ITEMS, &[("cursor", ""), ("per_page", "4"), ("sort", sort)]);
        let mut pages: Vec<Vec<String>> = vec![];
        let mut last_body = Value::Null;
        let mut next = Some(first);
        while let Some(n) = next {
            let (_, b) = list(&ts, &n, "full").await;
            pages.push(ids(&b));
            next = b["links"]["next"].as_str().map(str::to_string);
            last_body = b;
        }
        assert_eq!(pages.len(), 6, "23 rows / 4");
        // Back from the last page to the first, one prev at a time.
        let mut back: Vec<Vec<String>> = vec![ids(&last_body)];
        let mut prev = last_body["links"]["prev"].as_str().map(str::to_string);
        while let Some(p) = prev {
            let (_, b) = list(&ts, &p, "full").await;
            check_cursor(&b, 4);
            assert_eq!(
                b["pagination"]["has_more"], true,
                "a page before the last has more"
            );
            back.push(ids(&b));
            prev = b["links"]["prev"].as_str().map(str::to_string);
            assert!(back.len() <= pages.len(), "prev walk overran");
        }
        back.reverse();
        assert_eq!(back, pages, "sort {sort}");
    }
}

#[tokio::test]
async fn cursor_survives_deletion_of_the_cursor_row() {
    let (ts, rows) = seeded(10).await;
    let mut expected = rows.clone();
    sort_rows(&mut expected, "name");
    let (_, p1) = list(
        &ts,
        &format!("{ITEMS}?cursor=&per_page=3&sort=name"),
        "full",
    )
    .await;
    assert_eq!(ids(&p1), row_ids(&expected[..3]));
    // Delete the row the next cursor points at (the last of page 1).
    delete_ok(&ts, &format!("{ITEMS}/{}", id_of(&expected[2]))).await;
    let (_, p2) = list(&ts, p1["links"]["next"].as_str().unwrap(), "full").await;
    assert_eq!(
        ids(&p2),
        row_ids(&expected[3..6]),
        "no row skipped or repeated"
    );
}
