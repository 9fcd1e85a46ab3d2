//! Generic CRUD for the model's resources: list, search, create, get, replace (PUT), update
//! (PATCH), soft delete, restore, nested read-only lists and bulk operations.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

use crate::auth::AuthToken;
use crate::model::{FieldKind, RelationKind, ResourceDef};
use crate::problem::{self, ApiResult, Problem};
use crate::query::{self, ListContext, ListError, QueryError};
use crate::state::SharedState;
use crate::util::{self, etag, etag_matches, header_str, json_response};
use crate::validate::{self, Mode};

pub const MAX_BULK: usize = 100;

/// Routes of one resource: collection, search, item, restore, nested children and (items
/// only) bulk.
pub fn routes(res: &'static ResourceDef, bulk: bool) -> Router<SharedState> {
    let base = format!("/api/v1/{}", res.name);
    let mut r = Router::new()
        .route(
            &base,
            get(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      RawQuery(q): RawQuery| async move {
                    list(res, st, t, q, None).await
                },
            )
            .post(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      body: Bytes| async move { create(res, st, t, body).await },
            ),
        )
        .route(
            &format!("{base}/search"),
            post(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      RawQuery(q): RawQuery,
                      body: Bytes| async move { search(res, st, t, q, body).await },
            ),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      Path(id): Path<String>,
                      RawQuery(q): RawQuery,
                      h: HeaderMap| async move { get_one(res, st, t, id, q, h).await },
            )
            .put(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      Path(id): Path<String>,
                      RawQuery(q): RawQuery,
                      h: HeaderMap,
                      body: Bytes| async move {
                    update(res, st, t, id, q, h, body, Mode::Replace).await
                },
            )
            .patch(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      Path(id): Path<String>,
                      RawQuery(q): RawQuery,
                      h: HeaderMap,
                      body: Bytes| async move {
                    update(res, st, t, id, q, h, body, Mode::Patch).await
                },
            )
            .delete(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      Path(id): Path<String>,
                      RawQuery(q): RawQuery| async move {
                    delete(res, st, t, id, q).await
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}/restore"),
            post(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      Path(id): Path<String>,
                      RawQuery(q): RawQuery| async move {
                    restore(res, st, t, id, q).await
                },
            ),
        );
    for rel in res.relations {
        if let RelationKind::ToMany { fk } = rel.kind {
            let child = crate::model::resource(rel.target).expect("relation target is a resource");
            r = r.route(
                &format!("{base}/{{id}}/{}", rel.name),
                get(
                    move |State(st): State<SharedState>,
                          Extension(t): Extension<AuthToken>,
                          Path(id): Path<String>,
                          RawQuery(q): RawQuery| async move {
                        nested(res, child, fk, st, t, id, q).await
                    },
                )
                .fallback(
                    move |State(st): State<SharedState>,
                          Path(id): Path<String>,
                          req: axum::extract::Request| async move {
                        nested_write(child, fk, st, id, req).await
                    },
                ),
            );
        }
    }
    if bulk {
        r = r.route(
            &format!("{base}/bulk"),
            post(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      RawQuery(q): RawQuery,
                      body: Bytes| async move { bulk_create(res, st, t, q, body).await },
            )
            .patch(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      RawQuery(q): RawQuery,
                      body: Bytes| async move { bulk_update(res, st, t, q, body).await },
            )
            .delete(
                move |State(st): State<SharedState>,
                      Extension(t): Extension<AuthToken>,
                      RawQuery(q): RawQuery,
                      body: Bytes| async move { bulk_delete(res, st, t, q, body).await },
            ),
        );
    }
    r
}

impl From<QueryError> for Problem {
    fn from(e: QueryError) -> Problem {
        Problem::bad_request(e.detail.clone()).with("invalid_param", json!(e.param))
    }
}

impl From<ListError> for Problem {
    fn from(e: ListError) -> Problem {
        match e {
            ListError::Query(q) => q.into(),
            ListError::Sql(s) => s.into(),
        }
    }
}

/// A stored row: its representation, version (for the ETag) and whether it is soft-deleted.
pub struct StoredRow {
    pub data: Map<String, Value>,
    pub version: i64,
    pub deleted: bool,
}

pub fn fetch_row(
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    id: &str,
) -> rusqlite::Result<Option<StoredRow>> {
    if !util::is_uuid(id) {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT * FROM {} WHERE id = ?1 AND workspace_id = ?2",
        res.name
    ))?;
    stmt.query_row([id, ws], |row| {
        Ok(StoredRow {
            data: query::row_to_json(res, row)?,
            version: row.get("version")?,
            deleted: row.get::<_, Option<String>>("deleted_at")?.is_some(),
        })
    })
    .optional()
}

