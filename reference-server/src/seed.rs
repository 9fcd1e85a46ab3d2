//! Seeding: the workspaces and tokens a full certification needs, and the `specgate.toml`
//! that hands them to the harness.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rusqlite::Connection;

use crate::auth::{self, NewToken};
use crate::config::Config;

/// Limits given to tokens the harness uses for ordinary rules, so that a certification run
/// never trips the limiter except in the rule that means to (which uses `rate_limited`).
pub const HARNESS_LIMIT: u32 = 100_000;
pub const HARNESS_BURST: u32 = 10_000;

#[derive(Debug, Clone)]
pub struct SeededWorkspace {
    pub id: String,
    pub slug: String,
}

#[derive(Debug, Clone)]
pub struct SeededToken {
    pub id: String,
    pub token: String,
    pub workspace: String,
    pub scopes: Vec<String>,
    pub admin: bool,
    /// Requests per minute (the server default when the token has no override).
    pub rate_limit: u32,
    pub note: &'static str,
}

/// What `seed` created.
#[derive(Debug, Clone, Default)]
pub struct SeedOutput {
    pub workspaces: Vec<SeededWorkspace>,
    /// Keyed by role: full, admin2, read_only, scoped, scoped_write_only, empty, rate_limited,
    /// premium, expired, revoked, disposable_1..3, second_workspace.
    pub tokens: BTreeMap<String, SeededToken>,
    /// `Cookie` header value of a token-UI session in the first workspace.
    pub ui_session: Option<String>,
}

