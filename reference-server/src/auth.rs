//! Tokens: generation (`{app}_{env}_{64 hex}`), argon2id hashing, prefix lookup with
//! constant-time verification, a verified-token cache, and scope checks.

use std::collections::HashMap;
use std::sync::RwLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::TryRngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// Characters of the raw token stored in plaintext for lookup. The guide says "first 12
/// characters" but its own example has 13 (C36); with a 9-character `ref_test_` header 12
/// would leave 3 hex digits, so we keep 16 (7 hex digits) to make prefix collisions rare.
pub const PREFIX_LEN: usize = 16;

/// An authenticated token, as the request handlers see it.
#[derive(Debug, Clone)]
pub struct AuthToken {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub workspace_id: String,
    pub workspace_slug: String,
    pub scopes: Vec<String>,
    pub is_admin: bool,
    pub rate_limit: u32,
    pub burst: u32,
    /// Expiry (UTC, storage format), if the token has one.
    pub expires_at: Option<String>,
}

impl AuthToken {
    /// Has the token expired at `now` (storage-format timestamp)?
    pub fn expired(&self, now: &str) -> bool {
        self.expires_at.as_deref().is_some_and(|e| e <= now)
    }

    /// True when the token may perform `action` ("read" or "write") on `resource`.
    pub fn allows(&self, resource: &str, action: &str) -> bool {
        self.scopes.iter().any(|s| {
            let Some((res, act)) = s.split_once(':') else {
                return false;
            };
            let res_ok = res == "all" || res == resource;
            let act_ok = act == "write" || (act == "read" && action == "read");
            res_ok && act_ok
        })
    }
}

/// A new raw token: `{app}_{env}_` + 64 hex characters (256 bits from the OS CSPRNG).
pub fn generate_token(app: &str, env: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("OS random source");
    format!("{app}_{env}_{}", hex::encode(bytes))
}

/// argon2id cost of new token hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HashCost {
    /// The argon2 crate's defaults (OWASP: m = 19 MiB, t = 2, p = 1).
    #[default]
    Standard,
    /// m = 1 MiB, t = 1: for throwaway test servers that mint many tokens. Still argon2id;
    /// verification reads the parameters from the stored hash either way.
    Light,
}

pub fn hash_token(raw: &str) -> String {
    hash_token_with(raw, HashCost::Standard)
}

pub fn hash_token_with(raw: &str, cost: HashCost) -> String {
    let argon = match cost {
        HashCost::Standard => Argon2::default(),
        HashCost::Light => Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).expect("valid argon2 params"),
        ),
    };
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .expect("OS random source");
    let salt = SaltString::encode_b64(&salt).expect("16-byte salt");
    argon
        .hash_password(raw.as_bytes(), &salt)
        .expect("argon2id hashing")
        .to_string()
}