fn to_sql(kind: FieldKind, v: &Value) -> SqlValue {
    match (kind, v) {
        (_, Value::Null) => SqlValue::Null,
        (FieldKind::Integer, v) => SqlValue::Integer(v.as_i64().unwrap_or(0)),
        (FieldKind::Bool, v) => SqlValue::Integer(v.as_bool().unwrap_or(false) as i64),
        (FieldKind::JsonMap | FieldKind::JsonArray, v) => SqlValue::Text(v.to_string()),
        (_, Value::String(s)) => SqlValue::Text(s.clone()),
        (_, v) => SqlValue::Text(v.to_string()),
    }
}

/// Maps a unique-index violation on a write to the guide's `already_taken`.
fn write_error(e: rusqlite::Error) -> Problem {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains("name") {
            return Problem::validation_one("name", "already_taken");
        }
    }
    e.into()
}

pub fn insert_row(
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    values: &Map<String, Value>,
) -> Result<String, Problem> {
    let id = util::new_id();
    let now = util::now();
    let mut cols = vec!["id", "workspace_id", "version", "inserted_at", "updated_at"];
    let mut params: Vec<SqlValue> = vec![
        SqlValue::Text(id.clone()),
        SqlValue::Text(ws.to_string()),
        SqlValue::Integer(1),
        SqlValue::Text(now.clone()),
        SqlValue::Text(now),
    ];
    for f in res.fields.iter().filter(|f| f.writable) {
        cols.push(f.name);
        params.push(to_sql(f.kind, values.get(f.name).unwrap_or(&Value::Null)));
    }
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    conn.execute(
        &format!(
            "INSERT INTO {} ({}) VALUES ({})",
            res.name,
            cols.join(", "),
            placeholders.join(", ")
        ),
        rusqlite::params_from_iter(params),
    )
    .map_err(write_error)?;
    Ok(id)
}

/// Writes `values` over row `id` if its version is still `expected_version`; bumps the version
/// (so the ETag changes on every update, no-ops included). Returns false on a lost race.
pub fn update_row(
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    id: &str,
    expected_version: i64,
    values: &Map<String, Value>,
    bump: bool,
) -> Result<bool, Problem> {
    let mut sets = vec![
        "version = version + ?1".to_string(),
        "updated_at = ?2".to_string(),
    ];
    let mut params: Vec<SqlValue> =
        vec![SqlValue::Integer(bump as i64), SqlValue::Text(util::now())];
    for f in res.fields.iter().filter(|f| f.writable) {
        params.push(to_sql(f.kind, values.get(f.name).unwrap_or(&Value::Null)));
        sets.push(format!("{} = ?{}", f.name, params.len()));
    }
    params.push(SqlValue::Text(id.to_string()));
    let id_n = params.len();
    params.push(SqlValue::Text(ws.to_string()));
    let ws_n = params.len();
    params.push(SqlValue::Integer(expected_version));
    let v_n = params.len();
    let n = conn
        .execute(
            &format!(
                "UPDATE {} SET {} WHERE id = ?{id_n} AND workspace_id = ?{ws_n} AND version = ?{v_n} AND deleted_at IS NULL",
                res.name,
                sets.join(", ")
            ),
            rusqlite::params_from_iter(params),
        )
        .map_err(write_error)?;
    Ok(n == 1)
}

/// The query-grammar fault switches in force (specgate's tests turn them on).
fn query_faults(st: &SharedState) -> query::QueryFaults {
    query::QueryFaults::from_switches(|name| st.fault(name))
}

fn single_response(
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    row: StoredRow,
    raw_query: Option<&str>,
    status: StatusCode,
    faults: query::QueryFaults,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(raw_query);
    let q = query::parse_single_query_with(res, &pairs, faults)?;
    let id = row
        .data
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let body = query::render_single(conn, res, ws, row.data, &q)?;
    Ok(json_response(status, &body, Some(&etag(&id, row.version))))
}

