//! Errors of the query grammar: [`QueryError`] (a client mistake, answered with 400) and
//! [`ListError`] (what running a list query can fail with).

/// 400-class error naming the offending parameter and value. The server turns it into a
/// problem+json 400 `bad-request` whose `detail` is [`QueryError::detail`], which always
/// contains the offending name or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail}")]
pub struct QueryError {
    /// The query parameter (or search-body key) at fault, e.g. `filter[status][eq]`.
    pub param: String,
    /// Human-readable explanation naming the offending name or value.
    pub detail: String,
}

impl QueryError {
    pub fn new(param: impl Into<String>, detail: impl Into<String>) -> QueryError {
        QueryError {
            param: param.into(),
            detail: detail.into(),
        }
    }
}

/// Failure of [`crate::query::run_list`].
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The request is at fault (400).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The database failed (500).
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}
