//! File uploads attached to a resource: direct multipart (≤ 10 MB) and the presigned flow
//! (≤ 500 MB: presign → PUT the bytes to the signed URL → confirm). Files are soft-deleted like
//! every other resource.

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Extension, Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use md5::{Digest, Md5};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use crate::auth::AuthToken;
use crate::handlers::resources::{fetch_row, soft_delete};
use crate::model::{self, FILES};
use crate::problem::{self, ApiResult, Problem};
use crate::query::{self, ListContext};
use crate::state::SharedState;
use crate::util::{self, json_response};

pub const MAX_DIRECT: usize = 10 * 1024 * 1024;
pub const MAX_PRESIGNED: u64 = 500 * 1024 * 1024;
/// Body limit of the multipart route: the 10 MB file plus form overhead.
pub const DIRECT_BODY_LIMIT: usize = MAX_DIRECT + 256 * 1024;

fn resource_table(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "item" => Some("items"),
        "category" => Some("categories"),
        "comment" => Some("comments"),
        _ => None,
    }
}

/// Checks resource_type/resource_id: allowed type, read scope on it, a live row of the workspace.
fn check_target(
    st: &SharedState,
    conn: &Connection,
    t: &AuthToken,
    resource_type: &str,
    resource_id: &str,
    errors: &mut Map<String, Value>,
) -> rusqlite::Result<()> {
    let Some(table) = resource_table(resource_type) else {
        errors.insert("resource_type".into(), json!(["inclusion"]));
        return Ok(());
    };
    if !util::is_uuid(resource_id) {
        errors.insert("resource_id".into(), json!(["invalid_uuid"]));
    } else if !t.allows(table, "read") {
        errors.insert("resource_id".into(), json!(["insufficient_scope"]));
    } else if !st.fault("files-owner-not-checked")
        && !crate::validate::live_exists(conn, table, &t.workspace_id, resource_id)?
    {
        // (Fault `files-owner-not-checked`: only the id's format is checked, not that the
        // record exists in the workspace.)
        errors.insert("resource_id".into(), json!(["not_found"]));
    }
    Ok(())
}

fn base_mime(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn file_response(conn: &Connection, ws: &str, id: &str, status: StatusCode) -> ApiResult<Response> {
    let row = fetch_row(conn, &FILES, ws, id)?.ok_or_else(Problem::internal)?;
    let mut resp = json_response(
        status,
        &json!({"data": Value::Object(row.data)}),
        Some(&util::etag(id, row.version)),
    );
    if status == StatusCode::CREATED {
        if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/files/{id}")) {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
    }
    Ok(resp)
}

/// POST /api/v1/files (multipart/form-data: file, resource_type, resource_id).
pub async fn upload(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let mut mp = mp.map_err(|e| {
        Problem::bad_request(format!(
            "The request must be multipart/form-data: {}",
            e.body_text()
        ))
    })?;
    let mut file: Option<(String, String, Bytes)> = None;
    let mut resource_type = None;
    let mut resource_id = None;
    let mut errors = Map::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Problem::validation_one("file", "too_long"));
            }
            Err(e) => {
                return Err(Problem::bad_request(format!(
                    "Malformed multipart body: {}",
                    e.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let filename = field.file_name().unwrap_or("upload.bin").to_string();
                let ctype = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let data = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        Problem::validation_one("file", "too_long")
                    } else {
                        Problem::bad_request(format!("Malformed multipart body: {}", e.body_text()))
                    }
                })?;
                file = Some((filename, ctype, data));
            }
            "resource_type" | "resource_id" => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| Problem::bad_request(e.body_text()))?;
                if name == "resource_type" {
                    resource_type = Some(v);
                } else {
                    resource_id = Some(v);
                }
            }
            other => {
                errors.insert(other.to_string(), json!(["unknown_field"]));
            }
        }
    }
    let missing: Vec<&str> = [
        ("file", file.is_none()),
        ("resource_type", resource_type.is_none()),
        ("resource_id", resource_id.is_none()),
    ]
    .into_iter()
    .filter_map(|(n, m)| m.then_some(n))
    .collect();
    if !missing.is_empty() {
        let errs: Map<String, Value> = missing
            .iter()
            .map(|n| (n.to_string(), json!(["cant_be_blank"])))
            .collect();
        return Err(Problem::new(
            problem::INVALID_PARAMS,
            format!("Missing required parameters: {}.", missing.join(", ")),
        )
        .with("errors", Value::Object(errs)));
    }
    let (filename, ctype, data) = file.ok_or_else(Problem::internal)?;
    let (resource_type, resource_id) = (
        resource_type.unwrap_or_default(),
        resource_id.unwrap_or_default(),
    );
    // The `files-size-limit-off-by-one` fault lets exactly one byte too many through.
    let limit = MAX_DIRECT + usize::from(st.fault("files-size-limit-off-by-one"));
    if data.len() > limit {
        errors.insert("file".into(), json!(["too_long"]));
    } else if data.is_empty() {
        errors.insert("file".into(), json!(["cant_be_blank"]));
    }
    let mime = base_mime(&ctype);
    if !model::FILE_MIME_TYPES.contains(&mime.as_str()) && !st.fault("files-any-mime-accepted") {
        errors.insert("file".into(), json!(["inclusion"]));
    }
    let md5 = Md5::digest(&data);
    if let Some(given) = util::header_str(&headers, "content-md5") {
        let b64 = base64::engine::general_purpose::STANDARD.encode(md5);
        // Fault: only the hex form is compared, so a correct base64 Content-MD5 is refused.
        let b64_ok = given.trim() == b64 && !st.fault("files-md5-hex-only");
        if !b64_ok && !given.trim().eq_ignore_ascii_case(&hex::encode(md5)) {
            errors.insert("content_md5".into(), json!(["invalid_format"]));
        }
    }
    let conn = st.db.lock()?;
    check_target(&st, &conn, &t, &resource_type, &resource_id, &mut errors)?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let id = util::new_id();
    let now = util::now();
    // Fault: size_bytes taken from the request's Content-Length (the whole multipart body).
    let size = match util::header_str(&headers, "content-length").and_then(|v| v.parse().ok()) {
        Some(n) if st.fault("files-size-from-content-length") => n,
        _ => data.len() as i64,
    };
    conn.execute(
        "INSERT INTO files (id, workspace_id, filename, content_type, size_bytes, checksum_md5, resource_type,
                            resource_id, status, content, inserted_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'uploaded', ?9, ?10, ?10)",
        params![id, t.workspace_id, filename, mime, size, hex::encode(md5), resource_type,
                resource_id.to_ascii_lowercase(), data.to_vec(), now],
    )?;
    file_response(&conn, &t.workspace_id, &id, StatusCode::CREATED)
}