/// Constant-time verification of `raw` against a PHC argon2id hash.
pub fn verify_hash(raw: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(raw.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn prefix_of(raw: &str) -> &str {
    let end = raw
        .char_indices()
        .nth(PREFIX_LEN)
        .map(|(i, _)| i)
        .unwrap_or(raw.len());
    &raw[..end]
}

/// Does `raw` have the `{app}_{env}_{hex}` shape at all? Anything else is rejected without a
/// database lookup.
pub fn well_formed(raw: &str) -> bool {
    let mut parts = raw.splitn(3, '_');
    let (Some(app), Some(env), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !app.is_empty()
        && app
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !env.is_empty()
        && env.bytes().all(|b| b.is_ascii_lowercase())
        && hash.len() >= 64
        && hash.len() <= 256
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Cache of verified tokens keyed by SHA-256 of the raw token, so argon2 runs once per token
/// rather than once per request. Revocation removes the entry.
#[derive(Default)]
pub struct TokenCache {
    map: RwLock<HashMap<[u8; 32], AuthToken>>,
}

fn digest(raw: &str) -> [u8; 32] {
    Sha256::digest(raw.as_bytes()).into()
}

impl TokenCache {
    pub fn get(&self, raw: &str) -> Option<AuthToken> {
        self.map.read().ok()?.get(&digest(raw)).cloned()
    }

    pub fn put(&self, raw: &str, token: AuthToken) {
        if let Ok(mut m) = self.map.write() {
            m.insert(digest(raw), token);
        }
    }

    pub fn evict_token(&self, token_id: &str) {
        if let Ok(mut m) = self.map.write() {
            m.retain(|_, t| t.id != token_id);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.map.write() {
            m.clear();
        }
    }
}

/// Candidate rows for a raw token: live tokens sharing its prefix, with their hashes.
pub fn candidates(
    conn: &Connection,
    raw: &str,
    now: &str,
    default_limit: u32,
    default_burst: u32,
) -> rusqlite::Result<Vec<(AuthToken, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.token_prefix, t.workspace_id, w.slug, t.scopes, t.is_admin,
                t.rate_limit, t.burst, t.token_hash, t.expires_at
         FROM tokens t JOIN workspaces w ON w.id = t.workspace_id
         WHERE t.token_prefix = ?1 AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > ?2)",
    )?;
    let rows = stmt.query_map(params![prefix_of(raw), now], |r| {
        let scopes: String = r.get(5)?;
        Ok((
            AuthToken {
                id: r.get(0)?,
                name: r.get(1)?,
                prefix: r.get(2)?,
                workspace_id: r.get(3)?,
                workspace_slug: r.get(4)?,
                scopes: serde_json::from_str(&scopes).unwrap_or_default(),
                is_admin: r.get::<_, i64>(6)? != 0,
                rate_limit: r
                    .get::<_, Option<i64>>(7)?
                    .map(|v| v as u32)
                    .unwrap_or(default_limit),
                burst: r
                    .get::<_, Option<i64>>(8)?
                    .map(|v| v as u32)
                    .unwrap_or(default_burst),
                expires_at: r.get(10)?,
            },
            r.get::<_, String>(9)?,
        ))
    })?;
    rows.collect()
}

/// Options for a new token row.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<String>,
    pub is_admin: bool,
    pub rate_limit: Option<u32>,
    pub burst: Option<u32>,
    pub expires_at: Option<String>,
    pub cost: HashCost,
}

/// Creates a token in `workspace_id`; returns (token id, raw token). The raw token is not
/// stored: only its prefix and argon2id hash are.
pub fn create_token(
    conn: &Connection,
    workspace_id: &str,
    app: &str,
    env: &str,
    new: &NewToken,
) -> rusqlite::Result<(String, String)> {
    let raw = generate_token(app, env);
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO tokens (id, workspace_id, name, token_prefix, token_hash, scopes, is_admin,
                             rate_limit, burst, expires_at, inserted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            workspace_id,
            new.name,
            prefix_of(&raw),
            hash_token_with(&raw, new.cost),
            serde_json::to_string(&new.scopes).unwrap_or_else(|_| "[]".into()),
            new.is_admin as i64,
            new.rate_limit.map(|v| v as i64),
            new.burst.map(|v| v as i64),
            new.expires_at,
            crate::util::now(),
        ],
    )?;
    Ok((id, raw))
}

/// Workspace id of a token (revoked or not), if it exists.
pub fn token_workspace(
    conn: &Connection,
    token_id: &str,
) -> rusqlite::Result<Option<(String, bool, bool)>> {
    conn.query_row(
        "SELECT workspace_id, is_admin, revoked_at IS NOT NULL FROM tokens WHERE id = ?1",
        [token_id],
        |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get::<_, bool>(2)?)),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_hashes_are_argon2id_and_verify() {
        let t = generate_token("ref", "test");
        let h = hash_token_with(&t, HashCost::Light);
        assert!(h.starts_with("$argon2id$") && h.contains("m=1024"), "{h}");
        assert!(verify_hash(&t, &h));
    }

    #[test]
    fn generated_tokens_have_the_guide_shape() {
        let t = generate_token("ref", "test");
        assert!(well_formed(&t), "{t}");
        assert_eq!(t.len(), "ref_test_".len() + 64);
        assert_ne!(t, generate_token("ref", "test"));
    }

    #[test]
    fn hash_verifies_only_the_same_token() {
        let t = generate_token("ref", "dev");
        let h = hash_token(&t);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_hash(&t, &h));
        let mut other = t.clone();
        other.replace_range(t.len() - 1.., if t.ends_with('0') { "1" } else { "0" });
        assert!(!verify_hash(&other, &h));
    }

    #[test]
    fn scope_rules() {
        let mut t = AuthToken {
            id: "x".into(),
            name: "n".into(),
            prefix: "p".into(),
            workspace_id: "w".into(),
            workspace_slug: "s".into(),
            scopes: vec!["items:write".into(), "categories:read".into()],
            is_admin: false,
            rate_limit: 240,
            burst: 40,
            expires_at: None,
        };
        assert!(t.allows("items", "read"));
        assert!(t.allows("items", "write"));
        assert!(t.allows("categories", "read"));
        assert!(!t.allows("categories", "write"));
        assert!(!t.allows("comments", "read"));
        t.scopes = vec![];
        assert!(!t.allows("items", "read"));
        t.scopes = vec!["all:read".into()];
        assert!(t.allows("comments", "read") && !t.allows("comments", "write"));
    }

    #[test]
    fn malformed_tokens_are_rejected_early() {
        for bad in [
            "",
            "Bearer",
            "ref_test_",
            "ref_test_xyz",
            "REF_test_00",
            "a_b",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
