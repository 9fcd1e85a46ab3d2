//! Sorting (`sorting.*`), full-text search (`search.*`) and the POST /search escape hatch
//! (`post-search.*`).

mod common;
mod qhelp;

use std::collections::BTreeSet;

use qhelp::*;
use reqwest::Method;
use serde_json::{Value, json};

const SORTABLE: &[&str] = &[
    "name",
    "status",
    "priority",
    "amount_cents",
    "currency",
    "email",
    "due_at",
    "is_featured",
    "inserted_at",
    "updated_at",
];

async fn all(ts: &common::TestServer, extra: &[(&str, &str)]) -> Value {
    let mut pairs = vec![("per_page", "500")];
    pairs.extend_from_slice(extra);
    list(ts, &url(ITEMS, &pairs), "full").await.1
}

#[tokio::test]
async fn every_sortable_field_ascending_and_descending() {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(30, "s")).await;
    // Touch a few rows so updated_at differs from inserted_at order.
    for r in rows.iter().step_by(7) {
        let (s, _, b) = send(
            &ts,
            Method::PATCH,
            &format!("{ITEMS}/{}", id_of(r)),
            "full",
            Some(&json!({"tags": ["touched"]})),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, current) = list(&ts, &format!("{ITEMS}?per_page=500"), "full").await;
    let current: Vec<Value> = current["data"].as_array().unwrap().clone();
    for f in SORTABLE {
        for spec in [f.to_string(), format!("-{f}")] {
            let b = all(&ts, &[("sort", &spec)]).await;
            let mut expected = current.clone();
            sort_rows(&mut expected, &spec);
            assert_eq!(ids(&b), row_ids(&expected), "sort={spec}");
            assert_eq!(
                link_param(b["links"]["self"].as_str().unwrap(), "sort"),
                Some(spec.clone())
            );
        }
    }
}

#[tokio::test]
async fn strings_sort_by_code_point_and_nulls_first() {
    let ts = common::start().await;
    let names = [
        "école",
        "Zebra",
        "apple",
        "Ångström",
        "zebra",
        "École",
        "Apple",
    ];
    for (i, n) in names.iter().enumerate() {
        let email = match i % 3 {
            0 => Value::Null,
            1 => json!(format!("{}@example.com", i)),
            _ => json!(format!("Z{}@example.com", i)),
        };
        ts.create_item(json!({"name": n, "email": email})).await;
    }
    let b = all(&ts, &[("sort", "name")]).await;
    assert_eq!(
        names_of(&b),
        [
            "Apple",
            "Zebra",
            "apple",
            "zebra",
            "Ångström",
            "École",
            "école"
        ]
    );
    let b = all(&ts, &[("sort", "-name")]).await;
    assert_eq!(
        names_of(&b),
        [
            "école",
            "École",
            "Ångström",
            "zebra",
            "apple",
            "Zebra",
            "Apple"
        ]
    );
    // NULL before any value ascending, after every value descending.
    let b = all(&ts, &[("sort", "email")]).await;
    let emails: Vec<Value> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["email"].clone())
        .collect();
    assert_eq!(emails[..3], [Value::Null, Value::Null, Value::Null]);
    assert!(emails[3..].iter().all(Value::is_string));
    let b = all(&ts, &[("sort", "-email")]).await;
    let emails: Vec<Value> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["email"].clone())
        .collect();
    assert!(emails[..4].iter().all(Value::is_string));
    assert_eq!(emails[4..], [Value::Null, Value::Null, Value::Null]);
}

fn names_of(b: &Value) -> Vec<String> {
    names(b)
}

#[tokio::test]
async fn compound_sort_breaks_ties_with_later_fields() {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(24, "c")).await;
    let b = all(&ts, &[("sort", "status,-name")]).await;
    let mut expected = rows.clone();
    sort_rows(&mut expected, "status,-name");
    assert_eq!(ids(&b), row_ids(&expected));
    // Within each status, names descend.
    let data = b["data"].as_array().unwrap();
    for w in data.windows(2) {
        let (a, c) = (&w[0], &w[1]);
        let sa = a["status"].as_str().unwrap();
        let sc = c["status"].as_str().unwrap();
        assert!(sa <= sc);
        if sa == sc {
            assert!(a["name"].as_str().unwrap() > c["name"].as_str().unwrap());
        }
    }
    // Three fields are allowed; ties left after all keys fall back to id ascending.
    let b = all(&ts, &[("sort", "currency,-is_featured,priority")]).await;
    let mut expected = rows.clone();
    sort_rows(&mut expected, "currency,-is_featured,priority");
    assert_eq!(ids(&b), row_ids(&expected));
}