/// POST /api/v1/files/presign — reserve a file and get a signed upload URL.
pub async fn presign(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let body = util::parse_json_object(&body)?;
    let allowed = [
        "filename",
        "content_type",
        "size_bytes",
        "resource_type",
        "resource_id",
    ];
    let missing: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|k| body.get(*k).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        let errs: Map<String, Value> = missing
            .iter()
            .map(|n| (n.to_string(), json!(["cant_be_blank"])))
            .collect();
        return Err(Problem::new(
            problem::INVALID_PARAMS,
            format!("Missing required parameters: {}.", missing.join(", ")),
        )
        .with("errors", Value::Object(errs)));
    }
    let mut errors = Map::new();
    for k in body.keys().filter(|k| !allowed.contains(&k.as_str())) {
        errors.insert(k.clone(), json!(["unknown_field"]));
    }
    let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    // At most 255 characters (the document's maxLength), not bytes.
    let filename = s("filename").filter(|f| !f.trim().is_empty() && f.chars().count() <= 255);
    if filename.is_none() {
        errors.insert("filename".into(), json!(["invalid_format"]));
    }
    let mime = s("content_type").map(|c| base_mime(&c)).unwrap_or_default();
    if !model::FILE_MIME_TYPES.contains(&mime.as_str()) {
        errors.insert("content_type".into(), json!(["inclusion"]));
    }
    let size = body.get("size_bytes").and_then(Value::as_u64);
    match size {
        None => {
            errors.insert("size_bytes".into(), json!(["not_an_integer"]));
        }
        Some(0) => {
            errors.insert("size_bytes".into(), json!(["greater_than"]));
        }
        // Fault: the presign endpoint forgets the 500 MB cap (only direct uploads are capped).
        Some(n) if n > MAX_PRESIGNED && !st.fault("files-presign-size-unchecked") => {
            errors.insert("size_bytes".into(), json!(["less_than"]));
        }
        _ => {}
    }
    let (rt, rid) = (
        s("resource_type").unwrap_or_default(),
        s("resource_id").unwrap_or_default(),
    );
    let conn = st.db.lock()?;
    check_target(&st, &conn, &t, &rt, &rid, &mut errors)?;
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let id = util::new_id();
    let signature = hex::encode(sha2::Sha256::digest(util::new_id().as_bytes()));
    // Fault: the upload URL's lifetime read from an unset setting, so it is born expired.
    let ttl = if st.fault("files-presign-url-born-expired") {
        0
    } else {
        3600
    };
    let expires = util::in_future(std::time::Duration::from_secs(ttl));
    let now = util::now();
    conn.execute(
        "INSERT INTO files (id, workspace_id, filename, content_type, size_bytes, resource_type, resource_id,
                            status, upload_signature, upload_expires_at, inserted_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10, ?10)",
        params![id, t.workspace_id, filename, mime, size.unwrap_or(0) as i64, rt, rid.to_ascii_lowercase(), signature, expires, now],
    )?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"data": {
            "file_id": id,
            "upload_url": format!("/api/v1/uploads/{id}?signature={signature}"),
            "expires_at": expires,
        }}),
        None,
    ))
}

