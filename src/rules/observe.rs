//! Helpers shared by the response-shape families (envelope, errors, conventions, correlation,
//! enums, agents, token-info, token-format): describing an exchange in a finding, reading
//! problem bodies, finding the schema a response's `data` is documented with, spotting leaked
//! internals, and small probe utilities.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Findings, Outcome};
use crate::client::Exchange;
use crate::run::Ctx;
use crate::spec::{ApiModel, Operation};

/// The guide's standard problem types: (status, slug, title).
pub const PROBLEM_TABLE: &[(u16, &str, &str)] = &[
    (400, "bad-request", "Bad Request"),
    (401, "invalid-token", "Invalid Token"),
    (403, "insufficient-scope", "Insufficient Scope"),
    (404, "not-found", "Not Found"),
    (409, "conflict", "Conflict"),
    (412, "precondition-failed", "Precondition Failed"),
    (422, "validation-failed", "Validation Failed"),
    (422, "invalid-params", "Invalid Parameters"),
    (422, "upload-failed", "Upload Failed"),
    (428, "precondition-required", "Precondition Required"),
    (429, "rate-limit-exceeded", "Rate Limit Exceeded"),
    (500, "internal-error", "Internal Error"),
];

/// The guide's standard validation codes.
pub const STANDARD_CODES: &[&str] = &[
    "cant_be_blank",
    "already_taken",
    "invalid_format",
    "too_short",
    "too_long",
    "not_a_number",
    "not_an_integer",
    "greater_than",
    "less_than",
    "inclusion",
    "exclusion",
    "invalid_uuid",
    "invalid_date",
    "not_found",
];

/// `METHOD /path?query`.
pub fn request_line(ex: &Exchange) -> String {
    let target = url::Url::parse(&ex.request.url)
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|_| ex.request.url.clone());
    format!("{} {target}", ex.request.method)
}

/// `METHOD /path?query → status` (or the transport error).
pub fn line(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => format!("{} → {}", request_line(ex), r.status),
        (None, Some(e)) => format!("{} → no response ({e})", request_line(ex)),
        _ => format!("{} → no response", request_line(ex)),
    }
}

/// What came back, briefly: status, media type and the start of the body.
pub fn seen(ex: &Exchange) -> String {
    match (&ex.response, &ex.error) {
        (Some(r), _) => {
            let body = r.body_summary(240);
            format!(
                "{} {} {}",
                r.status,
                r.media_type().unwrap_or_else(|| "(no content type)".into()),
                if body.is_empty() {
                    "(empty body)".to_string()
                } else {
                    body
                }
            )
        }
        (None, Some(e)) => format!("no response ({e})"),
        _ => "no response".into(),
    }
}

/// Query parameters of the request.
pub fn query_pairs(ex: &Exchange) -> Vec<(String, String)> {
    url::Url::parse(&ex.request.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Is the request under the API's base path (not health, not another host's root)?
pub fn in_api(model: &ApiModel, ex: &Exchange) -> bool {
    let p = ex.path();
    !model.base_path.is_empty() && p.starts_with(&format!("{}/", model.base_path))
}

/// The document itself and the agents text are not enveloped API responses (C05).
pub fn meta_path(model: &ApiModel, ex: &Exchange) -> bool {
    let p = ex.path();
    p == format!("{}/openapi.json", model.base_path) || p == format!("{}/agents", model.base_path)
}

/// Is the response a problem document (by media type)?
pub fn is_problem_media(ex: &Exchange) -> bool {
    ex.response
        .as_ref()
        .and_then(|r| r.media_type())
        .is_some_and(|m| m == "application/problem+json")
}

/// The JSON object of an error response (status ≥ 400), whatever its media type.
pub fn problem(ex: &Exchange) -> Option<&Map<String, Value>> {
    if ex.status()? < 400 {
        return None;
    }
    ex.json()?.as_object()
}

/// Error responses the problem rules judge: every 4xx/5xx except the health probes, whose
/// degraded body the guide fixes (`{"status": "degraded", ...}`).
pub fn judged_error(ex: &Exchange) -> bool {
    ex.status().is_some_and(|s| s >= 400) && !ex.path().starts_with("/health")
}

/// Last path segment of a problem `type`.
pub fn type_slug(p: &Map<String, Value>) -> Option<&str> {
    p.get("type")
        .and_then(Value::as_str)
        .map(|t| t.trim_end_matches('/').rsplit('/').next().unwrap_or(""))
}

/// Does the problem's `type` end with `/problems/<slug>`?
pub fn has_type(ex: &Exchange, slug: &str) -> bool {
    problem(ex)
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| {
            t.trim_end_matches('/')
                .ends_with(&format!("/problems/{slug}"))
        })
}