#[tokio::test]
async fn sort_errors_are_400_naming_the_field() {
    let ts = common::start().await;
    for (spec, needle) in [
        ("zz_no_such_field", "zz_no_such_field"),
        ("-zz_no_such_field", "zz_no_such_field"),
        ("name,zz_other", "zz_other"),
        ("metadata", "metadata"),
        ("-metadata", "metadata"),
        ("tags", "tags"),
        ("description", "description"),
        ("name,status,priority,currency", "sort"),
    ] {
        let (s, h, b) = get(&ts, &url(ITEMS, &[("sort", spec)]), "full").await;
        assert_400_naming(s, &h, &b, needle);
    }
    // Category has no amount_cents; comments can't sort by body.
    expect_400(&ts, "/api/v1/categories?sort=amount_cents", "amount_cents").await;
    expect_400(&ts, "/api/v1/comments?sort=body", "body").await;
    // Three valid fields are fine.
    list(
        &ts,
        &url(ITEMS, &[("sort", "name,status,-priority")]),
        "full",
    )
    .await;
}

#[tokio::test]
async fn default_sort_is_newest_first() {
    let ts = common::start().await;
    let mut created = vec![];
    for i in 0..4 {
        created.push(ts.create_item(json!({"name": format!("D{i}")})).await);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let (_, b) = list(&ts, ITEMS, "full").await;
    assert_eq!(names(&b), ["D3", "D2", "D1", "D0"]);
    let explicit = all(&ts, &[("sort", "-inserted_at")]).await;
    assert_eq!(ids(&b), ids(&explicit));
    // Bulk rows too: inserted_at never increases down the default list.
    bulk_items(&ts, varied_items(20, "n")).await;
    let (_, b) = list(&ts, ITEMS, "full").await;
    let ts_list: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["inserted_at"].as_str().unwrap())
        .collect();
    assert!(ts_list.windows(2).all(|w| w[0] >= w[1]), "{ts_list:?}");
    // The same on categories and comments.
    for n in ["K1", "K2"] {
        ts.create_category(n).await;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let (_, b) = list(&ts, "/api/v1/categories", "full").await;
    assert_eq!(names(&b), ["K2", "K1"]);
}

#[tokio::test]
async fn sort_composes_with_filters_search_and_pagination() {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(45, "m")).await;
    let extra = [
        ("q", "desc"),
        ("filter[currency][in]", "USD,EUR"),
        ("sort", "-priority,amount_cents"),
    ];
    let mut expected: Vec<Value> = rows
        .iter()
        .filter(|r| {
            r["description"].is_string()
                && ["USD", "EUR"].contains(&r["currency"].as_str().unwrap())
        })
        .cloned()
        .collect();
    sort_rows(&mut expected, "-priority,amount_cents");
    let walked = walk_offset(&ts, ITEMS, &extra, 4, "full").await;
    assert_eq!(row_ids(&walked), row_ids(&expected));
}

// ---------------------------------------------------------------- search

#[tokio::test]
async fn q_finds_a_unique_word_in_name_or_description() {
    let ts = common::start().await;
    let a = ts.create_item(json!({"name": "Quokka lamp"})).await;
    let b_ = ts
        .create_item(json!({"name": "Plain", "description": "a quokka inside"}))
        .await;
    ts.create_item(json!({"name": "Other", "email": "quokka@example.com"}))
        .await;
    let (_, b) = list(&ts, &format!("{ITEMS}?q=quokka"), "full").await;
    assert_eq!(
        id_set(&b),
        BTreeSet::from([id_of(&a), id_of(&b_)]),
        "email is not searchable"
    );
    assert_eq!(total_count(&b), 2);
}

#[tokio::test]
async fn search_is_case_insensitive_including_non_ascii() {
    let ts = common::start().await;
    let upper = ts.create_item(json!({"name": "École Normale"})).await;
    let lower = ts.create_item(json!({"name": "petite école"})).await;
    let plain = ts.create_item(json!({"name": "ECOLE sans accent"})).await;
    let mixed = ts
        .create_item(json!({"name": "Straße", "description": "GrOßE Welt"}))
        .await;
    for q in ["école", "ÉCOLE", "École", "éCoLe"] {
        let (_, b) = list(&ts, &url(ITEMS, &[("q", q)]), "full").await;
        assert_eq!(
            id_set(&b),
            BTreeSet::from([id_of(&upper), id_of(&lower)]),
            "q={q}"
        );
    }
    for q in ["ecole", "Ecole", "ECOLE"] {
        let (_, b) = list(&ts, &url(ITEMS, &[("q", q)]), "full").await;
        assert_eq!(ids(&b), [id_of(&plain)], "q={q}");
    }
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "große")]), "full").await;
    assert_eq!(ids(&b), [id_of(&mixed)]);
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "STRAßE")]), "full").await;
    assert_eq!(ids(&b), [id_of(&mixed)]);
}

