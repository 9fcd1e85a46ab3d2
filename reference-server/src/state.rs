//! Shared application state handed to every handler.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use crate::auth::TokenCache;
use crate::config::Config;
use crate::db::Db;
use crate::ratelimit::RateLimiter;
use crate::webhooks::Events;

pub type SharedState = Arc<AppState>;

/// Serialises requests sharing one (workspace, Idempotency-Key).
pub type IdemLock = Arc<tokio::sync::Mutex<()>>;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenCache,
    pub limiter: RateLimiter,
    /// Per (workspace, Idempotency-Key) locks so concurrent duplicates execute once.
    pub idem_locks: Mutex<HashMap<(String, String), IdemLock>>,
    faults: RwLock<BTreeSet<String>>,
    pub events: Events,
}

impl AppState {
    pub fn new(config: Config, db: Db, events: Events) -> AppState {
        let faults = RwLock::new(config.faults.clone());
        AppState {
            config,
            db,
            tokens: TokenCache::default(),
            limiter: RateLimiter::default(),
            idem_locks: Mutex::new(HashMap::new()),
            faults,
            events,
        }
    }

    /// Is the named fault switch on?
    pub fn fault(&self, name: &str) -> bool {
        self.faults
            .read()
            .map(|f| f.contains(name))
            .unwrap_or(false)
    }

    /// Replaces the set of active fault switches (takes effect on the next request).
    pub fn set_faults<I: IntoIterator<Item = String>>(&self, faults: I) {
        if let Ok(mut f) = self.faults.write() {
            *f = faults.into_iter().collect();
        }
        self.tokens.clear();
        self.limiter.reset_all();
    }

    pub fn faults(&self) -> BTreeSet<String> {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }
}