/// Error codes of an `errors` value (an array of strings, or — leniently — one string).
pub fn codes_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => vec![],
    }
}

/// Every (field, code) in the `errors` member of a problem.
pub fn error_codes(ex: &Exchange) -> Vec<(String, String)> {
    problem(ex)
        .and_then(|p| p.get("errors"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .flat_map(|(k, v)| codes_of(v).into_iter().map(move |c| (k.clone(), c)))
                .collect()
        })
        .unwrap_or_default()
}

/// Signs of leaked internals in a response body: stack frames, SQL, exception class names,
/// source file paths. Returns what matched.
pub fn leak(text: &str) -> Option<String> {
    static PATTERNS: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::OnceLock::new();
    let pats = PATTERNS.get_or_init(|| {
        [
            (r"(?i)\bpanicked at\b", "a Rust panic message"),
            (r"(?i)stack ?backtrace|traceback \(most recent call last\)", "a stack trace"),
            (r"\bat [\w.$<>]+\([\w]+\.(java|kt|scala):\d+\)", "a JVM stack frame"),
            (r#"File "[^"]+\.py", line \d+"#, "a Python stack frame"),
            (r"\b[\w/\\.-]+\.(rs|go|py|rb|java|php|js|ts|cs|ex|exs):\d+", "a source file and line"),
            (r"(?i)\bselect\s+[\w*,\s.]+\s+from\s+\w+", "an SQL SELECT"),
            (r"(?i)\binsert\s+into\s+\w+", "an SQL INSERT"),
            (r"(?i)\bupdate\s+\w+\s+set\s+\w+\s*=", "an SQL UPDATE"),
            (r"(?i)\bdelete\s+from\s+\w+", "an SQL DELETE"),
            (r"(?i)sqlstate|sqlite_?failure|rusqlite|pg::|psycopg|activerecord::|sqlalchemy|ORA-\d{5}", "a database driver error"),
            (r"(?i)syntax error at or near|near \S+: syntax error", "an SQL syntax error"),
            (r"\b\w+(Exception|Error)\b:", "an exception class name"),
            (r"(?i)\bnullpointerexception\b|\bsegmentation fault\b", "a crash message"),
            (r"(?:/home/|/usr/src/|/var/www/|/opt/app/|/root/|[A-Z]:\\\\)", "a server file path"),
        ]
        .into_iter()
        .filter_map(|(p, what)| regex::Regex::new(p).ok().map(|r| (r, what)))
        .collect()
    });
    pats.iter().find_map(|(re, what)| {
        re.find(text).map(|m| {
            format!(
                "{what} (`{}`)",
                m.as_str().chars().take(80).collect::<String>()
            )
        })
    })
}

/// The type(s) a schema allows.
pub fn schema_types(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// Does a schema allow null (3.1 `type: [.., "null"]` or 3.0 `nullable: true`)?
pub fn nullable(s: &Value) -> bool {
    schema_types(s).iter().any(|t| t == "null") || s.get("nullable") == Some(&Value::Bool(true))
}

/// A resolved schema: the file it lives in and its value.
pub type Schema = (String, Value);

/// Resolves `v` (found in `file`) through `$ref`s.
pub fn resolve(model: &ApiModel, file: &str, v: &Value) -> Option<Schema> {
    model
        .doc
        .resolve(file, v)
        .map(|(f, s)| (f.to_string(), s.clone()))
}

/// Properties of an object schema (direct and from `allOf` parts), each resolved, and the
/// names it requires.
pub fn properties(model: &ApiModel, schema: &Schema) -> (Vec<(String, Schema)>, Vec<String>) {
    let (file, s) = schema;
    let mut props = Vec::new();
    let mut required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in p {
            if let Some(r) = resolve(model, file, v) {
                props.push((k.clone(), r));
            }
        }
    }
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = resolve(model, file, part) {
            let (p, req) = properties(model, &r);
            props.extend(p);
            required.extend(req);
        }
    }
    (props, required)
}