#[tokio::test]
async fn search_words_are_anded() {
    let ts = common::start().await;
    let both = ts.create_item(json!({"name": "alpha beta gamma"})).await;
    let split = ts
        .create_item(json!({"name": "beta thing", "description": "ALPHA in description"}))
        .await;
    ts.create_item(json!({"name": "alpha only"})).await;
    ts.create_item(json!({"name": "beta only"})).await;
    for q in ["alpha beta", "beta alpha", "  alpha   beta  ", "ALPHA Beta"] {
        let (_, b) = list(&ts, &url(ITEMS, &[("q", q)]), "full").await;
        assert_eq!(
            id_set(&b),
            BTreeSet::from([id_of(&both), id_of(&split)]),
            "q={q:?}"
        );
        assert_eq!(total_count(&b), 2);
    }
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "alpha beta gamma")]), "full").await;
    assert_eq!(ids(&b), [id_of(&both)]);
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "alpha zzzz")]), "full").await;
    assert_eq!(b["data"], json!([]));
}

#[tokio::test]
async fn search_treats_like_wildcards_literally() {
    let ts = common::start().await;
    let pct = ts.create_item(json!({"name": "50% off"})).await;
    ts.create_item(json!({"name": "500 off"})).await;
    let under = ts.create_item(json!({"name": "a_c"})).await;
    ts.create_item(json!({"name": "abc"})).await;
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "50%")]), "full").await;
    assert_eq!(ids(&b), [id_of(&pct)]);
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "a_c")]), "full").await;
    assert_eq!(ids(&b), [id_of(&under)]);
    let (_, b) = list(&ts, &url(ITEMS, &[("q", "%")]), "full").await;
    assert_eq!(ids(&b), [id_of(&pct)]);
}

#[tokio::test]
async fn blank_q_is_ignored() {
    let ts = common::start().await;
    bulk_items(&ts, varied_items(8, "b")).await;
    let (_, plain) = list(&ts, ITEMS, "full").await;
    for path in [
        format!("{ITEMS}?q="),
        format!("{ITEMS}?q=%20%20"),
        format!("{ITEMS}?q=+"),
        format!("{ITEMS}?q=%09%20"),
    ] {
        let (_, b) = list(&ts, &path, "full").await;
        assert_eq!(total_count(&b), 8, "{path}");
        assert_eq!(ids(&b), ids(&plain), "{path}");
    }
}

#[tokio::test]
async fn search_composes_with_filters_and_counts() {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(40, "f")).await;
    let want: BTreeSet<String> = rows
        .iter()
        .filter(|r| {
            r["description"].as_str().is_some_and(|d| d.contains("red"))
                && r["is_featured"] == false
        })
        .map(id_of)
        .collect();
    let (_, b) = list(
        &ts,
        &url(
            ITEMS,
            &[
                ("q", "Red"),
                ("filter[is_featured]", "false"),
                ("per_page", "500"),
            ],
        ),
        "full",
    )
    .await;
    assert_eq!(id_set(&b), want);
    assert_eq!(total_count(&b), want.len() as i64);
}

#[tokio::test]
async fn search_on_categories_and_comments() {
    let ts = common::start().await;
    let c1 = create_category_desc(&ts, "Garden", Some("outdoor WOMBAT tools")).await;
    create_category_desc(&ts, "Kitchen", None).await;
    let (_, b) = list(&ts, "/api/v1/categories?q=wombat", "full").await;
    assert_eq!(ids(&b), [id_of(&c1)]);
    let (_, b) = list(&ts, "/api/v1/categories?q=garden%20tools", "full").await;
    assert_eq!(ids(&b), [id_of(&c1)]);
    let item = ts.create_item(json!({"name": "host"})).await;
    let m = create_comment(&ts, &id_of(&item), "Numbat sighting").await;
    create_comment(&ts, &id_of(&item), "nothing").await;
    let (_, b) = list(&ts, "/api/v1/comments?q=NUMBAT", "full").await;
    assert_eq!(ids(&b), [id_of(&m)]);
}

// ---------------------------------------------------------------- POST /search

const SEARCH: &str = "/api/v1/items/search";

