//! Async jobs: `POST /exports` queues an export (202 + Location), a background task walks it
//! through pending → running → completed (or failed, with an RFC 9457 error), and the result
//! can be downloaded until it expires.

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use crate::auth::AuthToken;
use crate::model;
use crate::problem::{self, ApiResult, Problem};
use crate::query::{self, ListContext};
use crate::state::SharedState;
use crate::util::{self, json_response};

const EXPORT_PAGE: u32 = 500;

fn job_json(conn: &Connection, ws: &str, id: &str) -> rusqlite::Result<Option<Value>> {
    conn.query_row(
        "SELECT id, status, progress, created_at, completed_at, expires_at, error FROM jobs
         WHERE id = ?1 AND workspace_id = ?2",
        [id, ws],
        |r| {
            let id: String = r.get(0)?;
            let status: String = r.get(1)?;
            let expires: Option<String> = r.get(5)?;
            let error: Option<String> = r.get(6)?;
            let result = match (&status[..], expires) {
                ("completed", Some(exp)) => json!({
                    "download_url": format!("/api/v1/exports/{id}/download"),
                    "expires_at": exp,
                }),
                _ => Value::Null,
            };
            Ok(json!({
                "job_id": id,
                "status": status,
                "progress": r.get::<_, i64>(2)?,
                "created_at": r.get::<_, String>(3)?,
                "completed_at": r.get::<_, Option<String>>(4)?,
                "result": result,
                "error": error.and_then(|e| serde_json::from_str::<Value>(&e).ok()),
                "links": {"self": format!("/api/v1/jobs/{id}")},
            }))
        },
    )
    .optional()
}

pub async fn create_export(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let body = util::parse_json_object(&body)?;
    let mut errors = Map::new();
    for k in body.keys() {
        if !["resource", "format", "filter", "simulate_failure"].contains(&k.as_str()) {
            errors.insert(k.clone(), json!(["unknown_field"]));
        }
    }
    let res = match body.get("resource").and_then(Value::as_str) {
        None => {
            errors.insert("resource".into(), json!(["cant_be_blank"]));
            None
        }
        Some(r) => match model::resource(r) {
            Some(res) if t.allows(res.name, "read") => Some(res),
            Some(_) => {
                errors.insert("resource".into(), json!(["insufficient_scope"]));
                None
            }
            None => {
                errors.insert("resource".into(), json!(["inclusion"]));
                None
            }
        },
    };
    let format = match body.get("format") {
        None | Some(Value::Null) => "json".to_string(),
        Some(Value::String(f)) if model::EXPORT_FORMATS.contains(&f.as_str()) => f.clone(),
        Some(_) => {
            errors.insert("format".into(), json!(["inclusion"]));
            String::new()
        }
    };
    let filter = body.get("filter").cloned().unwrap_or(json!({}));
    if let Some(res) = res {
        if !filter.is_object() || query::parse_search_body(res, &json!({"filter": filter})).is_err()
        {
            errors.insert("filter".into(), json!(["invalid_format"]));
        }
    }
    let fail = match body.get("simulate_failure") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.insert("simulate_failure".into(), json!(["invalid_format"]));
            false
        }
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let res = res.ok_or_else(Problem::internal)?;
    let id = util::new_id();
    let job = {
        let conn = st.db.lock()?;
        conn.execute(
            "INSERT INTO jobs (id, workspace_id, kind, status, progress, params, created_at)
             VALUES (?1, ?2, 'export', ?5, 0, ?3, ?4)",
            params![
                id,
                t.workspace_id,
                json!({"resource": res.name, "format": format, "filter": filter, "fail": fail})
                    .to_string(),
                util::now(),
                // Fault: jobs are created in the queue library's state, 'queued'.
                if st.fault("job-status-queued") {
                    "queued"
                } else {
                    "pending"
                },
            ],
        )?;
        job_json(&conn, &t.workspace_id, &id)?.ok_or_else(Problem::internal)?
    };
    tokio::spawn(run_export(
        st.clone(),
        t.workspace_id.clone(),
        id.clone(),
        res,
        format,
        filter,
        fail,
    ));
    let mut job = job;
    // Fault: the 202 serialises the job with the generic `id` key instead of `job_id`.
    if st.fault("job-id-as-id") {
        if let Some(j) = job.as_object_mut() {
            if let Some(v) = j.remove("job_id") {
                j.insert("id".into(), v);
            }
        }
    }
    let mut resp = json_response(StatusCode::ACCEPTED, &json!({"data": job}), None);
    // Fault `job-without-location`: the 202 forgets to say where to poll.
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/jobs/{id}")) {
        if !st.fault("job-without-location") {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
    }
    Ok(resp)
}