/// One property's schema.
pub fn property(model: &ApiModel, schema: &Schema, name: &str) -> Option<Schema> {
    properties(model, schema)
        .0
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, s)| s)
}

/// The schema of an operation's response body for `status` and `media`.
pub fn response_schema(
    model: &ApiModel,
    op: &Operation,
    status: u16,
    media: &str,
) -> Option<Schema> {
    let spec = op.response_for(status)?;
    let sref = spec.content.get(media)?.as_ref()?;
    let (f, v) = model
        .doc
        .lookup(&sref.file, &format!("#{}", sref.pointer))?;
    resolve(model, f, v)
}

/// The schema of an operation's JSON request body.
pub fn request_schema(model: &ApiModel, op: &Operation, media: &str) -> Option<Schema> {
    let sref = op.request_body.as_ref()?.get(media)?.as_ref()?;
    let (f, v) = model
        .doc
        .lookup(&sref.file, &format!("#{}", sref.pointer))?;
    resolve(model, f, v)
}

/// The schema of one element of `data` in the documented response to `ex` (the object for a
/// single resource, the item schema for a collection), and whether `data` is an array.
pub fn data_schema(model: &ApiModel, ex: &Exchange) -> Option<(Schema, bool)> {
    let op = model.find_operation(&ex.request.method, &ex.path())?;
    let body = response_schema(model, op, ex.status()?, "application/json")?;
    let data = property(model, &body, "data")?;
    if schema_types(&data.1).iter().any(|t| t == "array") {
        let items = data.1.get("items")?;
        Some((resolve(model, &data.0, items)?, true))
    } else {
        Some((data, false))
    }
}

/// The operation a request hit, if documented.
pub fn operation<'a>(model: &'a ApiModel, ex: &Exchange) -> Option<&'a Operation> {
    model.find_operation(&ex.request.method, &ex.path())
}

/// Is `op` the collection, item, nested list or search path of one of the model's resources
/// (paths with an item path; jobs and webhook events exempt, C16)?
pub fn resource_endpoint(model: &ApiModel, op: &Operation) -> bool {
    model.resources.iter().any(|r| {
        !matches!(r.name.as_str(), "jobs" | "events")
            && r.item_path.is_some()
            && (r.collection_path.as_deref() == Some(op.full_path.as_str())
                || r.item_path.as_deref() == Some(op.full_path.as_str())
                || r.nested.iter().any(|(_, p)| p == &op.full_path)
                || op.full_path
                    == format!("{}/search", r.collection_path.as_deref().unwrap_or("-")))
    })
}

/// Resource objects of a 2xx JSON body: `data` (object or array elements) and `included`.
pub fn resource_objects(body: &Value) -> Vec<&Map<String, Value>> {
    let mut out: Vec<&Map<String, Value>> = Vec::new();
    match body.get("data") {
        Some(Value::Object(m)) => out.push(m),
        Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_object)),
        _ => {}
    }
    if let Some(Value::Array(a)) = body.get("included") {
        out.extend(a.iter().filter_map(Value::as_object));
    }
    out
}

/// The first authenticated collection GET without path parameters (for probes that need "a
/// list"), preferring the writable resource's.
pub fn plain_list(model: &ApiModel) -> Option<&Operation> {
    let preferred =
        crate::run::fixtures::writable_resource(model).and_then(|r| r.collection_path.clone());
    model
        .list_operations()
        .filter(|o| !o.public && o.path_params() == 0)
        .min_by_key(|o| Some(&o.full_path) != preferred.as_ref())
}

/// A fixture could not be created: when the create request itself answered (non-2xx), that is
/// the target's failure, shown with its exchange; otherwise the harness could not do its job.
pub fn fixture_failed(ctx: &Ctx, message: &str) -> Outcome {
    let last = ctx
        .client()
        .exchanges()
        .into_iter()
        .rev()
        .find(|e| e.rule == ctx.rule && e.request.method == "POST");
    match last {
        Some(ex) if ex.status().is_some_and(|s| s >= 400) => {
            let mut f = Findings::default();
            f.fail(
                format!(
                    "{}: creating a fixture failed: expected 201, got {}",
                    request_line(&ex),
                    seen(&ex)
                ),
                &[&ex],
            );
            f.outcome("")
        }
        _ => Outcome::error(message.to_string()),
    }
}

