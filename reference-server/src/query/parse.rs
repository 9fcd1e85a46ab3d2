//! Parsing and validating collection and single-resource queries, from a query string
//! ([`parse_list_query`], [`parse_single_query`]) or a `POST /{resource}/search` body
//! ([`parse_search_body`]). Everything is checked against the static resource model; the
//! result is normalised so that running it and rebuilding canonical links need no more
//! validation.

use serde_json::Value;

use super::cursor::Cursor;
use super::error::QueryError;
use super::faults::QueryFaults;
use super::filter::{self, Filter, RawValue};
use super::include::Includes;
use super::render::Fieldset;
use crate::model::{self, FieldDef, ResourceDef};

/// One key of the sort order.
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    pub field: &'static FieldDef,
    pub desc: bool,
}

impl SortKey {
    /// `name` or `-name`.
    pub fn spec(&self) -> String {
        format!("{}{}", if self.desc { "-" } else { "" }, self.field.name)
    }
}

/// Canonical sort spec: `-inserted_at`, `name,-amount_cents`.
pub fn sort_spec(keys: &[SortKey]) -> String {
    keys.iter().map(SortKey::spec).collect::<Vec<_>>().join(",")
}

/// How the collection is paginated.
#[derive(Debug, Clone, PartialEq)]
pub enum PageMode {
    /// `page` / `per_page` (the default); `page` ≥ 1.
    Offset { page: u64 },
    /// `cursor=` given: `None` for the first page (empty value), else the decoded cursor.
    Cursor(Option<Cursor>),
}

/// A parsed, validated, normalised collection query.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub mode: PageMode,
    /// 1..=500, default 100.
    pub per_page: u32,
    /// Offset mode only: compute `total_count` / `total_pages` (default true).
    pub with_count: bool,
    /// `with_count` appeared in the request (links carry it then).
    pub with_count_given: bool,
    /// Never empty: the request's sort or the default `-inserted_at`.
    pub sort: Vec<SortKey>,
    /// `sort` appeared in the request (links carry it then).
    pub sort_given: bool,
    /// The search text, trimmed; `None` when absent or blank.
    pub q: Option<String>,
    /// ANDed filters, in request order.
    pub filters: Vec<Filter>,
    pub fields: Fieldset,
    pub include: Includes,
    /// Lists soft-deleted rows with live ones (only the `soft-deleted-still-listed` fault
    /// switch sets it).
    pub include_deleted: bool,
    /// Fault switches in force for this request (all off outside specgate's tests).
    pub faults: QueryFaults,
}

impl ListQuery {
    /// Canonical sort spec (also what cursors are bound to).
    pub fn sort_spec(&self) -> String {
        sort_spec(&self.sort)
    }

    /// The search words (whitespace-separated), empty when there is no search.
    pub fn words(&self) -> Vec<&str> {
        self.q
            .as_deref()
            .map(|q| q.split_whitespace().collect())
            .unwrap_or_default()
    }

    pub fn is_cursor(&self) -> bool {
        matches!(self.mode, PageMode::Cursor(_))
    }

    /// True when a filter targets `deleted_at`, which lifts the default exclusion of
    /// soft-deleted rows.
    pub fn targets_deleted(&self) -> bool {
        self.include_deleted || self.filters.iter().any(|f| f.target.is_deleted_at())
    }
}

/// A parsed single-resource query (`fields`, `include`).
#[derive(Debug, Clone, Default)]
pub struct SingleQuery {
    pub fields: Fieldset,
    pub include: Includes,
    /// Fault switches in force for this request.
    pub faults: QueryFaults,
}

const LIST_PARAMS: &str =
    "page, per_page, with_count, cursor, sort, q, filter[...], fields, include";

/// The parameters as given, before validation.
#[derive(Default)]
struct Raw {
    page: Option<String>,
    per_page: Option<String>,
    with_count: Option<String>,
    cursor: Option<String>,
    sort: Option<Vec<String>>,
    q: Option<String>,
    fields: Option<Vec<String>>,
    include: Option<Vec<String>>,
    filters: Vec<RawFilter>,
}

struct RawFilter {
    field: String,
    op: Option<String>,
    value: RawValue,
    param: String,
}

