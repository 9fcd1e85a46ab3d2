//! `GET /api/v1/items/{id}/links` — the polymorphic link endpoint: every record linked to an
//! item, whatever its type (comments by `item_id`, files by `resource_type`/`resource_id`).
//! Like every sub-resource it needs the parent's scope, `items:read`.

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

use crate::auth::AuthToken;
use crate::problem::{ApiResult, Problem};
use crate::state::SharedState;
use crate::util::{self, json_response};

pub async fn item_links(
    State(st): State<SharedState>,
    Extension(t): Extension<AuthToken>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    util::no_query(q.as_deref())?;
    let conn = st.db.lock()?;
    let found: Option<String> = conn
        .query_row(
            "SELECT id FROM items WHERE workspace_id = ?1 AND id = ?2 AND deleted_at IS NULL",
            [&t.workspace_id, &id],
            |r| r.get(0),
        )
        .optional()?;
    if found.is_none() {
        return Err(Problem::not_found());
    }
    let mut links: Vec<Value> = Vec::new();
    for (kind, collection, sql) in [
        (
            "comment",
            "comments",
            "SELECT id FROM comments WHERE workspace_id = ?1 AND item_id = ?2
             AND deleted_at IS NULL ORDER BY inserted_at, id",
        ),
        (
            "file",
            "files",
            "SELECT id FROM files WHERE workspace_id = ?1 AND resource_type = 'item'
             AND resource_id = ?2 AND deleted_at IS NULL ORDER BY inserted_at, id",
        ),
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let ids = stmt
            .query_map([&t.workspace_id, &id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        links.extend(ids.into_iter().map(
            |lid| json!({"type": kind, "id": lid, "href": format!("/api/v1/{collection}/{lid}")}),
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"item_id": id, "links": links}}),
        None,
    ))
}