/// A valid create body for `resource` (required properties, unique strings carrying the run
/// marker, required `*_id` references filled with freshly created parents), and the collection
/// path to POST it to.
pub async fn valid_body(ctx: &Ctx, resource: &str) -> Result<(String, Value), Outcome> {
    let model = ctx.model();
    let r = model
        .resource(resource)
        .ok_or_else(|| Outcome::skipped(format!("the document has no resource '{resource}'")))?;
    let op = crate::run::fixtures::create_op(model, r).ok_or_else(|| {
        Outcome::skipped(format!(
            "the document has no create operation for {resource}"
        ))
    })?;
    let sref = op
        .request_body
        .as_ref()
        .and_then(|b| b.get("application/json").cloned().flatten())
        .ok_or_else(|| {
            Outcome::skipped(format!(
                "POST {} documents no application/json body",
                op.full_path
            ))
        })?;
    let unique = |h: &str| ctx.unique_name(h);
    let mut body = crate::generate::payload::for_body(model, &sref, &unique);
    let required = request_schema(model, op, "application/json")
        .map(|s| properties(model, &s).1)
        .unwrap_or_default();
    for fk in required.iter().filter(|n| n.ends_with("_id")) {
        let Some(parent) = crate::run::fixtures::referenced_resource(model, fk) else {
            continue;
        };
        let name = parent.name.clone();
        match crate::run::fixtures::create(ctx, &name, serde_json::json!({})).await {
            Ok(p) => body[fk.as_str()] = Value::String(p.id),
            Err(e) => return Err(fixture_failed(ctx, &e)),
        }
    }
    Ok((op.full_path.clone(), body))
}

/// Remembers a record a probe created outside the fixtures (so the run removes it).
pub fn remember(ctx: &Ctx, collection: &str, ex: &Exchange) {
    if ex.status().is_some_and(|s| (200..300).contains(&s)) {
        if let Some(id) = crate::run::data(ex)
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
        {
            ctx.remember_created(collection, id);
        }
    }
}

/// Collects observer-style findings over exchanges, keeping at most 10 failures.
pub fn judge_all(
    exchanges: &[Arc<Exchange>],
    mut f: impl FnMut(&Exchange) -> Option<Result<(), String>>,
) -> Findings {
    let mut out = Findings::default();
    for ex in exchanges {
        match f(ex) {
            None => {}
            Some(Ok(())) => out.checked += 1,
            Some(Err(m)) if out.items.len() < 10 => out.fail(m, &[ex]),
            Some(Err(_)) => out.checked += 1,
        }
    }
    out
}

/// Is `s` a lowercase UUID v4?
pub fn uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// Is `s` an ISO 8601 / RFC 3339 timestamp (`T` separator) in UTC written with `Z`?
pub fn utc_z(s: &str) -> bool {
    s.ends_with('Z')
        && s.as_bytes().get(10) == Some(&b'T')
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_are_spotted_and_ordinary_details_are_not() {
        for bad in [
            "thread 'main' panicked at src/x.rs:3:4",
            "near \"abc\": syntax error in SELECT * FROM items WHERE id = 'abc'",
            "SQLSTATE[42000]",
            "Traceback (most recent call last):",
            "java.lang.NullPointerException: x",
            "at com.acme.Foo.bar(Foo.java:42)",
            "error in /home/app/server.py",
        ] {
            assert!(leak(bad).is_some(), "{bad}");
        }
        for ok in [
            "Malformed JSON in request body: EOF while parsing an object at line 1 column 8.",
            "Unrecognized query parameter 'zz_harness_unknown'.",
            "The requested resource does not exist.",
            "'with_count' must be true or false, got 'yes'",
            "2 fields have validation errors.",
        ] {
            assert!(leak(ok).is_none(), "{ok}: {:?}", leak(ok));
        }
    }

    #[test]
    fn uuids_and_timestamps() {
        assert!(uuid_v4("3f8e2a4c-1b2d-4c8e-9f3a-5b7d9e1f2a3c"));
        assert!(!uuid_v4("3F8E2A4C-1B2D-4C8E-9F3A-5B7D9E1F2A3C"));
        assert!(!uuid_v4("3f8e2a4c-1b2d-1c8e-9f3a-5b7d9e1f2a3c"));
        assert!(utc_z("2026-03-15T10:00:00.123456Z"));
        assert!(!utc_z("2026-03-15T10:00:00+00:00"));
        assert!(!utc_z("2026-03-15 10:00:00Z"));
    }
}
