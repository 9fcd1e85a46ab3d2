//! Proptest strategies for the query grammar, built from what the document declares and the
//! values the run seeded: filters (every operator, shorthand, booleans, ISO 8601 dates, JSONB
//! paths), sort specs, `per_page` values, search strings, sparse field sets and includes, plus
//! the invalid inputs a target must reject. Every strategy shrinks towards a simpler query.

use std::fmt;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Map, Value, json};

use crate::oracle::{FieldKind, FilterSpec, SortKey};
use crate::run::dataset::{Dataset, LABEL_WORDS, SEARCH_WORDS};

/// A generated collection query.
#[derive(Debug, Clone, Default)]
pub struct QuerySpec {
    pub filters: Vec<FilterSpec>,
    /// Empty = the default sort.
    pub sort: Vec<SortKey>,
    pub q: Option<String>,
    pub per_page: Option<i64>,
    pub page: Option<i64>,
    pub fields: Option<Vec<String>>,
    pub include: Option<Vec<String>>,
    pub with_count: Option<String>,
    /// Add the dataset's scope filter (only the run's own records, plus lookalikes).
    pub scoped: bool,
}

impl QuerySpec {
    /// Every filter sent, the scope first.
    pub fn all_filters(&self, ds: &Dataset) -> Vec<FilterSpec> {
        let mut out = vec![];
        if self.scoped {
            out.extend(ds.scope.clone());
        }
        out.extend(self.filters.iter().cloned());
        out
    }