fn once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), QueryError> {
    if slot.is_some() {
        return Err(QueryError::new(
            name,
            format!("query parameter '{name}' is given more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',').map(str::to_string).collect()
}

/// Parses a collection query string (decoded pairs, in order).
pub fn parse_list_query(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
) -> Result<ListQuery, QueryError> {
    parse_list_query_with(res, pairs, QueryFaults::default())
}

/// [`parse_list_query`] with fault switches.
pub fn parse_list_query_with(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
    faults: QueryFaults,
) -> Result<ListQuery, QueryError> {
    let mut raw = Raw::default();
    for (k, v) in pairs {
        match k.as_str() {
            "page" => once(&mut raw.page, v.clone(), k)?,
            "per_page" => once(&mut raw.per_page, v.clone(), k)?,
            "with_count" => once(&mut raw.with_count, v.clone(), k)?,
            "cursor" => once(&mut raw.cursor, v.clone(), k)?,
            "sort" => once(&mut raw.sort, split_list(v), k)?,
            "q" => once(&mut raw.q, v.clone(), k)?,
            "fields" => once(&mut raw.fields, split_list(v), k)?,
            "include" => once(&mut raw.include, split_list(v), k)?,
            _ if k.starts_with("filter") => {
                let (field, op) = filter::split_filter_key(k).ok_or_else(|| {
                    QueryError::new(
                        k,
                        format!(
                            "malformed filter parameter '{k}': expected filter[field]=value or filter[field][op]=value"
                        ),
                    )
                })?;
                raw.filters.push(RawFilter {
                    field: field.to_string(),
                    op: op.map(str::to_string),
                    value: RawValue::Text(v.clone()),
                    param: k.clone(),
                });
            }
            _ => {
                return Err(QueryError::new(
                    k,
                    format!("unknown query parameter '{k}' (allowed: {LIST_PARAMS})"),
                ));
            }
        }
    }
    raw.finish(res, faults)
}

/// Parses a single-resource query string: only `fields` and `include`.
pub fn parse_single_query(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
) -> Result<SingleQuery, QueryError> {
    parse_single_query_with(res, pairs, QueryFaults::default())
}

/// [`parse_single_query`] with fault switches.
pub fn parse_single_query_with(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
    faults: QueryFaults,
) -> Result<SingleQuery, QueryError> {
    let mut fields = None;
    let mut include = None;
    for (k, v) in pairs {
        match k.as_str() {
            "fields" => once(&mut fields, split_list(v), k)?,
            "include" => once(&mut include, split_list(v), k)?,
            _ => {
                return Err(QueryError::new(
                    k,
                    format!("unknown query parameter '{k}' (allowed: fields, include)"),
                ));
            }
        }
    }
    Ok(SingleQuery {
        fields: match fields {
            Some(entries) => Fieldset::parse_with(res, &entries, "fields", faults)?,
            None => Fieldset::default(),
        },
        include: match include {
            // Fault: the single-resource read never resolves `include`.
            Some(_) if faults.include_ignored_on_single => Includes::default(),
            Some(entries) => Includes::parse_with(res, &entries, "include", faults)?,
            None => Includes::default(),
        },
        faults,
    })
}

const SEARCH_KEYS: &str = "q, filter, sort, page, per_page, cursor, with_count, fields, include";

/// Parses a `POST /{resource}/search` body into the same [`ListQuery`] as the query string.
/// `null` values count as absent.
pub fn parse_search_body(res: &'static ResourceDef, body: &Value) -> Result<ListQuery, QueryError> {
    parse_search_body_with(res, body, QueryFaults::default())
}

/// [`parse_search_body`] with fault switches.
pub fn parse_search_body_with(
    res: &'static ResourceDef,
    body: &Value,
    faults: QueryFaults,
) -> Result<ListQuery, QueryError> {
    let obj = body.as_object().ok_or_else(|| {
        QueryError::new("body", "the search body must be a JSON object".to_string())
    })?;
    let mut raw = Raw::default();
    for (k, v) in obj {
        // null = absent, for the known keys only: an unknown key is a 400 whatever its value.
        if v.is_null() && SEARCH_KEYS.split(", ").any(|known| known == k) {
            continue;
        }
        match k.as_str() {
            "q" | "cursor" => {
                let s = v.as_str().ok_or_else(|| {
                    QueryError::new(k, format!("'{k}' must be a string, got {v}"))
                })?;
                if k == "q" {
                    raw.q = Some(s.to_string());
                } else {
                    raw.cursor = Some(s.to_string());
                }
            }
            "page" | "per_page" => {
                let s = match v {
                    Value::Number(n) => number_text(v, n),
                    Value::String(s) => s.clone(),
                    _ => {
                        return Err(QueryError::new(
                            k,
                            format!("'{k}' must be an integer, got {v}"),
                        ));
                    }
                };
                if k == "page" {
                    raw.page = Some(s);
                } else {
                    raw.per_page = Some(s);
                }
            }
            "with_count" => {
                raw.with_count = Some(match v {
                    Value::Bool(b) => b.to_string(),
                    Value::String(s) => s.clone(),
                    _ => {
                        return Err(QueryError::new(
                            k,
                            format!("'with_count' must be true or false, got {v}"),
                        ));
                    }
                });
            }
            "sort" | "fields" | "include" => {
                let entries = match v {
                    Value::String(s) => split_list(s),
                    Value::Array(items) => items
                        .iter()
                        .map(|i| {
                            i.as_str().map(str::to_string).ok_or_else(|| {
                                QueryError::new(
                                    k,
                                    format!("'{k}' entries must be strings, got {i}"),
                                )
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => {
                        return Err(QueryError::new(
                            k,
                            format!("'{k}' must be a string or an array of strings, got {v}"),
                        ));
                    }
                };
                match k.as_str() {
                    "sort" if faults.search_ignores_sort => {}
                    "sort" => raw.sort = Some(entries),
                    "fields" => raw.fields = Some(entries),
                    _ => raw.include = Some(entries),
                }
            }
            "filter" => {
                let filters = v.as_object().ok_or_else(|| {
                    QueryError::new(
                        "filter",
                        format!("'filter' must be an object of field: {{op: value}}, got {v}"),
                    )
                })?;
                for (field, spec) in filters {
                    match spec {
                        Value::Object(ops) => {
                            if ops.is_empty() {
                                return Err(QueryError::new(
                                    format!("filter[{field}]"),
                                    format!("filter[{field}] names no operator"),
                                ));
                            }
                            for (op, value) in ops {
                                let param = format!("filter[{field}][{op}]");
                                raw.filters.push(RawFilter {
                                    field: field.clone(),
                                    op: Some(op.clone()),
                                    value: json_raw(value, &param)?,
                                    param,
                                });
                            }
                        }
                        value => {
                            let param = format!("filter[{field}]");
                            raw.filters.push(RawFilter {
                                field: field.clone(),
                                op: None,
                                value: json_raw(value, &param)?,
                                param,
                            });
                        }
                    }
                }
            }
            _ => {
                return Err(QueryError::new(
                    k,
                    format!("unknown search key '{k}' (allowed: {SEARCH_KEYS})"),
                ));
            }
        }
    }
    raw.finish(res, faults)
}

/// The text of a JSON number in a search body, which carries query-string values: a whole
/// number is written as an integer (`2.0` → `2`, JSON Schema's `integer` includes `2.0`).
fn number_text(v: &Value, n: &serde_json::Number) -> String {
    // Up to 2^53 every whole f64 is exact and fits in i64.
    match v.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
            (f as i64).to_string()
        }
        _ => n.to_string(),
    }
}

fn json_scalar(v: &Value, param: &str) -> Result<String, QueryError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_text(v, n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(QueryError::new(
            param,
            format!("{param} cannot be null; use the null operator to match missing values"),
        )),
        _ => Err(QueryError::new(
            param,
            format!("invalid value {v} for {param}: expected a string, number or boolean"),
        )),
    }
}

fn json_raw(v: &Value, param: &str) -> Result<RawValue, QueryError> {
    match v {
        Value::Array(items) => Ok(RawValue::List(
            items
                .iter()
                .map(|i| json_scalar(i, param))
                .collect::<Result<_, _>>()?,
        )),
        other => json_scalar(other, param).map(RawValue::Text),
    }
}

/// Parses an integer parameter; digits beyond i64 saturate. None when not an integer.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().unwrap_or(if s.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

fn int_param(s: &str, name: &str) -> Result<i64, QueryError> {
    parse_int(s)
        .ok_or_else(|| QueryError::new(name, format!("'{name}' must be an integer, got '{s}'")))
}

/// Parses sort entries (`name`, `-amount_cents`) against the model.
#[cfg(test)]
pub(crate) fn parse_sort(
    res: &'static ResourceDef,
    entries: &[String],
    param: &str,
) -> Result<Vec<SortKey>, QueryError> {
    parse_sort_with(res, entries, param, QueryFaults::default())
}

/// [`parse_sort`] with fault switches (`unknown_sort_ignored`: unknown names are dropped, so
/// an order of nothing but unknown names falls back to the default; `jsonb_sortable`: JSON
/// fields are accepted).
pub(crate) fn parse_sort_with(
    res: &'static ResourceDef,
    entries: &[String],
    param: &str,
    faults: QueryFaults,
) -> Result<Vec<SortKey>, QueryError> {
    let given = entries.join(",");
    // `"sort": []` in a search body: as `sort=` in a query string (an empty order would also
    // yield links carrying `sort=`, which 400).
    if entries.is_empty() {
        return Err(QueryError::new(param, "empty sort field in ''".to_string()));
    }
    if entries.len() > model::MAX_SORT_FIELDS {
        return Err(QueryError::new(
            param,
            format!(
                "sort '{given}' has {} fields; at most {} are allowed",
                entries.len(),
                model::MAX_SORT_FIELDS
            ),
        ));
    }
    let mut keys: Vec<SortKey> = vec![];
    for entry in entries {
        let entry = entry.trim();
        let (desc, name) = match entry.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        if name.is_empty() {
            return Err(QueryError::new(
                param,
                format!("empty sort field in '{given}'"),
            ));
        }
        let sortable = || {
            res.fields
                .iter()
                .filter(|f| f.sortable)
                .map(|f| f.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let field = match res.field(name) {
            Some(f) if f.sortable => f,
            Some(f)
                if faults.jsonb_sortable
                    && matches!(
                        f.kind,
                        model::FieldKind::JsonMap | model::FieldKind::JsonArray
                    ) =>
            {
                f
            }
            None if faults.unknown_sort_ignored => continue,
            Some(_) => {
                return Err(QueryError::new(
                    param,
                    format!(
                        "field '{name}' of {} is not sortable (sortable: {})",
                        res.name,
                        sortable()
                    ),
                ));
            }
            None => {
                return Err(QueryError::new(
                    param,
                    format!(
                        "unknown sort field '{name}' for {} (sortable: {})",
                        res.name,
                        sortable()
                    ),
                ));
            }
        };
        if keys.iter().any(|k| k.field.name == field.name) {
            return Err(QueryError::new(
                param,
                format!("sort field '{name}' appears more than once in '{given}'"),
            ));
        }
        keys.push(SortKey { field, desc });
    }
    Ok(keys)
}

/// The default order, newest first.
fn default_sort(res: &'static ResourceDef) -> Vec<SortKey> {
    res.field("inserted_at")
        .map(|field| vec![SortKey { field, desc: true }])
        .unwrap_or_default()
}

/// The filter-parsing fault switches: an unknown operator read as `eq`, boolean values
/// parsed loosely.
fn faulty_filter(res: &'static ResourceDef, mut f: RawFilter, faults: QueryFaults) -> RawFilter {
    if faults.filter_unknown_operator_as_eq
        && f.op
            .as_deref()
            .is_some_and(|o| model::Op::parse(o).is_none())
    {
        f.op = None;
    }
    let boolean = res
        .field(&f.field)
        .is_some_and(|d| d.kind == model::FieldKind::Bool);
    if let (true, true, RawValue::Text(v)) = (faults.filter_boolean_lenient, boolean, &mut f.value)
    {
        match v.to_ascii_lowercase().as_str() {
            "1" | "yes" | "on" | "true" => *v = "true".into(),
            "0" | "no" | "off" | "false" => *v = "false".into(),
            _ => {}
        }
    }
    f
}

/// Fault `filter-date-unvalidated`: a timestamp comparison whose value does not parse is
/// kept, compared as raw text.
fn unvalidated_date(
    res: &'static ResourceDef,
    f: &RawFilter,
    faults: QueryFaults,
) -> Option<Filter> {
    let field = res.field(&f.field)?;
    let op = model::Op::parse(f.op.as_deref().unwrap_or("eq"))?;
    let RawValue::Text(v) = &f.value else {
        return None;
    };
    (faults.filter_date_unvalidated
        && field.kind == model::FieldKind::Timestamp
        && field.filter_ops.contains(&op)
        && !matches!(
            op,
            model::Op::In | model::Op::Nin | model::Op::Null | model::Op::Like
        ))
    .then(|| Filter {
        target: filter::FilterTarget::Column(field),
        op,
        value: filter::FilterValue::One(rusqlite::types::Value::Text(v.clone())),
        raw: v.clone(),
    })
}

impl Raw {
    fn finish(
        self,
        res: &'static ResourceDef,
        faults: QueryFaults,
    ) -> Result<ListQuery, QueryError> {
        let max_per_page = if faults.per_page_unclamped {
            100_000
        } else if faults.cursor_per_page_100 && self.cursor.is_some() {
            100
        } else {
            model::MAX_PER_PAGE as i64
        };
        let per_page = match &self.per_page {
            None if faults.default_per_page_25 && self.cursor.is_none() => 25,
            None => model::DEFAULT_PER_PAGE,
            Some(s) => int_param(s, "per_page")?.clamp(1, max_per_page) as u32,
        };
        let page = match &self.page {
            None => 1,
            Some(s) if faults.page_below_1_rejected && int_param(s, "page")? < 1 => {
                return Err(QueryError::new(
                    "page",
                    format!("'page' must be at least 1, got '{s}'"),
                ));
            }
            // Keeps (page - 1) * per_page well inside i64.
            Some(s) => {
                int_param(s, "page")?.clamp(1, i64::MAX / (4 * model::MAX_PER_PAGE as i64)) as u64
            }
        };
        let with_count = match self.with_count.as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(QueryError::new(
                    "with_count",
                    format!("'with_count' must be true or false, got '{other}'"),
                ));
            }
        };
        let sort = match &self.sort {
            Some(entries) => parse_sort_with(res, entries, "sort", faults)?,
            None => default_sort(res),
        };
        // Only `unknown_sort_ignored` can leave it empty: nothing but unknown names.
        let sort = if sort.is_empty() {
            default_sort(res)
        } else {
            sort
        };
        let sort = if faults.default_sort_ascending && self.sort.is_none() {
            sort.into_iter()
                .map(|k| SortKey { desc: false, ..k })
                .collect()
        } else {
            sort
        };
        if faults.search_blank_rejected && self.q.as_deref().is_some_and(|q| q.trim().is_empty()) {
            return Err(QueryError::new(
                "q",
                "'q' must be at least 1 character".to_string(),
            ));
        }
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        let filters = self
            .filters
            .into_iter()
            .filter(|f| {
                !faults.unknown_filter_ignored
                    || filter::resolve_target(res, &f.field, &f.param).is_ok()
            })
            // Fault: only the filter[field][op] form is recognised.
            .filter(|f| !(faults.filter_shorthand_ignored && f.op.is_none()))
            .map(|f| faulty_filter(res, f, faults))
            .map(|f| {
                let (op, value) = (f.op.as_deref(), f.value.clone());
                filter::build_filter(res, &f.field, op, value, &f.param)
                    .or_else(|e| unvalidated_date(res, &f, faults).ok_or(e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fields = match &self.fields {
            Some(entries) => Fieldset::parse_with(res, entries, "fields", faults)?,
            None => Fieldset::default(),
        };
        let include = match &self.include {
            Some(entries) => Includes::parse_with(res, entries, "include", faults)?,
            None => Includes::default(),
        };
        let mode = match self.cursor.as_deref() {
            None => PageMode::Offset { page },
            Some("") => PageMode::Cursor(None),
            Some(token) => match Cursor::decode(token, &sort, &sort_spec(&sort)) {
                Ok(c) => PageMode::Cursor(Some(c)),
                Err(_) if faults.cursor_invalid_restarts => PageMode::Cursor(None),
                Err(e) => return Err(e),
            },
        };
        Ok(ListQuery {
            mode,
            per_page,
            with_count,
            with_count_given: self.with_count.is_some(),
            sort,
            sort_given: self.sort.is_some(),
            q,
            filters,
            fields,
            include,
            include_deleted: false,
            faults,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CATEGORIES, ITEMS};
    use crate::query::filter::FilterValue;
    use rusqlite::types::Value as SqlValue;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn list(list: &[(&str, &str)]) -> Result<ListQuery, QueryError> {
        parse_list_query(&ITEMS, &pairs(list))
    }

    #[test]
    fn defaults() {
        let q = list(&[]).unwrap();
        assert_eq!(q.mode, PageMode::Offset { page: 1 });
        assert_eq!(q.per_page, 100);
        assert!(q.with_count && !q.with_count_given && !q.sort_given);
        assert_eq!(q.sort_spec(), "-inserted_at");
        assert!(
            q.q.is_none() && q.filters.is_empty() && q.fields.is_empty() && q.include.is_empty()
        );
    }

    #[test]
    fn pagination_params() {
        assert_eq!(
            list(&[("page", "0")]).unwrap().mode,
            PageMode::Offset { page: 1 }
        );
        assert_eq!(
            list(&[("page", "-3")]).unwrap().mode,
            PageMode::Offset { page: 1 }
        );
        assert_eq!(
            list(&[("page", "7")]).unwrap().mode,
            PageMode::Offset { page: 7 }
        );
        assert_eq!(list(&[("per_page", "501")]).unwrap().per_page, 500);
        assert_eq!(
            list(&[("per_page", "99999999999999999999999")])
                .unwrap()
                .per_page,
            500
        );
        assert_eq!(list(&[("per_page", "0")]).unwrap().per_page, 1);
        assert_eq!(list(&[("per_page", "25")]).unwrap().per_page, 25);
        for (k, v) in [
            ("page", ""),
            ("page", "two"),
            ("page", "1.5"),
            ("per_page", ""),
            ("per_page", "10x"),
            ("with_count", "yes"),
            ("with_count", ""),
            ("with_count", "TRUE"),
        ] {
            let e = list(&[(k, v)]).unwrap_err();
            assert_eq!(e.param, k);
            assert!(e.detail.contains(&format!("'{v}'")), "{}", e.detail);
        }
        let q = list(&[("with_count", "false")]).unwrap();
        assert!(!q.with_count && q.with_count_given);
        let q = list(&[("cursor", ""), ("page", "3")]).unwrap();
        assert_eq!(q.mode, PageMode::Cursor(None));
    }

    #[test]
    fn unknown_and_repeated_params() {
        let e = list(&[("zz_harness_unknown", "1")]).unwrap_err();
        assert_eq!(e.param, "zz_harness_unknown");
        assert!(e.detail.contains("'zz_harness_unknown'"));
        let e = list(&[("direction", "prev")]).unwrap_err();
        assert!(e.detail.contains("'direction'"));
        let e = list(&[("page", "1"), ("page", "2")]).unwrap_err();
        assert!(e.detail.contains("'page'"));
        let e = list(&[("filter[status][eq][x]", "a")]).unwrap_err();
        assert!(e.detail.contains("'filter[status][eq][x]'"));
        let e = list(&[("filter", "a")]).unwrap_err();
        assert!(e.detail.contains("'filter'"));
        let e = parse_single_query(&ITEMS, &pairs(&[("page", "1")])).unwrap_err();
        assert!(e.detail.contains("'page'"));
        assert!(
            parse_single_query(
                &ITEMS,
                &pairs(&[("fields", "items.name"), ("include", "category")])
            )
            .is_ok()
        );
    }

    #[test]
    fn sort_grammar() {
        let q = list(&[("sort", "-amount_cents, name")]).unwrap();
        assert_eq!(q.sort_spec(), "-amount_cents,name");
        assert!(q.sort_given);
        for (v, needle) in [
            ("nope", "'nope'"),
            ("-metadata", "'metadata'"),
            ("tags", "'tags'"),
            ("id", "'id'"),
            ("description", "'description'"),
            ("name,-", "empty"),
            ("", "empty"),
            ("name,-name", "'name'"),
            (
                "name,status,priority,currency",
                "name,status,priority,currency",
            ),
        ] {
            let e = list(&[("sort", v)]).unwrap_err();
            assert_eq!(e.param, "sort");
            assert!(e.detail.contains(needle), "{v}: {}", e.detail);
        }
        assert!(list(&[("sort", "name,status,-priority")]).is_ok());
        assert!(parse_list_query(&CATEGORIES, &pairs(&[("sort", "amount_cents")])).is_err());
    }

    #[test]
    fn search_text() {
        assert_eq!(list(&[("q", "   ")]).unwrap().q, None);
        let q = list(&[("q", "  big  red ")]).unwrap();
        assert_eq!(q.q.as_deref(), Some("big  red"));
        assert_eq!(q.words(), ["big", "red"]);
    }

    #[test]
    fn filters_from_query() {
        let q = list(&[
            ("filter[status]", "active"),
            ("filter[amount_cents][gte]", "100"),
            ("filter[amount_cents][lte]", "5000"),
        ])
        .unwrap();
        let names: Vec<String> = q.filters.iter().map(Filter::param_name).collect();
        assert_eq!(
            names,
            [
                "filter[status][eq]",
                "filter[amount_cents][gte]",
                "filter[amount_cents][lte]"
            ]
        );
        let e = list(&[("filter[bogus][eq]", "1")]).unwrap_err();
        assert_eq!(e.param, "filter[bogus][eq]");
        assert!(e.detail.contains("'bogus'"));
        assert!(
            list(&[("filter[deleted_at][null]", "false")])
                .unwrap()
                .targets_deleted()
        );
    }

    #[test]
    fn search_body() {
        let q = parse_search_body(
            &ITEMS,
            &json!({
                "q": "enterprise",
                "filter": {
                    "status": {"eq": "active"},
                    "amount_cents": {"gte": 100, "lte": 5000},
                    "currency": {"in": ["USD", "EUR"]},
                    "is_featured": true,
                    "metadata.source": "web"
                },
                "sort": ["-inserted_at", "name"],
                "page": 2,
                "per_page": 25,
                "with_count": false,
                "fields": "items.name",
                "include": ["category"],
                "cursor": null
            }),
        )
        .unwrap();
        assert_eq!(q.mode, PageMode::Offset { page: 2 });
        assert_eq!(q.per_page, 25);
        assert!(!q.with_count);
        assert_eq!(q.sort_spec(), "-inserted_at,name");
        assert_eq!(q.q.as_deref(), Some("enterprise"));
        assert_eq!(q.filters.len(), 6);
        assert_eq!(
            q.filters[3].value,
            FilterValue::Many(vec![
                SqlValue::Text("USD".into()),
                SqlValue::Text("EUR".into())
            ])
        );
        assert_eq!(q.filters[3].raw, "USD,EUR");
        assert_eq!(q.filters[4].value, FilterValue::One(SqlValue::Integer(1)));
        assert_eq!(q.fields.entries, ["items.name"]);
        assert_eq!(q.include.paths, ["category"]);
        let q = parse_search_body(
            &ITEMS,
            &json!({"page": 2.0, "filter": {"amount_cents": {"in": [100.0, 250]}}}),
        )
        .unwrap();
        assert_eq!(q.mode, PageMode::Offset { page: 2 });
        assert_eq!(q.filters[0].raw, "100,250");

        for (body, param, needle) in [
            (json!({"bogus": 1}), "bogus", "'bogus'"),
            (json!({"page": "x"}), "page", "'x'"),
            (json!({"page": 1.5}), "page", "'1.5'"),
            (
                json!({"filter": {"status": {"eq": "nope"}}}),
                "filter[status][eq]",
                "'nope'",
            ),
            (
                json!({"filter": {"status": {"in": "draft,nope"}}}),
                "filter[status][in]",
                "'nope'",
            ),
            (
                json!({"filter": {"status": {}}}),
                "filter[status]",
                "filter[status]",
            ),
            (
                json!({"filter": {"name": ["a"]}}),
                "filter[name]",
                "single value",
            ),
            (
                json!({"filter": {"name": {"eq": null}}}),
                "filter[name][eq]",
                "null",
            ),
            (json!({"filter": {"wat": 1}}), "filter[wat]", "'wat'"),
            (json!({"filter": []}), "filter", "filter"),
            (json!({"sort": [1]}), "sort", "1"),
            (json!({"sort": []}), "sort", "empty"),
            (json!({"bogus": null}), "bogus", "'bogus'"),
            (json!({"with_count": 1}), "with_count", "1"),
            (json!({"cursor": "@@"}), "cursor", "'@@'"),
            (json!([]), "body", "object"),
        ] {
            let e = parse_search_body(&ITEMS, &body).unwrap_err();
            assert_eq!(e.param, param, "{body}");
            assert!(e.detail.contains(needle), "{body}: {}", e.detail);
        }
    }
}