async fn list(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    raw: Option<String>,
    _unused: Option<()>,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(raw.as_deref());
    // Fault: the ORDER BY builder has room for 3 sort keys; a 4th overflows it (500).
    if st.fault("sort-fourth-field-500")
        && pairs
            .iter()
            .any(|(k, v)| k == "sort" && v.split(',').count() > 3)
    {
        return Err(Problem::internal());
    }
    let mut q = query::parse_list_query_with(res, &pairs, query_faults(&st))?;
    q.include_deleted = st.fault("soft-deleted-still-listed");
    // Fault: the default live-records scope wins over filter[deleted_at], so soft-deleted
    // records can never be listed.
    if st.fault("deleted-filter-ignored") {
        q.filters.retain(|f| !f.target.is_deleted_at());
    }
    // Fault: the GET list never passes `q` on to the query (only POST /search searches).
    if st.fault("list-ignores-q") {
        q.q = None;
    }
    // Fault: collection links built from a configured public URL instead of a path.
    let base_path = if st.fault("absolute-links") {
        format!("https://api.example.com/api/v1/{}", res.name)
    } else {
        format!("/api/v1/{}", res.name)
    };
    let conn = st.db.lock()?;
    let mut out = query::run_list(
        &conn,
        &ListContext {
            res,
            workspace_id: &t.workspace_id,
            parent: None,
            base_path: &base_path,
        },
        &q,
    )?;
    fault_collection_links(&st, &mut out);
    // Fault: the list view uses a summary serializer that leaves out the JSON columns.
    if st.fault("list-omits-json-columns") {
        for row in out.body["data"].as_array_mut().into_iter().flatten() {
            for f in res
                .fields
                .iter()
                .filter(|f| matches!(f.kind, FieldKind::JsonMap | FieldKind::JsonArray))
            {
                row.as_object_mut().map(|o| o.remove(f.name));
            }
        }
    }
    // Fault: a conditional-GET helper tags every 200 GET, collections included.
    let tag = st
        .fault("collection-etag")
        .then(|| etag(&out.body.to_string(), 0));
    let mut resp = list_response(out);
    if let Some(v) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

/// Faults in collection links: `next-link-on-last-page` (the last page still points at a
/// next page, in the body and the Link header) and `link-header-missing-last` (the Link header
/// leaves out rel="last").
fn fault_collection_links(st: &SharedState, out: &mut query::ListResponse) {
    if st.fault("next-link-on-last-page") && out.body["links"]["next"].is_null() {
        let page = out.body["pagination"]["page"].as_u64();
        if let (Some(page), Some(self_link)) = (page, out.body["links"]["self"].as_str()) {
            let next =
                self_link.replacen(&format!("page={page}&"), &format!("page={}&", page + 1), 1);
            out.link_header = Some(match out.link_header.take() {
                Some(h) => format!("{h}, <{next}>; rel=\"next\""),
                None => format!("<{next}>; rel=\"next\""),
            });
            out.body["links"]["next"] = json!(next);
        }
    }
    if st.fault("link-header-missing-last") {
        out.link_header = out.link_header.take().and_then(|h| {
            let kept: Vec<&str> = h
                .split(", ")
                .filter(|part| !part.ends_with("rel=\"last\""))
                .collect();
            (!kept.is_empty()).then(|| kept.join(", "))
        });
    }
}

/// A collection page as a 200 JSON response with its RFC 8288 `Link` header.
pub fn list_response(out: query::ListResponse) -> Response {
    let mut resp = json_response(StatusCode::OK, &out.body, None);
    if let Some(link) = out.link_header.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LINK, link);
    }
    resp
}

async fn search(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    raw: Option<String>,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(raw.as_deref())?;
    let value: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("Malformed JSON in request body: {e}.")))?
    };
    if !value.is_object() {
        return Err(Problem::bad_request(
            "The search body must be a JSON object.",
        ));
    }
    let q = query::parse_search_body_with(res, &value, query_faults(&st))?;
    let base_path = format!("/api/v1/{}", res.name);
    let conn = st.db.lock()?;
    let out = query::run_list(
        &conn,
        &ListContext {
            res,
            workspace_id: &t.workspace_id,
            parent: None,
            base_path: &base_path,
        },
        &q,
    )?;
    let mut resp = list_response(out);
    // Fault: POST /search answers 201 Created, like every other POST.
    if st.fault("post-search-returns-201") {
        *resp.status_mut() = StatusCode::CREATED;
    }
    Ok(resp)
}

async fn nested(
    parent: &'static ResourceDef,
    child: &'static ResourceDef,
    fk: &'static str,
    st: SharedState,
    t: AuthToken,
    id: String,
    raw: Option<String>,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(raw.as_deref());
    let mut q = query::parse_list_query_with(child, &pairs, query_faults(&st))?;
    // Fault: nested lists return every child as a bare `{data}`, unpaginated.
    let unpaginated = st.fault("nested-list-unpaginated");
    if unpaginated {
        q.per_page = 100_000;
    }
    let conn = st.db.lock()?;
    match fetch_row(&conn, parent, &t.workspace_id, &id)? {
        Some(row) if !row.deleted => {}
        // Fault: the nested list skips the parent lookup and answers an empty page.
        _ if st.fault("nested-missing-parent-empty") => {}
        _ => return Err(Problem::not_found()),
    }
    let base_path = format!("/api/v1/{}/{id}/{}", parent.name, child.name);
    let mut out = query::run_list(
        &conn,
        &ListContext {
            res: child,
            workspace_id: &t.workspace_id,
            // Fault switch: the nested list forgets to scope to its parent.
            parent: (!st.fault("nested-ignores-parent")).then_some((fk, id.as_str())),
            base_path: &base_path,
        },
        &q,
    )?;
    if unpaginated {
        let data = out.body["data"].take();
        return Ok(json_response(
            StatusCode::OK,
            &json!({ "data": data }),
            None,
        ));
    }
    Ok(list_response(out))
}

