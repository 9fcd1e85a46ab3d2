//! `specgate.toml`: the target, the spec, and the credentials a run may use. Secrets can also
//! come from the environment (`SPECGATE_TOKEN_<ROLE>`), so the file can stay in git without them.
//!
//! ```toml
//! base_url = "https://api.example.com"
//! spec = "openapi.yaml"             # path or URL
//! environment = "prod"              # the env segment tokens must carry
//! baseline_spec = "openapi-1.4.yaml" # the last release's document (breaking-change diff)
//! deprecated_base_path = "/api/v1"  # a deprecated major version the target still serves
//!
//! [tokens.full]                     # role names: see `ROLES`
//! token = "crm_prod_…"              # or SPECGATE_TOKEN_FULL in the environment
//! id = "…"                          # token id, for revocation rules
//! scopes = ["all:write"]
//! admin = true
//! workspace = "acme"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Roles a token can be given, and what each is for.
pub const ROLES: &[(&str, &str)] = &[
    (
        "full",
        "full access (all:write), workspace admin; most probes use it",
    ),
    ("admin2", "a second admin token of the same workspace"),
    ("read_only", "all:read"),
    (
        "scoped",
        "a narrowly scoped token (e.g. items:read + comments:write)",
    ),
    (
        "scoped_write_only",
        "write on one resource without read on what it references",
    ),
    ("empty", "a token whose scopes are []"),
    (
        "rate_limited",
        "a token on the default rate limit, reserved for the 429 rules",
    ),
    ("premium", "a token with a per-token rate-limit override"),
    ("expired", "an expired token"),
    ("revoked", "a revoked token"),
    ("disposable_1", "a token the run may revoke"),
    ("disposable_2", "a token the run may revoke"),
    ("disposable_3", "a token the run may revoke"),
    (
        "second_workspace",
        "full access to a second workspace (its only admin token)",
    ),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The raw token; may be omitted when SPECGATE_TOKEN_<ROLE> is set.
    pub token: Option<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub admin: bool,
    pub workspace: Option<String>,
    pub rate_limit: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    pub id: String,
    pub slug: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    pub max_connections: Option<usize>,
    pub timeout_secs: Option<u64>,
    pub connect_timeout_secs: Option<u64>,
    pub ca_cert: Option<PathBuf>,
    pub retries: Option<u32>,
}

/// The parsed configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub base_url: Option<String>,
    pub spec: Option<String>,
    pub environment: Option<String>,
    #[serde(default)]
    pub tokens: BTreeMap<String, TokenConfig>,
    #[serde(default)]
    pub workspaces: Vec<WorkspaceConfig>,
    #[serde(default)]
    pub client: ClientSection,
    /// Capabilities the operator declares the target offers (e.g. "dependency-outage").
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The last release's OpenAPI document (path or URL), to diff for breaking changes;
    /// setting it declares the `baseline-openapi` capability.
    pub baseline_spec: Option<String>,
    /// Base path of a deprecated major version the target still serves (e.g. "/api/v1" once
    /// v2 is out); setting it declares the `deprecated-version` capability.
    pub deprecated_base_path: Option<String>,
    /// The browser origin the API allows (CORS rules), e.g. "https://app.example.com".
    pub cors_origin: Option<String>,
    /// The target's plain-HTTP origin, for the HTTPS rules (default: the https origin on port 80).
    pub http_url: Option<String>,
    #[serde(default)]
    pub webhooks: WebhooksSection,
    #[serde(default)]
    pub async_jobs: AsyncJobsSection,
    #[serde(default)]
    pub deprecation: DeprecationSection,
    /// A session of the target's web UI (token creation happens there, outside the API).
    pub ui_session: Option<UiSessionSection>,
}

/// `[webhooks]`: specgate's own receiver and the target's delivery behaviour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksSection {
    /// Address the receiver listens on (default "127.0.0.1:0", an ephemeral port).
    pub listen: Option<String>,
    /// URL under which the target reaches the receiver (default `http://<listen address>`).
    pub public_url: Option<String>,
    /// The target's retry delays in seconds (default the guide's 60, 300, 1800, 7200, 86400).
    pub retry_schedule_secs: Option<Vec<f64>>,
    /// How long the target waits for a receiver before a delivery counts as failed (default 10).
    pub timeout_secs: Option<f64>,
    /// Longest wait for a delivery the rules expect (default 30).
    pub delivery_wait_secs: Option<f64>,
}

/// `[async_jobs]`: the long-running operation the async-jobs rules trigger.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsyncJobsSection {
    /// Path of the operation (default: the first documented operation answering 202).
    pub path: Option<String>,
    /// JSON body that starts a job (default: the documented example, or a generated body).
    pub body: Option<serde_json::Value>,
    /// JSON body that starts a job the target will fail (capability `failing-async-job`).
    pub failing_body: Option<serde_json::Value>,
    /// Longest wait for a job to finish (default 60).
    pub poll_timeout_secs: Option<f64>,
    /// Documented lifetime of job results in seconds (default 86400, the guide's 24 h).
    pub result_ttl_secs: Option<u64>,
}

/// `[deprecation]`: the deprecated version (the document's base path) once the capability
/// `deprecated-version` is declared.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeprecationSection {
    /// Date (YYYY-MM-DD) the successor version reached GA (capability `ga-date`).
    pub ga_date: Option<String>,
}

/// `[ui_session]`: how to reach the target's token-creation UI (capability `ui-session`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSessionSection {
    /// The `Cookie` header value of a logged-in session (or SPECGATE_UI_SESSION).
    pub cookie: Option<String>,
    /// Workspace slug in `/ui/workspaces/{slug}/tokens` (default: the primary workspace).
    pub workspace_slug: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read config {path}: {message}")]
    Read { path: String, message: String },
    #[error("invalid config {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        for role in cfg.tokens.keys() {
            if !ROLES.iter().any(|(r, _)| r == role) {
                let known: Vec<&str> = ROLES.iter().map(|(r, _)| *r).collect();
                return Err(ConfigError::Invalid {
                    path: path.to_string(),
                    message: format!(
                        "unknown token role 'tokens.{role}' (known roles: {})",
                        known.join(", ")
                    ),
                });
            }
        }
        cfg.apply_env(|k| std::env::var(k).ok());
        Ok(cfg)
    }

    /// Fills tokens from `SPECGATE_TOKEN_<ROLE>` variables (they win over the file).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("SPECGATE_UI_SESSION").filter(|v| !v.is_empty()) {
            self.ui_session.get_or_insert_with(Default::default).cookie = Some(v);
        }
        for (role, _) in ROLES {
            if let Some(v) = get(&format!("SPECGATE_TOKEN_{}", role.to_ascii_uppercase()))
                .filter(|v| !v.is_empty())
            {
                self.tokens.entry(role.to_string()).or_default().token = Some(v);
            }
        }
    }

    /// role → raw token, for every role that has one.
    pub fn token_values(&self) -> BTreeMap<String, String> {
        self.tokens
            .iter()
            .filter_map(|(r, t)| t.token.clone().map(|v| (r.clone(), v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("base_url = \"http://x\"\nbase_ulr = 1\n", "specgate.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("base_ulr"), "{e}");
        let e = Config::parse("[tokens.fulll]\ntoken = \"x\"\n", "specgate.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tokens.fulll"), "{e}");
    }

    #[test]
    fn env_fills_tokens() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "SPECGATE_TOKEN_FULL").then(|| "abc".to_string()));
        assert_eq!(
            c.token_values().get("full").map(String::as_str),
            Some("abc")
        );
    }
}