    /// The query-string pairs (without page/cursor unless set).
    pub fn pairs(&self, ds: &Dataset) -> Vec<(String, String)> {
        let mut p = vec![];
        for f in self.all_filters(ds) {
            p.push((f.param(), f.value.clone()));
        }
        if !self.sort.is_empty() {
            p.push((
                "sort".into(),
                self.sort
                    .iter()
                    .map(SortKey::spec)
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        if let Some(q) = &self.q {
            p.push(("q".into(), q.clone()));
        }
        if let Some(n) = self.per_page {
            p.push(("per_page".into(), n.to_string()));
        }
        if let Some(n) = self.page {
            p.push(("page".into(), n.to_string()));
        }
        if let Some(f) = &self.fields {
            p.push(("fields".into(), f.join(",")));
        }
        if let Some(i) = &self.include {
            p.push(("include".into(), i.join(",")));
        }
        if let Some(w) = &self.with_count {
            p.push(("with_count".into(), w.clone()));
        }
        p
    }

    /// The equivalent `POST /{resource}/search` body.
    pub fn search_body(&self, ds: &Dataset) -> Value {
        let mut b = Map::new();
        let mut filter = Map::new();
        for f in self.all_filters(ds) {
            let entry = filter
                .entry(f.field.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(ops) = entry {
                ops.insert(f.op_name().to_string(), json!(f.value));
            }
        }
        if !filter.is_empty() {
            b.insert("filter".into(), Value::Object(filter));
        }
        if !self.sort.is_empty() {
            b.insert(
                "sort".into(),
                json!(self.sort.iter().map(SortKey::spec).collect::<Vec<_>>()),
            );
        }
        if let Some(q) = &self.q {
            b.insert("q".into(), json!(q));
        }
        if let Some(n) = self.per_page {
            b.insert("per_page".into(), json!(n));
        }
        if let Some(n) = self.page {
            b.insert("page".into(), json!(n));
        }
        if let Some(f) = &self.fields {
            b.insert("fields".into(), json!(f));
        }
        if let Some(i) = &self.include {
            b.insert("include".into(), json!(i));
        }
        Value::Object(b)
    }

    pub fn sort_keys(&self, ds: &Dataset) -> Vec<SortKey> {
        if self.sort.is_empty() {
            ds.sem
                .default_sort
                .split(',')
                .map(|s| SortKey::parse(s.trim()))
                .collect()
        } else {
            self.sort.clone()
        }
    }
}

impl fmt::Display for QuerySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.filters.iter().map(|x| x.to_string()).collect();
        if !self.sort.is_empty() {
            parts.push(format!(
                "sort={}",
                self.sort
                    .iter()
                    .map(SortKey::spec)
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        for (k, v) in [
            ("q", self.q.clone()),
            ("per_page", self.per_page.map(|n| n.to_string())),
            ("page", self.page.map(|n| n.to_string())),
            ("fields", self.fields.as_ref().map(|x| x.join(","))),
            ("include", self.include.as_ref().map(|x| x.join(","))),
            ("with_count", self.with_count.clone()),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        }
        if parts.is_empty() {
            parts.push("(no parameters)".into());
        }
        write!(
            f,
            "{}{}",
            parts.join("&"),
            if self.scoped {
                " (+ the run's scope filter)"
            } else {
                ""
            }
        )
    }
}

/// Operators the oracle evaluates exactly for a field kind.
fn modelled(kind: &FieldKind, pattern: bool, op: &str) -> bool {
    if pattern {
        return op == "null";
    }
    match kind {
        FieldKind::Object | FieldKind::Array | FieldKind::Unknown | FieldKind::Number => false,
        FieldKind::Date => op == "null",
        _ => true,
    }
}

/// (field, op) pairs the document declares and the oracle models, restricted to `ops` when
/// given. JSONB fields (`metadata.*`) become `metadata.source` / `metadata.tier`.
pub fn filter_targets(ds: &Dataset, ops: Option<&[&str]>) -> Vec<(String, String)> {
    let mut out = vec![];
    for (field, field_ops) in &ds.resource.filterable {
        if field == "deleted_at" {
            continue;
        }
        let (name, kind, pattern) = match field.strip_suffix(".*") {
            Some(head) => {
                let Some(info) = ds.fields.get(head) else {
                    continue;
                };
                if info.kind != FieldKind::Object {
                    continue;
                }
                (format!("{head}.source"), FieldKind::Text, false)
            }
            None => match ds.fields.get(field) {
                Some(info) => (field.clone(), info.kind.clone(), info.pattern),
                None => continue,
            },
        };
        for op in field_ops {
            if ops.is_some_and(|o| !o.contains(&op.as_str())) || !modelled(&kind, pattern, op) {
                continue;
            }
            out.push((name.clone(), op.clone()));
        }
    }
    out
}

fn case_variants(s: &str) -> Vec<String> {
    vec![s.to_string(), s.to_uppercase(), s.to_lowercase()]
}

/// Candidate comparison values of a field: the seeded values, boundary neighbours and (for
/// timestamps) date-only forms.
fn candidates(ds: &Dataset, field: &str) -> Vec<String> {
    let kind = ds
        .fields
        .get(field)
        .map(|f| f.kind.clone())
        .unwrap_or(FieldKind::Text);
    let mut vals = ds.values_of(field);
    match kind {
        FieldKind::Integer => {
            let extra: Vec<String> = vals
                .iter()
                .filter_map(|v| v.parse::<i64>().ok())
                .flat_map(|n| [n - 1, n + 1])
                .map(|n| n.to_string())
                .collect();
            vals.extend(extra);
        }
        FieldKind::DateTime => {
            let extra: Vec<String> = vals
                .iter()
                .filter_map(|v| v.get(..10))
                .map(str::to_string)
                .collect();
            vals.extend(extra);
        }
        FieldKind::Boolean => vals = vec!["true".into(), "false".into()],
        _ => {}
    }
    if let Some(info) = ds.fields.get(field) {
        vals.extend(info.enum_values.iter().cloned());
    }
    vals.sort();
    vals.dedup();
    if vals.is_empty() {
        vals.push("zz-none".into());
    }
    vals
}

fn value_strategy(ds: &Dataset, field: &str, op: &str) -> SBoxedStrategy<String> {
    let vals = candidates(ds, field);
    match op {
        "null" => select(vec!["true".to_string(), "false".to_string()]).sboxed(),
        "in" | "nin" => proptest::collection::vec(select(vals), 1..=3)
            .prop_map(|v| v.join(","))
            .sboxed(),
        "like" => {
            // A case-changed substring of a seeded value.
            let texts: Vec<String> = vals.into_iter().filter(|v| !v.is_empty()).collect();
            (select(texts), 0usize..6, 2usize..8, 0usize..3)
                .prop_map(|(v, start, len, case)| {
                    let chars: Vec<char> = v.chars().collect();
                    let start = start.min(chars.len().saturating_sub(1));
                    let end = (start + len).min(chars.len());
                    let sub: String = chars[start..end].iter().collect();
                    let sub = if sub.trim().is_empty() {
                        v.clone()
                    } else {
                        sub
                    };
                    case_variants(&sub)[case % 3].clone()
                })
                .sboxed()
        }
        _ => select(vals).sboxed(),
    }
}

/// One filter over the declared fields and operators (`ops` restricts the operators).
pub fn arb_filter(ds: &Arc<Dataset>, ops: Option<&[&str]>) -> SBoxedStrategy<FilterSpec> {
    let targets = filter_targets(ds, ops);
    if targets.is_empty() {
        return Just(FilterSpec::new("zz_no_filterable_field", "eq", "x")).sboxed();
    }
    let ds = ds.clone();
    (select(targets), any::<bool>())
        .prop_flat_map(move |((field, op), shorthand)| {
            let shorthand = shorthand && op == "eq";
            value_strategy(&ds, &field, &op).prop_map(move |value| FilterSpec {
                field: field.clone(),
                op: (!shorthand).then(|| op.clone()),
                value,
            })
        })
        .sboxed()
}

/// 0..=max filters.
pub fn arb_filters(
    ds: &Arc<Dataset>,
    ops: Option<&[&str]>,
    range: std::ops::RangeInclusive<usize>,
) -> SBoxedStrategy<Vec<FilterSpec>> {
    // One filter per (field, operator): a JSON search body cannot carry two.
    proptest::collection::vec(arb_filter(ds, ops), range)
        .prop_map(|fs| {
            let mut seen = std::collections::BTreeSet::new();
            fs.into_iter()
                .filter(|f| seen.insert((f.field.clone(), f.op_name().to_string())))
                .collect()
        })
        .sboxed()
}

/// Sort specs of `range` distinct sortable fields with random directions.
pub fn arb_sort(
    ds: &Arc<Dataset>,
    range: std::ops::RangeInclusive<usize>,
) -> SBoxedStrategy<Vec<SortKey>> {
    let fields: Vec<String> = ds
        .resource
        .sortable
        .iter()
        .filter(|f| ds.fields.contains_key(*f))
        .cloned()
        .collect();
    if fields.is_empty() {
        return Just(vec![]).sboxed();
    }
    let hi = (*range.end()).min(fields.len());
    let lo = (*range.start()).min(hi);
    subsequence(fields, lo..=hi)
        .prop_shuffle()
        .prop_flat_map(|fs| {
            let n = fs.len();
            (Just(fs), proptest::collection::vec(any::<bool>(), n))
        })
        .prop_map(|(fs, dirs)| {
            fs.into_iter()
                .zip(dirs)
                .map(|(field, desc)| SortKey { field, desc })
                .collect()
        })
        .sboxed()
}

/// Page sizes, small ones favoured so walks cross many page boundaries.
pub fn arb_per_page() -> SBoxedStrategy<i64> {
    prop_oneof![
        4 => 1i64..=7,
        1 => select(vec![10i64, 25, 100]),
    ]
    .sboxed()
}

/// `per_page` values above the maximum of 500.
pub fn arb_per_page_over_max() -> SBoxedStrategy<i64> {
    prop_oneof![501i64..=600, 601i64..=100_000].sboxed()
}

/// Pages below 1.
pub fn arb_page_below_one() -> SBoxedStrategy<i64> {
    prop_oneof![Just(0i64), -1000i64..=-1].sboxed()
}

/// Search strings: 1–2 seeded whole words in any case, sometimes padded with spaces.
pub fn arb_search() -> SBoxedStrategy<String> {
    let words: Vec<String> = SEARCH_WORDS
        .iter()
        .chain(LABEL_WORDS.iter().filter(|w| w.is_ascii()))
        .map(|w| w.to_string())
        .collect();
    (
        proptest::collection::vec((select(words), 0usize..3), 1..=2),
        any::<bool>(),
    )
        .prop_map(|(ws, pad)| {
            let q = ws
                .into_iter()
                .map(|(w, c)| case_variants(&w)[c].clone())
                .collect::<Vec<_>>()
                .join(" ");
            if pad { format!(" {q} ") } else { q }
        })
        .sboxed()
}

/// Keys kept whatever `fields` asks for.
pub const ALWAYS_PRESENT: &[&str] = &[
    "id",
    "type",
    "inserted_at",
    "updated_at",
    "links",
    "relationships",
];

/// Sparse field sets: 1–3 attributes of the resource, prefixed with its plural name.
pub fn arb_fields(ds: &Arc<Dataset>) -> SBoxedStrategy<Vec<String>> {
    let names: Vec<String> = ds
        .fields
        .keys()
        .filter(|k| !ALWAYS_PRESENT.contains(&k.as_str()))
        .cloned()
        .collect();
    let prefix = ds.resource.name.clone();
    if names.is_empty() {
        return Just(vec![]).sboxed();
    }
    subsequence(names.clone(), 1..=3.min(names.len()))
        .prop_map(move |fs| fs.into_iter().map(|f| format!("{prefix}.{f}")).collect())
        .sboxed()
}

/// 1–2 documented include paths.
pub fn arb_include(ds: &Arc<Dataset>, max_segments: usize) -> SBoxedStrategy<Vec<String>> {
    let paths: Vec<String> = ds
        .resource
        .includes
        .iter()
        .filter(|p| p.split('.').count() <= max_segments)
        .cloned()
        .collect();
    if paths.is_empty() {
        return Just(vec![]).sboxed();
    }
    subsequence(paths.clone(), 1..=2.min(paths.len())).sboxed()
}

/// Include paths of 4 or more segments built from documented relation steps
/// (`a.b.c` + the step after `c` in a documented `c.d` → `a.b.c.d`).
pub fn deep_includes(ds: &Dataset) -> Vec<String> {
    let inc = &ds.resource.includes;
    let mut out = vec![];
    for p in inc.iter().filter(|p| p.split('.').count() == 3) {
        let last = p.rsplit('.').next().unwrap_or("");
        for q in inc.iter().filter(|q| q.split('.').count() == 2) {
            if let Some(next) = q.strip_prefix(&format!("{last}.")) {
                out.push(format!("{p}.{next}"));
            }
        }
    }
    if out.is_empty() {
        if let Some(p) = inc.iter().max_by_key(|p| p.split('.').count()) {
            let segs: Vec<&str> = p.split('.').collect();
            let mut v: Vec<&str> = segs.clone();
            while v.len() < 4 {
                v.extend(segs.iter().take(4 - v.len()));
            }
            out.push(v.join("."));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A name no document declares: `zz_` + lowercase letters.
pub fn arb_bogus_name() -> SBoxedStrategy<String> {
    proptest::collection::vec(select(('a'..='z').collect::<Vec<char>>()), 3..=8)
        .prop_map(|cs| format!("zz_{}", cs.into_iter().collect::<String>()))
        .sboxed()
}

/// A complete list query for a property over `ds`.
pub fn arb_list_query(
    ds: &Arc<Dataset>,
    ops: Option<&'static [&'static str]>,
    filters: std::ops::RangeInclusive<usize>,
    sort: std::ops::RangeInclusive<usize>,
    search: bool,
) -> SBoxedStrategy<QuerySpec> {
    let has_scope = ds.scope.is_some();
    (
        arb_filters(ds, ops, filters),
        arb_sort(ds, sort),
        if search {
            proptest::option::weighted(0.6, arb_search()).sboxed()
        } else {
            Just(None).sboxed()
        },
        arb_per_page(),
        prop_oneof![3 => Just(true), 1 => Just(false)],
    )
        .prop_map(move |(filters, sort, q, per_page, scoped)| QuerySpec {
            filters,
            sort,
            q,
            per_page: Some(per_page),
            scoped: scoped && has_scope,
            ..QuerySpec::default()
        })
        .sboxed()
}