/// Any other method on a nested path: 405 (the router adds `Allow`), unless the
/// `nested-create-forwarded` fault is on: then a convenience route forwards POST to the child
/// collection with the parent filled in.
async fn nested_write(
    child: &'static ResourceDef,
    fk: &'static str,
    st: SharedState,
    id: String,
    req: axum::extract::Request,
) -> Response {
    let token = req.extensions().get::<AuthToken>().cloned();
    let (Some(t), true) = (
        token,
        req.method() == axum::http::Method::POST && st.fault("nested-create-forwarded"),
    ) else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let mut body: Map<String, Value> = serde_json::from_slice(&bytes).unwrap_or_default();
    body.insert(fk.to_string(), Value::String(id));
    let bytes = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
    create(child, st, t, bytes)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn create(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    body: Bytes,
) -> ApiResult<Response> {
    let mut body = util::parse_json_object(&body)?;
    // Fault: a client-sent workspace_id honoured (an import path's override left open).
    let ws = match body.get("workspace_id").and_then(Value::as_str) {
        Some(w) if st.fault("create-honours-workspace-id") => {
            let w = w.to_string();
            body.remove("workspace_id");
            w
        }
        _ => t.workspace_id.clone(),
    };
    // Fault: references checked for existence only, not for the token's read scope on them.
    let checker = if st.fault("references-not-scope-checked") {
        let mut c = t.clone();
        c.scopes.push("all:read".into());
        c
    } else {
        t.clone()
    };
    let (row, resp) = {
        let conn = st.db.lock()?;
        let values = validate::validate(&conn, &checker, res, &body, Mode::Create, None)?;
        if st.fault("unique-names-include-deleted")
            && name_held_by_deleted(&conn, res, &t.workspace_id, &values)?
        {
            return Err(Problem::validation_one("name", "already_taken"));
        }
        let id = insert_row(&conn, res, &ws, &values)?;
        let row = fetch_row(&conn, res, &ws, &id)?.ok_or_else(Problem::internal)?;
        let data = row.data.clone();
        // Fault: creation answered 200 instead of the documented 201.
        let status = if st.fault("create-returns-200") {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        let mut resp = json_response(
            status,
            &json!({ "data": Value::Object(row.data) }),
            Some(&etag(&id, row.version)),
        );
        // Fault: the Location header is built without the /api/v1 prefix.
        let prefix = if st.fault("location-without-prefix") {
            ""
        } else {
            "/api/v1"
        };
        if let Ok(loc) = HeaderValue::from_str(&format!("{prefix}/{}/{id}", res.name)) {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
        (data, resp)
    };
    st.events.emit(
        &t.workspace_id,
        &format!("{}.created", res.type_name),
        Value::Object(row),
    );
    Ok(resp)
}

/// The bug of the `unique-names-include-deleted` fault: a full (not partial) unique index, so
/// a soft-deleted row still holds its name.
fn name_held_by_deleted(
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    values: &Map<String, Value>,
) -> rusqlite::Result<bool> {
    let (Some(_), Some(Value::String(name))) = (res.field("name"), values.get("name")) else {
        return Ok(false);
    };
    conn.query_row(
        &format!(
            "SELECT EXISTS(SELECT 1 FROM {} WHERE workspace_id = ?1 AND name = ?2 AND deleted_at IS NOT NULL)",
            res.name
        ),
        [ws, name.as_str()],
        |r| r.get(0),
    )
}

async fn get_one(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let conn = st.db.lock()?;
    let mut ws = t.workspace_id.clone();
    let mut row = match fetch_row(&conn, res, &t.workspace_id, &id)? {
        Some(r) if !r.deleted => r,
        _ => match foreign_row(&st, &conn, res, &t.workspace_id, &id)? {
            Some((owner, r)) => {
                ws = owner;
                r
            }
            None => return Err(Problem::not_found()),
        },
    };
    // Fault: a link to an endpoint that was never shipped (nor documented).
    if st.fault("undocumented-link") {
        if let Some(Value::Object(links)) = row.data.get_mut("links") {
            links.insert(
                "history".into(),
                json!(format!("/api/v1/{}/{id}/history", res.name)),
            );
        }
    }
    // Fault: a money column read back as text.
    if st.fault("amount-cents-as-string") {
        if let Some(v) = row.data.get_mut("amount_cents").filter(|v| v.is_number()) {
            *v = json!(v.to_string());
        }
    }
    // A request that would be a 400 without If-None-Match is a 400 with it (RFC 9110 13.2.1).
    query::parse_single_query(res, &util::query_pairs(raw.as_deref()))?;
    let tag = etag(&id, row.version);
    if let Some(inm) = header_str(&headers, "if-none-match") {
        if etag_matches(inm, &tag) {
            let mut resp = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(v) = HeaderValue::from_str(&tag) {
                resp.headers_mut().insert(header::ETAG, v);
            }
            return Ok(resp);
        }
    }
    let mut resp = single_response(
        &conn,
        res,
        &ws,
        row,
        raw.as_deref(),
        StatusCode::OK,
        query_faults(&st),
    )?;
    // Fault: the ETag header set from the bare hash, without the entity-tag quotes.
    if st.fault("etag-unquoted") {
        let bare = tag.trim_matches('"').to_string();
        if let Ok(v) = HeaderValue::from_str(&bare) {
            resp.headers_mut().insert(header::ETAG, v);
        }
    }
    Ok(resp)
}

/// Faults: a lookup by id that forgets the workspace. `cross-workspace-item-readable` serves
/// another workspace's record; `cross-workspace-403` answers 403 for it (which leaks that it
/// exists) instead of 404.
fn foreign_row(
    st: &SharedState,
    conn: &Connection,
    res: &'static ResourceDef,
    ws: &str,
    id: &str,
) -> ApiResult<Option<(String, StoredRow)>> {
    let readable = st.fault("cross-workspace-item-readable");
    let forbidden = st.fault("cross-workspace-403");
    if (!readable && !forbidden) || !util::is_uuid(id) {
        return Ok(None);
    }
    let owner: Option<String> = conn
        .query_row(
            &format!("SELECT workspace_id FROM {} WHERE id = ?1", res.name),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(owner) = owner.filter(|o| o != ws) else {
        return Ok(None);
    };
    if forbidden {
        return Err(Problem::new(
            problem::INSUFFICIENT_SCOPE,
            "This record belongs to another workspace.",
        ));
    }
    Ok(fetch_row(conn, res, &owner, id)?
        .filter(|r| !r.deleted)
        .map(|r| (owner, r)))
}

#[expect(clippy::too_many_arguments, reason = "axum extractors, passed through")]
async fn update(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    mode: Mode,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(raw.as_deref());
    let q = query::parse_single_query(res, &pairs)?;
    let body = util::parse_json_object(&body)?;
    let (data, resp) = {
        let conn = st.db.lock()?;
        let row = match fetch_row(&conn, res, &t.workspace_id, &id)? {
            Some(r) if !r.deleted => r,
            _ => return Err(Problem::not_found()),
        };
        let current_tag = etag(&id, row.version);
        match header_str(&headers, "if-match") {
            None if mode == Mode::Replace && !st.fault("put-without-if-match-accepted") => {
                return Err(Problem::new(
                    problem::PRECONDITION_REQUIRED,
                    "PUT requires an If-Match header with the resource's current ETag.",
                ));
            }
            // Fault: PATCH treated like PUT, If-Match required.
            None if mode == Mode::Patch && st.fault("patch-requires-if-match") => {
                return Err(Problem::new(
                    problem::PRECONDITION_REQUIRED,
                    "PATCH requires an If-Match header with the resource's current ETag.",
                ));
            }
            // Fault: If-Match compared with its quotes stripped, so it never matches.
            Some(im)
                if !etag_matches(im, &current_tag)
                    || (st.fault("if-match-never-matches")
                        && !etag_matches(im.trim_matches('"'), &current_tag)) =>
            {
                return Err(Problem::new(
                    problem::PRECONDITION_FAILED,
                    "The resource has been modified since your last read. Re-fetch and retry.",
                ));
            }
            _ => {}
        }
        let (mode, body) = faulty_update(&st, res, mode, body, &row.data);
        // Fault: PUT validated like PATCH, so omitted required fields keep their stored values.
        let vmode = if mode == Mode::Replace && st.fault("put-as-patch") {
            Mode::Patch
        } else {
            mode
        };
        let values = validate::validate(&conn, &t, res, &body, vmode, Some(&row.data))?;
        let bump = !st.fault("etag-unchanged-on-update");
        if !update_row(&conn, res, &t.workspace_id, &id, row.version, &values, bump)? {
            return Err(Problem::new(
                problem::PRECONDITION_FAILED,
                "The resource was modified concurrently. Re-fetch and retry.",
            ));
        }
        let row = fetch_row(&conn, res, &t.workspace_id, &id)?.ok_or_else(Problem::internal)?;
        let data = row.data.clone();
        let tag = etag(&id, row.version);
        let body = query::render_single(&conn, res, &t.workspace_id, row.data, &q)?;
        (data, json_response(StatusCode::OK, &body, Some(&tag)))
    };
    st.events.emit(
        &t.workspace_id,
        &format!("{}.updated", res.type_name),
        Value::Object(data),
    );
    Ok(resp)
}

/// The update bugs the fault switches simulate: PUT merged like PATCH, PATCH dropping explicit
/// nulls, PATCH deep-merging JSON columns, PATCH resetting the fields it does not send.
fn faulty_update(
    st: &SharedState,
    res: &'static ResourceDef,
    mode: Mode,
    mut body: Map<String, Value>,
    current: &Map<String, Value>,
) -> (Mode, Map<String, Value>) {
    match mode {
        Mode::Replace if st.fault("put-merges-like-patch") => (Mode::Patch, body),
        // Fault: PUT deep-merges JSON maps into the stored ones (merge-on-save).
        Mode::Replace if st.fault("jsonb-merged-on-put") => {
            for f in res.fields.iter().filter(|f| f.writable) {
                if let (FieldKind::JsonMap, Some(Value::Object(new)), Some(Value::Object(old))) =
                    (f.kind, body.get_mut(f.name), current.get(f.name))
                {
                    let mut merged = old.clone();
                    merged.extend(std::mem::take(new));
                    *new = merged;
                }
            }
            (mode, body)
        }
        Mode::Patch => {
            if st.fault("patch-null-ignored") {
                body.retain(|_, v| !v.is_null());
            }
            if st.fault("jsonb-merged-on-patch") {
                for f in res.fields.iter().filter(|f| f.writable) {
                    match (f.kind, body.get_mut(f.name), current.get(f.name)) {
                        (
                            FieldKind::JsonMap,
                            Some(Value::Object(new)),
                            Some(Value::Object(old)),
                        ) => {
                            let mut merged = old.clone();
                            merged.extend(std::mem::take(new));
                            *new = merged;
                        }
                        (
                            FieldKind::JsonArray,
                            Some(Value::Array(new)),
                            Some(Value::Array(old)),
                        ) => {
                            let mut all = old.clone();
                            all.append(new);
                            *new = all;
                        }
                        _ => {}
                    }
                }
            }
            if st.fault("patch-resets-omitted-fields") {
                for f in res.fields.iter().filter(|f| f.required) {
                    if let (false, Some(v)) = (body.contains_key(f.name), current.get(f.name)) {
                        body.insert(f.name.to_string(), v.clone());
                    }
                }
                return (Mode::Replace, body);
            }
            (mode, body)
        }
        _ => (mode, body),
    }
}

async fn delete(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    id: String,
    raw: Option<String>,
) -> ApiResult<Response> {
    util::no_query(raw.as_deref())?;
    let data = {
        let conn = st.db.lock()?;
        let row = match fetch_row(&conn, res, &t.workspace_id, &id)? {
            Some(r) if !r.deleted => r,
            _ => return Err(Problem::not_found()),
        };
        soft_delete(&conn, res, &t.workspace_id, &id)?;
        // Fault: deleted_at stamped in the server's local time, with its offset.
        if st.fault("deleted-at-local-time") {
            let local = chrono::Utc::now()
                .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).expect("valid offset"))
                .format("%Y-%m-%dT%H:%M:%S%.6f%:z")
                .to_string();
            conn.execute(
                &format!("UPDATE {} SET deleted_at = ?1 WHERE id = ?2", res.name),
                [&local, &id],
            )?;
        }
        row.data
    };
    // Fault: a soft delete is an UPDATE of deleted_at, and the change hook announces it so.
    let action = if st.fault("webhook-soft-delete-emits-updated") {
        "updated"
    } else {
        "deleted"
    };
    st.events.emit(
        &t.workspace_id,
        &format!("{}.{action}", res.type_name),
        Value::Object(data),
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn soft_delete(
    conn: &Connection,
    res: &ResourceDef,
    ws: &str,
    id: &str,
) -> rusqlite::Result<usize> {
    let now = util::now();
    conn.execute(
        &format!(
            "UPDATE {} SET deleted_at = ?1, updated_at = ?1, version = version + 1
             WHERE id = ?2 AND workspace_id = ?3 AND deleted_at IS NULL",
            res.name
        ),
        [&now, id, ws],
    )
}

async fn restore(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    id: String,
    raw: Option<String>,
) -> ApiResult<Response> {
    let conn = st.db.lock()?;
    let Some(row) = fetch_row(&conn, res, &t.workspace_id, &id)? else {
        return Err(Problem::not_found());
    };
    let stale_tag = etag(&id, row.version);
    if row.deleted {
        conn.execute(
            &format!(
                "UPDATE {} SET deleted_at = NULL, updated_at = ?1, version = version + 1
                 WHERE id = ?2 AND workspace_id = ?3",
                res.name
            ),
            [&util::now(), &id, &t.workspace_id],
        )
        .map_err(write_error)?;
    }
    let row = fetch_row(&conn, res, &t.workspace_id, &id)?.ok_or_else(Problem::internal)?;
    // Fault: the restore answers 204 No Content instead of the restored resource.
    if st.fault("restore-returns-204") {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut resp = single_response(
        &conn,
        res,
        &t.workspace_id,
        row,
        raw.as_deref(),
        StatusCode::OK,
        query_faults(&st),
    )?;
    // Fault: the restore's ETag is computed from the row read before the update.
    if st.fault("restore-stale-etag") {
        if let Ok(v) = HeaderValue::from_str(&stale_tag) {
            resp.headers_mut().insert(header::ETAG, v);
        }
    }
    Ok(resp)
}

/// Reads `{key: [...]}` from a bulk body and enforces 1..=100 entries.
fn bulk_entries(st: &SharedState, body: &Bytes, key: &str) -> ApiResult<Vec<Value>> {
    let max = MAX_BULK + usize::from(st.fault("bulk-limit-off-by-one"));
    let body = util::parse_json_object(body)?;
    let Some(entries) = body.get(key).and_then(Value::as_array) else {
        return Err(Problem::validation_one(key, "cant_be_blank"));
    };
    if let Some(other) = body.keys().find(|k| *k != key) {
        return Err(Problem::validation_one(other, "unknown_field"));
    }
    if entries.is_empty() {
        return Err(Problem::validation_one(key, "cant_be_blank"));
    }
    // Fault `bulk-limit-off-by-one` (set by the callers): one entry too many let through.
    if entries.len() > max {
        return Err(Problem::new(
            problem::VALIDATION_FAILED,
            format!(
                "A bulk request holds at most {MAX_BULK} entries; got {}.",
                entries.len()
            ),
        )
        .with("errors", json!({ key: ["too_long"] })));
    }
    Ok(entries.clone())
}

fn prefixed(errors: Map<String, Value>, prefix: &str) -> Map<String, Value> {
    errors
        .into_iter()
        .map(|(k, v)| (format!("{prefix}.{k}"), v))
        .collect()
}

fn summary(total: usize, ok: usize) -> Value {
    json!({ "total": total, "succeeded": ok, "failed": total - ok })
}

/// POST /{res}/bulk — partial success: 201 all created, 422 none, 207 mixed.
async fn bulk_create(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    raw: Option<String>,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(raw.as_deref())?;
    let entries = bulk_entries(&st, &body, "items")?;
    let mut results = Vec::with_capacity(entries.len());
    let mut all_errors = Map::new();
    let mut created = Vec::new();
    {
        let conn = st.db.lock()?;
        for (i, entry) in entries.iter().enumerate() {
            let outcome = match entry.as_object() {
                None => Err(Problem::validation_one("item", "invalid_format")),
                Some(obj) => validate::validate(&conn, &t, res, obj, Mode::Create, None)
                    .and_then(|values| insert_row(&conn, res, &t.workspace_id, &values))
                    .and_then(|id| {
                        fetch_row(&conn, res, &t.workspace_id, &id)?.ok_or_else(Problem::internal)
                    }),
            };
            match outcome {
                Ok(row) => {
                    let id = row.data.get("id").cloned().unwrap_or(Value::Null);
                    created.push(row.data.clone());
                    results.push(json!({"index": i, "id": id, "status": "created", "data": Value::Object(row.data)}));
                }
                Err(p) => {
                    let errs = p
                        .extra
                        .get("errors")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    all_errors.extend(prefixed(errs, &format!("items[{i}]")));
                    let mut err = p.body();
                    if let Value::Object(m) = &mut err {
                        m.remove("status");
                    }
                    results.push(json!({"index": i, "id": null, "status": "failed", "error": err}));
                    // Fault: validation bails out at the first invalid item.
                    if st.fault("bulk-validation-stops-at-first-error") {
                        break;
                    }
                }
            }
        }
    }
    // Fault: successes and failures collected apart and concatenated, out of input order.
    if st.fault("bulk-results-out-of-order") {
        results.sort_by_key(|r| r["status"] != "created");
    }
    let ok = created.len();
    for data in created {
        st.events.emit(
            &t.workspace_id,
            &format!("{}.created", res.type_name),
            Value::Object(data),
        );
    }
    let total = entries.len();
    // Fault `bulk-all-failed-207`: no special case for a batch in which every item failed.
    if ok == 0 && !st.fault("bulk-all-failed-207") {
        return Err(Problem::new(
            problem::VALIDATION_FAILED,
            format!("All {total} items failed validation."),
        )
        .with("errors", Value::Object(all_errors)));
    }
    let status = if ok == total {
        // Fault: the all-succeeded case answered 200, like the bulk update.
        if st.fault("bulk-create-returns-200") {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        }
    } else {
        StatusCode::MULTI_STATUS
    };
    let mut sum = summary(total, ok);
    if st.fault("bulk-summary-miscount") {
        sum["succeeded"] = json!(total);
    }
    Ok(json_response(
        status,
        &json!({"data": results, "summary": sum}),
        None,
    ))
}

/// PATCH /{res}/bulk — atomic: 200 when every entry applies, else 422 and nothing changes.
async fn bulk_update(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    raw: Option<String>,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(raw.as_deref())?;
    let entries = bulk_entries(&st, &body, "items")?;
    let mut errors = Map::new();
    let mut results = Vec::new();
    let mut updated = Vec::new();
    {
        let mut conn = st.db.lock()?;
        let tx = conn.transaction()?;
        for (i, entry) in entries.iter().enumerate() {
            let prefix = format!("items[{i}]");
            let Some(obj) = entry.as_object() else {
                errors.insert(prefix, json!(["invalid_format"]));
                continue;
            };
            let Some(id) = obj.get("id").and_then(Value::as_str) else {
                errors.insert(format!("{prefix}.id"), json!(["cant_be_blank"]));
                continue;
            };
            let row = match fetch_row(&tx, res, &t.workspace_id, id)? {
                Some(r) if !r.deleted => r,
                _ => {
                    errors.insert(format!("{prefix}.id"), json!(["not_found"]));
                    continue;
                }
            };
            let mut patch = obj.clone();
            patch.remove("id");
            let (values, errs) =
                validate::validate_collect(&tx, &t, res, &patch, Mode::Patch, Some(&row.data))?;
            if !errs.is_empty() {
                errors.extend(prefixed(errs, &prefix));
                continue;
            }
            if let Err(p) = update_row(&tx, res, &t.workspace_id, id, row.version, &values, true) {
                let errs = p
                    .extra
                    .get("errors")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                errors.extend(prefixed(errs, &prefix));
                continue;
            }
            let row = fetch_row(&tx, res, &t.workspace_id, id)?.ok_or_else(Problem::internal)?;
            updated.push(row.data.clone());
            results.push(
                json!({"index": i, "id": id, "status": "updated", "data": Value::Object(row.data)}),
            );
        }
        if !errors.is_empty() {
            if st.fault("bulk-update-undocumented-207") {
                // Partial success on an endpoint documented as atomic.
                tx.commit()?;
                let (total, ok) = (entries.len(), results.len());
                return Ok(json_response(
                    StatusCode::MULTI_STATUS,
                    &json!({"data": results, "summary": summary(total, ok)}),
                    None,
                ));
            }
            if st.fault("atomic-bulk-persists-valid") {
                tx.commit()?;
            } else {
                tx.rollback()?;
            }
            return Err(Problem::validation(errors));
        }
        tx.commit()?;
    }
    for data in updated {
        st.events.emit(
            &t.workspace_id,
            &format!("{}.updated", res.type_name),
            Value::Object(data),
        );
    }
    let total = entries.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": results, "summary": summary(total, total)}),
        None,
    ))
}

/// DELETE /{res}/bulk — atomic soft delete of `{"ids": [...]}`.
async fn bulk_delete(
    res: &'static ResourceDef,
    st: SharedState,
    t: AuthToken,
    raw: Option<String>,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(raw.as_deref())?;
    let ids = bulk_entries(&st, &body, "ids")?;
    let mut errors = Map::new();
    let mut deleted = Vec::new();
    {
        let mut conn = st.db.lock()?;
        let tx = conn.transaction()?;
        for (i, id) in ids.iter().enumerate() {
            let Some(id) = id.as_str() else {
                errors.insert(format!("ids[{i}]"), json!(["invalid_uuid"]));
                continue;
            };
            match fetch_row(&tx, res, &t.workspace_id, id)? {
                Some(r) if !r.deleted => {
                    soft_delete(&tx, res, &t.workspace_id, id)?;
                    deleted.push(r.data);
                }
                _ => {
                    errors.insert(format!("ids[{i}]"), json!(["not_found"]));
                }
            }
        }
        if !errors.is_empty() {
            tx.rollback()?;
            return Err(Problem::validation(errors));
        }
        tx.commit()?;
    }
    let results: Vec<Value> = deleted
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"index": i, "id": d.get("id"), "status": "deleted"}))
        .collect();
    let total = ids.len();
    for data in deleted {
        st.events.emit(
            &t.workspace_id,
            &format!("{}.deleted", res.type_name),
            Value::Object(data),
        );
    }
    // Fault: the bulk delete answers like a single DELETE, 204 No Content.
    if st.fault("bulk-delete-returns-204") {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": results, "summary": summary(total, total)}),
        None,
    ))
}
