//! What a probe sees: the client (which attributes exchanges to the rule), the API model, the
//! credentials and capabilities, and the run's fixtures.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::client::{Client, Exchange, Req};
use crate::config::Config;
use crate::spec::ApiModel;

/// Hooks a target offers beyond HTTP (the in-process reference server offers them; a remote
/// target does not, so rules needing them are skipped there).
pub trait TargetHooks: Send + Sync {
    /// Takes a critical dependency down (true) or brings it back (false).
    fn set_dependency_down(&self, down: bool);

    /// Makes every stored Idempotency-Key `by` older, as if that much time had passed.
    /// Returns false when the target cannot (the `24h-wait` rules are then skipped).
    fn age_idempotency_keys(&self, _by: std::time::Duration) -> bool {
        false
    }

    /// Makes a critical dependency answer with unexpected errors (true) or heals it (false),
    /// so the target's 500 path can be seen on purpose. Returns false when the target cannot.
    fn set_dependency_broken(&self, _broken: bool) -> bool {
        false
    }
}

/// State shared by every rule of a run.
pub struct Shared {
    pub client: Client,
    pub model: ApiModel,
    pub config: Config,
    /// Roles with a token, plus declared and detected capabilities.
    pub capabilities: BTreeSet<String>,
    /// Marker put into every record the run creates, so its judgements and cleanup are scoped.
    pub marker: String,
    pub hooks: Option<Arc<dyn TargetHooks>>,
    /// Records the run created: (collection path, id), deleted at the end.
    pub created: Mutex<Vec<(String, String)>>,
    /// specgate's webhook receiver, or why there is none.
    pub receiver: Result<Arc<super::receiver::Receiver>, String>,
    /// The run's seed (property rules derive their generators from it, so `--seed` replays).
    pub seed: u64,
    /// Generated cases per property rule (`--cases`).
    pub cases: u32,
    /// Records the query-grammar rules seed, per resource, created once per run on first use.
    pub datasets: super::dataset::Datasets,
    /// Children the query rules linked to chosen records of a dataset (beyond the child
    /// dataset's own), created once per run and parent on first use.
    pub linked: super::dataset::Linked,
}

/// The context of one rule.
#[derive(Clone)]
pub struct Ctx {
    pub rule: &'static str,
    pub shared: Arc<Shared>,
}

impl Ctx {
    pub fn model(&self) -> &ApiModel {
        &self.shared.model
    }

    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    pub async fn send(&self, req: Req) -> Arc<Exchange> {
        self.shared.client.send(self.rule, req).await
    }

    pub fn has(&self, capability: &str) -> bool {
        self.shared.capabilities.contains(capability)
    }

    /// The API prefix (servers base path), e.g. "/api/v1".
    pub fn base(&self) -> &str {
        &self.shared.model.base_path
    }

    pub fn path(&self, rest: &str) -> String {
        format!("{}{}", self.base(), rest)
    }

    /// A unique name carrying the run marker.
    pub fn unique_name(&self, hint: &str) -> String {
        format!(
            "{hint} {} {}",
            self.shared.marker,
            &self.shared.client.uuid()[..8]
        )
    }

    pub fn remember_created(&self, collection: &str, id: &str) {
        if let Ok(mut c) = self.shared.created.lock() {
            c.push((collection.to_string(), id.to_string()));
        }
    }

    pub fn token_scopes(&self, role: &str) -> Option<Vec<String>> {
        self.shared
            .config
            .tokens
            .get(role)
            .map(|t| t.scopes.clone())
    }

    pub fn token_id(&self, role: &str) -> Option<String> {
        self.shared
            .config
            .tokens
            .get(role)
            .and_then(|t| t.id.clone())
    }
}

/// `data` of a JSON response, if any.
pub fn data(ex: &Exchange) -> Option<&Value> {
    ex.json().and_then(|j| j.get("data"))
}
