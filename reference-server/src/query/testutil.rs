//! Test helpers: an in-memory database with the real schema and functions, and row seeding.

use rusqlite::Connection;

pub const WS: &str = "ws-1";

pub fn test_conn() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    super::register_functions(&conn).unwrap();
    for m in crate::db::MIGRATIONS {
        conn.execute_batch(m).unwrap();
    }
    conn
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn insert_category(conn: &Connection, ws: &str, name: &str, at: &str) -> String {
    let id = new_id();
    conn.execute(
        "INSERT INTO categories (id, workspace_id, name, description, inserted_at, updated_at) VALUES (?1, ?2, ?3, NULL, ?4, ?4)",
        (&id, ws, name, at),
    )
    .unwrap();
    id
}

pub fn insert_comment(conn: &Connection, item_id: &str, body: &str, at: &str) -> String {
    let id = new_id();
    conn.execute(
        "INSERT INTO comments (id, workspace_id, item_id, body, author_email, inserted_at, updated_at) VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?5)",
        (&id, WS, item_id, body, at),
    )
    .unwrap();
    id
}

pub fn soft_delete(conn: &Connection, table: &str, id: &str) {
    conn.execute(
        &format!("UPDATE {table} SET deleted_at = '2026-06-01T00:00:00.000000Z' WHERE id = ?1"),
        [id],
    )
    .unwrap();
}

/// Builder for an `items` row with the defaults of the model.
pub struct ItemSeed {
    pub id: String,
    ws: String,
    name: String,
    description: Option<String>,
    status: String,
    category_id: Option<String>,
    amount: i64,
    tax_rate: Option<String>,
    email: Option<String>,
    metadata: Option<String>,
    tags: String,
    due_at: Option<String>,
    featured: bool,
    inserted_at: String,
}

impl ItemSeed {
    pub fn new(name: &str, inserted_at: &str) -> ItemSeed {
        ItemSeed {
            id: new_id(),
            ws: WS.into(),
            name: name.into(),
            description: None,
            status: "draft".into(),
            category_id: None,
            amount: 0,
            tax_rate: None,
            email: None,
            metadata: Some("{}".into()),
            tags: "[]".into(),
            due_at: None,
            featured: false,
            inserted_at: inserted_at.into(),
        }
    }
    pub fn workspace(mut self, ws: &str) -> Self {
        self.ws = ws.into();
        self
    }
    pub fn description(mut self, d: &str) -> Self {
        self.description = Some(d.into());
        self
    }
    pub fn status(mut self, s: &str) -> Self {
        self.status = s.into();
        self
    }
    pub fn category(mut self, id: &str) -> Self {
        self.category_id = Some(id.into());
        self
    }
    pub fn amount(mut self, a: i64) -> Self {
        self.amount = a;
        self
    }
    pub fn tax_rate(mut self, t: &str) -> Self {
        self.tax_rate = Some(t.into());
        self
    }
    pub fn email(mut self, e: &str) -> Self {
        self.email = Some(e.into());
        self
    }
    pub fn email_opt(mut self, e: Option<&str>) -> Self {
        self.email = e.map(str::to_string);
        self
    }
    pub fn metadata(mut self, m: &str) -> Self {
        self.metadata = Some(m.into());
        self
    }
    pub fn metadata_null(mut self) -> Self {
        self.metadata = None;
        self
    }
    pub fn tags(mut self, t: &str) -> Self {
        self.tags = t.into();
        self
    }
    pub fn due(mut self, d: &str) -> Self {
        self.due_at = Some(d.into());
        self
    }
    pub fn due_opt(mut self, d: Option<&str>) -> Self {
        self.due_at = d.map(str::to_string);
        self
    }
    pub fn featured(mut self, f: bool) -> Self {
        self.featured = f;
        self
    }
    pub fn insert(self, conn: &Connection) -> String {
        conn.execute(
            "INSERT INTO items (id, workspace_id, name, description, status, priority, category_id, amount_cents, currency, tax_rate, email, metadata, tags, due_at, is_featured, inserted_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'medium', ?6, ?7, 'USD', ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
            rusqlite::params![
                self.id,
                self.ws,
                self.name,
                self.description,
                self.status,
                self.category_id,
                self.amount,
                self.tax_rate,
                self.email,
                self.metadata,
                self.tags,
                self.due_at,
                self.featured,
                self.inserted_at
            ],
        )
        .unwrap();
        self.id
    }
}