/// PUT /api/v1/uploads/{id}?signature=… — the presigned upload target (no token: the URL is
/// the credential).
pub async fn put_upload(
    State(st): State<SharedState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(q.as_deref());
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "signature") {
        return Err(Problem::bad_request(format!(
            "Unrecognized query parameter '{k}'."
        )));
    }
    let sig = pairs
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let conn = st.db.lock()?;
    let row = conn
        .query_row(
            "SELECT upload_signature, upload_expires_at, size_bytes FROM files WHERE id = ?1 AND status = 'pending'",
            [&id],
            |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?)),
        )
        .optional()?;
    let Some((Some(expected), Some(expires), size)) = row else {
        return Err(Problem::not_found());
    };
    let sig_ok: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), sig.as_bytes()).into();
    if !sig_ok || expires <= util::now() {
        return Err(Problem::not_found());
    }
    if body.len() as i64 > size {
        return Err(Problem::validation_one("file", "too_long"));
    }
    conn.execute(
        "UPDATE files SET content = ?1, size_bytes = ?2, checksum_md5 = ?3, updated_at = ?4 WHERE id = ?5",
        params![body.to_vec(), body.len() as i64, hex::encode(Md5::digest(&body)), util::now(), id],
    )?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// POST /api/v1/files/{id}/confirm — finish a presigned upload.
pub async fn confirm(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    let row = fetch_row(&conn, &FILES, &t.workspace_id, &id)?;
    let Some(row) = row.filter(|r| !r.deleted) else {
        return Err(Problem::not_found());
    };
    if row.data.get("status").and_then(Value::as_str) == Some("pending") {
        let has_content: bool = conn.query_row(
            "SELECT content IS NOT NULL FROM files WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        if !has_content {
            return Err(Problem::new(
                problem::UPLOAD_FAILED,
                "No content has been uploaded to the presigned URL yet.",
            ));
        }
        conn.execute(
            "UPDATE files SET status = 'uploaded', version = version + 1, updated_at = ?1 WHERE id = ?2",
            [&util::now(), &id],
        )?;
    }
    file_response(&conn, &t.workspace_id, &id, StatusCode::OK)
}

pub async fn list(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let pairs = util::query_pairs(q.as_deref());
    let q = query::parse_list_query(&FILES, &pairs)?;
    let conn = st.db.lock()?;
    let out = query::run_list(
        &conn,
        &ListContext {
            res: &FILES,
            workspace_id: &t.workspace_id,
            parent: None,
            base_path: "/api/v1/files",
        },
        &q,
    )?;
    Ok(crate::handlers::resources::list_response(out))
}

pub async fn get_one(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    match fetch_row(&conn, &FILES, &t.workspace_id, &id)? {
        Some(r) if !r.deleted => file_response(&conn, &t.workspace_id, &id, StatusCode::OK),
        _ => Err(Problem::not_found()),
    }
}

pub async fn delete(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    match fetch_row(&conn, &FILES, &t.workspace_id, &id)? {
        Some(r) if !r.deleted => {
            if st.fault("files-delete-is-hard") {
                conn.execute("DELETE FROM files WHERE id = ?1", [&id])?;
            } else {
                soft_delete(&conn, &FILES, &t.workspace_id, &id)?;
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(Problem::not_found()),
    }
}

pub async fn restore(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    if fetch_row(&conn, &FILES, &t.workspace_id, &id)?.is_none() {
        return Err(Problem::not_found());
    }
    conn.execute(
        "UPDATE files SET deleted_at = NULL, version = version + 1, updated_at = ?1 WHERE id = ?2 AND deleted_at IS NOT NULL",
        [&util::now(), &id],
    )?;
    file_response(&conn, &t.workspace_id, &id, StatusCode::OK)
}

pub async fn download(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    let row = conn
        .query_row(
            // Fault: downloads read only what came through presigned storage.
            &format!(
                "SELECT content, content_type, filename FROM files
             WHERE id = ?1 AND workspace_id = ?2 AND deleted_at IS NULL AND status = 'uploaded'{}",
                if st.fault("files-download-presigned-only") {
                    " AND upload_signature IS NOT NULL"
                } else {
                    ""
                }
            ),
            [&id, &t.workspace_id],
            |r| {
                Ok((
                    r.get::<_, Option<Vec<u8>>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((Some(content), ctype, filename)) = row else {
        return Err(Problem::not_found());
    };
    let mut resp = (StatusCode::OK, content).into_response();
    if let Ok(v) = HeaderValue::from_str(&ctype) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
