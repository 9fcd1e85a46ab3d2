//! SQL generation: the custom functions ([`register_functions`]), the WHERE clause of a list
//! query (workspace, parent, soft-delete exclusion, filters, search), the ORDER BY, and the
//! keyset predicate used by cursors.
//!
//! Identifiers come from the static model only; every value is a bound parameter.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};

use super::faults::QueryFaults;
use super::filter::{Filter, FilterTarget, FilterValue};
use super::parse::{ListQuery, SortKey};
use crate::model::{FieldKind, Op, ResourceDef};

/// Registers the custom SQL functions the query layer relies on:
///
/// `sg_contains(hay, needle)` → 1 when the Unicode-lowercased `needle` is a substring of the
/// Unicode-lowercased `hay` (numbers are compared as their text), 0 otherwise, and 0 when either
/// is NULL. `%` and `_` are plain characters.
pub fn register_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "sg_contains",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let hay = text_of(ctx.get_raw(0));
            let needle = text_of(ctx.get_raw(1));
            Ok(match (hay, needle) {
                (Some(h), Some(n)) => h.to_lowercase().contains(&n.to_lowercase()) as i64,
                _ => 0,
            })
        },
    )
}

fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

/// A fragment of SQL and its positional (`?`) parameters, in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

pub(crate) fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

