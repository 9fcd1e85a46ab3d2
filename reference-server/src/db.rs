//! Embedded SQLite storage: opening (file or in-memory, WAL), migrations, custom functions and
//! the shared connection handle.
//!
//! One connection behind a mutex serialises every statement. SQLite answers a primary-key
//! lookup in microseconds, so on a 2-core machine this is not the bottleneck, and it makes
//! check-and-set sequences (If-Match, idempotency, unique names) trivially atomic.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

/// Schema migrations, applied in order at start-up; `PRAGMA user_version` records progress.
pub const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    inserted_at TEXT NOT NULL
);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,            -- JSON array
    is_admin INTEGER NOT NULL DEFAULT 0,
    rate_limit INTEGER,              -- requests per minute; NULL = server default
    burst INTEGER,                   -- requests per second; NULL = server default
    revoked_at TEXT,
    expires_at TEXT,
    inserted_at TEXT NOT NULL
);
CREATE INDEX tokens_prefix ON tokens (token_prefix);
CREATE TABLE ui_sessions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    flash TEXT,                      -- only ever set by the token-list-shows-raw fault
    inserted_at TEXT NOT NULL
);

CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL,
    description TEXT,
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX categories_ws ON categories (workspace_id, inserted_at);

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    category_id TEXT,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_rate TEXT,
    email TEXT,
    metadata TEXT,                   -- JSON object or NULL
    tags TEXT NOT NULL,              -- JSON array
    due_at TEXT,
    is_featured INTEGER NOT NULL,
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX items_ws ON items (workspace_id, inserted_at);
CREATE INDEX items_category ON items (category_id);
CREATE UNIQUE INDEX items_name_unique ON items (workspace_id, name) WHERE deleted_at IS NULL;

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    item_id TEXT NOT NULL,
    body TEXT NOT NULL,
    author_email TEXT,
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX comments_item ON comments (item_id);
CREATE INDEX comments_ws ON comments (workspace_id, inserted_at);

CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,           -- JSON array of [name, value]
    body BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    params TEXT NOT NULL,
    result_body BLOB,
    result_content_type TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    expires_at TEXT
);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    url TEXT NOT NULL,
    events TEXT NOT NULL,            -- JSON array
    secret TEXT NOT NULL,
    state TEXT NOT NULL,
    failure_count INTEGER NOT NULL DEFAULT 0,
    last_delivery_at TEXT,
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_status INTEGER,
    delivered_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE files (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    checksum_md5 TEXT,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    status TEXT NOT NULL,            -- uploaded | pending (presigned, awaiting upload)
    content BLOB,
    upload_signature TEXT,
    upload_expires_at TEXT,
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX files_ws ON files (workspace_id, inserted_at);
"#];

/// Errors opening or migrating the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("failed to open database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("failed to migrate database: {0}")]
    Migrate(rusqlite::Error),
    #[error("database is unavailable")]
    Unavailable,
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// The shared database handle.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    available: Arc<AtomicBool>,
    broken: Arc<AtomicBool>,
}

impl Db {
    /// Opens `path` (a file, created if missing) or a private in-memory database when `None`.
    pub fn open(path: Option<&Path>) -> Result<Db, DbError> {
        let display = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| ":memory:".into());
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(|source| DbError::Open {
            path: display.clone(),
            source,
        })?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )
        .map_err(|source| DbError::Open {
            path: display,
            source,
        })?;
        crate::query::register_functions(&conn).map_err(DbError::Migrate)?;
        migrate(&conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            available: Arc::new(AtomicBool::new(true)),
            broken: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Locks the connection. Fails when the database has been marked unavailable (used to
    /// exercise `/health/ready`'s 503) or a previous holder panicked.
    pub fn lock(&self) -> Result<MutexGuard<'_, Connection>, DbError> {
        if !self.available.load(Ordering::Relaxed) {
            return Err(DbError::Unavailable);
        }
        if self.broken.load(Ordering::Relaxed) {
            return Err(DbError::Sql(rusqlite::Error::InvalidQuery));
        }
        self.conn.lock().map_err(|_| DbError::Unavailable)
    }

    /// Simulates a database outage (true = available).
    pub fn set_available(&self, available: bool) {
        self.available.store(available, Ordering::Relaxed);
    }

    /// Simulates a database answering with unexpected errors (the 500 path; true = broken).
    pub fn set_broken(&self, broken: bool) {
        self.broken.store(broken, Ordering::Relaxed);
    }

    /// Runs a trivial query; false when the database cannot serve.
    pub fn ping(&self) -> bool {
        self.lock()
            .and_then(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .is_ok()
    }
}

fn migrate(conn: &Connection) -> Result<(), DbError> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(DbError::Migrate)? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))
        .map_err(DbError::Migrate)?;
    }
    Ok(())
}