#[tokio::test]
async fn post_search_has_the_get_format() {
    let ts = common::start().await;
    bulk_items(&ts, varied_items(5, "x")).await;
    let (s, h, b) = post(&ts, SEARCH, "full", &json!({})).await;
    assert_eq!(s, 200, "{b}");
    check_collection(&h, &b);
    assert_eq!(keys(&b), set(&["data", "pagination", "links"]));
    check_offset(&b, 1, 100);
    assert_eq!(total_count(&b), 5);
    let (_, get_b) = list(&ts, ITEMS, "full").await;
    assert_eq!(b, get_b);
}

#[tokio::test]
async fn post_search_equals_the_get_equivalent() {
    let ts = common::start().await;
    let cat = ts.create_category("Shared").await;
    let mut seed = varied_items(40, "e");
    for (i, it) in seed.iter_mut().enumerate() {
        if i % 2 == 0 {
            it["category_id"] = cat["id"].clone();
        }
    }
    bulk_items(&ts, seed).await;
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (
            json!({
                "q": "desc",
                "filter": {
                    "status": {"neq": "archived"},
                    "amount_cents": {"gte": 99, "lte": 5000},
                    "currency": {"in": ["USD", "EUR"]},
                    "is_featured": false
                },
                "sort": ["-amount_cents", "name"],
                "page": 2,
                "per_page": 3,
                "fields": ["items.name", "items.amount_cents", "categories.name"],
                "include": ["category"]
            }),
            vec![
                ("q", "desc"),
                ("filter[status][neq]", "archived"),
                ("filter[amount_cents][gte]", "99"),
                ("filter[amount_cents][lte]", "5000"),
                ("filter[currency][in]", "USD,EUR"),
                ("filter[is_featured]", "false"),
                ("sort", "-amount_cents,name"),
                ("page", "2"),
                ("per_page", "3"),
                ("fields", "items.name,items.amount_cents,categories.name"),
                ("include", "category"),
            ],
        ),
        (
            json!({"filter": {"email": {"null": true}, "metadata.source": {"like": "linked"}}, "with_count": false, "per_page": 2}),
            vec![
                ("filter[email][null]", "true"),
                ("filter[metadata.source][like]", "linked"),
                ("with_count", "false"),
                ("per_page", "2"),
            ],
        ),
        (
            json!({"sort": "status,-due_at", "per_page": 500, "filter": {"due_at": {"gte": "2026-03-01"}}}),
            vec![
                ("sort", "status,-due_at"),
                ("per_page", "500"),
                ("filter[due_at][gte]", "2026-03-01"),
            ],
        ),
        (
            json!({"cursor": "", "per_page": 4, "sort": ["priority"], "filter": {"priority": {"nin": "low,high"}}}),
            vec![
                ("cursor", ""),
                ("per_page", "4"),
                ("sort", "priority"),
                ("filter[priority][nin]", "low,high"),
            ],
        ),
        (
            // Clamping and JSON-typed list values behave as on GET.
            json!({"per_page": 1000, "page": 0, "filter": {"amount_cents": {"in": [99, 101]}, "is_featured": {"neq": true}}}),
            vec![
                ("per_page", "1000"),
                ("page", "0"),
                ("filter[amount_cents][in]", "99,101"),
                ("filter[is_featured][neq]", "true"),
            ],
        ),
    ];
    for (body, pairs) in cases {
        let (s, h, pb) = post(&ts, SEARCH, "full", &body).await;
        assert_eq!(s, 200, "{body}: {pb}");
        check_collection(&h, &pb);
        let (gh, gb) = list(&ts, &url(ITEMS, &pairs), "full").await;
        assert!(
            !gb["data"].as_array().unwrap().is_empty(),
            "non-trivial case {body}"
        );
        assert_eq!(pb, gb, "POST {body} vs GET");
        assert_eq!(common::header(&h, "link"), common::header(&gh, "link"));
    }
}

#[tokio::test]
async fn post_search_links_continue_with_get() {
    let ts = common::start().await;
    let rows = bulk_items(&ts, varied_items(9, "w")).await;
    let body = json!({"cursor": "", "per_page": 4, "sort": ["name"]});
    let (s, _, b) = post(&ts, SEARCH, "full", &body).await;
    assert_eq!(s, 200);
    check_cursor(&b, 4);
    let mut seen = ids(&b);
    let mut next = b["links"]["next"].as_str().map(str::to_string);
    while let Some(n) = next {
        let (_, b) = list(&ts, &n, "full").await;
        seen.extend(ids(&b));
        next = b["links"]["next"].as_str().map(str::to_string);
    }
    let mut expected = rows.clone();
    sort_rows(&mut expected, "name");
    assert_eq!(seen, row_ids(&expected));
    // Continuing a walk in the body with the next_cursor works too.
    let cur = b["pagination"]["next_cursor"].clone();
    let (s, _, b2) = post(
        &ts,
        SEARCH,
        "full",
        &json!({"cursor": cur, "per_page": 4, "sort": ["name"]}),
    )
    .await;
    assert_eq!(s, 200, "{b2}");
    assert_eq!(ids(&b2), row_ids(&expected)[4..8]);
}