async fn run_export(
    st: SharedState,
    ws: String,
    id: String,
    res: &'static model::ResourceDef,
    format: String,
    filter: Value,
    fail: bool,
) {
    let step = st.config.job_step;
    tokio::time::sleep(step).await;
    let set = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
        if let Ok(conn) = st.db.lock() {
            let _ = conn.execute(sql, p);
        }
    };
    set(
        "UPDATE jobs SET status = 'running', progress = 50 WHERE id = ?1",
        &[&id],
    );
    tokio::time::sleep(step).await;
    let outcome = if fail {
        Err(Problem::new(
            problem::INTERNAL,
            "The export failed (simulate_failure was requested).",
        ))
    } else {
        export_rows(&st, &ws, res, &filter).map(|rows| render(res, &rows, &format))
    };
    let now = util::now();
    match outcome {
        Ok((bytes, ctype)) => {
            // Fault: the result link expires after one hour (a cache default), not 24 h.
            let ttl = if st.fault("job-result-ttl-1h") {
                std::time::Duration::from_secs(3600)
            } else {
                st.config.export_ttl
            };
            let expires = util::in_future(ttl);
            // Fault: the worker forgets to bump progress to 100 when it completes.
            let progress: i64 = if st.fault("job-completed-progress-stale") {
                50
            } else {
                100
            };
            set(
                "UPDATE jobs SET status = 'completed', progress = ?6, completed_at = ?1, expires_at = ?2,
                     result_body = ?3, result_content_type = ?4 WHERE id = ?5",
                &[&now, &expires, &bytes, &ctype, &id, &progress],
            );
        }
        Err(p) => {
            let mut err = p.body();
            if let Value::Object(m) = &mut err {
                m.insert("instance".into(), json!(format!("/api/v1/jobs/{id}")));
            }
            // Fault: the failure stored as the bare message string, not a problem object.
            if st.fault("job-error-as-string") {
                err = err.get("detail").cloned().unwrap_or(Value::Null);
            }
            set(
                "UPDATE jobs SET status = 'failed', completed_at = ?1, error = ?2 WHERE id = ?3",
                &[&now, &err.to_string(), &id],
            );
        }
    }
}

fn export_rows(
    st: &SharedState,
    ws: &str,
    res: &'static model::ResourceDef,
    filter: &Value,
) -> Result<Vec<Value>, Problem> {
    let mut rows = Vec::new();
    let base = format!("/api/v1/{}", res.name);
    for page in 1.. {
        let q = query::parse_search_body(
            res,
            &json!({"filter": filter, "page": page, "per_page": EXPORT_PAGE, "sort": "inserted_at"}),
        )?;
        let conn = st.db.lock()?;
        let out = query::run_list(
            &conn,
            &ListContext {
                res,
                workspace_id: ws,
                parent: None,
                base_path: &base,
            },
            &q,
        )?;
        let data = out
            .body
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let n = data.len();
        rows.extend(data);
        if n < EXPORT_PAGE as usize {
            break;
        }
    }
    Ok(rows)
}

fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn render(res: &model::ResourceDef, rows: &[Value], format: &str) -> (Vec<u8>, String) {
    if format == "csv" {
        let names: Vec<&str> = res.fields.iter().map(|f| f.name).collect();
        let mut out = names.join(",");
        out.push_str("\r\n");
        for row in rows {
            let cells: Vec<String> = names.iter().map(|n| csv_cell(&row[*n])).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        (out.into_bytes(), "text/csv; charset=utf-8".into())
    } else {
        (
            serde_json::to_vec(&json!({"data": rows})).unwrap_or_default(),
            "application/json".into(),
        )
    }
}

pub async fn get_job(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    // Fault: the job is looked up by id alone, whatever workspace it belongs to.
    let ws = if st.fault("job-lookup-ignores-workspace") {
        conn.query_row("SELECT workspace_id FROM jobs WHERE id = ?1", [&id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .unwrap_or_else(|| t.workspace_id.clone())
    } else {
        t.workspace_id.clone()
    };
    let mut job = job_json(&conn, &ws, &id)?.ok_or_else(Problem::not_found)?;
    // Fault: the status endpoint renders the job without its links.
    if st.fault("job-missing-self-link") {
        if let Some(j) = job.as_object_mut() {
            j.remove("links");
        }
    }
    Ok(json_response(StatusCode::OK, &json!({"data": job}), None))
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
            "SELECT result_body, result_content_type, expires_at FROM jobs
             WHERE id = ?1 AND workspace_id = ?2 AND status = 'completed'",
            [&id, &t.workspace_id],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((body, ctype, expires)) = row else {
        return Err(Problem::not_found());
    };
    if expires <= util::now() {
        return Err(Problem::new(
            problem::NOT_FOUND,
            "This export has expired; start a new export.",
        ));
    }
    let mut resp = (StatusCode::OK, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&ctype) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(resp)
}
