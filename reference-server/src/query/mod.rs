//! TEMPORARY interface stub; replaced by the real query module.
#![allow(unused)]
use crate::model::ResourceDef;
use serde_json::{Map, Value};
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail}")]
pub struct QueryError {
    pub param: String,
    pub detail: String,
}
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}
pub fn register_functions(_c: &rusqlite::Connection) -> rusqlite::Result<()> {
    Ok(())
}
pub struct ListQuery;
pub struct SingleQuery;
pub fn parse_list_query(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
) -> Result<ListQuery, QueryError> {
    Ok(ListQuery)
}
pub fn parse_single_query(
    res: &'static ResourceDef,
    pairs: &[(String, String)],
) -> Result<SingleQuery, QueryError> {
    Ok(SingleQuery)
}
pub fn parse_search_body(res: &'static ResourceDef, body: &Value) -> Result<ListQuery, QueryError> {
    Ok(ListQuery)
}
pub struct ListContext<'a> {
    pub res: &'static ResourceDef,
    pub workspace_id: &'a str,
    pub parent: Option<(&'static str, &'a str)>,
    pub base_path: &'a str,
}
pub struct ListResponse {
    pub body: Value,
    pub link_header: Option<String>,
}
pub fn run_list(
    conn: &rusqlite::Connection,
    ctx: &ListContext,
    q: &ListQuery,
) -> Result<ListResponse, ListError> {
    Ok(ListResponse {
        body: Value::Null,
        link_header: None,
    })
}
pub fn row_to_json(
    res: &'static ResourceDef,
    row: &rusqlite::Row,
) -> rusqlite::Result<Map<String, Value>> {
    Ok(Map::new())
}
pub fn fetch_one(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    id: &str,
) -> rusqlite::Result<Option<Map<String, Value>>> {
    Ok(None)
}
pub fn render_single(
    conn: &rusqlite::Connection,
    res: &'static ResourceDef,
    workspace_id: &str,
    row: Map<String, Value>,
    q: &SingleQuery,
) -> rusqlite::Result<Value> {
    Ok(Value::Null)
}
