//! The token UI, outside the API: a logged-in session (a `ref_session` cookie) creates tokens
//! for its workspace at `POST /ui/workspaces/{slug}/tokens` and lists them at
//! `GET /ui/workspaces/{slug}/tokens`. A token needs a name and a scopes list; its raw value is
//! in the creation response only, listings show its `token_prefix`. The UI's JSON is its own
//! (`{"token": …}`, `{"tokens": […]}`), not the API's resource envelope: these are not API
//! resources (no `links.self`, nothing to GET by id).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rand::TryRngCore;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

use crate::auth::{self, NewToken};
use crate::problem::{self, ApiResult, Problem};
use crate::state::SharedState;
use crate::util::{self, json_response};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ref_session";

/// Opens a session for `workspace_id`; returns the `Cookie` header value that presents it.
pub fn create_session(conn: &Connection, workspace_id: &str) -> rusqlite::Result<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("OS random source");
    let id = hex::encode(bytes);
    conn.execute(
        "INSERT INTO ui_sessions (id, workspace_id, inserted_at) VALUES (?1, ?2, ?3)",
        params![id, workspace_id, util::now()],
    )?;
    Ok(format!("{SESSION_COOKIE}={id}"))
}

fn unauthenticated() -> Problem {
    Problem::new(
        problem::INVALID_TOKEN,
        "Sign in to manage tokens: no valid session cookie.",
    )
}

/// The session's workspace (id, slug), if the request presents a live session for `slug`.
fn session_workspace(conn: &Connection, headers: &HeaderMap, slug: &str) -> ApiResult<String> {
    let sid = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
        .ok_or_else(unauthenticated)?;
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT w.id, w.slug FROM ui_sessions s JOIN workspaces w ON w.id = s.workspace_id
             WHERE s.id = ?1",
            [&sid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (ws_id, ws_slug) = row.ok_or_else(unauthenticated)?;
    if ws_slug != slug {
        return Err(Problem::not_found());
    }
    Ok(ws_id)
}

/// POST /ui/workspaces/{slug}/tokens — `{"name": ..., "scopes": [...]}`; scopes are required.
pub async fn create_token(
    State(st): State<SharedState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = util::parse_json_object(&body)?;
    let conn = st.db.lock()?;
    let ws = session_workspace(&conn, &headers, &slug)?;
    let mut errors = Map::new();
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() {
        errors.insert("name".into(), json!(["cant_be_blank"]));
    }
    let valid = crate::handlers::meta::all_scopes();
    let scopes: Option<Vec<String>> = match body.get("scopes") {
        // Fault: an omitted scopes list defaults to none instead of being required.
        None if st.fault("token-scopes-optional") => Some(Vec::new()),
        None | Some(Value::Null) => {
            errors.insert("scopes".into(), json!(["cant_be_blank"]));
            None
        }
        Some(Value::Array(a)) => {
            let v: Vec<String> = a
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            if v.len() != a.len() || v.iter().any(|s| !valid.contains(s)) {
                errors.insert("scopes".into(), json!(["inclusion"]));
            }
            Some(v)
        }
        Some(_) => {
            errors.insert("scopes".into(), json!(["invalid_format"]));
            None
        }
    };
    let scopes = match scopes {
        Some(s) if errors.is_empty() => s,
        _ => return Err(Problem::validation(errors)),
    };
    let new = NewToken {
        name: name.to_string(),
        scopes: scopes.clone(),
        cost: st.config.hash_cost,
        ..NewToken::default()
    };
    let (id, raw) =
        auth::create_token(&conn, &ws, &st.config.token_app, &st.config.token_env, &new)?;
    // Fault: the raw token kept in the session for the "copy your token" banner, never cleared.
    if st.fault("token-list-shows-raw") {
        conn.execute(
            "UPDATE ui_sessions SET flash = ?1 WHERE workspace_id = ?2",
            params![raw, ws],
        )?;
    }
    let body = json!({"token": {
        "id": id,
        "name": name,
        "token": raw,
        "token_prefix": auth::prefix_of(&raw),
        "scopes": scopes,
    }});
    Ok(json_response(StatusCode::CREATED, &body, None))
}

/// GET /ui/workspaces/{slug}/tokens — the workspace's tokens, by prefix only.
pub async fn list_tokens(
    State(st): State<SharedState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let conn = st.db.lock()?;
    let ws = session_workspace(&conn, &headers, &slug)?;
    let mut stmt = conn.prepare(
        "SELECT id, name, token_prefix, scopes, revoked_at, inserted_at FROM tokens
         WHERE workspace_id = ?1 ORDER BY inserted_at, id",
    )?;
    let rows = stmt
        .query_map([&ws], |r| {
            let scopes: String = r.get(3)?;
            Ok(json!({
                "id": r.get::<_, String>(0)?,
                "name": r.get::<_, String>(1)?,
                "token_prefix": r.get::<_, String>(2)?,
                "scopes": serde_json::from_str::<Value>(&scopes).unwrap_or(json!([])),
                "revoked_at": r.get::<_, Option<String>>(4)?,
                "inserted_at": r.get::<_, String>(5)?,
            }))
        })?
        .collect::<rusqlite::Result<Vec<Value>>>()?;
    let mut body = json!({ "tokens": rows });
    if st.fault("token-list-shows-raw") {
        let flash: Option<String> = conn
            .query_row(
                "SELECT flash FROM ui_sessions WHERE workspace_id = ?1 AND flash IS NOT NULL LIMIT 1",
                [&ws],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(raw) = flash {
            body["new_token"] = json!(raw);
        }
    }
    Ok(json_response(StatusCode::OK, &body, None))
}