#[tokio::test]
async fn post_search_is_read_only_and_needs_only_read_scope() {
    let ts = common::start().await;
    bulk_items(&ts, varied_items(6, "r")).await;
    let body = json!({"filter": {"status": {"eq": "active"}}, "per_page": 5});
    let mut first = None;
    for role in ["full", "read_only", "scoped", "full"] {
        let r = ts
            .req(Method::POST, SEARCH, Some(role))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (s, h, b) = common::parts(r).await;
        assert_eq!(s, 200, "{role}: {b}");
        assert!(common::header(&h, "location").is_none());
        assert!(common::header(&h, "idempotency-replayed").is_none());
        match &first {
            None => first = Some(b),
            Some(f) => assert_eq!(&b, f, "identical results for {role}"),
        }
    }
    // An Idempotency-Key is neither needed nor binding: same key, different bodies.
    for (i, per_page) in [1, 2].into_iter().enumerate() {
        let r = ts
            .req(Method::POST, SEARCH, Some("full"))
            .header("Idempotency-Key", "search-key-1")
            .json(&json!({"per_page": per_page}))
            .send()
            .await
            .unwrap();
        let (s, _, b) = common::parts(r).await;
        assert_eq!(s, 200, "attempt {i}: {b}");
        assert_eq!(b["data"].as_array().unwrap().len(), per_page);
    }
    // Nothing was created.
    let (_, b) = list(&ts, ITEMS, "full").await;
    assert_eq!(total_count(&b), 6);
    // Without items:read it is forbidden.
    let (s, h, b) = post(&ts, SEARCH, "scoped_write_only", &body).await;
    common::assert_problem(s, &h, &b, 403, "insufficient-scope");
}

#[tokio::test]
async fn post_search_rejects_bad_queries() {
    let ts = common::start().await;
    for (body, needle) in [
        (json!({"filter": {"zz_nope": {"eq": "x"}}}), "zz_nope"),
        (json!({"filter": {"status": {"zz_op": "x"}}}), "zz_op"),
        (json!({"sort": ["zz_sort"]}), "zz_sort"),
        (
            json!({"sort": ["name", "status", "priority", "currency"]}),
            "sort",
        ),
        (json!({"fields": ["items.zz_field"]}), "zz_field"),
        (json!({"include": ["zz_rel"]}), "zz_rel"),
        (json!({"zz_key": 1}), "zz_key"),
        (json!({"cursor": "!!bad"}), "cursor"),
        (json!({"with_count": 1}), "with_count"),
        (json!({"filter": {"is_featured": {"eq": 1}}}), "is_featured"),
    ] {
        let (s, h, b) = post(&ts, SEARCH, "full", &body).await;
        assert_400_naming(s, &h, &b, needle);
    }
    // Malformed JSON and non-object bodies.
    let r = ts
        .req(Method::POST, SEARCH, Some("full"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (s, h, b) = common::parts(r).await;
    common::assert_problem(s, &h, &b, 400, "bad-request");
    let (s, h, b) = post(&ts, SEARCH, "full", &json!([1, 2])).await;
    common::assert_problem(s, &h, &b, 400, "bad-request");
    // The query lives in the body: query parameters on /search are rejected.
    let (s, h, b) = post(&ts, &format!("{SEARCH}?page=2"), "full", &json!({})).await;
    assert_400_naming(s, &h, &b, "page");
}

#[tokio::test]
async fn post_search_on_categories_and_comments() {
    let ts = common::start().await;
    let c = create_category_desc(&ts, "Bilby", Some("x")).await;
    ts.create_category("Other").await;
    let (s, _, b) = post(
        &ts,
        "/api/v1/categories/search",
        "read_only",
        &json!({"q": "bilby"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), [id_of(&c)]);
    let item = ts.create_item(json!({"name": "i"})).await;
    let m = create_comment(&ts, &id_of(&item), "hello there").await;
    let (s, _, b) = post(
        &ts,
        "/api/v1/comments/search",
        "read_only",
        &json!({"filter": {"item_id": {"eq": item["id"]}, "body": {"like": "HELLO"}}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), [id_of(&m)]);
}