/// The SQL expression a filter compares.
fn target_expr(target: &FilterTarget) -> String {
    match target {
        FilterTarget::Column(f) if f.kind == FieldKind::Decimal => {
            format!("CAST({} AS REAL)", quote(f.name))
        }
        FilterTarget::Column(f) => quote(f.name),
        FilterTarget::JsonPath { field, keys } => {
            // Keys are [A-Za-z0-9_]{1,64}, so quoting them inline is safe.
            let path = format!(
                "$.{}",
                keys.iter()
                    .map(|k| format!("\"{k}\""))
                    .collect::<Vec<_>>()
                    .join(".")
            );
            let col = quote(field.name);
            format!(
                "(CASE json_type({col}, '{path}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                 WHEN 'null' THEN NULL ELSE CAST(json_extract({col}, '{path}') AS TEXT) END)"
            )
        }
    }
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// One filter as a boolean SQL expression.
pub(crate) fn filter_sql(f: &Filter, faults: QueryFaults) -> Sql {
    let e = target_expr(&f.target);
    let mut params = vec![];
    let text = match &f.value {
        // Fault: the null operator's value is ignored (`false` also means IS NULL).
        FilterValue::IsNull(false) if faults.filter_null_false_as_null => format!("{e} IS NULL"),
        FilterValue::IsNull(true) => format!("{e} IS NULL"),
        FilterValue::IsNull(false) => format!("{e} IS NOT NULL"),
        FilterValue::One(v) => {
            params.push(v.clone());
            match f.op {
                Op::Like if faults.like_case_sensitive => format!("instr({e}, ?) > 0"),
                Op::Like => format!("sg_contains({e}, ?)"),
                Op::Eq => format!("{e} = ?"),
                Op::Neq if faults.neq_drops_null => format!("{e} != ?"),
                // NULL is "not equal" to every value.
                Op::Neq => format!("{e} IS NOT ?"),
                Op::Gt => format!("{e} > ?"),
                // Fault: the inclusive bounds compile to strict comparisons.
                Op::Gte if faults.filter_inclusive_bounds_strict => format!("{e} > ?"),
                Op::Lte if faults.filter_inclusive_bounds_strict => format!("{e} < ?"),
                Op::Gte => format!("{e} >= ?"),
                Op::Lt => format!("{e} < ?"),
                Op::Lte => format!("{e} <= ?"),
                Op::In | Op::Nin | Op::Null => {
                    params.clear();
                    "0".to_string()
                }
            }
        }
        FilterValue::Many(vs) => {
            params.extend(vs.iter().cloned());
            match f.op {
                Op::In => format!("{e} IN ({})", placeholders(vs.len())),
                Op::Nin if faults.neq_drops_null => {
                    format!("{e} NOT IN ({})", placeholders(vs.len()))
                }
                Op::Nin => format!("({e} IS NULL OR {e} NOT IN ({}))", placeholders(vs.len())),
                _ => {
                    params.clear();
                    "0".to_string()
                }
            }
        }
    };
    Sql { text, params }
}

/// The WHERE clause (without the keyword) of a list query.
pub(crate) fn where_clause(
    res: &'static ResourceDef,
    workspace_id: &str,
    parent: Option<(&str, &str)>,
    q: &ListQuery,
) -> Sql {
    let mut parts = vec!["workspace_id = ?".to_string()];
    let mut params = vec![Value::Text(workspace_id.to_string())];
    // Fault: the full-text search path builds its own WHERE and forgets the workspace.
    if q.faults.search_ignores_workspace && q.q.is_some() {
        parts = vec!["1".to_string()];
        params.clear();
    }
    if let Some((fk, id)) = parent {
        parts.push(format!("{} = ?", quote(fk)));
        params.push(Value::Text(id.to_string()));
    }
    if !q.targets_deleted() {
        parts.push("deleted_at IS NULL".into());
    }
    // Fault: with a search, the search clause replaces the filters instead of joining them.
    let dropped = q.faults.filter_dropped_with_search && !q.words().is_empty();
    for f in q.filters.iter().filter(|_| !dropped) {
        let s = filter_sql(f, q.faults);
        parts.push(s.text);
        params.extend(s.params);
    }
    let searchable: Vec<&str> = res
        .fields
        .iter()
        .filter(|f| f.searchable)
        .map(|f| f.name)
        .collect();
    let f = q.faults;
    let mut words = vec![];
    for word in q.words() {
        if searchable.is_empty() {
            words.push("0".to_string());
            continue;
        }
        let any: Vec<String> = searchable
            .iter()
            .map(|c| {
                if f.search_case_sensitive {
                    format!("instr({}, ?) > 0", quote(c))
                } else {
                    format!("sg_contains({}, ?)", quote(c))
                }
            })
            .collect();
        words.push(any.join(" OR "));
        params.extend(searchable.iter().map(|_| Value::Text(word.to_string())));
    }
    let mut text = parts
        .into_iter()
        .chain((f.search_words_ored && !words.is_empty()).then(|| words.join(" OR ")))
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(" AND ");
    if !f.search_words_ored {
        for w in words {
            // Fault `search_or_precedence`: `… AND a OR b`, the OR escapes the AND.
            text = if f.search_or_precedence {
                format!("{text} AND {w}")
            } else {
                format!("{text} AND ({w})")
            };
        }
    }
    Sql { text, params }
}

/// ORDER BY list: the sort keys then `id ASC`; `reverse` flips every direction (for walking
/// backwards). SQLite puts NULL first ascending and last descending.
#[cfg(test)]
pub(crate) fn order_by(sort: &[SortKey], reverse: bool) -> String {
    order_by_with(sort, reverse, QueryFaults::default())
}

/// [`order_by`] with fault switches (`sort_case_insensitive` adds `COLLATE NOCASE` to text keys).
pub(crate) fn order_by_with(sort: &[SortKey], reverse: bool, faults: QueryFaults) -> String {
    let dir = |desc: bool| if desc != reverse { "DESC" } else { "ASC" };
    let collate = |k: &SortKey| {
        if faults.sort_case_insensitive
            && matches!(k.field.kind, FieldKind::Text | FieldKind::Email)
        {
            " COLLATE NOCASE"
        } else {
            ""
        }
    };
    sort.iter()
        .map(|k| format!("{}{} {}", quote(k.field.name), collate(k), dir(k.desc)))
        .chain(std::iter::once(format!("id {}", dir(false))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows strictly after (`before == false`) or strictly before (`before == true`) the boundary
/// row with sort values `values` and id `id`, in the order of [`order_by_with`]`(sort, false, ..)`.
///
/// Row r is after boundary b when, for some i, r and b agree on the first i keys (`IS`, so NULL
/// equals NULL) and r's key i comes strictly later. "Strictly later" ascending is `col > v`
/// (NULLs, which sort first, never are) or, for a NULL boundary, `col IS NOT NULL`; descending
/// it is `col < v OR col IS NULL`, and nothing comes after a NULL. "Before" is "after" with the
/// direction flipped. The `cursor_skips_ties` fault switch drops the `id` tiebreaker.
pub(crate) fn keyset_with(
    sort: &[SortKey],
    values: &[Value],
    id: &str,
    before: bool,
    faults: QueryFaults,
) -> Sql {
    let id_value = Value::Text(id.to_string());
    let tiebreak = (!faults.cursor_skips_ties).then(|| ("id".to_string(), false, &id_value));
    let terms: Vec<(String, bool, &Value)> = sort
        .iter()
        .zip(values)
        .map(|(k, v)| (quote(k.field.name), k.desc, v))
        .chain(tiebreak)
        .collect();
    let mut disjuncts = vec![];
    let mut params = vec![];
    for (i, (col, desc, value)) in terms.iter().enumerate() {
        let later_desc = *desc != before;
        let strict = match (later_desc, value) {
            (false, Value::Null) => Some((format!("{col} IS NOT NULL"), None)),
            (false, v) => Some((format!("{col} > ?"), Some(*v))),
            (true, Value::Null) => None,
            (true, v) => Some((format!("({col} < ? OR {col} IS NULL)"), Some(*v))),
        };
        let Some((strict_sql, strict_param)) = strict else {
            continue;
        };
        let mut conj = vec![];
        for (c, _, v) in &terms[..i] {
            conj.push(format!("{c} IS ?"));
            params.push((*v).clone());
        }
        conj.push(strict_sql);
        if let Some(v) = strict_param {
            params.push(v.clone());
        }
        disjuncts.push(format!("({})", conj.join(" AND ")));
    }
    Sql {
        text: if disjuncts.is_empty() {
            "0".into()
        } else {
            format!("({})", disjuncts.join(" OR "))
        },
        params,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ITEMS;
    use crate::query::parse::parse_list_query;
    use crate::query::testutil::*;

    /// Names of live items of WS matching the query string, in `name` order.
    fn names(conn: &rusqlite::Connection, pairs: &[(&str, &str)]) -> Vec<String> {
        let mut pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.push(("sort".into(), "name".into()));
        let q = parse_list_query(&ITEMS, &pairs).unwrap();
        let w = where_clause(&ITEMS, WS, None, &q);
        let sql = format!(
            "SELECT name FROM items WHERE {} ORDER BY {}",
            w.text,
            order_by(&q.sort, false)
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params_from_iter(w.params), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn seed(conn: &rusqlite::Connection) {
        ItemSeed::new("a", "2026-01-01T00:00:00.000000Z")
            .status("active")
            .amount(100)
            .email("Ann@Example.com")
            .due("2026-03-01T00:00:00.000000Z")
            .featured(true)
            .tax_rate("0.0875")
            .metadata(r#"{"source":"web","n":3,"flag":true,"deep":{"k":"v"},"nothing":null}"#)
            .description("ÉCOLE du 100% bio_x")
            .insert(conn);
        ItemSeed::new("b", "2026-01-02T00:00:00.000000Z")
            .status("draft")
            .amount(5000)
            .email("bob@gmail.com")
            .due("2026-03-02T12:00:00.000000Z")
            .metadata(r#"{"source":"Web","n":4,"flag":false}"#)
            .insert(conn);
        ItemSeed::new("c", "2026-01-03T00:00:00.000000Z")
            .status("archived")
            .amount(0)
            .metadata_null()
            .tax_rate("1.5")
            .insert(conn);
        ItemSeed::new("d", "2026-01-04T00:00:00.000000Z")
            .status("active")
            .amount(7000)
            .description("une école")
            .insert(conn);
        let e = ItemSeed::new("e", "2026-01-05T00:00:00.000000Z")
            .status("active")
            .amount(100)
            .due("2026-01-01T00:00:00.000000Z")
            .insert(conn);
        soft_delete(conn, "items", &e);
        // Another workspace is never visible.
        ItemSeed::new("a", "2026-01-01T00:00:00.000000Z")
            .workspace("other")
            .insert(conn);
    }

    #[test]
    fn sg_contains_is_unicode_case_insensitive() {
        let conn = test_conn();
        let check = |hay: &str, needle: &str| -> i64 {
            conn.query_row("SELECT sg_contains(?1, ?2)", [hay, needle], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(check("ÉCOLE", "école"), 1);
        assert_eq!(check("une école", "ÉCO"), 1);
        assert_eq!(check("abc", "%"), 0);
        assert_eq!(check("100%", "0%"), 1);
        assert_eq!(check("a_b", "_"), 1);
        assert_eq!(check("ab", "a_b"), 0);
        let null: i64 = conn
            .query_row("SELECT sg_contains(NULL, 'a')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null, 0);
        let num: i64 = conn
            .query_row("SELECT sg_contains(12345, '234')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(num, 1);
    }

    #[test]
    fn equality_and_set_operators() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(names(&conn, &[]), ["a", "b", "c", "d"]);
        assert_eq!(names(&conn, &[("filter[status]", "active")]), ["a", "d"]);
        assert_eq!(
            names(&conn, &[("filter[status][neq]", "active")]),
            ["b", "c"]
        );
        assert_eq!(
            names(&conn, &[("filter[status][in]", "draft,archived")]),
            ["b", "c"]
        );
        assert_eq!(
            names(&conn, &[("filter[status][nin]", "draft,archived")]),
            ["a", "d"]
        );
        // Text eq is case-sensitive.
        assert_eq!(names(&conn, &[("filter[name]", "A")]), Vec::<String>::new());
        assert_eq!(names(&conn, &[("filter[email]", "bob@gmail.com")]), ["b"]);
        assert_eq!(
            names(&conn, &[("filter[email]", "BOB@gmail.com")]),
            Vec::<String>::new()
        );
        // neq / nin include NULLs; eq / in never match them.
        assert_eq!(
            names(&conn, &[("filter[email][neq]", "bob@gmail.com")]),
            ["a", "c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[email][nin]", "bob@gmail.com,x")]),
            ["a", "c", "d"]
        );
        assert_eq!(
            names(
                &conn,
                &[("filter[email][in]", "bob@gmail.com,Ann@Example.com")]
            ),
            ["a", "b"]
        );
        assert_eq!(names(&conn, &[("filter[is_featured]", "true")]), ["a"]);
        assert_eq!(
            names(&conn, &[("filter[is_featured][neq]", "true")]),
            ["b", "c", "d"]
        );
        assert_eq!(names(&conn, &[("filter[tax_rate]", "0.08750")]), ["a"]);
        assert_eq!(
            names(&conn, &[("filter[tax_rate][neq]", "1.5")]),
            ["a", "b", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[tax_rate][null]", "true")]),
            ["b", "d"]
        );
    }

    #[test]
    fn range_operators_and_null() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(
            names(
                &conn,
                &[
                    ("filter[amount_cents][gte]", "100"),
                    ("filter[amount_cents][lte]", "5000")
                ]
            ),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[amount_cents][gt]", "100")]),
            ["b", "d"]
        );
        assert_eq!(names(&conn, &[("filter[amount_cents][lt]", "100")]), ["c"]);
        // Ranges never match NULL.
        assert_eq!(
            names(&conn, &[("filter[due_at][lt]", "2026-12-31")]),
            ["a", "b"]
        );
        assert_eq!(names(&conn, &[("filter[due_at][gt]", "2026-03-01")]), ["b"]);
        assert_eq!(
            names(&conn, &[("filter[due_at][gte]", "2026-03-01T00:00:00Z")]),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[due_at][gt]", "2026-03-01T00:00:00Z")]),
            ["b"]
        );
        assert_eq!(
            names(
                &conn,
                &[("filter[due_at][lte]", "2026-03-02T12:00:00.000Z")]
            ),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[due_at]", "2026-03-02T12:00:00Z")]),
            ["b"]
        );
        assert_eq!(
            names(&conn, &[("filter[due_at][neq]", "2026-03-02T12:00:00Z")]),
            ["a", "c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[due_at][null]", "true")]),
            ["c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[due_at][null]", "false")]),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[inserted_at][gte]", "2026-01-02")]),
            ["b", "c", "d"]
        );
    }

    #[test]
    fn like_is_case_insensitive_and_literal() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(
            names(&conn, &[("filter[email][like]", "@GMAIL.com")]),
            ["b"]
        );
        assert_eq!(
            names(&conn, &[("filter[description][like]", "école")]),
            ["a", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[description][like]", "ÉCOLE")]),
            ["a", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[description][like]", "100%")]),
            ["a"]
        );
        assert_eq!(names(&conn, &[("filter[description][like]", "%")]), ["a"]);
        assert_eq!(names(&conn, &[("filter[description][like]", "o_x")]), ["a"]);
        assert_eq!(
            names(&conn, &[("filter[description][like]", "e_o")]),
            Vec::<String>::new()
        );
        assert_eq!(
            names(&conn, &[("filter[description][null]", "true")]),
            ["b", "c"]
        );
    }

    #[test]
    fn json_path_filters() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(names(&conn, &[("filter[metadata.source]", "web")]), ["a"]);
        assert_eq!(
            names(&conn, &[("filter[metadata.source][like]", "WEB")]),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[metadata.source][neq]", "web")]),
            ["b", "c", "d"]
        );
        assert_eq!(names(&conn, &[("filter[metadata.n]", "3")]), ["a"]);
        assert_eq!(
            names(&conn, &[("filter[metadata.n][in]", "3,4")]),
            ["a", "b"]
        );
        assert_eq!(
            names(&conn, &[("filter[metadata.n][nin]", "3")]),
            ["b", "c", "d"]
        );
        assert_eq!(names(&conn, &[("filter[metadata.flag]", "true")]), ["a"]);
        assert_eq!(names(&conn, &[("filter[metadata.flag]", "false")]), ["b"]);
        assert_eq!(names(&conn, &[("filter[metadata.deep.k]", "v")]), ["a"]);
        // JSON null, a missing key and a NULL column all count as null.
        assert_eq!(
            names(&conn, &[("filter[metadata.nothing][null]", "true")]),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[metadata.source][null]", "true")]),
            ["c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[metadata.source][null]", "false")]),
            ["a", "b"]
        );
    }

    #[test]
    fn deleted_rows_only_with_a_deleted_at_filter() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(
            names(&conn, &[("filter[deleted_at][null]", "false")]),
            ["e"]
        );
        assert_eq!(
            names(&conn, &[("filter[deleted_at][null]", "true")]),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            names(&conn, &[("filter[deleted_at][gte]", "2000-01-01")]),
            ["e"]
        );
        assert_eq!(
            names(
                &conn,
                &[
                    ("filter[status]", "active"),
                    ("filter[deleted_at][lt]", "2100-01-01")
                ]
            ),
            ["e"]
        );
    }

    #[test]
    fn search_words_are_anded_across_fields() {
        let conn = test_conn();
        seed(&conn);
        assert_eq!(names(&conn, &[("q", "ÉCOLE")]), ["a", "d"]);
        assert_eq!(names(&conn, &[("q", "école bio")]), ["a"]);
        // One word in the name, one in the description.
        assert_eq!(names(&conn, &[("q", "  d   une ")]), ["d"]);
        assert_eq!(
            names(&conn, &[("q", "école nowhere")]),
            Vec::<String>::new()
        );
        assert_eq!(names(&conn, &[("q", "   ")]), ["a", "b", "c", "d"]);
        assert_eq!(
            names(
                &conn,
                &[
                    ("q", "école"),
                    ("filter[status]", "active"),
                    ("filter[amount_cents][gt]", "100")
                ]
            ),
            ["d"]
        );
    }

    #[test]
    fn order_handles_nulls_and_ties() {
        let conn = test_conn();
        seed(&conn);
        let order = |sort: &str| -> Vec<String> {
            let q = parse_list_query(&ITEMS, &[("sort".to_string(), sort.to_string())]).unwrap();
            let w = where_clause(&ITEMS, WS, None, &q);
            let sql = format!(
                "SELECT name FROM items WHERE {} ORDER BY {}",
                w.text,
                order_by(&q.sort, false)
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            stmt.query_map(rusqlite::params_from_iter(w.params), |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(order("due_at,name"), ["c", "d", "a", "b"]);
        assert_eq!(order("-due_at,name"), ["b", "a", "c", "d"]);
        assert_eq!(order("-inserted_at"), ["d", "c", "b", "a"]);
        assert_eq!(order("status,-amount_cents"), ["d", "a", "c", "b"]);
        assert_eq!(order("-is_featured,-name"), ["a", "d", "c", "b"]);
        assert_eq!(order("email,name"), ["c", "d", "a", "b"]);
    }
}