struct Spec {
    role: &'static str,
    ws: usize,
    scopes: &'static [&'static str],
    admin: bool,
    limit: Option<u32>,
    note: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        role: "full",
        ws: 0,
        scopes: &["all:write"],
        admin: true,
        limit: Some(HARNESS_LIMIT),
        note: "full access, workspace admin",
    },
    Spec {
        role: "admin2",
        ws: 0,
        scopes: &["all:write"],
        admin: true,
        limit: Some(HARNESS_LIMIT),
        note: "second admin of workspace 1 (so `full` is not the last admin)",
    },
    Spec {
        role: "read_only",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "read-only",
    },
    Spec {
        role: "scoped",
        ws: 0,
        scopes: &["items:read", "comments:write"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "narrow: reads items, writes comments",
    },
    Spec {
        role: "scoped_write_only",
        ws: 0,
        scopes: &["comments:write"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "narrow: writes comments but cannot read the items they reference",
    },
    Spec {
        role: "empty",
        ws: 0,
        scopes: &[],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "empty scopes: no access",
    },
    Spec {
        role: "rate_limited",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: None,
        note: "server-default rate limit, for the 429 rules",
    },
    Spec {
        role: "premium",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(1000),
        note: "per-token override of the rate limit",
    },
    Spec {
        role: "expired",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "expired",
    },
    Spec {
        role: "revoked",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "revoked",
    },
    Spec {
        role: "disposable_1",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "disposable, for revocation rules",
    },
    Spec {
        role: "disposable_2",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "disposable, for revocation rules",
    },
    Spec {
        role: "disposable_3",
        ws: 0,
        scopes: &["all:read"],
        admin: false,
        limit: Some(HARNESS_LIMIT),
        note: "disposable, for revocation rules",
    },
    Spec {
        role: "second_workspace",
        ws: 1,
        scopes: &["all:write"],
        admin: true,
        limit: Some(HARNESS_LIMIT),
        note: "full access to workspace 2, its only admin token",
    },
];

/// Creates two workspaces and the tokens listed in [`SPECS`].
pub fn seed(conn: &Connection, config: &Config) -> rusqlite::Result<SeedOutput> {
    let mut out = SeedOutput::default();
    for (slug, name) in [("acme", "Acme Corp"), ("globex", "Globex")] {
        let slug = format!("{slug}-{}", &crate::util::new_id()[..8]);
        let id = crate::util::new_id();
        conn.execute(
            "INSERT INTO workspaces (id, slug, name, inserted_at) VALUES (?1, ?2, ?3, ?4)",
            [&id, &slug, name, &crate::util::now()],
        )?;
        out.workspaces.push(SeededWorkspace { id, slug });
    }
    // Hash in parallel-free order; argon2id is the slow part (~15 ms each, optimised build).
    for spec in SPECS {
        let ws = &out.workspaces[spec.ws];
        let new = NewToken {
            name: spec.role.to_string(),
            scopes: spec.scopes.iter().map(|s| s.to_string()).collect(),
            is_admin: spec.admin,
            rate_limit: spec.limit,
            burst: spec.limit.map(|l| {
                if l >= HARNESS_LIMIT {
                    HARNESS_BURST
                } else {
                    config.burst.max(l / 6)
                }
            }),
            expires_at: (spec.role == "expired").then(|| "2020-01-01T00:00:00.000000Z".to_string()),
            cost: config.hash_cost,
        };
        // Faults: tokens whose app segment breaks the guide's shape, or whose env segment
        // names another environment than the deployment's.
        let app = if config.faults.contains("token-app-starts-with-digit") {
            format!("9{}", config.token_app)
        } else {
            config.token_app.clone()
        };
        let env = if config.faults.contains("token-env-dev") {
            "dev"
        } else {
            config.token_env.as_str()
        };
        let (id, raw) = auth::create_token(conn, &ws.id, &app, env, &new)?;
        if spec.role == "revoked" {
            conn.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2",
                [&crate::util::now(), &id],
            )?;
        }
        out.tokens.insert(
            spec.role.to_string(),
            SeededToken {
                id,
                token: raw,
                workspace: ws.slug.clone(),
                scopes: new.scopes.clone(),
                admin: spec.admin,
                rate_limit: spec.limit.unwrap_or(config.rate_limit),
                note: spec.note,
            },
        );
    }
    out.ui_session = Some(crate::ui::create_session(conn, &out.workspaces[0].id)?);
    Ok(out)
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl SeedOutput {
    /// The harness configuration (`specgate.toml`) naming every seeded token.
    pub fn to_specgate_toml(&self, base_url: Option<&str>) -> String {
        let mut s = String::from(
            "# specgate configuration written by `reference-server seed`.\n# It contains live tokens: keep it out of version control.\n\n",
        );
        if let Some(url) = base_url {
            let _ = writeln!(s, "base_url = {}", toml_str(url));
            let _ = writeln!(
                s,
                "spec = {}",
                toml_str(&format!(
                    "{}/api/v1/openapi.json",
                    url.trim_end_matches('/')
                ))
            );
        }
        let _ = writeln!(s, "environment = \"test\"\n");
        if let Some(cookie) = &self.ui_session {
            let _ = writeln!(s, "[ui_session]\ncookie = {}\n", toml_str(cookie));
        }
        for (i, ws) in self.workspaces.iter().enumerate() {
            let _ = writeln!(
                s,
                "[[workspaces]]\nid = {}\nslug = {}\nrole = {}\n",
                toml_str(&ws.id),
                toml_str(&ws.slug),
                if i == 0 {
                    "\"primary\""
                } else {
                    "\"secondary\""
                }
            );
        }
        for (role, t) in &self.tokens {
            let scopes: Vec<String> = t.scopes.iter().map(|x| toml_str(x)).collect();
            let _ = writeln!(
                s,
                "[tokens.{role}]\n# {}\ntoken = {}\nid = {}\nworkspace = {}\nscopes = [{}]\nadmin = {}\nrate_limit = {}\n",
                t.note,
                toml_str(&t.token),
                toml_str(&t.id),
                toml_str(&t.workspace),
                scopes.join(", "),
                t.admin,
                t.rate_limit
            );
        }
        s
    }
}
